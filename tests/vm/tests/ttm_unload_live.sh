#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Module unload and reload with live charged buffers: unload succeeds, the
# buffers survive (contents intact), after reload they are not charged
# (documented: charges are dropped at unload) and freeing them never makes
# a counter go wrong; new buffers are charged again.
# kernels: 6.1 6.12
. /dmem/lib.sh

MIB=1048576
kmsg_mark
load_dmem
R=$(dmem_region drm/)
cg_create u
cg_enable u
bg_start cg_exec u qxlbuf alloc -n 4 -s 1M --hold --verify --ready /tmp/u.ready -q
H=$BG_PID
check "4 MiB held" wait_file /tmp/u.ready 30
check_eq "u current 4 MiB" "$(dmem_read u current "$R")" $((4 * MIB))
check "unload with live buffers" unload_dmem
check "reload" load_dmem
R=$(dmem_region drm/)
check "region back after reload" test -n "$R"
cg_enable u
check_eq "old buffers not charged after reload" "$(dmem_read u current "$R")" 0
check "old buffers intact and freed" bg_stop $H
check_eq "freeing uncharged buffers changes nothing" "$(dmem_read u current "$R")" 0
check "new buffers while old gone" cg_run u qxlbuf alloc -n 2 -s 1M -q
bg_start cg_exec u qxlbuf alloc -n 3 -s 1M --hold --ready /tmp/u2.ready -q
H=$BG_PID
check "3 MiB held" wait_file /tmp/u2.ready 30
check_eq "new buffers charged" "$(dmem_read u current "$R")" $((3 * MIB))
check "unload again with live buffers" unload_dmem
check "freed after unload" bg_stop $H
check "kernel log clean" kmsg_clean
finish
