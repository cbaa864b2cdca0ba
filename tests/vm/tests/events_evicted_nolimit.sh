#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dmem.events "evicted" with no limit set anywhere.  While no cgroup has a
# dmem.min, low, high or max, allocations run without the module's
# eviction context (dmem_any_limit_set()); the buffers their evictions
# take must still count.  "old" holds 16 MiB, "new" then allocates all of
# VRAM but that plus 6 MiB: TTM evicts old's buffers (the least recently
# used).  old's "evicted" is its lost usage to the byte, nothing else
# counts, and nothing counts in new.  Before the fix old's "evicted"
# stayed 0 here.
# kernels: 6.1 6.12
# timeout: 240
. /dmem/lib.sh

MIB=1048576
kmsg_mark
load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
cg_create old
cg_enable old
cg_create new
cg_enable new

bg_start cg_exec old qxlbuf alloc -n 16 -s 1M --hold --ready /tmp/o.ready -q
O=$BG_PID
check "old holds 16 MiB" wait_file /tmp/o.ready 30
check_eq "old holds 16 MiB charged" "$(dmem_read old current "$R")" $((16 * MIB))

T=$(qxl_vram_total)
N=$(( (T - 16 * MIB) / MIB + 6 ))
diag "VRAM $T bytes, $(qxl_vram_used) used; new allocates $N MiB"
bg_start cg_exec new qxlbuf alloc -n "$N" -s 1M --hold --ready /tmp/n.ready -q
W=$BG_PID
check "new holds its buffers" wait_file /tmp/n.ready 60
cur=$(dmem_read old current "$R")
lost=$((16 * MIB - cur))
diag "old/dmem.events: $(cat "$(cg_path old)/dmem.events")"
diag "new/dmem.events: $(cat "$(cg_path new)/dmem.events")"
check_ge "old lost at least 6 MiB" "$lost" $((6 * MIB))
check_eq "old evicted = its lost usage, to the byte" "$(dmem_event old events evicted)" "$lost"
check_eq "old: nothing but evicted counts" \
	"$(dmem_event old events low) $(dmem_event old events high) $(dmem_event old events max)" "0 0 0"
check_eq "old local = hierarchical (no children)" \
	"$(grep "^$R " "$(cg_path old)/dmem.events.local")" \
	"$(grep "^$R " "$(cg_path old)/dmem.events")"
check_eq "new: zeros" "$(grep "^$R " "$(cg_path new)/dmem.events")" \
	"$R low=0 high=0 max=0 evicted=0"
check "new frees and exits" bg_stop $W
check "old frees and exits" bg_stop $O
cleanup_bg
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
