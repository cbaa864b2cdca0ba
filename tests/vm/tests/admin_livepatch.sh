#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Administrator action: a livepatch of a kernel function we hook (issue #10,
# item 7).  ttm_resource_fini() is only observed by dmem_backport: a
# livepatch of it must apply while we are loaded, and frees must still be
# uncharged under it.  ttm_bo_eviction_valuable() is redirected by us: its
# livepatch must fail cleanly (EBUSY, nothing half-applied) with our module
# still working, and apply once we are unloaded.  The test livepatch
# (tests/vm/kmod/dmem_test_livepatch.c) replaces the function with a copy.
# kernels: 6.1 6.12
# timeout: 600
. /dmem/lib.sh

MIB=1048576
LP=/dmem/kmod/dmem_test_livepatch.ko
LPSYS=/sys/kernel/livepatch/dmem_test_livepatch

lp_settled() { [ "$(cat $LPSYS/transition 2>/dev/null)" = 0 ]; }
lp_gone() { [ ! -e $LPSYS ]; }
# lp_remove: disable the test livepatch, wait for the transition, rmmod it
lp_remove() {
	echo 0 >$LPSYS/enabled || return 1
	wait_for 60 lp_gone || return 1
	rmmod dmem_test_livepatch
}
# hold_check CG MIB: hold MIB 1 MiB buffers in CG, check the charge, free,
# check it is gone
hold_check() {
	rm -f /tmp/lp.ready
	bg_start cg_exec "$1" qxlbuf alloc -n "$2" -s 1M --hold --verify --ready /tmp/lp.ready -q
	check "$1: $2 MiB held" wait_file /tmp/lp.ready 30
	check_eq "$1: $2 MiB charged" "$(dmem_read "$1" current "$R")" $(($2 * MIB))
	check "$1: buffers intact and freed" bg_stop $BG_PID
	check_eq "$1: uncharged after the free" "$(dmem_read "$1" current "$R")" 0
}

kmsg_mark
check "livepatch support in the kernel" test -d /sys/kernel/livepatch
check "module loads" load_dmem
R=$(dmem_region drm/)
cg_create lp
cg_enable lp

# observe-only hook: the livepatch applies and accounting stays exact
check "livepatch of ttm_resource_fini applies while loaded" insmod $LP target=fini
check "its transition completes" wait_for 60 lp_settled
hold_check lp 3
check "churn under the livepatch" cg_run lp qxlbuf alloc -n 4 -s 1M -r 5 -q
check_eq "lp at 0 after churn" "$(dmem_read lp current "$R")" 0
check "livepatch of ttm_resource_fini removed" lp_remove

# redirected hook: the livepatch fails cleanly, we keep working
err=$(insmod $LP target=valuable 2>&1)
st=$?
diag "insmod: $err"
check_fail "livepatch of ttm_bo_eviction_valuable refused while loaded" test $st -eq 0
says_busy() { echo "$err" | grep -qi 'busy'; }
check "refused with EBUSY" says_busy
check "nothing half-applied" lp_gone
check_fail "test livepatch module not loaded" grep -q '^dmem_test_livepatch ' /proc/modules
hold_check lp 2
check "unload" unload_dmem

# the refusal was ours: without dmem_backport the same livepatch applies
check "livepatch of ttm_bo_eviction_valuable applies after unload" insmod $LP target=valuable
check "its transition completes" wait_for 60 lp_settled
check "livepatch of ttm_bo_eviction_valuable removed" lp_remove
check "kernel log clean" kmsg_clean
finish
