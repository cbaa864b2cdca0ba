#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dmem.min: "hard" has dmem.min covering its usage, "soft" dmem.low
# covering its usage.
#  1. "plain" (no protection) allocates 60 MiB (more than VRAM: it ends up
#     evicting its own older buffers): hard and soft keep everything.
#  2. The pressure comes from "eager", itself within its dmem.low, while
#     "unprot" holds unprotected buffers: eager allocates more than is free;
#     hard and soft keep everything, unprot's dmem.current drops.
#  3. "urgent", itself within its dmem.min, allocates 60 MiB: as upstream,
#     its own older buffers are fair game before anyone's protected ones,
#     so hard and soft still keep everything.  (What being within min adds,
#     taking low-protected buffers instead of falling back to another
#     placement, is ttm_protect_aggressive.)
# kernels: 6.1 6.12
# timeout: 240
. /dmem/lib.sh

MIB=1048576
kmsg_mark
load_dmem
R=$(dmem_region drm/)
for c in hard soft plain eager unprot urgent; do cg_create $c; cg_enable $c; done
dmem_write hard min "$R 20M"
dmem_write soft low "$R 20M"
dmem_write urgent min "$R 64M"
dmem_write eager low "$R 64M"

bg_start cg_exec hard qxlbuf alloc -n 16 -s 1M --hold --verify --ready /tmp/h.ready -q
H=$BG_PID
check "hard holds 16 MiB" wait_file /tmp/h.ready 30
bg_start cg_exec soft qxlbuf alloc -n 16 -s 1M --hold --verify --ready /tmp/s.ready -q
S=$BG_PID
check "soft holds 16 MiB" wait_file /tmp/s.ready 30
diag "VRAM $(qxl_vram_total) bytes, $(qxl_vram_used) used"

check "plain allocates 60 MiB" cg_run plain qxlbuf alloc -n 60 -s 1M -q
check_eq "plain: min-protected cgroup kept its VRAM" "$(dmem_read hard current "$R")" $((16 * MIB))
check_eq "plain: low-protected cgroup kept its VRAM" "$(dmem_read soft current "$R")" $((16 * MIB))

bg_start cg_exec unprot qxlbuf alloc -n 12 -s 1M --hold --ready /tmp/u.ready -q
U=$BG_PID
check "unprot holds 12 MiB" wait_file /tmp/u.ready 30
check "eager (within low) allocates 40 MiB" cg_run eager qxlbuf alloc -n 40 -s 1M -q
check_eq "eager: min-protected cgroup kept its VRAM" "$(dmem_read hard current "$R")" $((16 * MIB))
check_eq "eager: low-protected cgroup kept its VRAM" "$(dmem_read soft current "$R")" $((16 * MIB))
u=$(dmem_read unprot current "$R")
diag "unprot current after eager: $u"
check_le "eager: the unprotected cgroup was evicted from" "$u" $((11 * MIB))
check "unprot exits" bg_stop $U

check "urgent (within min) allocates 60 MiB" cg_run urgent qxlbuf alloc -n 60 -s 1M -q
check_eq "urgent: min-protected cgroup kept its VRAM" "$(dmem_read hard current "$R")" $((16 * MIB))
check_eq "urgent: low-protected cgroup kept its VRAM" "$(dmem_read soft current "$R")" $((16 * MIB))

check "hard buffers intact" bg_stop $H
check "soft buffers intact" bg_stop $S
for c in hard soft plain eager unprot urgent; do
	check_eq "$c current 0 at the end" "$(dmem_read $c current "$R")" 0
done
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
