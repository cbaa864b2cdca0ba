#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Adversary (uid 1000, delegated subtree), the rest of the attack surface:
# read-only dmem files refuse writes; dmem.max below the usage is accepted
# without harm; cgroup.kill of allocating tasks; 600 cgroups with limits
# (200 on the debug kernel) created and removed (nothing stays pinned: the
# removed cgroups are freed); dmem files held open across rmdir and across
# module unload, then read and written; limit writes and reads hammering
# while root unloads and reloads the module.  Nothing may crash, every
# counter ends at 0.
# kernels: 6.1 6.12
# smp: 2
# timeout: 300
. /dmem/lib.sh

MIB=1048576
# 600 cgroups and 5 reload cycles; on the debug kernel ($KDEBUG: KASAN,
# lockdep, kmemleak see a bad path on its first pass; everything there is
# several times slower) 200 and 2: repetition for timing windows stays on
# the stock kernels.
if [ "${KDEBUG:-0}" = 1 ]; then MANY=200 RELOADS=2; else MANY=600 RELOADS=5; fi
adv_setup
check "user enables memory and dmem, creates a" adv_asuser sh -c "
	set -e
	cd $D
	echo +memory >cgroup.subtree_control; echo +dmem >cgroup.subtree_control
	mkdir a"

# ---- read-only files
for f in current peak; do
	check "user cannot write a/dmem.$f" adv_asuser sh -c "! echo '$R 1M' >$D/a/dmem.$f 2>/dev/null"
done
check "user cannot write the root's dmem.capacity" adv_asuser sh -c "! echo '$R 1M' >$CGROOT/dmem.capacity 2>/dev/null"
check "user cannot write the delegated cgroup's own dmem.low" adv_asuser sh -c "! echo '$R max' >$D/dmem.low 2>/dev/null"

# ---- dmem.max below the usage
adv_asuser_bg sh -c "echo 0 >$D/a/cgroup.procs && exec advbuf hold 4 1M /tmp/a.ready"
H=$ADV_PID
check "4 MiB held in a" adv_ready /tmp/a.ready 4 60
check "user sets a's dmem.max below its usage" adv_asuser sh -c "echo '$R 1M' >$D/a/dmem.max"
check "user sets a's dmem.max to 0" adv_asuser sh -c "echo '$R 0' >$D/a/dmem.max"
check "a's dmem.current stays readable" adv_asuser cat "$D/a/dmem.current"
check "the holder stops" bg_stop $H
check_eq "a is back to 0" "$(dmem_read "$ADV_CG/a" current "$R")" 0
check "user sets a's dmem.max back to max" adv_asuser sh -c "echo '$R max' >$D/a/dmem.max"

# ---- cgroup.kill of allocating tasks
adv_asuser_bg sh -c "mkdir $D/k && echo 0 >$D/k/cgroup.procs && exec advbuf churn 4 2M 0" >/dev/null 2>&1
K1=$ADV_PID
adv_asuser_bg sh -c "sleep 0.2; echo 0 >$D/k/cgroup.procs && exec advbuf churn 2 4M 0" >/dev/null 2>&1
K2=$ADV_PID
sleep 2
check "user kills its allocating cgroup" adv_asuser sh -c "echo 1 >$D/k/cgroup.kill"
wait $K1 $K2 2>/dev/null
wait_for 10 cg_empty "$D/k"
check_eq "k is back to 0" "$(dmem_read "$ADV_CG/k" current "$R")" 0
check "user removes k" adv_asuser rmdir "$D/k"

# ---- many cgroups with limits, created and removed
t0=$(date +%s)
check "user creates $MANY cgroups with limits in each" adv_asuser sh -c "
	set -e
	mkdir $D/many
	echo +memory >$D/many/cgroup.subtree_control
	echo +dmem >$D/many/cgroup.subtree_control
	i=0
	while [ \$i -lt $MANY ]; do
		mkdir $D/many/c\$i
		echo \"$R \$((i + 1))M\" >$D/many/c\$i/dmem.max
		echo '$R max' >$D/many/c\$i/dmem.low
		i=\$((i + 1))
	done"
check_eq "c$((MANY - 1))'s dmem.max reads back" "$(dmem_read "$ADV_CG/many/c$((MANY - 1))" max "$R")" $((MANY * MIB))
check "user removes them" adv_asuser sh -c "cd $D/many && rmdir c[0-9]*"
diag "$MANY cgroups: $(($(date +%s) - t0)) s"
dying() { awk '$1 == "nr_dying_descendants" { print $2 }' "$D/many/cgroup.stat"; }
no_dying() { [ "$(dying)" = 0 ]; }
check "the removed cgroups are freed (nothing pins them)" wait_for 30 no_dying
diag "nr_dying_descendants: $(dying)"
check "user removes many" adv_asuser rmdir "$D/many"

# ---- descriptors held across rmdir and across unload
mkfifo -m 0644 /tmp/unload.go
# user: holds dmem files of a removed cgroup and of a live one open, uses
# them, waits for root's rmmod, uses them again
adv_asuser_bg sh -c "
	mkdir $D/gone || exit 1
	exec 4>$D/gone/dmem.max 5<$D/gone/dmem.low 6>$D/a/dmem.low 7<$D/a/dmem.current || exit 1
	rmdir $D/gone || exit 1
	echo '$R 1M' >&4 2>/dev/null && exit 2
	cat <&5 >/dev/null 2>&1
	echo '$R 2M' >&6 || exit 3
	cat <&7 >/dev/null || exit 4
	exec 3</tmp/unload.go
	read x <&3
	echo '$R 3M' >&6 2>/dev/null
	echo '$R 3M' >&4 2>/dev/null
	cat <&5 <&7 >/dev/null 2>&1
	touch /tmp/unload.done
	exit 0"
U=$ADV_PID
sleep 1
rm_rc=0
unload_dmem || rm_rc=$?
diag "rmmod with dmem files held open: exit $rm_rc"
echo go >/tmp/unload.go
wait $U
check_eq "descriptors held across rmdir and unload fail cleanly" "$?" 0
check "the holder saw the end" test -e /tmp/unload.done
dmem_loaded || check "module reloads" load_dmem
# dmem is enabled nowhere after a load (upstream rules): enable it again,
# root in the parents, the user in its delegated cgroup
reenable() {
	cg_enable "$ADV_CG" dmem &&
		adv_asuser sh -c "echo +dmem >$D/cgroup.subtree_control"
}
check "dmem enabled again down to a" reenable
R=$(dmem_region drm/)
root1=$(dmem_read "" current "$R")

# ---- writes and reads hammering during unload/reload
adv_asuser_bg sh -c "
	while :; do
		echo '$R 5M' >$D/a/dmem.max
		echo '$R max' >$D/a/dmem.low
		cat $D/a/dmem.max $D/a/dmem.current $D/cgroup.subtree_control
		echo +dmem >$D/cgroup.subtree_control
	done >/dev/null 2>&1"
W=$ADV_PID
adv_asuser_bg sh -c "echo 0 >$D/a/cgroup.procs && exec advbuf churn 2 1M 0" >/dev/null 2>&1
C=$ADV_PID
i=0 fails=0
while [ $i -lt $RELOADS ]; do
	sleep 0.5
	unload_dmem || fails=$((fails + 1))
	sleep 0.3
	load_dmem || fails=$((fails + 1))
	cg_enable "$ADV_CG" dmem || fails=$((fails + 1))
	i=$((i + 1))
done
check_eq "$RELOADS unload/reload cycles under writes and allocations" "$fails" 0
kill $W
check "the allocating task stops" bg_stop $C
wait $W 2>/dev/null
check "dmem enabled again down to a" reenable
R=$(dmem_region drm/)
check_eq "a is back to 0" "$(dmem_read "$ADV_CG/a" current "$R")" 0
diag "root dmem.current: $(dmem_read "" current "$R") (was $root1; the driver may charge its own buffers there)"
check "user removes a" adv_asuser rmdir "$D/a"
adv_undelegate
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
