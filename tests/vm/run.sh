#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run in-guest tests on a Debian kernel in QEMU (TCG) with qxl VRAM.
#
# usage: tests/vm/run.sh --kver 6.1|6.12|6.12-debug (kernels.tsv: ci-guest) [--test NAME ...|--all] [--smp N]
#                        [--isolate] [--file PATH] [--show] [--icount]
#   --test NAME   a test in tests/vm/tests/NAME.sh (repeatable; several names
#                 may follow one --test)
#   --all         every test whose "# kernels:" header includes the series
#                 (default when no --test is given)
#   --smp N       guest CPUs (default 1; tests may ask for more with a
#                 "# smp: N" header, the largest wins)
#   --isolate     one boot per test (default: all tests in one boot; a test
#                 that crashes the guest fails and the rest run in a new boot)
#   --file PATH   run a guest script from anywhere (e.g. the demo)
#   --show        print each test's own output (not the kernel's) as it ran
#   --icount      boot with QEMU's deterministic virtual clock
#                 (-icount shift=0,sleep=off: guest time is instructions
#                 executed, idle time skipped), for measurements (make bench);
#                 the wall-clock budget of a boot is ICOUNT_BUDGET_SCALE
#                 (default 6) times the usual one
#   --kver 6.12-debug  the debug kernel of scripts/debug-kernel.sh (KASAN,
#                 lockdep, UBSAN, ...; its built-in KUnit suites are
#                 skipped with kunit.enable=0); tests see series 6.12
#   --kver S-hand a kernel of series S built by hand, described by
#                 ~/.cache/dmem-backport/kernel-S-hand.env (KVER, ROOT, KDIR,
#                 VMLINUZ, as fetch-kernel.sh writes); tests see series S and
#                 run if their "# kernels:" header names S or every CI series
#
# Test headers (comment lines in the test file):
#   # kernels: 6.12        only for these series (default: 6.1 6.12)
#   # timeout: 300         seconds before the guest kills it (default 180)
#   # order: last          run after every other test of the boot (several
#                          such tests: one boot each)
#
# Builds dmem_backport.ko out of tree in ~/.cache/dmem-backport/build/<id>/<series>/
# (<id> names the checkout, so worktrees never clobber each other), the
# static guest programs from tests/vm/guest/*.c, an initramfs (busybox +
# the qxl/TTM modules of the Debian image, cached), boots QEMU and reports
# `ok N <series>/<test>` lines and `N passed, N failed`.  QEMU and the
# initramfs come from tests/vm/lib/qemu.sh (shared with scripts/test-package.sh).
# Serial logs:
# <build dir>/logs/ (boot-*.log whole boots, <test>.log per test).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${DMEM_CACHE:-$HOME/.cache/dmem-backport}

# shellcheck source=tests/vm/lib/qemu.sh
. "$here/lib/qemu.sh"
# shellcheck source=tests/shared/results.sh
. "$repo/tests/shared/results.sh"

series="" smp=1 all=0 isolate=0 show=0 icount=
tests=()
declare -A tpath=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) series=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--all) all=1; shift ;;
	--isolate) isolate=1; shift ;;
	--show) show=1; shift ;;
	--icount) icount=1; shift ;;
	--file)
		t=$(basename "$2" .sh)
		tpath[$t]=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
		tests+=("$t")
		shift 2
		;;
	--test)
		shift
		while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do tests+=("${1%.sh}"); shift; done
		;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | grep '^#'; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
gseries=${series%-debug}	# what the tests and their headers see
hand=
[ "${series%-hand}" = "$series" ] || { gseries=${series%-hand}; hand=$cache/kernel-$series.env; }
# the series with a CI test kernel (kernels.tsv), plus 6.12's debug kernel
[ "$series" = 6.12-debug ] || [ -s "$hand" ] || "$repo/scripts/kernels.sh" has-ci "$series" ||
	{ echo "usage: $0 --kver $("$repo/scripts/kernels.sh" ci | paste -sd"|")|6.12-debug [--test NAME ...|--all]" >&2; exit 2; }
kopts="" tscale=1
if [ "$series" = "$gseries-debug" ]; then
	kopts=" kunit.enable=0"	# no built-in KUnit run
	tscale=${DEBUG_TIMEOUT_SCALE:-3}
fi

log() { echo "vm-$series: $*" >&2; }

header() { sed -n "s/^# *$2: *//p" "$1" | head -n 1; }

for_series() {
	local k
	k=$(header "$1" kernels)
	[ -z "$k" ] && return 0
	for s in $k; do [ "$s" = "$gseries" ] && return 0; done
	[ -n "$hand" ] && [ "$k" = "$("$repo/scripts/kernels.sh" ci | paste -sd' ')" ]
}

# ------------------------------------------------------------ selection
if [ ${#tests[@]} -eq 0 ] || [ $all = 1 ]; then
	for f in "$repo"/tests/vm/tests/*.sh; do
		[ -e "$f" ] || continue
		t=$(basename "$f" .sh)
		tpath[$t]=$f
		for_series "$f" && tests+=("$t")
	done
fi
sel=() skipped=()
for t in "${tests[@]}"; do
	[ -n "${tpath[$t]:-}" ] || tpath[$t]="$repo/tests/vm/tests/$t.sh"
	f=${tpath[$t]}
	if [ ! -f "$f" ]; then
		echo "run.sh: no such test: $f" >&2
		exit 2
	fi
	case " ${sel[*]} " in *" $t "*) continue ;; esac
	if for_series "$f"; then sel+=("$t"); else skipped+=("$t"); fi
done
# Tests with "# order: last" (they take the GPU away) run after the others.
first=() last=()
for t in "${sel[@]}"; do
	if [ "$(header "${tpath[$t]}" order)" = last ]; then last+=("$t"); else first+=("$t"); fi
done
sel=("${first[@]}" "${last[@]}")

# ------------------------------------------------------------ kernel
if [ -n "$hand" ]; then
	envfile=$hand
elif [ "$series" = "$gseries" ]; then
	envfile=$("$repo/scripts/fetch-kernel.sh" "$series")
else
	envfile=$("$repo/scripts/debug-kernel.sh" "$gseries")
fi
# shellcheck disable=SC1090
. "$envfile"
id="$(basename "$repo")-$(printf '%s' "$repo" | sha256sum | cut -c1-8)"
work="$cache/build/$id/$series"
logs="$work/logs"
mkdir -p "$work" "$logs"
exec 9>"$work/.lock"
flock 9

# ------------------------------------------------------------ module
mod="$work/module"
mkdir -p "$mod"
rsync -rl --checksum --delete \
	--exclude='.git' --exclude='/build/' --exclude='/tests/' \
	--exclude='/debian/' --exclude='/rpm/' --exclude='/kunit/' \
	--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='.*.cmd' --exclude='*.a' --exclude='Module.symvers' \
	--exclude='modules.order' --exclude='.*.d' \
	"$repo/" "$mod/"
if ! nice make -s -C "$KDIR" M="$mod" -j2 modules >"$work/module-build.log" 2>&1; then
	cat "$work/module-build.log" >&2
	for t in "${sel[@]}"; do result_fail "$series/$t" "module build failed"; done
	results_summary || true
	exit 1
fi

# ------------------------------------------------------------ test kernel modules
# tests/vm/kmod/: modules only the in-guest tests load (e.g. a livepatch)
kmod="$work/kmod"
mkdir -p "$kmod"
rsync -rl --checksum --delete "$repo/tests/vm/kmod/" "$kmod/"
if ! nice make -s -C "$KDIR" M="$kmod" -j2 modules >"$work/kmod-build.log" 2>&1; then
	cat "$work/kmod-build.log" >&2
	echo "test kernel modules (tests/vm/kmod) failed to build" >&2
	exit 1
fi

# ------------------------------------------------------------ guest programs
gbin="$work/guest-bin"
mkdir -p "$gbin"
for c in "$repo"/tests/vm/guest/*.c; do
	[ -e "$c" ] || continue
	b="$gbin/$(basename "$c" .c)"
	if [ ! -x "$b" ] || [ "$c" -nt "$b" ]; then
		gcc -static -O2 -Wall -Wextra -Werror -I/usr/include/libdrm -o "$b" "$c"
	fi
done

# ------------------------------------------------------------ initramfs
# Base (cached per kernel): busybox and the qxl/TTM module stack.
base=$(qemu_base_initramfs "$ROOT" "$KVER" qxl) || { log "base initramfs failed"; exit 1; }

# Overlay (every run): init, our module, programs, helpers, tests.
ovl="$work/overlay"
rm -rf "$ovl"
mkdir -p "$ovl/dmem/bin" "$ovl/dmem/tests"
install -m 755 "$repo/tests/vm/guest/init" "$ovl/init"
cp "$mod/dmem_backport.ko" "$ovl/dmem/"
mkdir -p "$ovl/dmem/kmod"
cp "$kmod"/*.ko "$ovl/dmem/kmod/"
cp "$gbin"/* "$ovl/dmem/bin/" 2>/dev/null || true
for s in "$repo"/tests/vm/guest/*.sh; do [ -e "$s" ] && install -m 755 "$s" "$ovl/dmem/"; done
# The debug kernel runs everything several times slower: its tests get
# $tscale times their "# timeout:" (a first such line wins in the guest).
for t in "${sel[@]}"; do
	if [ "$tscale" = 1 ]; then
		cp "${tpath[$t]}" "$ovl/dmem/tests/$t.sh"
	else
		to=$(header "${tpath[$t]}" timeout)
		sed "1a # timeout: $(( ${to:-180} * tscale ))" "${tpath[$t]}" >"$ovl/dmem/tests/$t.sh"
	fi
done
echo "$gseries" >"$ovl/dmem/series"
qemu_cpio "$ovl" "$work/overlay.cpio"

# ------------------------------------------------------------ boot(s)
for t in "${sel[@]}"; do
	s=$(header "${tpath[$t]}" smp)
	if [ -n "$s" ] && [ "$s" -gt "$smp" ]; then smp=$s; fi
done

boot() { # boot NUMBER TEST...
	local nb=$1 budget=90 t to lst
	shift
	lst="$work/list-$nb"
	rm -rf "$lst"
	mkdir -p "$lst/dmem"
	printf '%s\n' "$@" >"$lst/dmem/run.list"
	for t in "$@"; do
		to=$(header "${tpath[$t]}" timeout)
		budget=$((budget + ${to:-180} * tscale + 30))
	done
	# --icount: the guest's clock (its "# timeout:") counts instructions,
	# not wall time; TCG ran one such guest second in ~5 wall seconds on a
	# loaded host.  The wall-clock budget only stops a hung QEMU.
	[ -z "$icount" ] || budget=$((budget * ${ICOUNT_BUDGET_SCALE:-6}))
	qemu_cpio "$lst" "$work/list.cpio"
	cat "$base" "$work/overlay.cpio" "$work/list.cpio" >"$work/initrd"
	rm -rf "$lst"
	log "boot $nb: $* (smp $smp, up to $budget s)"
	progress_mark "booting $series: boot $nb, $# tests [follow $logs/boot-$nb.log]"
	qemu_boot --kernel "$VMLINUZ" --initrd "$work/initrd" --smp "$smp" \
		--timeout "$budget" --log "$logs/boot-$nb.log" ${icount:+--icount} \
		--append "console=ttyS0 panic=-1 panic_on_warn=1 oops=panic loglevel=7 printk.time=1$kopts" ||
		true
}

# parse_log.py's verdicts, numbered and counted by tests/shared/results.sh;
# prints the other lines (diagnostics) as they are, sets "rest" to the
# tests that did not start.
count_verdicts() {
	local line l name
	rest=
	while IFS= read -r line; do
		case "$line" in
		"@@ "*) rest=${line#@@ } ;;
		"not ok "*)
			l=${line#not ok }
			name=${l%% *}
			l=${l#"$name" (}
			result_fail "$name" "${l%)}"
			;;
		"ok "*" # SKIP") l=${line#ok }; result_skip "${l%% *}" "" ;;
		"ok "*) result_ok "${line#ok }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
}

for t in "${skipped[@]}"; do result_skip "$series/$t" "not for $series"; done
rm -f "$logs"/*.log
todo=("${sel[@]}")
nb=0
while [ ${#todo[@]} -gt 0 ]; do
	nb=$((nb + 1))
	if [ $isolate = 1 ]; then
		batch=("${todo[0]}")
	else
		# at most one "# order: last" test per boot: it takes the GPU away
		batch=()
		for t in "${todo[@]}"; do
			batch+=("$t")
			[ "$(header "${tpath[$t]}" order)" = last ] && break
		done
	fi
	start=$(date +%s)
	boot "$nb" "${batch[@]}"
	log "boot $nb took $(($(date +%s) - start)) s, log $logs/boot-$nb.log"
	out=$(python3 "$here/parse_log.py" "$logs/boot-$nb.log" "$series" "$logs" "${batch[@]}")
	if [ $show = 1 ]; then
		for t in "${batch[@]}"; do
			[ -f "$logs/$t.log" ] || continue
			grep -vE '^\[ *[0-9]+\.[0-9]+\]|^@@DMEMTEST@@' "$logs/$t.log" || true
		done
	fi
	count_verdicts <<<"$out"
	left=()
	for t in $rest; do left+=("$t"); done
	if [ $isolate = 1 ]; then
		todo=("${todo[@]:1}")
		# a test that did not even start in its own boot failed to boot
	else
		todo=("${left[@]}" "${todo[@]:${#batch[@]}}")
	fi
done
[ "$RESULTS_FAILED" -eq 0 ] || log "serial logs: $logs"
results_summary
