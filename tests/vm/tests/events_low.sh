#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dmem.events "low": a cgroup within its dmem.low loses buffers anyway
# when nothing else is left to evict (the retry that ignores low).  The
# allocating cgroups are within their dmem.min, so once the buffers we did
# not charge are gone only the low-protected ones remain.  "evicted" is the protected cgroup's lost usage to the byte and
# "low" counts one per buffer taken; the allocator sees nothing.
# kernels: 6.1 6.12
# timeout: 240
. /dmem/lib.sh

MIB=1048576
kmsg_mark
load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
cg_create prot
cg_enable prot
dmem_write prot low "$R 20M"

bg_start cg_exec prot qxlbuf alloc -n 16 -s 1M --hold --verify --ready /tmp/p.ready -q
P=$BG_PID
check "prot holds 16 MiB" wait_file /tmp/p.ready 30

# A cgroup may always evict its own buffers, so the pressure comes from
# sibling cgroups holding one 1 MiB buffer each, each within its dmem.min
# (relative to their parent "pressure", the common ancestor).
T=$(qxl_vram_total)
# All of VRAM but prot's 16 MiB, plus 6 MiB: 6 of prot's buffers must go.
NP=$(( (T - 16 * MIB) / MIB + 6 ))
diag "VRAM $T bytes, $(qxl_vram_used) used; $NP pressure cgroups of 1 MiB"
i=1
fails=0
while [ $i -le $NP ]; do
	cg_create pressure/p$i
	cg_enable pressure/p$i
	dmem_write pressure/p$i min "$R 64M"
	bg_start cg_exec pressure/p$i qxlbuf alloc -n 1 -s 1M --hold --ready /tmp/q$i.ready -q
	wait_file /tmp/q$i.ready 30 || fails=$((fails + 1))
	i=$((i + 1))
done
check_eq "every pressure cgroup holds its 1 MiB" "$fails" 0
cur=$(dmem_read prot current "$R")
lost=$((16 * MIB - cur))
diag "prot/dmem.events: $(cat "$(cg_path prot)/dmem.events")"
diag "pressure/dmem.events: $(cat "$(cg_path pressure)/dmem.events")"
check_ge "prot lost at least 6 MiB despite its low" "$lost" $((6 * MIB))
check_eq "prot evicted = its lost usage, to the byte" "$(dmem_event prot events evicted)" "$lost"
check_eq "prot low = one per evicted 1 MiB buffer" "$(dmem_event prot events low)" $((lost / MIB))
check_eq "prot local = hierarchical (no children)" \
	"$(grep "^$R " "$(cg_path prot)/dmem.events.local")" \
	"$(grep "^$R " "$(cg_path prot)/dmem.events")"
check_eq "pressure (min-protected): zeros" \
	"$(grep "^$R " "$(cg_path pressure)/dmem.events")" \
	"$R low=0 high=0 max=0 evicted=0"
check "prot buffers intact" bg_stop $P
cleanup_bg
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
