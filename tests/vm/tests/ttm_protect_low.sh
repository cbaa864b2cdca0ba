#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dmem.low: two top-level cgroups fill VRAM, "prot" with dmem.low covering
# its usage; a third one allocates more than is free (and more than the
# pre-existing, uncharged buffers give back).  The protected cgroup's
# dmem.current is unchanged, the unprotected one's drops.  Also checks the
# documented decision that a common ancestor equal to the root still
# computes protection (evictor and evictee are top-level siblings here).
# kernels: 6.1 6.12
# timeout: 240
. /dmem/lib.sh

MIB=1048576
kmsg_mark
load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
for c in prot unprot pressure; do cg_create $c; cg_enable $c; done
dmem_write prot low "$R 20M"
check_eq "prot low reads back" "$(dmem_read prot low "$R")" $((20 * MIB))

bg_start cg_exec prot qxlbuf alloc -n 16 -s 1M --hold --verify --ready /tmp/p.ready -q
P=$BG_PID
check "prot holds 16 MiB" wait_file /tmp/p.ready 30
bg_start cg_exec unprot qxlbuf alloc -n 16 -s 1M --hold --verify --ready /tmp/u.ready -q
U=$BG_PID
check "unprot holds 16 MiB" wait_file /tmp/u.ready 30

T=$(qxl_vram_total)
# More than free + pre-existing: VRAM minus both holders plus 8 MiB.
NP=$(( (T - 24 * MIB) / MIB ))
diag "VRAM $T bytes, $(qxl_vram_used) used; pressure allocates $NP MiB"
check "pressure allocates $NP MiB" cg_run pressure qxlbuf alloc -n $NP -s 1M --hold-for 1 -q

check_eq "protected cgroup kept its VRAM" "$(dmem_read prot current "$R")" $((16 * MIB))
u=$(dmem_read unprot current "$R")
diag "unprot current after pressure: $u"
check_le "unprotected cgroup was evicted from" "$u" $((8 * MIB))
check "prot buffers intact" bg_stop $P
check "unprot buffers intact" bg_stop $U
for c in prot unprot pressure; do
	check_eq "$c current 0 at the end" "$(dmem_read $c current "$R")" 0
done
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
