#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dmem.events / dmem.events.local after dmem.max hits: allocations beyond
# a parent's max evict the child's own buffers.  "max" counts each failed
# charge attempt on the cgroup whose max was hit (local there, hierarchical there and above),
# "evicted" the child's evicted bytes, to the byte; a refused allocation
# counts max and evicts nothing; a bystander sees nothing; the root has no
# dmem.events; after rmdir of the child the parent keeps its counts;
# "high" counts each charge that leaves a cgroup above its dmem.high.
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
check "the root has no dmem.events" test ! -e "$CGROOT/dmem.events"
check "the root has no dmem.events.local" test ! -e "$CGROOT/dmem.events.local"
check_eq "fresh lim/dmem.events: zeros" "$(grep "^$R " "$(cg_path lim)/dmem.events")" \
	"$R low=0 high=0 max=0 evicted=0"
check_eq "dmem.events is read-only" "$(stat -c %a "$(cg_path lim)/dmem.events")" 444

dmem_write lim max "$R 8M"
check "12 x 1 MiB allocated under an 8 MiB max on the parent" \
	cg_run lim/a qxlbuf alloc -n 12 -s 1M --verify -q
for f in events events.local; do
	diag "lim/dmem.$f: $(cat "$(cg_path lim)/dmem.$f")"
	diag "lim/a/dmem.$f: $(cat "$(cg_path lim/a)/dmem.$f")"
done
check_eq "lim/a evicted 4 MiB (local)" "$(dmem_event lim/a events.local evicted)" $((4 * MIB))
check_eq "lim/a evicted 4 MiB (hierarchical)" "$(dmem_event lim/a events evicted)" $((4 * MIB))
check_eq "lim: hierarchical evicted includes lim/a's" "$(dmem_event lim events evicted)" $((4 * MIB))
check_eq "lim: no evicted of its own" "$(dmem_event lim events.local evicted)" 0
# "max" counts charge attempts: TTM tries the placement once without
# evicting, then again before each eviction: 2 per allocation that evicts
# once (6.1 and 6.12 alike).
M=$(dmem_event lim events.local max)
check_eq "lim: two max hits per allocation that evicted" "$M" 8
check_eq "lim: hierarchical max = local max" "$(dmem_event lim events max)" "$M"
check_eq "lim/a: max was not hit there" "$(dmem_event lim/a events max)" 0
check_eq "no low, no high anywhere" \
	"$(dmem_event lim events low) $(dmem_event lim events high) $(dmem_event lim/a events low)" "0 0 0"

dmem_write lim max "$R 1M"
check_fail "2 MiB buffer refused under 1 MiB max" cg_run lim/a qxlbuf alloc -n 1 -s 2M -q
M2=$(dmem_event lim events.local max)
diag "max count after the refusal: $M2 (was $M)"
check_eq "the refusal counted max twice on lim (no eviction possible)" "$M2" $((M + 2))
check_eq "the refusal evicted nothing" "$(dmem_event lim events evicted)" $((4 * MIB))
check_eq "bystander: zeros" "$(grep "^$R " "$(cg_path other)/dmem.events")" \
	"$R low=0 high=0 max=0 evicted=0"

before=$(grep "^$R " "$(cg_path lim)/dmem.events")
check "rmdir lim/a" rmdir "$(cg_path lim/a)"
check_eq "lim keeps lim/a's past events after its rmdir" \
	"$(grep "^$R " "$(cg_path lim)/dmem.events")" "$before"
check_eq "lim's local events unchanged" "$(dmem_event lim events.local evicted)" 0
dmem_write lim max "$R max"

# "high": each charge that leaves a cgroup above its dmem.high counts one
cg_create other/h
cg_enable other/h
dmem_write other high "$R 4M"
check "6 x 1 MiB in other/h, other's high 4 MiB" cg_run other/h qxlbuf alloc -n 6 -s 1M -q
diag "other/dmem.events: $(cat "$(cg_path other)/dmem.events")"
check_eq "other: high=2 (the 5th and 6th MiB), local" "$(dmem_event other events.local high)" 2
check_eq "other: high=2, hierarchical" "$(dmem_event other events high)" 2
check_eq "other/h: no high of its own" "$(dmem_event other/h events high)" 0
check_eq "other: nothing else" "$(dmem_event other events max) $(dmem_event other events evicted)" "0 0"
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
