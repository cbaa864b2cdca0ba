#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build and style checks of the module, as one suite:
#   build-<series>      module builds against the Debian headers with no
#                       compiler or modpost warning (6.1 and 6.12)
#   sparse-<series>     `make C=2` reports nothing for our files
#   kernels-table       scripts/kernels.sh check: dkms.conf, README and
#                       the scripts agree with kernels.tsv
#   checkpatch          checkpatch.pl --strict (from linux-source-6.12) is
#                       clean on the kernel C of src/ include/ kunit/
#                       tests/shared/; ignored types: LINUX_VERSION_CODE and
#                       CONSTANT_COMPARISON (checkpatch reports both, only,
#                       on the `LINUX_VERSION_CODE >= KERNEL_VERSION(...)`
#                       tests of src/compat/: it takes the macro for a
#                       variable)
#   kernel-doc          scripts/kernel-doc -none -Wall (linux-source-6.12)
#                       reports nothing on the same files
# Prints `ok N name` / `not ok N name` and `N passed, N failed`
# (tests/shared/results.sh).
#
# usage: scripts/build-modules.sh [6.1 6.12]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${DMEM_CACHE:-$HOME/.cache/dmem-backport}
series_list=("$@")
[ ${#series_list[@]} -gt 0 ] || mapfile -t series_list < <("$repo/scripts/kernels.sh" ci)
id="$(basename "$repo")-$(printf '%s' "$repo" | sha256sum | cut -c1-8)"

# shellcheck source=../tests/shared/results.sh
. "$repo/tests/shared/results.sh"

# result OK|FAIL NAME [DETAILS-FILE]
result() {
	if [ "$1" = OK ]; then result_ok "$2"; else result_fail "$2" "" "${3:-}"; fi
}

# copy_tree DIR: a clean copy of the module sources in DIR.
copy_tree() {
	rm -rf "$1"
	mkdir -p "$1"
	rsync -a \
		--exclude='.git' --exclude='/build/' --exclude='/tests/' \
		--exclude='/debian/' --exclude='/rpm/' --exclude='/kunit/' \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='.*.cmd' --exclude='*.a' --exclude='Module.symvers' \
		--exclude='modules.order' --exclude='.*.d' \
		"$repo/" "$1/"
}

for s in "${series_list[@]}"; do
	envfile=$("$repo/scripts/fetch-kernel.sh" "$s")
	# shellcheck disable=SC1090
	. "$envfile"
	work="$cache/build/$id/$s"
	mkdir -p "$work"

	# -------------------------------------------------------- build
	progress_mark "building the module against $KVER [follow $work/wcheck.log]"
	dir="$work/wcheck"
	copy_tree "$dir"
	out="$work/wcheck.log"
	rc=0
	nice make -C "$KDIR" M="$dir" -j2 modules >"$out" 2>&1 || rc=$?
	grep -E 'warning:|error:|WARNING:|ERROR:' "$out" >"$out.bad" || true
	if [ $rc -ne 0 ]; then
		{ echo "make exited $rc"; cat "$out.bad"; tail -n 20 "$out"; } >"$out.why"
		result FAIL "build-$s (against $KVER)" "$out.why"
	elif [ -s "$out.bad" ]; then
		result FAIL "build-$s (against $KVER: warnings)" "$out.bad"
	elif [ ! -f "$dir/dmem_backport.ko" ]; then
		echo "no dmem_backport.ko produced" >"$out.why"
		result FAIL "build-$s (against $KVER)" "$out.why"
	else
		result OK "build-$s (against $KVER)"
	fi

	# -------------------------------------------------------- sparse
	progress_mark "sparse (make C=2) against $KVER [follow $work/sparse.log]"
	dir="$work/sparse"
	copy_tree "$dir"
	out="$work/sparse.log"
	rc=0
	nice make -C "$KDIR" M="$dir" C=2 -j2 modules >"$out" 2>&1 || rc=$?
	# Only messages about our files count (kernel headers are not ours).
	grep -E "^$dir/[^:]+:[0-9]+:[0-9]+: (warning|error):" "$out" |
		sed "s#^$dir/##" >"$out.bad" || true
	if [ $rc -ne 0 ]; then
		{ echo "make C=2 exited $rc"; tail -n 20 "$out"; } >"$out.why"
		result FAIL "sparse-$s" "$out.why"
	elif [ -s "$out.bad" ]; then
		result FAIL "sparse-$s" "$out.bad"
	else
		result OK "sparse-$s"
	fi
done

# ------------------------------------------------------------ kernels.tsv
# dkms.conf, the README table and the scripts agree with kernels.tsv.
out="$cache/build/$id/kernels-check.log"
mkdir -p "$(dirname "$out")"
if "$repo/scripts/kernels.sh" check >"$out" 2>&1; then
	result OK "kernels-table ($(tail -n 1 "$out"))"
else
	grep -v '^ok ' "$out" >"$out.why" || true
	result FAIL "kernels-table" "$out.why"
fi

# ------------------------------------------------------------ checkpatch
tree=$("$repo/scripts/linux-source.sh" 6.12)
files=()
while IFS= read -r f; do files+=("$f"); done < <(
	cd "$repo" && find src include kunit tests/shared -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)
out="$cache/build/$id/checkpatch.log"
mkdir -p "$(dirname "$out")"
progress_mark "checkpatch --strict, kernel-doc: ${#files[@]} files"
if [ ${#files[@]} -eq 0 ]; then
	echo "no files" >"$out"
	result FAIL "checkpatch (no source files found)" "$out"
else
	(cd "$repo" && perl "$tree/scripts/checkpatch.pl" --no-tree --strict --terse --no-summary \
		--show-types --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON --color=never \
		-f "${files[@]}") >"$out" 2>&1 || true
	if grep -qE '(ERROR|WARNING|CHECK):' "$out"; then
		result FAIL "checkpatch --strict (${#files[@]} files)" "$out"
	else
		result OK "checkpatch --strict (${#files[@]} files)"
	fi
fi

# ------------------------------------------------------------ kernel-doc
out="$cache/build/$id/kernel-doc.log"
(cd "$repo" && perl "$tree/scripts/kernel-doc" -none -Wall "${files[@]}") >"$out" 2>&1 || true
if [ -s "$out" ]; then
	result FAIL "kernel-doc -none -Wall ($(grep -c . "$out") warnings in ${#files[@]} files)" "$out"
else
	result OK "kernel-doc -none -Wall (${#files[@]} files)"
fi

results_summary
