#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 7.3 aggressive protection: an allocation that finds its first placement
# full moves on to the next one before evicting anything, unless its cgroup
# is within its protection.  qxl surfaces are such allocations: surface RAM
# first, then VRAM.  With surface RAM and VRAM both full (no 1 MiB hole
# left in either; qxl's own small release buffers come and go, so a hole
# of their making may still appear and take one surface: the checks allow
# for one):
#  1. "lowapp" (within dmem.low) evicts unprotected VRAM buffers instead of
#     falling back: its surfaces are charged to VRAM, the protected cgroups
#     keep everything;
#  2. "plainapp" (no protection) falls back (TTM evicts surface RAM): none
#     of its surfaces is charged to VRAM;
#  3. "lowapp2" (within low) finds only protected buffers in VRAM: within
#     low it may take unprotected ones only, so it falls back as well;
#  4. "minapp" (within dmem.min) may take low-protected buffers: its
#     surface lands in VRAM at the expense of a low-protected cgroup, never
#     of the min-protected one.  (One surface: a second one would evict
#     minapp's own first one, its own buffers being fair game, as upstream.)
# kernels: 6.1 6.12
# timeout: 300
. /dmem/lib.sh

MIB=1048576
kmsg_mark
load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
for c in sweep filler hard bg soft lowapp plainapp lowapp2 minapp; do
	cg_create $c
	cg_enable $c
done
dmem_write hard min "$R 64M"
dmem_write soft low "$R 64M"
dmem_write lowapp low "$R 8M"
dmem_write lowapp2 low "$R 8M"
dmem_write minapp min "$R 8M"

# hold CG NAME ARGS...: a holder in CG; waits until it has allocated.
hold() {
	local cg=$1 name=$2
	shift 2
	rm -f /tmp/$name.ready
	bg_start cg_exec "$cg" qxlbuf alloc "$@" --hold --ready /tmp/$name.ready -q
	wait_file /tmp/$name.ready 60
}
cur() { dmem_read "$1" current "$R"; }
# topup: low-protected "soft" takes every 1 MiB hole left in VRAM.
T=0
topup() {
	local n
	n=$(qxl_fit qxl_mem_mm $MIB)
	T=$((T + 1))
	[ "$n" -gt 0 ] || return 0
	hold soft soft$T -n "$n" -s 1M || not_ok "topup $T ($n MiB)"
}

# Evictable buffers from before the test leave VRAM first, so that the
# only unprotected VRAM buffers are bg's.
check "sweep evicts what can be evicted" cg_run sweep qxlbuf alloc -n 64 -s 1M -q
n=$(qxl_fit qxl_surf_mm $MIB)
diag "surface RAM: room for $n x 1 MiB; VRAM $(qxl_vram_total) bytes, $(qxl_vram_used) used"
check "filler fills surface RAM" hold filler filler -n "$n" -s 1M --surface
check_eq "filler: nothing in VRAM" "$(cur filler)" 0
check_eq "no 1 MiB hole left in surface RAM" "$(qxl_fit qxl_surf_mm $MIB)" 0

# VRAM: min-protected 16 MiB, unprotected 4 MiB, low-protected the rest.
check "hard holds 16 MiB" hold hard hard -n 16 -s 1M
check "bg holds 4 MiB" hold bg bg -n 4 -s 1M
# While soft fills the holes, bg is min-protected: a hole taken by qxl's
# own release buffers between measuring and allocating then costs soft one
# of its own buffers, never one of bg's (seen under load: bg 3 of 4 MiB).
dmem_write bg min "$R 4M"
topup
dmem_write bg min "$R 0"
S=$(cur soft)
diag "soft holds $S; VRAM $(qxl_vram_used) used"
check_eq "no 1 MiB hole left in VRAM" "$(qxl_fit qxl_mem_mm $MIB)" 0
check_eq "nothing evicted while filling" "$(cur bg)" $((4 * MIB))

check "lowapp allocates 4 surfaces" hold lowapp lowapp -n 4 -s 1M --surface
check_eq "1. lowapp (within low) got VRAM" "$(cur lowapp)" $((4 * MIB))
b=$(cur bg)
diag "bg after lowapp: $b (qxl's own small buffers come and go, a hole may help)"
check_le "1. the unprotected buffers made room" "$b" $((3 * MIB))
check_eq "1. min-protected kept its VRAM" "$(cur hard)" $((16 * MIB))
check_eq "1. low-protected kept its VRAM" "$(cur soft)" "$S"

topup
S=$(cur soft)
check "plainapp allocates 4 surfaces" hold plainapp plainapp -n 4 -s 1M --surface
diag "plainapp in VRAM: $(cur plainapp) (0 unless qxl freed a hole)"
check_le "2. plainapp fell back" "$(cur plainapp)" $MIB
check_eq "2. low-protected kept its VRAM" "$(cur soft)" "$S"

topup
S=$(cur soft)
check "lowapp2 allocates 4 surfaces" hold lowapp2 lowapp2 -n 4 -s 1M --surface
diag "lowapp2 in VRAM: $(cur lowapp2) (0 unless qxl freed a hole)"
check_le "3. lowapp2 fell back (only protected buffers in VRAM)" "$(cur lowapp2)" $MIB
check_eq "3. low-protected kept its VRAM" "$(cur soft)" "$S"
check_eq "3. lowapp kept its VRAM" "$(cur lowapp)" $((4 * MIB))

topup
S=$(cur soft)
check "minapp allocates a surface" hold minapp minapp -n 1 -s 1M --surface
check_eq "4. minapp (within min) got VRAM" "$(cur minapp)" $MIB
check_eq "4. min-protected kept its VRAM" "$(cur hard)" $((16 * MIB))
check_ge "4. at most 1 MiB taken from low-protected cgroups" \
	$(($(cur soft) + $(cur lowapp))) $((S + 4 * MIB - MIB))

cleanup_bg
for c in filler hard bg soft lowapp plainapp lowapp2 minapp; do
	check_eq "$c current 0 at the end" "$(cur $c)" 0
done
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
