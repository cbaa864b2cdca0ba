#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dmem.min/low/max writes: accepted formats (max, plain bytes, K/M/G/T/P/E
# suffixes, several lines per write, blank lines) and every error with its
# errno: unknown region, missing value, bad number, trailing garbage,
# negative, overflow, a bad line in a multi-line write (nothing changes).
# Limits of a removed cgroup do not come back with a new cgroup of the same
# name; mkdir/rmdir churn with limits set frees state without warnings.
# kernels: 6.1 6.12
. /dmem/lib.sh

kmsg_mark
check "module loads" load_dmem
R=$(dmem_region drm/)
if [ -z "$R" ]; then
	not_ok "a drm/ region is registered (needs the TTM side and qxl)"
	finish
fi
diag "region $R, capacity $(dmem_read "" capacity "$R")"
cg_create a/b
cg_enable a/b

# wr CG FILE TEXT: write TEXT (echo -e escapes, no newline added) in one
# write(2); prints "OK" or the error message (strerror of errno).
wr() {
	local out
	out=$(sh -c 'echo -ne "$1" >"$2"' _ "$3" "$(cg_path "$1")/dmem.$2" 2>&1) &&
		{ echo OK; return; }
	echo "${out##*: }"
}

for f in min low max; do
	check_eq "$f: plain bytes" "$(wr a/b $f "$R 4096\n")" OK
	check_eq "$f: reads back 4096" "$(dmem_read a/b $f "$R")" 4096
	check_eq "$f: 3M" "$(wr a/b $f "$R 3M")" OK
	check_eq "$f: reads back 3145728" "$(dmem_read a/b $f "$R")" 3145728
	check_eq "$f: lower-case 2k" "$(wr a/b $f "$R 2k")" OK
	check_eq "$f: reads back 2048" "$(dmem_read a/b $f "$R")" 2048
	check_eq "$f: max" "$(wr a/b $f "$R max")" OK
	check_eq "$f: reads back max" "$(dmem_read a/b $f "$R")" max
	check_eq "$f: 0" "$(wr a/b $f "$R 0")" OK
	check_eq "$f: reads back 0" "$(dmem_read a/b $f "$R")" 0
	check_eq "$f: set 1M" "$(wr a/b $f "$R 1M")" OK
	# errors: each must leave 1M in place
	check_eq "$f: unknown region -> EINVAL" "$(wr a/b $f "drm/nope 5M")" "Invalid argument"
	check_eq "$f: missing value -> EINVAL" "$(wr a/b $f "$R")" "Invalid argument"
	check_eq "$f: missing value with space -> EINVAL" "$(wr a/b $f "$R \n")" "Invalid argument"
	check_eq "$f: bad number -> EINVAL" "$(wr a/b $f "$R abc")" "Invalid argument"
	check_eq "$f: trailing garbage -> EINVAL" "$(wr a/b $f "$R 12x")" "Invalid argument"
	check_eq "$f: two suffixes -> EINVAL" "$(wr a/b $f "$R 1MK")" "Invalid argument"
	check_eq "$f: negative -> EINVAL" "$(wr a/b $f "$R -1")" "Invalid argument"
	check_eq "$f: overflow 2^64 -> EINVAL" "$(wr a/b $f "$R 18446744073709551616")" "Invalid argument"
	check_eq "$f: overflow 20E -> EINVAL" "$(wr a/b $f "$R 20E")" "Invalid argument"
	check_eq "$f: multi-line with a bad line -> EINVAL" "$(wr a/b $f "$R 2M\n$R bad\n")" "Invalid argument"
	check_eq "$f: multi-line with an unknown region -> EINVAL" "$(wr a/b $f "$R 2M\ndrm/nope 1\n")" "Invalid argument"
	check_eq "$f: still 1M after every error" "$(dmem_read a/b $f "$R")" 1048576
	check_eq "$f: multi-line, blank lines, last wins" "$(wr a/b $f "\n$R 5M\n\n$R 6M\n")" OK
	check_eq "$f: reads back 6M" "$(dmem_read a/b $f "$R")" 6291456
done
check_eq "peak is read-only" "$(wr a/b peak "$R 1")" "Invalid argument"
check_eq "peak starts at 0" "$(dmem_read a/b peak "$R")" 0
check_eq "limits of a/b do not show in a" "$(dmem_read a max "$R")" max
check_eq "current of a/b is 0" "$(dmem_read a/b current "$R")" 0

# A removed cgroup's limits do not survive into a new one of that name.
check "rmdir a/b with limits set" rmdir "$(cg_path a/b)"
cg_create a/b
check_eq "new a/b: max is max" "$(dmem_read a/b max "$R")" max
check_eq "new a/b: min is 0" "$(dmem_read a/b min "$R")" 0
check_eq "new a/b: low is 0" "$(dmem_read a/b low "$R")" 0

# Churn: state created by writes, reset on rmdir, freed on release.
i=0
fail=0
while [ $i -lt 50 ]; do
	mkdir "$(cg_path a/c$i)" && wr a/c$i max "$R ${i}M" >/dev/null &&
		wr a/c$i low "$R 1M" >/dev/null && rmdir "$(cg_path a/c$i)" || fail=$((fail + 1))
	i=$((i + 1))
done
check_eq "50 mkdir/write/rmdir cycles" "$fail" 0
check "module unloads" unload_dmem
check "module reloads" load_dmem
# dmem starts disabled everywhere at load, as at boot upstream
check_fail "dmem not enabled after reload: a/b's dmem.max does not open" sh -c "cat $(cg_path a/b)/dmem.max 2>/dev/null"
cg_enable a/b
check_eq "limits start fresh after reload and +dmem" "$(dmem_read a/b max "$R")" max
check "kernel log clean" kmsg_clean
finish
