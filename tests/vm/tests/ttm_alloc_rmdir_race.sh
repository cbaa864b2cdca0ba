#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An allocation that sleeps in the kernel's allocator after its charge,
# while its task is moved out and its cgroup removed (issue 10, item 5: the
# cgroup must be pinned before anything can sleep).  The module is loaded
# with its test facility test_alloc_delay_ms; while the task sleeps there
# it is moved to the root and p/c is removed.  The charge pinned c before
# the sleep, so c stays a dying cgroup (not released) until the buffer is
# freed.  Before the fix c was pinned only after the allocator returned:
# c was released during the sleep, the late pin touched a freed cgroup
# (KASAN on the debug kernel) and the "stays dying" check failed.
# kernels: 6.1 6.12
# timeout: 180
. /dmem/lib.sh

kmsg_mark
# 30 s: checks 6-9 run inside the sleep; on the debug kernel under a busy
# host they once took more than 10 s (check 9 failed).
check "module loads with an allocation delay" load_dmem test_alloc_delay_ms=30000
R=$(dmem_region drm/)
check "a drm/ region is registered" test -n "$R"
cg_create p/c
check "dmem enabled down to p/c" cg_enable p/c
# qxlbuf starts at the root and faults its memory in there; moved into p/c
# it allocates (and faults nothing), so no memory charge keeps c alive
# and only the VRAM charge's pin can
rm -f /tmp/c.go /tmp/c.ready
bg_start qxlbuf alloc -n 1 -s 1M --no-touch --hold --start-file /tmp/c.go --ready /tmp/c.ready -q
H=$BG_PID
waiting() { grep -q nanosleep /proc/$H/stack 2>/dev/null; }
check "the holder waits for its start file" wait_for 30 waiting
check "the holder moves into p/c" cg_move p/c $H
touch /tmp/c.go
sleeping() { grep -q msleep /proc/$H/stack 2>/dev/null && grep -q qxl_alloc_ioctl /proc/$H/stack; }
check "the allocation sleeps after its charge" wait_for 60 sleeping
diag "memory charged to c: $(cat "$(cg_path p/c)/memory.current") bytes"
cg_move "" $H
check "c removed meanwhile" rmdir "$(cg_path p/c)"
released() { grep -qx 'nr_dying_descendants 0' "$(cg_path p)/cgroup.stat"; }
check_fail "c stays dying while its allocation sleeps (3 s)" wait_for 3 released
check "the allocation is still sleeping" sleeping
check "the allocation completes" wait_file /tmp/c.ready 60
check_eq "p is charged the 1 MiB of its removed child" "$(dmem_read p current "$R")" 1048576
check_fail "c stays dying while its buffer is held" released
check "the holder frees and exits" bg_stop $H
check_eq "p is charged nothing once the buffer is freed" "$(dmem_read p current "$R")" 0
check "c is released once nothing pins it" wait_for 30 released
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
