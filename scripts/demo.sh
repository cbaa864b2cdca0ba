#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: boot Debian's 6.12 kernel in QEMU with a qxl GPU (64 MiB VRAM),
# and show per-cgroup VRAM use (dmem.current per cgroup, qxl's own debugfs
# VRAM usage) before and after a memory-hungry job runs next to a job in a
# protected cgroup, without and with dmem_backport loaded; then a job above
# its dmem.high evicted before a steady one within its high.
# The guest side is tests/vm/demo/vram_protection.sh.
#
# usage: scripts/demo.sh [6.1|6.12]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
series=${1:-${KVER:-6.12}}

"$repo/scripts/install-deps.sh"
echo "demo: booting Debian $series in QEMU (TCG, qxl 64 MiB VRAM); this takes a minute"
"$repo/tests/vm/run.sh" --kver "$series" --show \
	--file "$repo/tests/vm/demo/vram_protection.sh"
