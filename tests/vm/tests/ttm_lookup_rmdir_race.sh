#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An allocation whose task is moved out and whose cgroup is removed
# between finding the task's pool and charging it.  The module is loaded
# with its test facility test_lookup_delay_ms, which sleeps at that point;
# twice: c1 has a pool already (the lock-free lookup), c2 has none yet
# (the lookup that creates it, and may sleep in the allocator).  The
# lookup must pin the cgroup it found, so the removed cgroup stays dying
# (not released) until the charge is done, and the charge then goes where
# the task is now.  Before the fix both lookups dropped every reference on
# the cgroup and pinned it again only after the lookup: the cgroup was
# released during the sleep (the "stays dying" checks failed) and the late
# pin took a reference on a freed cgroup (KASAN on the debug kernel).
# kernels: 6.1 6.12
# timeout: 240
. /dmem/lib.sh

MIB=1048576
kmsg_mark
check "module loads with a lookup delay" load_dmem test_lookup_delay_ms=20000
R=$(dmem_region drm/)
check "a drm/ region is registered" test -n "$R"

# race CG: one 1 MiB allocation of a task moved into p/CG, which is moved
# back to the root and p/CG removed while the allocation sleeps
race() {
	cg=$1
	rm -f /tmp/$cg.go /tmp/$cg.ready
	bg_start qxlbuf alloc -n 1 -s 1M --no-touch --hold \
		--start-file /tmp/$cg.go --ready /tmp/$cg.ready -q
	H=$BG_PID
	waiting() { grep -q nanosleep /proc/$H/stack 2>/dev/null; }
	check "$cg: the holder waits for its start file" wait_for 30 waiting
	check "$cg: the holder moves into p/$cg" cg_move p/$cg $H
	touch /tmp/$cg.go
	sleeping() { grep -q msleep /proc/$H/stack 2>/dev/null &&
		grep -q qxl_alloc_ioctl /proc/$H/stack; }
	check "$cg: the charge sleeps after its lookup" wait_for 60 sleeping
	cg_move "" $H
	check "$cg: removed meanwhile" rmdir "$(cg_path p/$cg)"
	released() { grep -qx 'nr_dying_descendants 0' "$(cg_path p)/cgroup.stat"; }
	check_fail "$cg: stays dying while its charge sleeps (3 s)" wait_for 3 released
	check "$cg: the charge is still sleeping" sleeping
	check "$cg: the allocation completes" wait_file /tmp/$cg.ready 60
	check_eq "$cg: p is charged nothing (the task left it)" \
		"$(dmem_read p current "$R")" 0
	check "$cg: released once the charge is done" wait_for 30 released
	check "$cg: the holder frees and exits" bg_stop $H
}

cg_create p/c1
cg_create p/c2
check "dmem enabled down to p/c1" cg_enable p/c1
check "dmem enabled down to p/c2" cg_enable p/c2
# c1 gets its pool from a limit write (at its default: nothing is limited)
check "c1 has a pool" sh -c "echo '$R max' >'$(cg_path p/c1)/dmem.max'"
race c1
race c2
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
