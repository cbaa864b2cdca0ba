#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Adversary: uid 1000 nests N cgroups below its delegated cgroup (memory,
# and dmem while the module is loaded, enabled at every level) and removes
# them, once without the module and once with it.  The module must not make
# the kernel build a cgroup path per removal: a probe on the cgroup_rmdir or
# cgroup_release tracepoint does (TRACE_CGROUP_PATH), O(depth) each with
# interrupts off, O(N^2) for the chain (a 1,536-level removal took 76 s
# instead of 3 s).  Counted deterministically: calls of
# kernfs_path_from_node() (a kprobe event) from the first rmdir until no
# removed cgroup is dying any more, loaded vs not loaded.  The removal
# times are printed for the record, not asserted.
# kernels: 6.1 6.12
# timeout: 600
. /dmem/lib.sh

N=512
kmsg_mark
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
KP=dmem_adv/pathbuild

# pathbuilds_start / pathbuilds_stop: count kernfs_path_from_node() calls
# in between (pathbuilds_stop prints the count, or "lost" on an overrun).
pathbuilds_start() {
	echo "p:$KP kernfs_path_from_node" >>$T/kprobe_events || return 1
	echo 8192 >$T/buffer_size_kb
	echo >$T/trace
	echo 1 >$T/events/$KP/enable
}
pathbuilds_stop() {
	local n lost
	echo 0 >$T/events/$KP/enable
	n=$(grep -c "pathbuild:" $T/trace)
	lost=$(cat $T/per_cpu/cpu*/stats 2>/dev/null | awk '$1 == "overrun:" { s += $2 } END { print s + 0 }')
	echo "-:$KP" >>$T/kprobe_events
	echo >$T/trace
	if [ "$lost" -gt 0 ]; then echo lost; else echo "$n"; fi
}
cs() { awk '{ printf "%d", $1 * 100 }' /proc/uptime; }
secs() { echo "$(($1 / 100)).$(printf %02d $(($1 % 100)))"; }
dying() { awk '$1 == "nr_dying_descendants" { print $2 }' "$D/cgroup.stat"; }
no_dying() { [ "$(dying)" = 0 ]; }

# remove_chain WHAT: the user removes levels N..1; sets RM_CS (the rmdir
# calls), GONE_CS (until nothing below D is dying) and BUILDS.
remove_chain() {
	local t0 t1
	check "$1: path-build counter armed" pathbuilds_start
	t0=$(cs)
	check "$1: user removes all $N levels" deep rm
	t1=$(cs)
	check "$1: every removed level is released" wait_for 300 no_dying
	GONE_CS=$(($(cs) - t0))
	RM_CS=$((t1 - t0))
	BUILDS=$(pathbuilds_stop)
	diag "$1: rmdir of $N levels $(secs $RM_CS) s, released after $(secs $GONE_CS) s, $BUILDS path builds"
}

check "subtree delegated to uid 1000 (module not loaded)" adv_delegate
D=$ADV_DIR
deep() { adv_asuser cgdeep "$D" $N "$@"; }
check "user nests $N levels with memory (module not loaded)" deep mk +memory
remove_chain "without the module"
rm0=$RM_CS gone0=$GONE_CS builds0=$BUILDS

check "module loads" load_dmem
R=$(dmem_region drm/)
check "a drm/ region is registered" test -n "$R"
check "root enables dmem down to the delegated cgroup" cg_enable "$ADV_CG" dmem
check "user nests $N levels with memory and dmem" deep mk
check "user writes dmem.max at the bottom" deep write $N dmem.max "$R 64M"
check "user writes dmem.low=max at every 8th level" deep writeall 1 $N 8 dmem.low "$R max"
remove_chain "with the module"

check "path builds counted without the module" test "$builds0" != lost
check "path builds counted with the module" test "$BUILDS" != lost
check_le "the module adds no path build per removed cgroup (had $((2 * N)))" \
	"$BUILDS" $((builds0 + N / 16))
if [ "$rm0" -gt 0 ] && [ "$gone0" -gt 0 ]; then
	diag "removal with/without the module: rmdir x$((RM_CS * 100 / rm0 / 100)).$(printf %02d $((RM_CS * 100 / rm0 % 100))), until released x$((GONE_CS * 100 / gone0 / 100)).$(printf %02d $((GONE_CS * 100 / gone0 % 100)))"
fi
check "nothing is left below the delegated cgroup" test ! -e "$D/level"
adv_undelegate
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
