#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rmmod while a task is inside one of our replacements: the module's exit
# must wait until the task has left our code (src/hook/hook.c,
# dmem_hook_wait_callers()), report the wait every 10 s with the number
# of callers inside, and only then tear down.  The module is loaded with
# its test facility test_alloc_delay_ms, so an allocation sleeps 20 s
# inside the replacement of ttm_resource_alloc(), between its charge and
# the kernel's allocator (reached through our stub, which must still be
# there).  The allocation must succeed with its contents intact, the
# module must be gone afterwards and the kernel log clean (KASAN and
# lockdep on the debug kernel).
# kernels: 6.1 6.12
# timeout: 180
. /dmem/lib.sh

kmsg_mark
check "module loads with an allocation delay" load_dmem test_alloc_delay_ms=20000
R=$(dmem_region drm/)
check "a drm/ region is registered" test -n "$R"
cg_create w
check "dmem enabled on w" cg_enable w
rm -f /tmp/w.ready
bg_start cg_exec w qxlbuf alloc -n 1 -s 1M --hold --verify --ready /tmp/w.ready -q
H=$BG_PID
sleeping() { grep -q msleep /proc/$H/stack 2>/dev/null && grep -q qxl_alloc_ioctl /proc/$H/stack; }
check "the allocation sleeps inside the module" wait_for 60 sleeping

rmmod dmem_backport &
RM=$!
sleep 3
check "rmmod still waits 3 s later" kill -0 $RM
check "the allocation is still sleeping" sleeping
check "the allocation completes" wait_file /tmp/w.ready 60
check "rmmod succeeds once the caller left" wait $RM
check_fail "the module is gone" dmem_loaded
check "the wait was reported with 1 caller inside" \
	sh -c 'dmesg | grep -q "hook ttm:ttm_resource_alloc: 1 caller(s) still inside our replacement"'
check "the buffer is intact and freed" bg_stop $H
check "kernel log clean" kmsg_clean
finish
