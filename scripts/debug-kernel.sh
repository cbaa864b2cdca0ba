#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (once, then incrementally) a debug kernel from Debian's
# linux-source-6.12: KASAN, lockdep (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP,
# DEBUG_LIST, KFENCE, kmemleak, UBSAN, fail_function, with everything the
# in-guest suite needs (modules, DRM/TTM/qxl as modules, MEMCG, cgroups,
# ftrace with regs, kprobes, livepatch, IBT, initrd, devtmpfs) and the
# project's KUnit suites built in (CONFIG_KUNIT_DEFAULT_ENABLED: they run
# at every boot unless the command line says kunit.enable=0).
#
# usage: scripts/debug-kernel.sh [6.12]
# prints the path of an env file (KVER, ROOT, KDIR, VMLINUZ, BUILD_ID) in
# the format of scripts/fetch-kernel.sh, for tests/vm/run.sh --kver 6.12-debug
# and scripts/kunit.sh 6.12-debug.
#
# - Source: a hard-linked copy of the shared linux-source tree
#   (~/.cache/dmem-backport/debug/src-<series>_<version>/), so that this
#   kernel's copy of the KUnit sources never races scripts/kunit.sh's.
# - Build directory keyed by source version + config hash
#   (~/.cache/dmem-backport/debug/build-<series>_<version>-<hash>/); a
#   second run only recompiles changed test files and relinks.
# - Modules installed into <build>/root/lib/modules/<release>/.
# - Cold build times go to ~/.cache/dmem-backport/timings/: CPU seconds
#   (debug-kernel.cold-cpu) and the wall time 2 idle cores would need
#   (debug-kernel.cold: the smaller of the wall time and CPU / jobs x 1.1;
#   -j2 on 2 idle cores took CPU / 2 x 1.06), so that a build on a loaded,
#   shared machine does not record a cold time it would never take on the
#   CI machine (the wall time as measured goes to debug-kernel.cold-wall).
set -euo pipefail

series=${1:-6.12}
case "$series" in 6.12) ;; *) echo "usage: $0 [6.12]" >&2; exit 2 ;; esac
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${DMEM_CACHE:-$HOME/.cache/dmem-backport}
jobs=${KUNIT_JOBS:-2}
log() { echo "debug-kernel-$series: $*" >&2; }

shared=$("$repo/scripts/linux-source.sh" "$series")
pkgver=${shared##*/linux-source-${series}_}
mkdir -p "$cache/debug" "$cache/timings"
# DEBUG_KERNEL_LOCKED=1: the caller holds the lock (scripts/kunit.sh
# keeps it while it boots the kernel it built).
if [ -z "${DEBUG_KERNEL_LOCKED:-}" ]; then
	exec 8>"$cache/.debug-$series.lock"
	flock 8
fi

# ------------------------------------------------------------ private tree
tree="$cache/debug/src-${series}_$pkgver"
if [ ! -f "$tree/.copied" ]; then
	log "hard-linking $shared to $tree"
	rm -rf "$tree" "$tree.tmp"
	cp -al "$shared" "$tree.tmp"
	rm -rf "$tree.tmp/lib/dmem_backport_kunit"
	# Files we edit must not share their inode with the shared tree.
	for f in lib/Kconfig lib/Makefile; do
		cp "$tree.tmp/$f" "$tree.tmp/$f.own"
		mv "$tree.tmp/$f.own" "$tree.tmp/$f"
	done
	mv "$tree.tmp" "$tree"
	touch "$tree/.copied"
fi
mode=$("$repo/scripts/kunit-hook.sh" "$tree" "$series-debug")

# ------------------------------------------------------------ config
# tinyconfig + this fragment; every line must hold in the resolved config.
FRAGMENT='CONFIG_64BIT=y
CONFIG_SMP=y
CONFIG_NR_CPUS=4
CONFIG_LOCALVERSION="-dmemdebug"
CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE=y
CONFIG_BASE_SMALL=n
CONFIG_PRINTK=y
CONFIG_PRINTK_TIME=y
CONFIG_EARLY_PRINTK=y
CONFIG_TTY=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_ACPI=y
CONFIG_PCI=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_BINFMT_ELF=y
CONFIG_BINFMT_SCRIPT=y
CONFIG_MULTIUSER=y
CONFIG_FUTEX=y
CONFIG_EPOLL=y
CONFIG_SIGNALFD=y
CONFIG_TIMERFD=y
CONFIG_EVENTFD=y
CONFIG_SHMEM=y
CONFIG_POSIX_TIMERS=y
CONFIG_PROC_FS=y
CONFIG_SYSFS=y
CONFIG_TMPFS=y
CONFIG_DEVTMPFS=y
CONFIG_MODULES=y
CONFIG_MODULE_UNLOAD=y
CONFIG_MODULE_FORCE_UNLOAD=y
CONFIG_KALLSYMS=y
CONFIG_KALLSYMS_ALL=y
CONFIG_CGROUPS=y
CONFIG_MEMCG=y
CONFIG_BLOCK=y
CONFIG_BLK_CGROUP=y
CONFIG_CGROUP_PIDS=y
CONFIG_CGROUP_FREEZER=y
CONFIG_DRM=m
CONFIG_DRM_TTM=m
CONFIG_DRM_QXL=m
CONFIG_DRM_FBDEV_EMULATION=y
CONFIG_DEBUG_FS=y
CONFIG_FTRACE=y
CONFIG_FUNCTION_TRACER=y
CONFIG_DYNAMIC_FTRACE=y
CONFIG_DYNAMIC_FTRACE_WITH_REGS=y
CONFIG_KPROBES=y
CONFIG_KRETPROBES=y
CONFIG_LIVEPATCH=y
CONFIG_X86_KERNEL_IBT=y
CONFIG_FAULT_INJECTION=y
CONFIG_FAULT_INJECTION_DEBUG_FS=y
CONFIG_FUNCTION_ERROR_INJECTION=y
CONFIG_FAIL_FUNCTION=y
CONFIG_DEBUG_KERNEL=y
CONFIG_SLUB_TINY=n
CONFIG_SLUB_DEBUG=y
CONFIG_KASAN=y
CONFIG_KASAN_GENERIC=y
CONFIG_KASAN_INLINE=y
CONFIG_KASAN_VMALLOC=y
CONFIG_VMAP_STACK=y
CONFIG_PROVE_LOCKING=y
CONFIG_DEBUG_ATOMIC_SLEEP=y
CONFIG_DEBUG_LIST=y
CONFIG_KFENCE=y
CONFIG_DEBUG_KMEMLEAK=y
CONFIG_DEBUG_KMEMLEAK_AUTO_SCAN=n
CONFIG_UBSAN=y
CONFIG_UBSAN_BOUNDS=y
CONFIG_UBSAN_SHIFT=y
CONFIG_KUNIT=y
CONFIG_KUNIT_DEFAULT_ENABLED=y
CONFIG_DMEM_BACKPORT_KUNIT_TEST=y'
hash=$( { echo "debug tinyconfig v1"; printf '%s\n' "$FRAGMENT"; } | sha256sum | cut -c1-12)
build="$cache/debug/build-${series}_$pkgver-$hash"
mkdir -p "$build"
mk() { make -C "$tree" ARCH=x86_64 O="$build" "$@"; }
t0=$(date +%s)
fresh=0
if [ ! -s "$build/.config.resolved" ]; then
	fresh=1
	log "configuring (tinyconfig + $(printf '%s\n' "$FRAGMENT" | wc -l) options) in $build"
	printf '%s\n' "$FRAGMENT" >"$build/fragment.config"
	mk -s tinyconfig >/dev/null
	(cd "$tree" && KCONFIG_CONFIG="$build/.config" \
		scripts/kconfig/merge_config.sh -m -O "$build" "$build/.config" "$build/fragment.config" >/dev/null)
	mk -s olddefconfig >/dev/null
	bad=0
	while read -r line; do
		case "$line" in
		CONFIG_*=n)
			! grep -q "^${line%=n}=" "$build/.config" || { log "config option not satisfied: $line"; bad=1; } ;;
		CONFIG_*=*)
			grep -qxF "$line" "$build/.config" || { log "config option not satisfied: $line"; bad=1; } ;;
		esac
	done <<<"$FRAGMENT"
	[ $bad = 0 ] || exit 1
	cp "$build/.config" "$build/.config.resolved"
fi

# ------------------------------------------------------------ build
log "source $pkgver, config $hash, tests: $mode; building (-j$jobs), log $build/build.log"
echo "== building kernel 6.12-debug (-j$jobs) [follow $build/build.log]" >&2
start=$(date +%s)
if ! nice -n 10 make -C "$tree" ARCH=x86_64 O="$build" -j"$jobs" bzImage modules >"$build/build.log" 2>&1; then
	tail -n 40 "$build/build.log" >&2
	log "build failed"
	exit 1
fi
kver=$(mk -s kernelrelease)
root="$build/root"
stamp="$root/lib/modules/$kver/modules.dep"
if [ ! -s "$stamp" ] || [ -n "$(find "$build" -name '*.ko' -newer "$stamp" -print -quit)" ]; then
	rm -rf "$root"
	mk -s INSTALL_MOD_PATH="$root" modules_install >>"$build/build.log" 2>&1
fi
end=$(date +%s)
times >"$build/times"
cpu=$(tail -n 1 "$build/times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d", t }')
log "built $kver in $((end - start)) s wall, $cpu s CPU"
# Timings for scripts/check.sh's fresh-machine estimate: the cold build
# (debug-kernel.cold) and what this run spent (debug-kernel.last, added up
# over the calls of one check.sh run: kunit-6.12-debug and vm-6.12-debug
# both call this script).
tdir="$cache/timings"
if [ $fresh = 1 ]; then
	wall=$((end - t0))
	idle=$(((cpu * 11 + jobs * 10 - 1) / (jobs * 10)))
	echo "$((wall < idle ? wall : idle))" >"$tdir/debug-kernel.cold"
	echo "$wall" >"$tdir/debug-kernel.cold-wall"
	echo "$cpu" >"$tdir/debug-kernel.cold-cpu"
	log "cold build recorded as $((wall < idle ? wall : idle)) s (wall $wall s, CPU $cpu s / $jobs jobs x 1.1 = $idle s)"
else
	# measured before the files had their current names: the CPU seconds
	# too, or check.sh cannot correct a wall time inflated by load
	for x in cold cold-cpu; do
		[ -s "$tdir/debug-kernel.$x" ] || [ ! -s "$tdir/debug-kernel-$series.$x" ] ||
			cp "$tdir/debug-kernel-$series.$x" "$tdir/debug-kernel.$x"
	done
fi
secs=$((end - t0))
if [ -n "${DMEM_CHECK_RUN:-}" ] && [ "$(cat "$tdir/debug-kernel.run" 2>/dev/null)" = "$DMEM_CHECK_RUN" ]; then
	secs=$((secs + $(cat "$tdir/debug-kernel.last" 2>/dev/null || echo 0)))
fi
echo "${DMEM_CHECK_RUN:-}" >"$tdir/debug-kernel.run"
echo "$secs" >"$tdir/debug-kernel.last"

envfile="$cache/kernel-$series-debug.env"
cat >"$envfile.tmp" <<EOT
KVER=$kver
ROOT=$root
KDIR=$build
VMLINUZ=$build/arch/x86/boot/bzImage
BUILD_ID=$series-$pkgver-$hash
EOT
mv "$envfile.tmp" "$envfile"
echo "$envfile"
