#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Removing a cgroup resets its limits while its charges stay: a top-level
# cgroup "a" with dmem.low covering its 16 MiB is protected under VRAM
# pressure (control); its holder then moves to the root (charges never
# migrate) and "a" is removed.  Under the same pressure again the removed
# cgroup's buffers are no longer protected: they are evicted (oldest in
# LRU order) instead of the unprotected cgroup's, and its charge (root
# dmem.current minus the live cgroups') drops.
# kernels: 6.1 6.12
# timeout: 300
. /dmem/lib.sh

MIB=1048576
kmsg_mark
load_dmem
R=$(dmem_region drm/)
if [ -z "$R" ]; then
	not_ok "a drm/ region is registered (needs the TTM side and qxl)"
	finish
fi
for c in a u x; do cg_create $c; cg_enable $c; done
dmem_write a low "$R 20M"
bg_start cg_exec a qxlbuf alloc -n 16 -s 1M --hold --verify --ready /tmp/a.ready -q
A=$BG_PID
check "a holds 16 MiB" wait_file /tmp/a.ready 30
cg_move "" $A
check_eq "a keeps its charge after its holder moved out" "$(dmem_read a current "$R")" $((16 * MIB))
bg_start cg_exec u qxlbuf alloc -n 16 -s 1M --hold --verify --ready /tmp/u1.ready -q
U=$BG_PID
check "u holds 16 MiB" wait_file /tmp/u1.ready 30

T=$(qxl_vram_total)
NP=$(( (T - 24 * MIB) / MIB ))
diag "VRAM $T bytes, $(qxl_vram_used) used; pressure allocates $NP MiB"
check "pressure 1" cg_run x qxlbuf alloc -n $NP -s 1M --hold-for 1 -q
check_eq "control: a (low 20M) kept its 16 MiB" "$(dmem_read a current "$R")" $((16 * MIB))
diag "u after pressure 1: $(dmem_read u current "$R")"

# Fresh, fully resident buffers for u, then remove a.
check "u's first buffers intact" bg_stop $U
bg_start cg_exec u qxlbuf alloc -n 16 -s 1M --hold --verify --ready /tmp/u2.ready -q
U=$BG_PID
check "u holds 16 MiB again" wait_file /tmp/u2.ready 30
# charges outside a, u and x (the driver's own, made in root-cgroup context)
other=$(( $(dmem_read "" current "$R") - $(dmem_read a current "$R") - $(dmem_read u current "$R") - $(dmem_read x current "$R") ))
diag "charged outside the test cgroups: $other"
OFF=$(offlined)
check "rmdir a (buffers alive, holder elsewhere)" rmdir "$(cg_path a)"
check "a's limits reset (its state went offline)" wait_offlined "$OFF"
a_charge() { echo $(( $(dmem_read "" current "$R") - other - $(dmem_read u current "$R") - $(dmem_read x current "$R") )); }
# (the driver's own charges in root context move by up to ~2 MiB: 1.19 MiB
# measured on the debug kernel; a lost charge would show as 0-1 MiB)
check_ge "removed a's charge stays" "$(a_charge)" $((14 * MIB))
check "pressure 2" cg_run x qxlbuf alloc -n $NP -s 1M --hold-for 1 -q
ac=$(a_charge)
diag "after pressure 2: removed a $ac, u $(dmem_read u current "$R")"
check_le "removed a lost its protection: evicted from" "$ac" $((10 * MIB))
check_eq "u kept its VRAM (a's buffers went first)" "$(dmem_read u current "$R")" $((16 * MIB))
check "a's buffers intact" bg_stop $A
check "u's buffers intact" bg_stop $U
check_le "removed a's charge gone once its buffers are freed" "$(a_charge)" $((2 * MIB))
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
