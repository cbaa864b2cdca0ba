#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Adversary: the GPU is unbound while uid 1000 allocates and frees in a
# delegated subtree, writes limits and reads the dmem files, and while a
# task outside the subtree does the same.  Every churner must end cleanly
# (its allocations fail once the device is unplugged), every counter is 0
# once the buffers are gone, the region disappears with the device, limit
# writes to it fail, and the module unloads.  No rebind (Debian's qxl can
# oops on rebind without our module), so this runs last in its boot.
# kernels: 6.1 6.12
# smp: 2
# order: last
# timeout: 240
. /dmem/lib.sh

PCI=$(basename "$(readlink -f /sys/class/drm/card0/device)")
adv_setup
check "user creates u1 and u2 with memory+dmem" adv_asuser sh -c "
	set -e
	cd $D
	echo +memory >cgroup.subtree_control; echo +dmem >cgroup.subtree_control
	mkdir u1 u2
	echo '$R 20M' >u1/dmem.max; echo '$R 8M' >u2/dmem.low"
cg_create outside
cg_enable outside

PIDS=""
for c in u1 u2; do
	adv_asuser_bg sh -c "echo 0 >$D/$c/cgroup.procs && exec advbuf churn 6 2M 0" >/tmp/churn.$c 2>&1
	PIDS="$PIDS $ADV_PID"
done
(cg_exec outside advbuf churn 8 2M 0) >/tmp/churn.outside 2>&1 &
PIDS="$PIDS $!"
adv_asuser_bg sh -c "
	while :; do
		echo '$R 16M' >$D/u1/dmem.max
		echo '$R max' >$D/u2/dmem.min
		cat $D/u1/dmem.current $D/u2/dmem.low >/dev/null
	done 2>/dev/null"
W=$ADV_PID
sleep 3
check "unbind qxl while users allocate" sh -c "echo $PCI >/sys/bus/pci/drivers/qxl/unbind"
sleep 2
n=0
for p in $PIDS; do
	bg_stop "$p" || n=$((n + 1))
done
kill $W 2>/dev/null
wait $W 2>/dev/null
for f in /tmp/churn.*; do diag "$(basename "$f"): $(cat "$f")"; done
check_eq "every churner ended cleanly" "$n" 0
for c in u1 u2; do
	v=$(dmem_read "$ADV_CG/$c" current "$R")
	check "$c charges nothing once its buffers are gone" test "${v:-0}" = 0
done
v=$(dmem_read outside current "$R")
check "outside charges nothing once its buffers are gone" test "${v:-0}" = 0
touch /run/holder.released
kill "$(cat /run/holder.pid)"
gone() { ! grep -q "^$R " "$CGROOT/dmem.capacity"; }
check "region goes away with the device" wait_for 30 gone
check "user's limit writes to the gone region fail" adv_asuser sh -c "! echo '$R 1M' >$D/u1/dmem.max 2>/dev/null"
check "user removes its cgroups" adv_asuser sh -c "cd $D && rmdir u1 u2"
adv_undelegate
check "module unloads without the device" unload_dmem
check "kernel log clean" kmsg_clean
finish
