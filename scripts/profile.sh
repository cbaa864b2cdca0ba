#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmem-backport: `make profile`.  Where do the instructions that the module
# adds to the hot paths of `make bench` go?  Boots each Debian kernel in
# QEMU with a TCG plugin that counts the guest kernel's instructions per
# translation block (tests/vm/bench/tbprof.c), runs the alloc_free and
# validate loops without and with the module (tests/vm/bench/profile.sh)
# and prints, per kernel function, the instructions per loop that loading
# the module added (tests/vm/bench/profile.py).  A measuring aid, not a
# test: it asserts nothing.  About 2 min per kernel on an idle machine.
#
# usage: scripts/profile.sh [SERIES ...]   (default: 6.1 6.12)
#        PROFILE_TOP=N: functions shown per path (default 30)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${DMEM_CACHE:-$HOME/.cache/dmem-backport}/profile
mkdir -p "$cache"
bash "$top/scripts/install-deps.sh" >/dev/null

plugin=$cache/tbprof.so
if [ ! -s "$plugin" ] || [ "$top/tests/vm/bench/tbprof.c" -nt "$plugin" ]; then
	# shellcheck disable=SC2046 # pkg-config prints several words
	gcc -shared -fPIC -O2 -Wall $(pkg-config --cflags glib-2.0) \
		-o "$plugin" "$top/tests/vm/bench/tbprof.c" $(pkg-config --libs glib-2.0)
fi

[ $# -gt 0 ] || set -- 6.1 6.12
for series in "$@"; do
	out=$cache/$series
	rm -f "$out".[0-9]*
	echo "== profile $series"
	QEMU_EXTRA_ARGS="-plugin file=$plugin,out=$out" \
		"$top/tests/vm/run.sh" --kver "$series" --show \
		--file "$top/tests/vm/bench/profile.sh" >"$out.log" 2>&1 ||
		{ tail -n 20 "$out.log"; echo "profile $series: the guest run failed"; continue; }
	python3 "$top/tests/vm/bench/profile.py" "$out" "$out.log" "${PROFILE_TOP:-30}" ||
		echo "profile $series: no profile (see $out.log)"
done
