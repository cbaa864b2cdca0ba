#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fault injection of module init (issue #10, item 4): load with
# fail_init_step=N for N = 1, 2, ... until a load succeeds, with VRAM
# allocation churn in two cgroups all the time (charges made in a window
# of a half-done init would show).  Each failed load must fail with exactly
# one error line and leave nothing behind: no module, no dmem.* file, no
# ftrace handler (enabled_functions back to its count before), no charge
# record cache, no pinned cgroup (removed cgroups do not stay dying), no
# kernel warning.  Then the load without the parameter works and charges,
# and every counter is 0 once the churn stops.
# kernels: 6.1 6.12
# timeout: 1200
. /dmem/lib.sh

MIB=1048576
MAXSTEP=64

# Error lines logged by our module since kmsg_mark (dmesg -r keeps the
# level); one load attempt (load_once below) must log exactly one.
dmem_errors() {
	dmesg -r | tail -n +$((${_KMSG_MARK:-0} + 1)) |
		sed -n 's/^<3>\[[^]]*\] \(dmem_backport: \)/\1/p'
}

EF=/sys/kernel/debug/tracing/enabled_functions
if [ ! -r $EF ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	EF=/sys/kernel/tracing/enabled_functions
fi
check "enabled_functions readable" test -r $EF
nfuncs() { grep -c . $EF; }
dying() { sed -n 's/^nr_dying_descendants //p' "$CGROOT/cgroup.stat"; }

kmsg_mark
base_funcs=$(nfuncs)
base_dying=$(dying)
diag "before: $base_funcs traced functions, $base_dying dying cgroups"

cg_create f1
cg_create f2/deep
cg_enable f2/deep memory
bg_start cg_exec f1 qxlbuf alloc -n 4 -s 1M -r 1000000 -p 5 -q
c1=$BG_PID
bg_start cg_exec f2/deep qxlbuf alloc -n 3 -s 512K -r 1000000 -p 5 -q
c2=$BG_PID

# One finit_module() per attempt (tests/vm/guest/finit.c): busybox insmod
# would retry a failed load with init_module() and run the failing init
# twice, which doubles the test's time and checks nothing more.
load_once() { finit "$DMEM_KO" "$@"; }

n=1 steps=""
while [ $n -le $MAXSTEP ]; do
	kmsg_mark
	if load_once fail_init_step=$n; then
		steps=$((n - 1))
		break
	fi
	bad=""
	errs=$(dmem_errors)
	[ "$(echo "$errs" | grep -c .)" = 1 ] || bad="$bad errors=[$errs]"
	echo "$errs" | grep -q "init step $n " || bad="$bad no-injection-message"
	dmem_loaded && bad="$bad module-loaded"
	[ -e "$CGROOT/dmem.capacity" ] && bad="$bad dmem-files-left"
	[ -e "$(cg_path f1)/dmem.max" ] && bad="$bad dmem-files-left-in-child"
	[ "$(nfuncs)" = "$base_funcs" ] || bad="$bad ftrace-ops-left($(nfuncs))"
	grep -q '^dmem_ttm_charge ' /proc/slabinfo 2>/dev/null && bad="$bad charge-cache-left"
	kmsg_clean >/dev/null || bad="$bad kernel-log"
	if [ -z "$bad" ]; then
		ok "fail_init_step=$n: ${errs#*dmem_backport: }"
	else
		not_ok "fail_init_step=$n:$bad"
		kmsg_clean
	fi
	n=$((n + 1))
done
diag "init has ${steps:-?} fault-injectable steps"
check "a load with fail_init_step beyond the last step succeeds" test -n "$steps"
check_ge "at least 10 init steps exercised" "${steps:-0}" 10
check "unload" unload_dmem

kmsg_mark
check "normal load" load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
cg_create f3
cg_enable f3
# dmem starts disabled everywhere after a load (as upstream at boot)
check "+dmem down to f2/deep" cg_enable f2/deep
bg_start cg_exec f3 qxlbuf alloc -n 2 -s 1M --hold --ready /tmp/f3.ready -q
H=$BG_PID
check "2 MiB held" wait_file /tmp/f3.ready 30
check_eq "f3 charged 2 MiB" "$(dmem_read f3 current "$R")" $((2 * MIB))
check "freed" bg_stop $H
check "churn 1 ends cleanly" bg_stop $c1
check "churn 2 ends cleanly" bg_stop $c2
for cg in f1 f2 f2/deep f3; do
	check_eq "$cg at 0 after the churn" "$(dmem_read $cg current "$R")" 0
done
check "unload" unload_dmem
check_eq "no ftrace handler left" "$(nfuncs)" "$base_funcs"
# files written in /tmp from a cgroup are charged to its memcg and keep
# it dying after rmdir: remove them first
rm -f /tmp/*.ready
cg_remove f1
cg_remove f2
cg_remove f3
no_dying() { [ "$(dying)" -le "$base_dying" ]; }
check "removed cgroups released (no pin leaked)" wait_for 30 no_dying
diag "dying cgroups: $(dying) (before: $base_dying)"
check "kernel log clean" kmsg_clean
finish
