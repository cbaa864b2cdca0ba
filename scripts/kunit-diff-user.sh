#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The differential KUnit suite (kunit/dmem_core_vs_page_counter.c) in
# userspace, in seconds: the core as tests/user builds it (port_user.h,
# ASan + UBSan) against the kernel's own mm/page_counter.c and
# include/linux/page_counter.h, taken unchanged from Debian's
# linux-source-6.12 (scripts/linux-source.sh) and compiled with
# CONFIG_MEMCG under the stand-in headers of kunit/user/.  The same suite
# runs in the 6.12 debug kernel (scripts/kunit.sh 6.12-debug); this run
# needs no kernel build.
#
# usage: scripts/kunit-diff-user.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${DMEM_CACHE:-$HOME/.cache/dmem-backport}
tree=$("$repo/scripts/linux-source.sh" 6.12)
out="$cache/kunit-user/$(basename "$repo")-$(printf '%s' "$repo" | sha256sum | cut -c1-8)"
rm -rf "$out"
mkdir -p "$out/inc/linux"
cp "$tree/include/linux/page_counter.h" "$out/inc/linux/"
u="$repo/kunit/user"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
build() {
	cc -std=gnu11 -O1 -g $san -DCONFIG_MEMCG -I"$out/inc" -I"$u/common" -I"$u/pc" \
		-c -o "$out/page_counter.o" "$tree/mm/page_counter.c"
	cc -std=gnu11 -O1 -g -Wall -Wno-format -Wno-unused-function -Wno-sign-compare $san \
		-D_GNU_SOURCE -DCONFIG_MEMCG -I"$out/inc" -I"$u/common" -I"$u/test" \
		-I"$repo/tests/user" -I"$repo/include" -I"$repo/kunit" -I"$repo/src" \
		-I"$repo/tests/shared" \
		-c -o "$out/main.o" "$u/main.c"
	cc $san -D_GNU_SOURCE -I"$repo/tests/user" -I"$repo/include" -o "$out/diff" \
		"$out/main.o" "$out/page_counter.o" "$repo/tests/user/port_user.c" -lpthread
}
if ! build >"$out/build.log" 2>&1; then
	# shellcheck source=../tests/shared/results.sh
	. "$repo/tests/shared/results.sh"
	result_fail "kunit-user/build" "compiling the suite failed" "$out/build.log"
	results_summary
	exit 1
fi
# The program prints its own `ok N` lines and `N passed, N failed`.
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 "$out/diff"
