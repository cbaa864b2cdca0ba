#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dmem.max: allocations in a limited cgroup beyond its max evict its own
# buffers (never anybody else's) so that usage never exceeds max; an
# allocation larger than max is refused and charges nothing.  Lowering
# max makes later allocations respect the new value.
# kernels: 6.1 6.12
. /dmem/lib.sh

MIB=1048576
kmsg_mark
load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
cg_create lim/a
cg_create other
cg_enable lim/a
cg_enable other

# A bystander outside the limited subtree.
bg_start cg_exec other qxlbuf alloc -n 6 -s 1M --hold --verify --ready /tmp/o.ready -q
O=$BG_PID
check "bystander holds 6 MiB" wait_file /tmp/o.ready 30
check_eq "bystander current" "$(dmem_read other current "$R")" $((6 * MIB))

dmem_write lim max "$R 8M"
check_eq "lim max reads back" "$(dmem_read lim max "$R")" $((8 * MIB))
check_eq "lim/a max is still max" "$(dmem_read lim/a max "$R")" max

# 20 x 1 MiB under an 8 MiB limit on the parent: all succeed by evicting
# lim/a's own older buffers to system memory.
worst=0
bg_start cg_exec lim/a qxlbuf alloc -n 20 -s 1M --hold --verify --ready /tmp/a.ready -q
A=$BG_PID
while [ ! -e /tmp/a.ready ] && kill -0 $A 2>/dev/null; do
	c=$(dmem_read lim current "$R")
	[ "$c" -gt "$worst" ] && worst=$c
done
check "20 x 1 MiB allocated under 8 MiB max" test -e /tmp/a.ready
c=$(dmem_read lim current "$R")
[ "$c" -gt "$worst" ] && worst=$c
check_le "lim current never above 8 MiB (sampled max $worst)" "$worst" $((8 * MIB))
check_eq "lim/a current = lim current" "$(dmem_read lim/a current "$R")" "$c"
check_eq "bystander untouched by max-caused eviction" "$(dmem_read other current "$R")" $((6 * MIB))
check "lim/a buffers intact after eviction" bg_stop $A
check_eq "lim current 0 after free" "$(dmem_read lim current "$R")" 0

# Larger than max: refused, nothing charged.
dmem_write lim max "$R 1M"
check_fail "2 MiB buffer refused under 1 MiB max" cg_run lim/a qxlbuf alloc -n 1 -s 2M -q
check_eq "nothing charged after refusal" "$(dmem_read lim current "$R")" 0
check "1 MiB buffer fits 1 MiB max" cg_run lim/a qxlbuf alloc -n 1 -s 1M -q

dmem_write lim max "$R max"
check "bystander intact" bg_stop $O
check_eq "bystander current 0" "$(dmem_read other current "$R")" 0
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
