#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check` / .ci/run: every test suite of the project, one stage each.
#
# Stages: install-deps, downloads (kernels + linux-source, cached), userspace
# unit tests, the runners' planning (tests/scripts), fuzz smoke, module
# builds + sparse + checkpatch + kernel-doc, the differential suite in
# userspace, KUnit 6.1, KUnit on the 6.12 debug kernel, the whole in-guest
# suite on 6.1, on 6.12 and on the 6.12 debug kernel (three lanes on two
# cores: see "In-guest" below), packaging test.
# The debug kernel's build (cold: ~20 CPU minutes) starts in the background
# right after the downloads, beside the userspace and KUnit 6.1 stages.
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
tdir="$cache/timings"	# this machine's test and stage times
mkdir -p "$cache/check" "$tdir"
logdir="$cache/check/$(basename "$repo")-$(printf '%s' "$repo" | sha256sum | cut -c1-8)"
mkdir -p "$logdir"
: >"$logdir/failures"
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

# failed_tests NAME: a finished suite's failed tests, each with its first
# three failed checks, and a stage that failed without a failed test; for
# the list printed just before the last line (often all of a CI log that
# is shown).
failed_tests() {
	local rc
	read -r rc _ <"$logdir/$1.rc"
	awk -v s="$1" -v rc="$rc" '
		/^not ok / { n = 0; k++; print s "| " $0; next }
		/^#   not ok / && n < 3 { n++; print s "|   " substr($0, 5) }
		END { if (rc != 0 && !k) print s "| stage exited " rc }
	' "$logdir/$1.log" | cut -c1-200
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
	failed_tests "$name" >>"$logdir/failures"
	echo "$secs" >"$tdir/$name.last"
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

# lanes NAME:CMD ... [-- NAME:CMD ...]...: the suites of each lane (the
# words between "--") one after the other, all lanes at once, then report
# every suite in order.  A stage NAME-K (e.g. vm-6.12-debug-1) is also
# selected by CHECK_STAGES naming NAME.
lanes() {
	local spec name names=() pids=() lane=() start
	start=$(date +%s)
	run_lane() {
		local spec name
		for spec in "$@"; do
			name=${spec%%:*}
			# shellcheck disable=SC2086 # the command is split into words on purpose
			run_suite "$name" ${spec#*:}
		done
	}
	for spec in "$@" --; do
		if [ "$spec" = -- ]; then
			[ ${#lane[@]} -eq 0 ] || { run_lane "${lane[@]}" & pids+=($!); }
			lane=()
			continue
		fi
		name=${spec%%:*}
		want "$name" || want "${name%-[0-9]}" || continue
		echo "==== $name: ${spec#*:} (lane $((${#pids[@]} + 1)))"
		lane+=("$spec") names+=("$name")
	done
	[ ${#names[@]} -gt 0 ] || return 0
	wait "${pids[@]}"
	for name in "${names[@]}"; do report "$name"; done
	note_time "(lanes)" $(($(date +%s) - start)) "wall time of: ${names[*]}"
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
	echo "$secs" >"$tdir/$name.last"
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
	[ $cold = 0 ] || echo "$(($(date +%s) - start))" >"$tdir/downloads.cold"
}

# plan_lanes: snapshot the in-guest times (so all three debug parts cut
# the same way) and set base1..3, the expected seconds of the other stages
# in each lane (a stock suite, or KUnit on the debug kernel and the
# package test), and $dbg, the command of a debug part.  The times are
# this machine's last runs, else those recorded in the repository
# (tests/vm/times/: what a fresh machine plans by).
plan_lanes() {
	local s
	for s in 6.1 6.12 6.12-debug; do
		cp "$tdir/vm-$s.tests" "$logdir/vm-$s.tests" 2>/dev/null || : >"$logdir/vm-$s.tests"
	done
	base1=0 base2=0 base3=0
	want vm-6.12 && base1=$(suite_secs 6.12)
	want vm-6.1 && base2=$(suite_secs 6.1)
	want kunit-6.12-debug && base3=$(last_secs kunit-6.12-debug)
	want package && base3=$((base3 + $(last_secs package)))
	dbg="env VM_TIMES=$logdir/vm-6.12-debug.tests VM_TIMES_STOCK=$logdir/vm-6.12.tests"
	dbg="$dbg VM_SHARD_BASE=$base1,$base2,$base3 tests/vm/run.sh --kver 6.12-debug"
	dbg="$dbg --all --shard"
}
# expected seconds of a stock suite (what runs beside the debug part in
# its lane)
suite_secs() { VM_TIMES=$logdir/vm-$1.tests tests/vm/run.sh --kver "$1" --all --estimate 2>/dev/null || echo 0; }
# last time of a stage here, else the time recorded in tests/vm/times/stages
last_secs() {
	cat "$tdir/$1.last" 2>/dev/null ||
		awk -v s="$1" '$1 == s { print $2; f = 1 } END { if (!f) print 120 }' tests/vm/times/stages
}

# --plan: print how the in-guest lanes would run (for tests/scripts/run.sh:
# each lane's other stages and expected seconds, then the tests of its
# part of the debug suite) and exit; nothing is installed, built or run.
if [ "${1:-}" = --plan ]; then
	plan_lanes
	k=0
	for b in "$base1" "$base2" "$base3"; do
		k=$((k + 1))
		# shellcheck disable=SC2086 # the command is split into words on purpose
		echo "lane $k: base $b: $($dbg $k/3 --list 2>/dev/null | tr '\n' ' ')"
	done
	exit 0
fi

step install-deps scripts/install-deps.sh
step downloads downloads

# The debug kernel (scripts/debug-kernel.sh; cached, cold ~20 CPU minutes)
# builds in the background from here on, next to the single-threaded
# userspace stages; kunit-6.12-debug waits for it (the script's lock) and
# finds it built.
bg_debug=""
if want kunit-6.12-debug || want vm-6.12-debug; then
	echo "==== debug-kernel: scripts/debug-kernel.sh 6.12 (in the background)"
	t_dbg=$(date +%s)
	scripts/debug-kernel.sh 6.12 </dev/null >"$logdir/debug-kernel.log" 2>&1 &
	bg_debug=$!
fi

stage user make -s -C tests/user test
# the test runners' planning: recorded times, the in-guest lanes' cut
stage scripts bash tests/scripts/run.sh
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
# build of the CI budget and test nothing more.  Its stage
# (kunit-6.12-debug) boots it in the third in-guest lane below.
if [ -n "$bg_debug" ]; then
	if wait "$bg_debug"; then
		note_time "debug-kernel" $(($(date +%s) - t_dbg)) "built (background, beside the stages above)"
	else
		note_time "debug-kernel" $(($(date +%s) - t_dbg)) "FAILED in the background (log $logdir/debug-kernel.log)"
	fi
	tail -n 2 "$logdir/debug-kernel.log" | sed 's/^/debug-kernel| /'
fi
# In-guest: the whole suite (every test of tests/vm/tests for the series)
# on 6.1, on 6.12 and on the 6.12 debug kernel (where the heaviest tests
# take fewer rounds, $KDEBUG in the guest: a bad path shows there on its
# first pass), with the two other stages that boot one guest (KUnit on the
# debug kernel, the package test).
# QEMU/TCG runs a guest on one host thread; three lanes share the two
# cores of a 2-core machine, so that one guest's idle time (the short
# stock tests spend ~40% of their time waiting) is another's CPU time:
#   lane 1: vm-6.12, part 1 of the debug suite
#   lane 2: vm-6.1, part 2 of the debug suite
#   lane 3: kunit-6.12-debug, part 3 of the debug suite, package
# The debug suite is cut in three by expected time so that the lanes end
# together (run.sh --shard: longest test first into the lane with the
# least time so far, counting the lane's other stages; the times are each
# test's time alone on an idle core from the last runs here, else as
# recorded in tests/vm/times/, snapshotted by plan_lanes so all parts cut
# the same way).  Each part ends with its own
# kernel-reports result (any KASAN/lockdep/UBSAN/KFENCE/kmemleak/WARN/BUG
# report in its boot logs).
plan_lanes
! want vm-6.12-debug ||
	echo "==== in-guest lanes: expected $base1 s, $base2 s and $base3 s of other stages beside the three parts of the debug suite"
lanes "vm-6.12:tests/vm/run.sh --kver 6.12 --all" "vm-6.12-debug-1:$dbg 1/3" \
	-- "vm-6.1:tests/vm/run.sh --kver 6.1 --all" "vm-6.12-debug-2:$dbg 2/3" \
	-- "kunit-6.12-debug:scripts/kunit.sh 6.12-debug" "vm-6.12-debug-3:$dbg 3/3" \
	"package:bash scripts/test-package.sh"

t_end=$(date +%s)
echo "==== stage wall times"
for l in "${times[@]}"; do echo "  $l"; done
printf '  %-16s %5d s\n' total $((t_end - t_all))
# Fresh machine: what the cache saved this run, as measured when it was
# filled.  Each cold time (written under $cache/timings/ by the script that
# did the cold work) belongs to the stage that pays it on a fresh machine;
# its warm counterpart is that work's time in this run (KEY.last).  The
# kernel builds record as cold time what they would take on 2 idle cores
# (the smaller of their wall time and CPU time / jobs x 1.1), so that a
# build on a loaded machine does not inflate it.  Cold work is added, not
# overlapped: the builds keep both cores busy, so on a fresh machine they
# delay everything after them by about their own time.
#   install-deps, downloads   apt installs, kernel downloads + extraction
#   kunit-6.1                 the cold tinyconfig KUnit kernel build + run
#   debug-kernel              the cold 6.12 debug kernel build (background
#                             step after the downloads)
#   pkgtest-base              the package test's base image
saved=0
for k in install-deps:install-deps downloads:downloads kunit-6.1:kunit-6.1 \
	debug-kernel:kunit-6.12-debug debug-kernel:vm-6.12-debug pkgtest-base:package; do
	s=${k#*:} k=${k%%:*}
	f="$tdir/$k.cold"
	if ! [ -s "$f" ] || ! want "$s"; then
		continue
	fi
	case " ${counted:-} " in *" $k "*) continue ;; esac
	counted="${counted:-} $k"
	cold=$(cat "$f")
	# recorded before the cold time was made load-proof: CPU / 2 x 1.1
	if [ -s "$tdir/$k.cold-cpu" ]; then
		c2=$((($(cat "$tdir/$k.cold-cpu") * 11 + 19) / 20))
		[ "$c2" -ge "$cold" ] || cold=$c2
	fi
	warm=$(cat "$tdir/$k.last" 2>/dev/null || echo "$cold")
	[ "$warm" -lt "$cold" ] && saved=$((saved + cold - warm))
	echo "  cold $k: $cold s (this run $warm s)"
done
# What this run's wall time is worth: the CPU time of everything it ran
# (QEMU included) and the load of the machine (other users of a shared
# machine make every stage slower; CPU / 2 is what 2 idle cores need at
# least).
times >"$logdir/times"
cpu=$(tail -n 1 "$logdir/times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d", t }')
echo "  this run: $((t_end - t_all)) s wall, $cpu s CPU of its processes ($((cpu / 2)) s on 2 cores); load average $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at the end"
echo "  estimated fresh-machine total: $(((t_end - t_all + saved) / 60)) min ($((t_end - t_all + saved)) s = this run + cold work; + apt install/downloads if not yet cached)"
# what failed, then the sum over all suites
if [ -s "$logdir/failures" ]; then
	echo "  failed ($(wc -l <"$logdir/failures") lines; the whole logs are in $logdir):"
	head -n 40 "$logdir/failures" | sed 's/^/    /'
fi
results_summary
