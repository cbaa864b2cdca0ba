#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmem-backport: `make bench`.  Prints ratios measured side by side in one
# run; nothing here asserts timings.  Machine-readable lines start with
# "bench ".
#
#   userspace core:  bench evict_speedup pools=<n> ratio=<x>
#                    bench charge_vs_atomic depth=<d> ratio=<x>
#   in-guest TTM:    added by the ttm helper (see the marked section below)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
t0=$(date +%s)

echo "== userspace core benchmark (tests/user/bench.c)"
make -s -C "$top/tests/user" build/bench >/dev/null
"$top/tests/user/build/bench"
echo "== userspace core benchmark took $(( $(date +%s) - t0 )) s"

# ---------------------------------------------------------------------------
# IN-GUEST BENCHMARK (owned by the ttm helper): protection-aware eviction
# cost inside a QEMU guest with qxl/TTM.  Add it below this line; print
# "bench <name> <key>=<value> ratio=<x>" lines like the userspace part.
# ---------------------------------------------------------------------------
t1=$(date +%s)
for series in ${BENCH_KERNELS:-6.1 6.12}; do
	echo "== in-guest TTM benchmark, Debian $series (tests/vm/bench/ttm_bench.sh)"
	out=$("$top/tests/vm/run.sh" --kver "$series" --show \
		--file "$top/tests/vm/bench/ttm_bench.sh" 2>&1) || true
	printf '%s\n' "$out" | grep -E '^(bench |# (alloc loop|evict))' ||
		{ printf '%s\n' "$out" | tail -n 20; echo "bench ttm kver=$series failed"; }
done
echo "== in-guest TTM benchmark took $(( $(date +%s) - t1 )) s"
# ---------------------------------------------------------------------------
