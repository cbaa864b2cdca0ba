#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the project's KUnit suites in QEMU on a kernel built from Debian's
# linux-source-<series> package.
#
# usage: scripts/kunit.sh 6.1|6.12|6.12-debug
#
# 6.12-debug: the debug kernel of scripts/debug-kernel.sh (KASAN, lockdep,
# UBSAN, KFENCE, kmemleak, MEMCG, ...; our suites built in, including the
# differential suite dmem_core_vs_page_counter), booted in QEMU with
# kunit.enable=1; a KASAN/UBSAN/lockdep/... report in the boot log fails
# the run (result kunit-6.12-debug/kernel-reports).
#
# - scripts/linux-source.sh downloads (apt-get download) Debian's
#   linux-source-<series> into ~/.cache/dmem-backport/debs/ if missing and
#   extracts it once into ~/.cache/dmem-backport/src/.
# - The test sources are copied into that tree as lib/dmem_backport_kunit/
#   (hooked into lib/Kconfig and lib/Makefile, Kconfig symbol
#   CONFIG_DMEM_BACKPORT_KUNIT_TEST).  Which files are compiled:
#   kunit/kunit.files (one repository-relative path per line) if it exists,
#   else the sources of src/core.mk plus every kunit/*.c.  Until kunit/*.c
#   exists a trivial placeholder suite (generated in the cache, not in the
#   repo) runs.
# - Kernel config: tinyconfig + the few options KUnit needs to boot and
#   print (see BASE_CONFIG) + kunit/.kunitconfig if it exists.  The build
#   directory is keyed by source version + config hash, so a second run only
#   recompiles changed test files.
# - Output follows the suite contract: `ok N kunit-<series>/<suite>.<case>`
#   lines and a final `N passed, N failed`; exit status 0 iff nothing failed.
set -euo pipefail

series=${1:?usage: $0 6.1|6.12|6.12-debug}
# the series with a CI test kernel (kernels.tsv), plus 6.12's debug kernel
case "$series" in
6.12-debug) ;;
*) "$(dirname "$0")/kernels.sh" has-ci "$series" || { echo "usage: $0 6.1|6.12|6.12-debug (kernels.tsv: ci-guest)" >&2; exit 2; } ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${DMEM_CACHE:-$HOME/.cache/dmem-backport}
jobs=${KUNIT_JOBS:-2}
mkdir -p "$cache/debs" "$cache/src" "$cache/kunit"

log() { echo "kunit-$series: $*" >&2; }
# shellcheck source=../tests/shared/results.sh
. "$repo/tests/shared/results.sh"
# shellcheck source=../tests/vm/lib/qemu.sh
. "$repo/tests/vm/lib/qemu.sh"

# Kernel reports that fail a run (also checked by tests/vm/parse_log.py).
KERNEL_BAD='BUG:|WARNING:|Oops|Call Trace|Kernel panic|general protection fault|list_(add|del) corruption|refcount_t:|UBSAN|KASAN|KFENCE|possible circular locking|inconsistent lock state|possible recursive locking|DEBUG_LOCKS_WARN_ON|INFO: trying to register non-static key'

if [ "$series" = 6.12-debug ]; then
	# Build (or update: only changed test files are recompiled) the
	# debug kernel, then boot it without an initramfs: the built-in
	# suites run, then kunit_shutdown powers the guest off.
	exec 8>"$cache/.debug-6.12.lock"
	flock 8
	envfile=$(DEBUG_KERNEL_LOCKED=1 "$repo/scripts/debug-kernel.sh" 6.12)
	# shellcheck disable=SC1090
	. "$envfile"
	build="$KDIR"
	start=$(date +%s)
	rm -f "$build/results.json"
	progress_mark "booting 6.12-debug: KUnit suites [follow $build/kunit.log]"
	# The project's one QEMU launcher (tests/vm/lib/qemu.sh); the 6.1
	# KUnit kernel below boots through the kernel's own kunit.py instead.
	qemu_boot --no-gpu --kernel "$VMLINUZ" --timeout 1500 --log "$build/kunit.log" \
		--append "console=ttyS0 kunit.enable=1 kunit_shutdown=poweroff panic=-1 loglevel=7" ||
		true
	end=$(date +%s)
	log "boot with KUnit took $((end - start)) s; log $build/kunit.log"
	rc=0
	(cd "$build/source" &&
	 python3 tools/testing/kunit/kunit.py parse --json="$build/results.json" "$build/kunit.log") \
		>"$build/kunit-parse.log" 2>&1 || rc=$?
	reports=$(grep -E "$KERNEL_BAD" "$build/kunit.log" | grep -vE '^\s*(#|ok |not ok )' | head -n 5 || true)
	if [ -n "$reports" ]; then
		log "kernel reports in $build/kunit.log:"
		printf '%s\n' "$reports" >&2
	fi
fi

if [ "$series" != 6.12-debug ]; then

# ------------------------------------------------------------ source tree
tree=$("$repo/scripts/linux-source.sh" "$series")
pkgver=${tree##*/linux-source-${series}_}
exec 8>"$cache/.kunit-$series.lock"
flock 8

# ------------------------------------------------------------ hook our tests
mode=$("$repo/scripts/kunit-hook.sh" "$tree" "$series")

# ------------------------------------------------------------ config
BASE_CONFIG='CONFIG_64BIT=y
CONFIG_PRINTK=y
CONFIG_TTY=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_KUNIT=y
CONFIG_DMEM_BACKPORT_KUNIT_TEST=y'
frag="$BASE_CONFIG"
if [ -f "$repo/kunit/.kunitconfig" ]; then
	frag="$frag
$(grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' "$repo/kunit/.kunitconfig" || true)"
fi
frag=$(printf '%s\n' "$frag" | sort -u)
hash=$( { echo "tinyconfig v1"; printf '%s\n' "$frag"; } | sha256sum | cut -c1-12)
build="$cache/kunit/build-${series}_$pkgver-$hash"
mkdir -p "$build"
kcfg="$build/dmem.kunitconfig"
fresh=0
t0=$(date +%s)
if [ ! -s "$kcfg" ]; then
	fresh=1
	log "configuring (tinyconfig + $(printf '%s\n' "$frag" | wc -l) options) in $build"
	printf '%s\n' "$frag" >"$build/fragment.config"
	gen="$build/config-gen"
	rm -rf "$gen"
	mkdir -p "$gen"
	make -s -C "$tree" ARCH=x86_64 O="$gen" tinyconfig >/dev/null
	(cd "$tree" && KCONFIG_CONFIG="$gen/.config" \
		scripts/kconfig/merge_config.sh -m -O "$gen" "$gen/.config" "$build/fragment.config" >/dev/null)
	make -s -C "$tree" ARCH=x86_64 O="$gen" olddefconfig >/dev/null
	bad=0
	while read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" "$gen/.config" || {
				log "config option not satisfied: $line"; bad=1; } ;;
		esac
	done <<<"$BASE_CONFIG"
	if [ -f "$repo/kunit/.kunitconfig" ]; then
		grep -E '^CONFIG_' "$repo/kunit/.kunitconfig" | while read -r line; do
			grep -qxF "$line" "$gen/.config" || log "note: kunit/.kunitconfig option not satisfied: $line"
		done
	fi
	[ $bad = 0 ] || exit 1
	# The full resolved config is a fixed point of olddefconfig, so
	# kunit.py accepts it as its kunitconfig and validates it as is.
	cp "$gen/.config" "$kcfg.tmp"
	mv "$kcfg.tmp" "$kcfg"
	rm -rf "$gen"
fi

# ------------------------------------------------------------ run
log "source $pkgver, config $hash, tests: $mode"
start=$(date +%s)
rm -f "$build/results.json"
rc=0
# kunit.py's own log goes to kunit.log; its boot step becomes a progress
# marker (tests/shared/results.sh).
progress_mark "building kernel $series (KUnit, tinyconfig, -j$jobs) [follow $build/kunit.log]"
(cd "$tree" && PYTHONUNBUFFERED=1 nice -n 10 python3 tools/testing/kunit/kunit.py run \
	--arch=x86_64 --kunitconfig="$kcfg" --build_dir="$build" \
	--jobs="$jobs" --timeout=600 --json="$build/results.json" </dev/null) 2>&1 |
	tee "$build/kunit.log" | while IFS= read -r line; do
		case "$line" in
		*'Starting KUnit Kernel'*)
			progress_mark "booting $series: KUnit suites [follow $build/kunit.log]" ;;
		esac
	done || rc=${PIPESTATUS[0]}
end=$(date +%s)
times >"$build/times"
cpu=$(tail -n 1 "$build/times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d", t }')
log "kunit.py exit $rc after $((end - start)) s wall, $cpu s CPU (about $((cpu / 2)) s wall on 2 idle cores); log: $build/kunit.log"
grep -E '^Elapsed time' "$build/kunit.log" >&2 || true
if [ $fresh = 1 ] && [ $rc = 0 ]; then
	# what 2 idle cores would take: the smaller of the wall time and
	# CPU / jobs x 1.1 (a build on a loaded machine must not inflate it),
	# plus the boot
	wall=$((end - t0))
	idle=$(((cpu * 11 + jobs * 10 - 1) / (jobs * 10)))
	mkdir -p "$cache/timings"
	echo "$((wall < idle ? wall : idle))" >"$cache/timings/kunit-$series.cold"
	echo "$wall" >"$cache/timings/kunit-$series.cold-wall"
	echo "$cpu" >"$cache/timings/kunit-$series.cold-cpu"
fi

fi

# The results of results.json, one "STATUS<TAB>NAME" line per case
# (kunit.py's tree of suites flattened to suite.case), counted by
# tests/shared/results.sh.
cases() {
	python3 - "$1" <<'EOPY'
import json, sys
results = []
def walk(group, prefix):
    name = group.get("name", "")
    here = prefix + [name] if name and name != "main" else prefix
    for case in group.get("test_cases", []):
        results.append((".".join(here + [case["name"]]), case["status"]))
    for sub in group.get("sub_groups", []):
        walk(sub, here)
try:
    with open(sys.argv[1]) as f:
        top = json.load(f)
    # The top group is kunit.py's wrapper ("KUnit Test Group"): no prefix.
    for case in top.get("test_cases", []):
        results.append((case["name"], case["status"]))
    for sub in top.get("sub_groups", []):
        walk(sub, [])
except (OSError, ValueError):
    pass
for name, status in results:
    print(f"{status}\t{name}")
EOPY
}

ncases=0
while IFS=$'\t' read -r status name; do
	ncases=$((ncases + 1))
	case "$status" in
	PASS) result_ok "kunit-$series/$name" ;;
	SKIP) result_skip "kunit-$series/$name" ;;
	*) result_fail "kunit-$series/$name" "$status" ;;
	esac
done < <(cases "$build/results.json")
if [ -n "${reports:-}" ]; then
	result_fail "kunit-$series/kernel-reports" "$(printf '%s\n' "$reports" | head -n 1 | sed 's/^[[:space:]]*//' | cut -c1-120)"
fi
if [ "$rc" != 0 ] && [ "$RESULTS_FAILED" = 0 ]; then
	result_fail "kunit-$series/run" "kunit.py exit $rc, $ncases results"
fi
if [ "$RESULTS_N" = 0 ]; then
	result_fail "kunit-$series/run" "no test ran"
fi
if [ "$RESULTS_FAILED" != 0 ]; then
	echo "---- tail of $build/kunit.log" >&2
	tail -n 40 "$build/kunit.log" >&2
fi
results_summary
