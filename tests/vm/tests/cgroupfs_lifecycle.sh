#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Module lifecycle of the cgroupfs side: a bad "host" parameter refuses the
# load with one clear error and leaves nothing behind; host=io puts the
# files on the io controller; 20 load/unload cycles (6 on the debug kernel)
# while other processes keep reading and writing dmem.* files and
# cgroup.subtree_control and creating/removing cgroups (so unload races
# with callers inside our hooks and files) leave the kernel as found, with
# no warning.
# kernels: 6.1 6.12
# smp: 2
# timeout: 600
. /dmem/lib.sh

kmsg_mark
R=$CGROOT
ctl0=$(cat $R/cgroup.controllers)
check_fail "host=bogus refuses to load" load_dmem host=bogus
# (busybox insmod tries finit_module, then init_module: one line per try)
kmsg_since_mark | grep 'dmem_backport: ' | sed 's/^/# /'
check "the error names the parameter" sh -c "dmesg | grep -q 'dmem_backport: host=bogus: must be memory or io'"
check_eq "no other message than that error" \
	"$(kmsg_since_mark | grep 'dmem_backport: ' | grep -v -e taint -e 'must be memory or io')" ""
check_fail "nothing left: no dmem.capacity" test -e $R/dmem.capacity
check_eq "nothing left: cgroup.controllers unchanged" "$(cat $R/cgroup.controllers)" "$ctl0"
check_fail "not loaded" dmem_loaded

# host=io
echo "-memory -io" >$R/cgroup.subtree_control
check "loads with host=io" load_dmem host=io
check "io: root has dmem.capacity" test -f $R/dmem.capacity
check "io: +dmem enables io" sh -c "echo +dmem >$R/cgroup.subtree_control && grep -qw io $R/cgroup.subtree_control"
check_fail "io: +dmem did not enable memory" grep -qw memory $R/cgroup.subtree_control
cg_create x
check "io: x has dmem.max" test -f $R/x/dmem.max
check "unloads (io)" unload_dmem
rmdir $R/x
echo "-io" >$R/cgroup.subtree_control

# 20 cycles under load (6 on the debug kernel, $KDEBUG: KASAN/lockdep see
# a bad path the first time it runs; the stock kernels give the timing
# windows their 20 chances)
CYCLES=20
[ "${KDEBUG:-0}" = 1 ] && CYCLES=6
cg_create s/t
echo "+memory +pids" >$R/cgroup.subtree_control
echo +memory >$R/s/cgroup.subtree_control
readers() {
	while :; do
		sleep 0.1
		cat $R/cgroup.controllers $R/cgroup.subtree_control $R/s/cgroup.subtree_control \
			$R/dmem.capacity $R/dmem.current $R/s/dmem.max $R/s/t/dmem.low >/dev/null 2>&1
	done
}
writers() {
	while :; do
		sleep 0.1
		{
			echo "+dmem" >$R/s/cgroup.subtree_control
			echo "nosuch 1" >$R/s/t/dmem.max
			echo "-dmem +pids" >$R/s/cgroup.subtree_control
			echo "-pids" >$R/s/cgroup.subtree_control
			mkdir $R/s/u && rmdir $R/s/u
		} 2>/dev/null
	done
}
bg_start readers
bg_start writers
loads=0 unloads=0
i=0
while [ $i -lt $CYCLES ]; do
	load_dmem && loads=$((loads + 1))
	sleep 0.2
	unload_dmem && unloads=$((unloads + 1))
	i=$((i + 1))
done
cleanup_bg
check_eq "$CYCLES loads under load" "$loads" $CYCLES
check_eq "$CYCLES unloads under load" "$unloads" $CYCLES
check_fail "no dmem files left" test -e $R/s/dmem.max
check_fail "no dmem in cgroup.controllers" grep -qw dmem $R/cgroup.controllers
check "memory still enabled in s" grep -qw memory $R/s/cgroup.subtree_control
check "cgroup.subtree_control writable as before" sh -c "echo +pids >$R/s/cgroup.subtree_control && echo -pids >$R/s/cgroup.subtree_control"
err=$(sh -c "echo +dmem >$R/s/cgroup.subtree_control" 2>&1)
check_eq "+dmem is unknown again after unload (EINVAL)" "${err##*: }" "Invalid argument"
check "kernel log clean" kmsg_clean
finish
