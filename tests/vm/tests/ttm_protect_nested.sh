#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Nested, overcommitted dmem.low: parent "n" has low 12M, its children c1
# and c2 each claim low 12M and use 8M (24M claimed > 12M available).  A
# big allocation elsewhere takes everything unprotected: n keeps its 12M
# and the children keep it in proportion (6M each, within one buffer).
# kernels: 6.1 6.12
# timeout: 240
. /dmem/lib.sh

MIB=1048576
kmsg_mark
load_dmem
R=$(dmem_region drm/)
cg_create n/c1
cg_create n/c2
cg_create big
cg_enable n/c1
cg_enable n/c2
cg_enable big
dmem_write n low "$R 12M"
dmem_write n/c1 low "$R 12M"
dmem_write n/c2 low "$R 12M"

# Interleave the children's buffers in the LRU: 1 MiB at a time each.
i=0
while [ $i -lt 8 ]; do
	for c in c1 c2; do
		rm -f /tmp/$c.$i
		bg_start cg_exec n/$c qxlbuf alloc -n 1 -s 1M --hold --ready /tmp/$c.$i -q
		wait_file /tmp/$c.$i 30 || not_ok "n/$c buffer $i not allocated"
	done
	i=$((i + 1))
done
check_eq "n holds 16 MiB" "$(dmem_read n current "$R")" $((16 * MIB))

# 60 MiB in 1 MiB buffers: once everything unprotected is gone, big
# evicts its own older buffers, so low is never ignored.
NB=60
diag "VRAM $(qxl_vram_total) bytes, $(qxl_vram_used) used; big allocates $NB MiB"
check "big allocates $NB MiB" cg_run big qxlbuf alloc -n $NB -s 1M -q

n=$(dmem_read n current "$R")
c1=$(dmem_read n/c1 current "$R")
c2=$(dmem_read n/c2 current "$R")
diag "after pressure: n $n c1 $c1 c2 $c2"
check_eq "n kept exactly its low" "$n" $((12 * MIB))
d=$((c1 - c2))
[ $d -lt 0 ] && d=$((-d))
check_le "children kept in proportion (|c1-c2| <= 1 MiB)" "$d" $MIB
check "kernel log clean before cleanup" kmsg_clean
cleanup_bg
check_eq "n current 0 at the end" "$(dmem_read n current "$R")" 0
check "unload" unload_dmem
finish
