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

# Kernel reports that fail a run (also checked by tests/vm/parse_log.py).
KERNEL_BAD='BUG:|WARNING:|Oops|Call Trace|Kernel panic|general protection fault|list_(add|del) corruption|refcount_t:|UBSAN|KASAN|KFENCE|possible circular locking|inconsistent lock state|possible recursive locking|DEBUG_LOCKS_WARN_ON|INFO: trying to register non-static key'

if [ "$series" = 6.12-debug ]; then
	# Build (or update: only changed test files are recompiled) the
	# debug kernel, then boot it without an initramfs: the built-in
	# suites run, then kunit_shutdown powers the guest off.
	t0=$(date +%s)
	mkdir -p "$cache/timings"
	exec 8>"$cache/.debug-6.12.lock"
	flock 8
	envfile=$(DEBUG_KERNEL_LOCKED=1 "$repo/scripts/debug-kernel.sh" 6.12)
	# shellcheck disable=SC1090
	. "$envfile"
	build="$KDIR"
	start=$(date +%s)
	rm -f "$build/results.json"
	timeout -k 10 1500 qemu-system-x86_64 \
		-machine q35 -cpu max -accel tcg,thread=single -m 1G -smp 1 \
		-display none -monitor none -serial stdio -no-reboot -nic none \
		-vga none -kernel "$VMLINUZ" \
		-append "console=ttyS0 kunit.enable=1 kunit_shutdown=poweroff panic=-1 loglevel=7" \
		</dev/null >"$build/kunit.log" 2>&1 || true
	end=$(date +%s)
	log "boot with KUnit took $((end - start)) s; log $build/kunit.log"
	# A cold kernel build happened in this run: record the stage's cold time.
	if [ "$(stat -c %Y "$cache/timings/debug-kernel-6.12.cold" 2>/dev/null || echo 0)" -ge "$t0" ]; then
		echo "$((end - t0))" >"$cache/timings/kunit-$series.cold"
	fi
	rc=0
	(cd "$build/source" &&
	 python3 tools/testing/kunit/kunit.py parse --json="$build/results.json" "$build/kunit.log") \
		>"$build/kunit-parse.log" 2>&1 || rc=$?
	bad=$(grep -E "$KERNEL_BAD" "$build/kunit.log" | grep -vE '^\s*(#|ok |not ok )' | head -n 5 || true)
	if [ -n "$bad" ]; then
		log "kernel reports in $build/kunit.log:"
		printf '%s\n' "$bad" >&2
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
(cd "$tree" && nice -n 10 python3 tools/testing/kunit/kunit.py run \
	--arch=x86_64 --kunitconfig="$kcfg" --build_dir="$build" \
	--jobs="$jobs" --timeout=600 --json="$build/results.json" </dev/null) \
	>"$build/kunit.log" 2>&1 || rc=$?
end=$(date +%s)
times >"$build/times"
cpu=$(tail -n 1 "$build/times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d", t }')
log "kunit.py exit $rc after $((end - start)) s wall, $cpu s CPU (about $((cpu / 2)) s wall on 2 idle cores); log: $build/kunit.log"
grep -E '^Elapsed time' "$build/kunit.log" >&2 || true
if [ $fresh = 1 ] && [ $rc = 0 ]; then
	mkdir -p "$cache/timings"
	echo "$((end - t0))" >"$cache/timings/kunit-$series.cold"
fi

fi

python3 - "$build/results.json" "$series" "$rc" "$build/kunit.log" "${bad:-}" <<'EOPY'
import json, sys
path, series, rc, logf = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
reports = sys.argv[5] if len(sys.argv) > 5 else ""
results = []
def walk(group, prefix):
    name = group.get("name", "")
    here = prefix + [name] if name and name != "main" else prefix
    for case in group.get("test_cases", []):
        results.append((".".join(here + [case["name"]]), case["status"]))
    for sub in group.get("sub_groups", []):
        walk(sub, here)
try:
    with open(path) as f:
        top = json.load(f)
    # The top group is kunit.py's wrapper ("KUnit Test Group"): no prefix.
    for case in top.get("test_cases", []):
        results.append((case["name"], case["status"]))
    for sub in top.get("sub_groups", []):
        walk(sub, [])
except (OSError, ValueError):
    pass
n = passed = failed = 0
for name, status in results:
    n += 1
    if status == "PASS":
        passed += 1
        print(f"ok {n} kunit-{series}/{name}")
    elif status == "SKIP":
        print(f"ok {n} kunit-{series}/{name} # SKIP")
    else:
        failed += 1
        print(f"not ok {n} kunit-{series}/{name} ({status})")
if reports:
    n += 1
    failed += 1
    print(f"not ok {n} kunit-{series}/kernel-reports ({reports.splitlines()[0].strip()[:120]})")
if rc != 0 and failed == 0:
    n += 1
    failed += 1
    print(f"not ok {n} kunit-{series}/run (kunit.py exit {rc}, {len(results)} results)")
if n == 0:
    n += 1
    failed += 1
    print(f"not ok {n} kunit-{series}/run (no test ran)")
if failed:
    with open(logf, errors="replace") as f:
        tail = f.readlines()[-40:]
    sys.stderr.write("---- tail of " + logf + "\n" + "".join(tail))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOPY
