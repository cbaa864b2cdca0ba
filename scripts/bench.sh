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
# (none yet)
# ---------------------------------------------------------------------------
