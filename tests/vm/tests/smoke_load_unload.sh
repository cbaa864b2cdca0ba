#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Smoke test: load and unload dmem_backport 20 times (6 on the debug
# kernel) while qxl buffers are
# allocated and freed around it (buffers that exist before the load, buffers
# allocated while loaded and freed before or after the unload, and a
# background job that allocates and frees all the time).  Passes iff every
# load/unload succeeds, every buffer job ends cleanly with its contents
# intact, VRAM usage returns to where it started and the kernel logs no
# BUG/WARNING/Oops.
# kernels: 6.1 6.12
# timeout: 900
. /dmem/lib.sh

# On the debug kernel ($KDEBUG) 6 rounds, 3 of each order: what they
# check there (KASAN, lockdep, DEBUG_LIST, kmemleak) shows on the first
# pass over a path, not by repetition; the 20 rounds that give timing
# windows their chances run on the two stock kernels, 3x faster.
if [ "${KDEBUG:-0}" = 1 ]; then ROUNDS=${ROUNDS:-6}; else ROUNDS=${ROUNDS:-20}; fi

kmsg_mark
used0=$(qxl_vram_used)
diag "qxl VRAM: $used0 of $(qxl_vram_total) bytes used before the test"
check "qxl VRAM usage readable from debugfs" test -n "$used0"

cg_create smoke
cg_create churn

# Buffers that exist before the module is ever loaded.
bg_start cg_exec smoke qxlbuf alloc -n 4 -s 2M --hold --verify --ready /tmp/pre.ready -q
pre=$BG_PID
check "pre-existing buffers allocated" wait_file /tmp/pre.ready 30

# Background churn: allocate, touch and free 8 x 1 MiB in a loop.
bg_start cg_exec churn qxlbuf alloc -n 8 -s 1M -r 1000000 -p 10 -q
churn=$BG_PID

loads=0 unloads=0 holders=0
i=1
now() { cut -d' ' -f1 /proc/uptime; }
while [ $i -le "$ROUNDS" ]; do
	t0=$(now)
	if load_dmem; then loads=$((loads + 1)); else not_ok "round $i: insmod failed"; fi
	rm -f /tmp/h.ready
	cg_exec smoke qxlbuf alloc -n 2 -s 512K --hold --verify --ready /tmp/h.ready -q &
	h=$!
	wait_file /tmp/h.ready 30 || not_ok "round $i: holder did not allocate"
	if [ $((i % 2)) -eq 0 ]; then
		# Free the buffers while the module is loaded, then unload.
		if bg_stop $h; then holders=$((holders + 1)); else not_ok "round $i: holder exit $?"; fi
		if unload_dmem; then unloads=$((unloads + 1)); else not_ok "round $i: rmmod failed"; fi
	else
		# Unload with the buffers alive, free them afterwards.
		if unload_dmem; then unloads=$((unloads + 1)); else not_ok "round $i: rmmod failed"; fi
		if bg_stop $h; then holders=$((holders + 1)); else not_ok "round $i: holder exit $?"; fi
	fi
	diag "round $i: $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"
	i=$((i + 1))
done
check_eq "$ROUNDS loads succeeded" "$loads" "$ROUNDS"
check_eq "$ROUNDS unloads succeeded" "$unloads" "$ROUNDS"
check_eq "$ROUNDS buffer holders ended cleanly" "$holders" "$ROUNDS"
check_fail "module is not loaded at the end" dmem_loaded

kill -0 $churn 2>/dev/null
check "background churn still running" test $? -eq 0
check "background churn ends cleanly" bg_stop $churn
check "pre-existing buffers intact and freed" bg_stop $pre

vram_back() { [ "$(qxl_vram_used)" -le "$used0" ]; }
if wait_for 10 vram_back; then
	ok "VRAM usage back to $used0 bytes"
else
	not_ok "VRAM usage $(qxl_vram_used) bytes, was $used0 before"
fi
check "kernel log clean" kmsg_clean
finish
