#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmem-backport: `make bench`.  Prints ratios measured side by side in one
# run; nothing here asserts timings.  Machine-readable lines start with
# "bench ".
#
#   userspace core:  bench evict_speedup pools=<n> ratio=<x>
#                    bench charge_vs_atomic depth=<d> ratio=<x>
#   in-guest TTM:    see the in-guest section below
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
t0=$(date +%s)

echo "== userspace core benchmark (tests/user/bench.c)"
make -s -C "$top/tests/user" build/bench >/dev/null
"$top/tests/user/build/bench"
echo "== userspace core benchmark took $(( $(date +%s) - t0 )) s"

# ---------------------------------------------------------------------------
# In-guest benchmarks (tests/vm/bench/), QEMU with -icount shift=0,sleep=off:
# guest time counts instructions, so the figures do not depend on the host
# (the guests of both series run in parallel).  Module not loaded vs loaded
# in one boot:
#   bench alloc_free kver=<s> ... ratio=<x> target=1.02 met=<yes|no>
#   bench validate_resident kver=<s> buffers=16 ... ratio=<x> target=1.05 met=<yes|no>
#   bench evict_path kver=<s> cgroups=100 protected=<0|1> ... ratio=<x>
# and, on the debug kernel with 2 vCPUs (BENCH_DEBUG=0 skips it):
#   bench lock_contention kver=6.12 smp=2 tasks=4 contended=<n> target=0 met=<yes|no>
# ---------------------------------------------------------------------------
t1=$(date +%s)
guest_bench() { # guest_bench SERIES SCRIPT [run.sh options]
	local series=$1 script=$2 out
	shift 2
	out=$("$top/tests/vm/run.sh" --kver "$series" --show --file "$script" "$@" 2>&1) || true
	printf '%s\n' "$out" | grep -E '^bench ' ||
		{ printf '%s\n' "$out" | tail -n 20; echo "bench $(basename "$script" .sh) kver=$series failed"; }
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for series in ${BENCH_KERNELS:-6.1 6.12}; do
	guest_bench "$series" "$top/tests/vm/bench/ttm_bench.sh" --icount >"$tmp/$series" &
done
wait
for series in ${BENCH_KERNELS:-6.1 6.12}; do
	echo "== in-guest TTM benchmark, Debian $series (tests/vm/bench/ttm_bench.sh)"
	cat "$tmp/$series"
done
if [ "${BENCH_DEBUG:-1}" = 1 ]; then
	echo "== lock contention, 6.12 debug kernel, 2 vCPUs (tests/vm/bench/lock_stress.sh)"
	guest_bench 6.12-debug "$top/tests/vm/bench/lock_stress.sh" --icount
fi
echo "== in-guest benchmarks took $(( $(date +%s) - t1 )) s"
