#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check` / .ci/run: every test suite of the project, one stage each.
#
# Stages: install-deps, downloads (kernels + linux-source, cached), userspace
# unit tests, fuzz smoke, module builds + sparse + checkpatch + kernel-doc,
# the differential suite in userspace, KUnit 6.1, KUnit on the 6.12 debug
# kernel, in-guest tests on 6.1, 6.12 and the 6.12 debug kernel (in
# parallel), packaging test.
#
# Each suite prints `ok N ...`/`not ok N ...` and ends with `N passed, N
# failed` (tests/shared/results.sh); that last line is the only thing read
# from a stage.  While a stage runs, one progress line is printed for each
# marker (`== what is being built or booted`, tests/shared/results.sh
# progress_mark) in its log, and at most one every CHECK_PROGRESS seconds
# otherwise (elapsed time, last marker, last line of the log it follows).
# The full log of a stage is kept in the cache (path printed) and shown,
# prefixed with the stage name, when the stage ends; its wall time is
# printed, and the last line is the sum over all suites.  Exit status 0 iff
# nothing failed.
#
# Everything downloaded or built is cached under ~/.cache/dmem-backport/.
# Environment: CHECK_STAGES="user fuzz ..." runs only those stages;
# FUZZ_TIME (seconds, default 30) for the fuzz smoke; CHECK_PROGRESS
# (seconds between periodic progress lines, default 30).
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
cache=${DMEM_CACHE:-$HOME/.cache/dmem-backport}
mkdir -p "$cache/check" "$cache/timings"
logdir="$cache/check/$(basename "$repo")-$(printf '%s' "$repo" | sha256sum | cut -c1-8)"
mkdir -p "$logdir"
export FUZZ_TIME=${FUZZ_TIME:-30}
every=${CHECK_PROGRESS:-30}

# shellcheck source=../tests/shared/results.sh
. tests/shared/results.sh
times=()
t_all=$(date +%s)
# scripts/debug-kernel.sh adds up its time over one run of this script
export DMEM_CHECK_RUN="$t_all-$$"

want() { [ -z "${CHECK_STAGES:-}" ] || case " $CHECK_STAGES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

note_time() { times+=("$(printf '%-16s %5d s  %s' "$1" "$2" "$3")"); }

mmss() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }

# progress NAME LOG PID: while PID runs, print `  [NAME m:ss] ...` for each
# new marker line (`== TEXT`) of LOG, and every $every seconds without one
# the last marker with the last line of LOG (or of the file the marker
# names with `[follow FILE]`).
progress() {
	local name=$1 log=$2 pid=$3 start seen=0 last_print mark="" follow="" line n now tail
	start=$(date +%s)
	last_print=$start
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
		now=$(date +%s)
		n=$(wc -l <"$log" 2>/dev/null || echo 0)
		if [ "$n" -gt "$seen" ]; then
			while IFS= read -r line; do
				case "$line" in
				'== '*)
					mark=${line#== }
					follow=""
					case "$mark" in
					*'[follow '*']') follow=${mark##*\[follow } follow=${follow%]} mark=${mark% \[follow *} ;;
					esac
					echo "  [$name $(mmss $((now - start)))] $mark"
					last_print=$now ;;
				esac
			done < <(tail -n +"$((seen + 1))" "$log" | head -n "$((n - seen))")
			seen=$n
		fi
		if [ $((now - last_print)) -ge "$every" ]; then
			if [ -n "$follow" ]; then
				tail=$(tail -n 1 "$follow" 2>/dev/null)
			else
				tail=$(tail -n 1 "$log" 2>/dev/null)
			fi
			case "$tail" in '== '*) tail="" ;; esac
			tail=$(printf '%s' "$tail" | tr -d '\r' | cut -c1-90)
			echo "  [$name $(mmss $((now - start)))] ${mark:-running}${tail:+ -- $tail}"
			last_print=$now
		fi
	done
}

# run_suite NAME CMD...: run a suite into $logdir/NAME.log with live
# progress; write "RC SECONDS" to $logdir/NAME.rc.
run_suite() {
	local name=$1 start rc pid
	shift
	start=$(date +%s)
	: >"$logdir/$name.log"
	"$@" </dev/null >"$logdir/$name.log" 2>&1 &
	pid=$!
	progress "$name" "$logdir/$name.log" "$pid" &
	wait "$pid"
	rc=$?
	wait $! 2>/dev/null
	echo "$rc $(($(date +%s) - start))" >"$logdir/$name.rc"
}

# report NAME: prefix a finished suite's output, add up its counts (from
# its last `N passed, N failed` line only).
report() {
	local name=$1 rc secs p=0 f=0 last
	read -r rc secs <"$logdir/$name.rc"
	sed "s/^/$name| /" "$logdir/$name.log"
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logdir/$name.log" | tail -n 1)
	if [ -n "$last" ]; then
		read -r p _ f _ <<<"$last"
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "$name| not ok - stage exited $rc without a failed test"
			f=1
		fi
	else
		echo "$name| not ok - stage exited $rc without a 'N passed, N failed' line"
		f=1
	fi
	RESULTS_PASSED=$((RESULTS_PASSED + p)) RESULTS_FAILED=$((RESULTS_FAILED + f))
	echo "$secs" >"$cache/timings/$name.last"
	echo "==== $name: $p passed, $f failed in $secs s (log $logdir/$name.log)"
	note_time "$name" "$secs" "$p passed, $f failed"
}

# stage NAME CMD...: run a suite, prefix its output, add up its counts.
stage() {
	local name=$1
	shift
	want "$name" || return 0
	echo "==== $name: $*"
	run_suite "$name" "$@"
	report "$name"
}

# parallel NAME:CMD ...: run several suites at once (each word is
# "NAME:command with arguments"), then report them in order.  Used for the
# in-guest stages: QEMU/TCG runs a guest on one host thread, so two guests
# use both cores of a 2-core CI machine.  Their progress lines interleave,
# each prefixed with its stage.
parallel() {
	local spec name names=() pids=() start
	start=$(date +%s)
	for spec in "$@"; do
		name=${spec%%:*}
		want "$name" || continue
		echo "==== $name: ${spec#*:} (in parallel)"
		# shellcheck disable=SC2086 # the command is split into words on purpose
		run_suite "$name" ${spec#*:} &
		names+=("$name") pids+=($!)
	done
	[ ${#names[@]} -gt 0 ] || return 0
	wait "${pids[@]}"
	for name in "${names[@]}"; do report "$name"; done
	note_time "(parallel)" $(($(date +%s) - start)) "wall time of: ${names[*]}"
}

# step NAME CMD...: a preparation step (not a suite); failure is fatal.
step() {
	local name=$1 rc secs
	shift
	want "$name" || return 0
	echo "==== $name: $*"
	run_suite "$name" "$@"
	read -r rc secs <"$logdir/$name.rc"
	if [ "$rc" -ne 0 ]; then
		sed "s/^/$name| /" "$logdir/$name.log" | tail -n 40
		echo "==== $name FAILED (log $logdir/$name.log)"
		result_fail "$name" "preparation step failed"
		results_summary
		exit 1
	fi
	echo "$secs" >"$cache/timings/$name.last"
	tail -n 3 "$logdir/$name.log" | sed "s/^/$name| /"
	note_time "$name" "$secs" "prepared"
}

downloads() {
	local start cold=0
	start=$(date +%s)
	[ -s "$cache/kernel-6.1.env" ] && [ -s "$cache/kernel-6.12.env" ] &&
		ls "$cache"/src/linux-source-6.1_*/.extracted "$cache"/src/linux-source-6.12_*/.extracted \
			>/dev/null 2>&1 || cold=1
	echo "== downloading kernels 6.1, 6.12 and linux-source 6.1, 6.12 (cached)"
	scripts/fetch-kernel.sh 6.1 && scripts/fetch-kernel.sh 6.12 &&
		scripts/linux-source.sh 6.1 && scripts/linux-source.sh 6.12 || return 1
	[ $cold = 0 ] || echo "$(($(date +%s) - start))" >"$cache/timings/downloads.cold"
}

step install-deps scripts/install-deps.sh
step downloads downloads

stage user make -s -C tests/user test
stage fuzz make -s -C tests/user fuzz
stage modules scripts/build-modules.sh
# The differential suite in userspace against the kernel's own
# mm/page_counter.c (seconds, no kernel build).
stage kunit-diff-user scripts/kunit-diff-user.sh
stage kunit-6.1 scripts/kunit.sh 6.1
# The 6.12 debug kernel (scripts/debug-kernel.sh: KASAN, lockdep, UBSAN,
# KFENCE, kmemleak) is the 6.12 KUnit kernel: its built-in suites include
# the differential suite against the kernel's own page_counter (MEMCG).  A
# separate tinyconfig KUnit kernel for 6.12 would cost another cold kernel
# build of the CI budget and test nothing more.
stage kunit-6.12-debug scripts/kunit.sh 6.12-debug
# In-guest: the whole suite on both Debian kernels, and on the debug kernel
# the tests listed in tests/vm/debug-tests (each test there runs ~3x slower;
# the whole suite would not fit the CI budget), all three at once.
parallel "vm-6.1:tests/vm/run.sh --kver 6.1 --all" \
	"vm-6.12:tests/vm/run.sh --kver 6.12 --all" \
	"vm-6.12-debug:tests/vm/run.sh --kver 6.12-debug --test $(grep -v '^#' tests/vm/debug-tests | xargs)"
stage package bash scripts/test-package.sh

t_end=$(date +%s)
echo "==== stage wall times"
for l in "${times[@]}"; do echo "  $l"; done
printf '  %-16s %5d s\n' total $((t_end - t_all))
# Fresh machine: what the cache saved this run, as measured when it was
# filled.  Each cold time (written under $cache/timings/ by the script that
# did the cold work) belongs to the stage that pays it on a fresh machine;
# its warm counterpart is that work's time in this run (KEY.last).
#   install-deps, downloads   apt installs, kernel downloads + extraction
#   kunit-6.1                 the cold tinyconfig KUnit kernel build + run
#   debug-kernel              the cold 6.12 debug kernel build (paid by
#                             kunit-6.12-debug or vm-6.12-debug, whichever
#                             runs first)
#   pkgtest-base              the package test's base image
saved=0
for k in install-deps:install-deps downloads:downloads kunit-6.1:kunit-6.1 \
	debug-kernel:kunit-6.12-debug debug-kernel:vm-6.12-debug pkgtest-base:package; do
	s=${k#*:} k=${k%%:*}
	f="$cache/timings/$k.cold"
	[ -s "$f" ] && want "$s" || continue
	case " ${counted:-} " in *" $k "*) continue ;; esac
	counted="${counted:-} $k"
	cold=$(cat "$f")
	warm=$(cat "$cache/timings/$k.last" 2>/dev/null || echo "$cold")
	[ "$warm" -lt "$cold" ] && saved=$((saved + cold - warm))
	echo "  cold $k: $cold s (this run $warm s)"
done
echo "  estimated fresh-machine total: $(((t_end - t_all + saved) / 60)) min ($((t_end - t_all + saved)) s; + apt install/downloads if not yet cached)"
# the sum over all suites
results_summary
