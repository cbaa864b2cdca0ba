#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# No limits set: the module must not change what TTM evicts.  The same
# sequence (a and b hold 16 MiB each, c allocates 40 MiB and holds it) runs
# without the module, then with it loaded and the cgroups' dmem enabled.
# With the module the victims are exactly TTM's LRU choice (the oldest:
# only a's buffers; b and c untouched), and as many 1 MiB buffers stay
# resident as without it, at the same offsets.  A first unmeasured run
# evicts the pre-existing buffers so that both measured runs start from
# the same state.  The fbcon cursor must not blink meanwhile (the guest's
# init, tests/vm/guest/init, stops it for every test): each blink has qxl
# draw, with small VRAM buffers that land between the 1 MiB ones at
# offsets that differ from run to run (61 to 63 of them stayed resident
# with or without the module, and the test failed on the debug kernel).
# kernels: 6.1 6.12
# timeout: 300
. /dmem/lib.sh

kmsg_mark
for c in a b c; do cg_create $c; done

# run_sequence OUT: the sequence, then the used ranges into OUT.
run_sequence() {
	rm -f /tmp/a.r /tmp/b.r /tmp/c.r
	bg_start cg_exec a qxlbuf alloc -n 16 -s 1M --hold --ready /tmp/a.r -q
	wait_file /tmp/a.r 30 || not_ok "$1: a did not allocate"
	bg_start cg_exec b qxlbuf alloc -n 16 -s 1M --hold --ready /tmp/b.r -q
	wait_file /tmp/b.r 30 || not_ok "$1: b did not allocate"
	bg_start cg_exec c qxlbuf alloc -n 40 -s 1M --hold --ready /tmp/c.r -q
	wait_file /tmp/c.r 30 || not_ok "$1: c did not allocate"
	grep ': used' "$(qxl_debugfs qxl_mem_mm)" >"$1"
	qxl_vram_used >>"$1"
	if dmem_loaded; then
		for c in a b c; do
			echo "$c $(dmem_read $c current "$(dmem_region drm/)")" >>"$1.cur"
		done
	fi
	cleanup_bg
}

run_sequence /tmp/warmup
run_sequence /tmp/without
load_dmem
for c in a b c; do cg_enable $c; done
run_sequence /tmp/with
R=$(dmem_region drm/)
check "region registered" test -n "$R"
for f in warmup without with; do
	diag "$f: $(grep -c ': 256: used' /tmp/$f) x 1 MiB resident, $(tail -n 1 /tmp/$f) bytes used"
done
MIB=1048576
na=$(grep -c ': 256: used' /tmp/without)
nb=$(grep -c ': 256: used' /tmp/with)
d=$((na - nb))
check_eq "resident 1 MiB buffers: $na without, $nb with the module" "$d" 0
check "the same VRAM layout with and without the module" cmp -s /tmp/without /tmp/with
cur() { awk -v c="$1" '$1 == c { print $2 }' /tmp/with.cur; }
diag "with the module after c's allocation: $(tr '\n' ' ' </tmp/with.cur)"
check_eq "b (newer than a) untouched" "$(cur b)" $((16 * MIB))
check_eq "c (newest) fully resident" "$(cur c)" $((40 * MIB))
check_le "a (oldest) was the victim" "$(cur a)" $((16 * MIB - MIB))
for c in a b c; do
	check_eq "$c current 0 at the end" "$(dmem_read $c current "$R")" 0
done
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
