#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check` / .ci/run: every test suite of the project, one stage each.
#
# Stages: install-deps, downloads (kernels + linux-source, cached), userspace
# unit tests, fuzz smoke, module builds + sparse + checkpatch, KUnit 6.1,
# KUnit 6.12, KUnit on the 6.12 debug kernel, in-guest tests on 6.1, 6.12
# and the 6.12 debug kernel, packaging test.  A stage whose
# script does not exist yet is skipped with a note (not counted).  Each suite
# prints `ok N ...`/`not ok N ...` and `N passed, N failed`; its lines are
# shown prefixed with the stage name, its wall time is printed, and the last
# line is the sum over all suites.  Exit status 0 iff nothing failed.
#
# Everything downloaded or built is cached under ~/.cache/dmem-backport/.
# Environment: CHECK_STAGES="user fuzz ..." runs only those stages;
# FUZZ_TIME (seconds, default 30) for the fuzz smoke.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cache=${DMEM_CACHE:-$HOME/.cache/dmem-backport}
mkdir -p "$cache/check" "$cache/timings"
logdir="$cache/check/$(basename "$repo")-$(printf '%s' "$repo" | sha256sum | cut -c1-8)"
mkdir -p "$logdir"
export FUZZ_TIME=${FUZZ_TIME:-30}

total_p=0 total_f=0
times=()
t_all=$(date +%s)

want() { [ -z "${CHECK_STAGES:-}" ] || case " $CHECK_STAGES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

note_time() { times+=("$(printf '%-14s %5d s  %s' "$1" "$2" "$3")"); }

# run_suite NAME CMD...: run a suite into $logdir/NAME.log; write
# "RC SECONDS" to $logdir/NAME.rc.
run_suite() {
	local name=$1 start rc
	shift
	start=$(date +%s)
	"$@" </dev/null >"$logdir/$name.log" 2>&1
	rc=$?
	echo "$rc $(($(date +%s) - start))" >"$logdir/$name.rc"
}

# report NAME: prefix a finished suite's output, add up its counts.
report() {
	local name=$1 rc secs p f last
	read -r rc secs <"$logdir/$name.rc"
	sed "s/^/$name| /" "$logdir/$name.log"
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$logdir/$name.log" | tail -n 1)
	if [ -n "$last" ]; then
		p=$(echo "$last" | awk '{print $1}')
		f=$(echo "$last" | awk '{print $3}')
	else
		p=0 f=0
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$name| not ok - stage exited $rc without a failed test"
		f=$((f + 1))
	fi
	if [ -z "$last" ] && [ "$rc" -eq 0 ]; then
		echo "$name| not ok - stage printed no 'N passed, N failed' line"
		f=$((f + 1))
	fi
	total_p=$((total_p + p)) total_f=$((total_f + f))
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
# use both cores of a 2-core CI machine.
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
	local name=$1 start end
	shift
	want "$name" || return 0
	echo "==== $name: $*"
	start=$(date +%s)
	if ! "$@" </dev/null >"$logdir/$name.log" 2>&1; then
		sed "s/^/$name| /" "$logdir/$name.log" | tail -n 40
		echo "==== $name FAILED"
		echo "0 passed, 1 failed"
		exit 1
	fi
	end=$(date +%s)
	echo "$((end - start))" >"$cache/timings/$name.last"
	tail -n 3 "$logdir/$name.log" | sed "s/^/$name| /"
	note_time "$name" $((end - start)) "prepared"
}

skip() { want "$1" || return 0; echo "==== $1: skipped ($2)"; note_time "$1" 0 "skipped: $2"; }

has_target() { [ -f "$1/Makefile" ] && make -C "$1" -n "$2" >/dev/null 2>&1; }

downloads() {
	local start cold=0
	start=$(date +%s)
	[ -s "$cache/kernel-6.1.env" ] && [ -s "$cache/kernel-6.12.env" ] &&
		ls "$cache"/src/linux-source-6.1_*/.extracted "$cache"/src/linux-source-6.12_*/.extracted \
			>/dev/null 2>&1 || cold=1
	scripts/fetch-kernel.sh 6.1 && scripts/fetch-kernel.sh 6.12 &&
		scripts/linux-source.sh 6.1 && scripts/linux-source.sh 6.12 || return 1
	[ $cold = 0 ] || echo "$(($(date +%s) - start))" >"$cache/timings/downloads.cold"
}

step install-deps scripts/install-deps.sh
step downloads downloads

if has_target tests/user test; then
	stage user make -s -C tests/user test
else
	skip user "tests/user has no test target yet"
fi
if has_target tests/user fuzz; then
	stage fuzz make -s -C tests/user fuzz
else
	skip fuzz "tests/user has no fuzz target yet"
fi
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
if [ -x scripts/test-package.sh ] || [ -f scripts/test-package.sh ]; then
	stage package bash scripts/test-package.sh
else
	skip package "scripts/test-package.sh does not exist yet"
fi

t_end=$(date +%s)
echo "==== stage wall times"
for l in "${times[@]}"; do echo "  $l"; done
echo "  total          $((t_end - t_all)) s"
# Fresh machine: what the cache saved this run, as measured when it was
# filled (scripts record their cold times under $cache/timings/).
saved=0
for f in "$cache"/timings/*.cold; do
	[ -e "$f" ] || continue
	k=$(basename "$f" .cold)
	want "${k%%-base}" || continue
	cold=$(cat "$f")
	warm=$(cat "$cache/timings/$k.last" 2>/dev/null || echo "$cold")
	[ "$warm" -lt "$cold" ] && saved=$((saved + cold - warm))
	echo "  cold $k: $cold s (this run $warm s)"
done
echo "  estimated fresh-machine total: $(((t_end - t_all + saved) / 60)) min ($((t_end - t_all + saved)) s; + apt install/downloads if not yet cached)"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
