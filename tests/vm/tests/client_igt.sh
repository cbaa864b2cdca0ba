#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# IGT's dmem_cgroups tests (igt-dev "add dmem_cgroups test" v3, lib/
# igt_cgroup.c + tests/dmem_cgroups.c), replayed with the library's exact
# writes: "+dmem" (open O_WRONLY, no newline) into the root's
# subtree_control, mkdir igt_cgroups_test, the pid, "<region> <bytes>"
# into dmem.max (O_WRONLY, O_NONBLOCK for the nonblock variants).
# Scaled to qxl's 64 MiB VRAM (IGT wants >= 4 x 64 MiB): BO_SIZE 4 MiB,
# USAGE_SLACK 1 MiB (qxl has no page-table overhead), and 8 MiB left for
# qxl's pinned primary surface.
#   current: fill to the cgroup's share, free; max 2 BOs: usage capped;
#            max 0: nothing allocates.
#   write_eviction / write_eviction_nonblock: fill, then lower dmem.max
#            below usage; as upstream with the reclaim series, the
#            blocking write evicts down to the new max before it returns
#            (src/cgroup/reclaim.c); with O_NONBLOCK the write only stores
#            it and the next allocation in the cgroup evicts the cgroup's
#            own buffers down to it.
# kernels: 6.1 6.12
# timeout: 300
. /dmem/lib.sh
. /dmem/desktop.sh

MIB=1048576
BO=$((4 * MIB))
SLACK=$((1 * MIB))
kmsg_mark
check "module loads" load_dmem
R=$(dmem_region drm/)
check "igt_cgroup_dmem_available: a region in dmem.capacity" test -n "$R"
cap=$(dmem_read "" capacity "$R")
CG=igt_cgroups_test

igt_cgroup_new() {
	cw plain $CGROOT/cgroup.subtree_control "+dmem"
	check_eq "igt_cgroup_new: +dmem at the root" "$CW" ok
	mkdir "$(cg_path $CG)"
}
igt_cgroup_free() { # drain procs to the parent, rmdir
	local p
	for p in $(cat "$(cg_path $CG)/cgroup.procs"); do
		cgwrite -m plain $CGROOT/cgroup.procs "$p" >/dev/null
	done
	rmdir "$(cg_path $CG)"
}
# allocate N: the test process (in $CG) allocates N BOs, stopping at the
# first failure and keeping what it got; sets IGT_PID, IGT_RC
allocate_vram() {
	rm -f /tmp/igt.ready
	sh -c 'cgwrite -m plain "$0/cgroup.procs" $$ >/dev/null &&
		exec qxlbuf alloc -n "$1" -s "$2" --partial --hold --ready /tmp/igt.ready -q' \
		"$(cg_path $CG)" "$1" $BO 2>/dev/null &
	IGT_PID=$!
	wait_for 30 sh -c "test -e /tmp/igt.ready || ! kill -0 $IGT_PID 2>/dev/null"
}
free_vram() {
	bg_stop $IGT_PID
	IGT_RC=$?
}
current() { dmem_read $CG current "$R"; }
within() { [ "$1" -gt $(($2 - SLACK)) ] && [ "$1" -lt $(($2 + SLACK)) ]; }

# ---------------------------------------------------------------- current
T=$(qxl_vram_total)
cg_max=$((cap - BO - SLACK))
[ $cg_max -gt $((T - 8 * MIB)) ] && cg_max=$((T - 8 * MIB))
cg_max=$((cg_max / BO * BO))
max_bo=$((cg_max / BO))
diag "capacity $cap, cg_max $cg_max ($max_bo BOs of $BO)"
igt_cgroup_new
allocate_vram $max_bo
c=$(current)
free_vram
check_eq "current: every BO allocated" $IGT_RC 0
check "current: usage $c within slack of $cg_max" within "$c" $cg_max
check_le "current: usage drops after free" "$(current)" $((SLACK - 1))

cw plain "$(cg_path $CG)/dmem.max" "$R $((2 * BO))"
check_eq "current: dmem.max = 2 BOs written" "$CW" ok
allocate_vram $max_bo
c=$(current)
free_vram
# a charge over the limit evicts the cgroup's own buffers first (TTM), so
# allocating may go on; IGT only asserts that something was allocated
check "current: something allocated under max 2 BOs" test $IGT_RC = 0 -o $IGT_RC = 3
check "current: usage $c within slack of 2 BOs" within "$c" $((2 * BO))
check_le "current: usage drops after free" "$(current)" $((SLACK - 1))

cw plain "$(cg_path $CG)/dmem.max" "$R 0"
check_eq "current: dmem.max = 0 written" "$CW" ok
allocate_vram $max_bo
c=$(current)
free_vram
diag "current: qxlbuf exit $IGT_RC under max 0"
check_le "current: usage $c within slack" "$c" $((SLACK - 1))
igt_cgroup_free

# ---------------------------------------------------------- write_eviction
# run_eviction NAME [-N]: max = cg_max, fill, lower max to half the usage.
run_eviction() {
	local name=$1 nb=$2 limit after
	igt_cgroup_new
	cw plain "$(cg_path $CG)/dmem.max" "$R $cg_max"
	allocate_vram $max_bo
	c=$(current)
	limit=$((c / 2 / BO * BO))
	CW=$(cgwrite -m plain $nb "$(cg_path $CG)/dmem.max" "$R $limit")
	check_eq "$name: lowering dmem.max below usage is not an error" "$CW" ok
	if [ -n "$nb" ]; then
		check_eq "$name: O_NONBLOCK write did not reclaim" "$(current)" "$c"
		# O_NONBLOCK: no reclaim in the write; the next allocation in the
		# cgroup has to evict its own buffers down to the new max
		sh -c 'cgwrite -m plain "$0/cgroup.procs" $$ >/dev/null &&
			exec qxlbuf alloc -n 1 -s "$1" -q' "$(cg_path $CG)" $BO 2>/dev/null
	fi
	after=$(current)
	free_vram
	diag "$name: usage $c, new max $limit, usage after $after"
	check_le "$name: usage evicted down to the new max" "$after" $((limit + SLACK))
	igt_cgroup_free
}
run_eviction write_eviction
run_eviction write_eviction_nonblock -N
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
