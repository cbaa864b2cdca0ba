#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A charge racing with the removal of its cgroup (issue 10, item 5: state
# made after rmdir must go offline).  The first VRAM allocation of a task
# in p/c creates c's state; the module is loaded with its test facility
# test_create_delay_ms, and while the task waits there it is moved to the
# root and c is removed (the removal hook finds no state yet).  The state
# must then be created offline: the allocation succeeds, but nothing is
# charged to the removed cgroup or its parent p.
# kernels: 6.1 6.12
# timeout: 180
. /dmem/lib.sh

kmsg_mark
check "module loads with a state-creation delay" load_dmem test_create_delay_ms=4000
R=$(dmem_region drm/)
check "a drm/ region is registered" test -n "$R"
cg_create p/c
check "dmem enabled down to p/c" cg_enable p/c
bg_start cg_exec p/c qxlbuf alloc -n 1 -s 1M --hold --ready /tmp/c.ready -q
H=$BG_PID
creating() { grep -q dmem_cgstate_find_or_create /proc/$H/stack 2>/dev/null; }
check "the allocation waits to create c's state" wait_for 60 creating
cg_move "" $H
check "c removed meanwhile" rmdir "$(cg_path p/c)"
check "the allocation completes" wait_file /tmp/c.ready 60
check_eq "nothing charged to the removed cgroup's parent" "$(dmem_read p current "$R")" 0
check "the holder frees and exits" bg_stop $H
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
