#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run in-guest tests on a Debian kernel in QEMU (TCG) with qxl VRAM.
#
# usage: tests/vm/run.sh --kver 6.1|6.12|6.12-debug (kernels.tsv: ci-guest) [--test NAME ...|--all] [--smp N]
#                        [--isolate] [--file PATH] [--show] [--icount] [--shard K/N]
#                        [--estimate] [--list]
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
#   --shard K/N   run only the K-th of N parts of the selection (scripts/check.sh
#                 runs the debug suite as three parts, one in each in-guest
#                 lane, so that the lanes end together).  The parts are cut
#                 by expected time (longest test first into the part with
#                 the least time so far; tests/vm/lib/shard.py).  A test's
#                 expected time is its time in the last runs here
#                 ($VM_TIMES, default
#                 ~/.cache/dmem-backport/timings/vm-<series>.tests), else
#                 its time recorded in the repository
#                 (tests/vm/times/vm-<series>.tests: what a fresh machine
#                 cuts by), else 3x its 6.12 time on the debug kernel, else
#                 its "# timeout:" / 6 (x3 on the debug kernel).
#                 VM_SHARD_BASE="S1,...,SN" is the time each part already
#                 has (what else runs before it on its core).  Every
#                 selected test is in exactly one part.
#   --estimate    print the expected guest seconds of the selection (same
#                 times as --shard) and exit
#   --list        print the selected tests (after --shard), one per line,
#                 and exit
#
# After the tests: one result <series>/kernel-reports that fails if any
# boot log of the run has a kernel report (BUG, WARNING, Oops, KASAN,
# UBSAN, KFENCE, lockdep, kmemleak's "suspected memory leaks" from the
# scan after the last test, ...), wherever it was printed; a table of each
# test's guest time (seconds from its BEGIN to its END marker, and how
# many of them the vCPUs were busy: under TCG that is host CPU), its time
# alone on an idle core (idle + busy x its boot's QEMU CPU / busy) and
# each boot's QEMU CPU seconds; the times go to
# ~/.cache/dmem-backport/timings/vm-<series>.tests ("test alone guest busy").
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

series="" smp=1 all=0 isolate=0 show=0 icount="" shard="" estimate="" list=""
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
	--shard) shard=$2; shift 2 ;;
	--estimate) estimate=1; shift ;;
	--list) list=1; shift ;;
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

# --shard K/N: this part's tests; --estimate: their expected guest time
# (tests/vm/lib/shard.py, from the times of the last runs).
times_file="$cache/timings/vm-$series.tests"
with_timeouts() { for t in "${sel[@]}"; do echo "$t $(header "${tpath[$t]}" timeout)"; done; }
shard_py() { # shard_py MODE [K/N]
	with_timeouts | python3 "$here/lib/shard.py" "$@" "${VM_TIMES:-$times_file}" \
		"${VM_TIMES_STOCK:-$cache/timings/vm-$gseries.tests}" "$tscale" \
		"$here/times/vm-$series.tests"
}
if [ -n "$estimate" ]; then
	shard_py estimate
	exit 0
fi
if [ -n "$shard" ]; then
	case "$shard" in
	[0-9]*/[0-9]*) ;;
	*) echo "run.sh: --shard K/N, not $shard" >&2; exit 2 ;;
	esac
	mine=$(shard_py part "$shard")
	# shellcheck disable=SC2206 # test names are words
	sel=($mine)
fi
if [ -n "$list" ]; then
	for t in "${sel[@]}"; do echo "$t"; done
	exit 0
fi

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
# $run: this run's overlay, initramfs and logs.  A --shard part has its
# own (parts of one suite run at once, from two lanes of check.sh) and
# holds the build lock only while it builds; a whole run holds it to the
# end.
run="$work"
[ -z "$shard" ] || run="$work/part-${shard%/*}"
logs="$run/logs"
mkdir -p "$work" "$run" "$logs"
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

if [ "$run" != "$work" ]; then
	exec 8>"$run/.lock"
	flock 8
	exec 9>&-
fi

# ------------------------------------------------------------ initramfs
# Base (cached per kernel): busybox and the qxl/TTM module stack.
base=$(qemu_base_initramfs "$ROOT" "$KVER" qxl) || { log "base initramfs failed"; exit 1; }

# Overlay (every run): init, our module, programs, helpers, tests.
ovl="$run/overlay"
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
[ "$tscale" = 1 ] || : >"$ovl/dmem/debug-kernel"	# the guest's $KDEBUG
qemu_cpio "$ovl" "$run/overlay.cpio"

# ------------------------------------------------------------ boot(s)
for t in "${sel[@]}"; do
	s=$(header "${tpath[$t]}" smp)
	if [ -n "$s" ] && [ "$s" -gt "$smp" ]; then smp=$s; fi
done

boot() { # boot NUMBER TEST...
	local nb=$1 budget=90 t to lst
	shift
	lst="$run/list-$nb"
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
	qemu_cpio "$lst" "$run/list.cpio"
	cat "$base" "$run/overlay.cpio" "$run/list.cpio" >"$run/initrd"
	rm -rf "$lst"
	log "boot $nb: $* (smp $smp, up to $budget s)"
	progress_mark "booting $series: boot $nb, $# tests [follow $logs/boot-$nb.log]"
	qemu_boot --kernel "$VMLINUZ" --initrd "$run/initrd" --smp "$smp" \
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
		"@T "*) read -r _ name l <<<"$line"; ttime[$name]=$l; bootof[$name]=$nb ;;
		"@B "*) bootbusy=${line#@B } ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
}

# children_cpu: user + system seconds of this shell's finished children
# (QEMU's, once its boot is over); `times` runs in this shell, not in a
# subshell, whose children would be others.
children_cpu() {
	times >"$run/times"
	tail -n 1 "$run/times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d", t }'
}

declare -A ttime=()	# test -> "guest-seconds busy-seconds"
declare -A bootof=()	# test -> its boot
boots=()		# "N wall-seconds QEMU-CPU-seconds boot-busy-seconds" per boot

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
	children_cpu >"$run/cpu0"
	boot "$nb" "${batch[@]}"
	children_cpu >"$run/cpu1"
	cpu0=$(cat "$run/cpu0") cpu1=$(cat "$run/cpu1")
	boots+=("$nb $(($(date +%s) - start)) $((cpu1 - cpu0))")
	log "boot $nb took $(($(date +%s) - start)) s ($((cpu1 - cpu0)) s QEMU CPU), log $logs/boot-$nb.log"
	out=$(python3 "$here/parse_log.py" "$logs/boot-$nb.log" "$series" "$logs" "${batch[@]}")
	if [ $show = 1 ]; then
		for t in "${batch[@]}"; do
			[ -f "$logs/$t.log" ] || continue
			grep -vE '^\[ *[0-9]+\.[0-9]+\]|^@@DMEMTEST@@' "$logs/$t.log" || true
		done
	fi
	bootbusy=0
	count_verdicts <<<"$out"
	boots[${#boots[@]} - 1]="${boots[${#boots[@]} - 1]} $bootbusy"
	left=()
	for t in $rest; do left+=("$t"); done
	if [ $isolate = 1 ]; then
		todo=("${todo[@]:1}")
		# a test that did not even start in its own boot failed to boot
	else
		todo=("${left[@]}" "${todo[@]:${#batch[@]}}")
	fi
done

# ------------------------------------------------------------ kernel reports
# Anything the kernel reported anywhere in the run's boot logs (also
# between tests and in the kmemleak scan after the last one), result
# lines of the tests themselves excepted.
KERNEL_BAD='BUG:|WARNING:|Oops|Call Trace|Kernel panic|general protection fault|list_(add|del) corruption|refcount_t:|UBSAN|KASAN|KFENCE|possible circular locking|inconsistent lock state|possible recursive locking|DEBUG_LOCKS_WARN_ON|INFO: trying to register non-static key|suspected memory leak'
if [ $nb -gt 0 ]; then
	reports=$(cat "$logs"/boot-*.log 2>/dev/null | tr -d '\r' |
		grep -aE "$KERNEL_BAD" | grep -avE '^(not )?ok [0-9]+ ' | head -n 20 || true)
	if [ -z "$reports" ]; then
		result_ok "$series/kernel-reports"
	else
		result_fail "$series/kernel-reports" \
			"$(printf '%s\n' "$reports" | head -n 1 | sed 's/^@@DMEMTEST@@ KMSG //' | cut -c1-120)"
		printf '%s\n' "$reports" | sed 's/^/#   /'
	fi
fi

# ------------------------------------------------------------ times
# Each test's guest time (busy: the vCPUs ran), and what it would take on
# an idle core ("alone"): its idle seconds plus its busy seconds times its
# boot's QEMU CPU / busy seconds (a loaded host stretches the busy part,
# not the idle one; QEMU's CPU seconds do not depend on the load).  Longest
# first, then each boot's wall and QEMU CPU time.  The "alone" times are
# merged into $times_file for the next --shard cut, so that a run on a
# loaded machine does not skew it.
for b in "${boots[@]}"; do
	read -r n _ c bb <<<"$b"
	busy=$bb
	for t in "${!bootof[@]}"; do
		[ "${bootof[$t]}" = "$n" ] || continue
		read -r _ tb <<<"${ttime[$t]}"
		busy=$(awk -v a="$busy" -v b="$tb" 'BEGIN { print a + b }')
	done
	for t in "${!bootof[@]}"; do
		[ "${bootof[$t]}" = "$n" ] || continue
		ttime[$t]=$(awk -v c="$c" -v busy="$busy" -v tt="${ttime[$t]}" 'BEGIN {
			split(tt, x, " "); f = busy > 0 ? c / busy : 1; if (f > 1) f = 1
			idle = x[1] - x[2]; if (idle < 0) idle = 0	# busy: summed over vCPUs
			printf "%.1f %s %s", idle + x[2] * f, x[1], x[2] }')
	done
done
if [ ${#ttime[@]} -gt 0 ]; then
	echo "# time per test on $series (s; alone = on an idle core, guest = as it ran, busy = vCPUs not idle), longest first:"
	echo "#     alone   guest    busy"
	for t in "${!ttime[@]}"; do echo "$t ${ttime[$t]}"; done | sort -k2,2nr -k1,1 |
		awk '{ printf "#   %7.1f %7.1f %7.1f  %s\n", $2, $3, $4, $1; a += $2; g += $3; b += $4 }
		     END { printf "#   %7.1f %7.1f %7.1f  total of %d tests\n", a, g, b, NR }'
	if [ -z "$icount" ]; then
		mkdir -p "$cache/timings"
		(
			flock 7
			{
				for t in "${!ttime[@]}"; do echo "$t ${ttime[$t]}"; done
				if [ -s "$times_file" ]; then cat "$times_file"; fi
			} | awk '!seen[$1]++' | sort >"$times_file.tmp"
			mv "$times_file.tmp" "$times_file"
		) 7>"$times_file.lock"
	fi
fi
for b in "${boots[@]}"; do
	read -r n w c bb <<<"$b"
	echo "# boot $n: $w s wall, $c s QEMU CPU ($bb s busy outside the tests: boot, kmemleak scan)"
done

[ "$RESULTS_FAILED" -eq 0 ] || log "serial logs: $logs"
results_summary
