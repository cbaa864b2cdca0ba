#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tests of the test runners' planning (no guest is booted; seconds):
#   - every in-guest test has a recorded time (tests/vm/times/) on every
#     kernel it runs on, so a fresh machine plans by measured times;
#   - the three parts of the debug suite hold every test exactly once;
#   - on a fresh machine (empty cache), and on one whose cache holds the
#     times of only some debug tests (a run stopped midway), the in-guest
#     lanes scripts/check.sh plans end within 10% of each other, by the
#     recorded times.  Before tests/vm/times/ a fresh machine cut the
#     debug suite by timeout guesses, in other units than the lanes' other
#     stages: one lane got 2,293 s of debug tests and the others 657 s and
#     907 s (CI: 3,692 s).
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 1
# shellcheck source=tests/shared/results.sh
. tests/shared/results.sh
times=tests/vm/times
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# recorded SERIES: the names of the tests with a recorded time, sorted
recorded() { awk '!/^#/ && NF >= 2 { print $1 }' "$times/vm-$1.tests" | sort -u; }
# sum_times FILE [NAME...]: the sum of FILE's recorded seconds (of the
# lines named NAME only, if any are given)
sum_times() {
	local f=$1
	shift
	awk -v names="$*" '
		BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		!/^#/ && (n == 0 || ($1 in want)) { t += $2 }
		END { print t + 0 }' "$f"
}

for s in 6.1 6.12 6.12-debug; do
	tests/vm/run.sh --kver "$s" --all --list >"$tmp/sel-$s" 2>"$tmp/err" ||
		{ result_fail "recorded-times/$s" "run.sh --list failed" "$tmp/err"; continue; }
	sort -u "$tmp/sel-$s" | comm -23 - <(recorded "$s") >"$tmp/missing"
	if [ ! -s "$tmp/sel-$s" ]; then
		result_fail "recorded-times/$s" "no test selected"
	elif [ -s "$tmp/missing" ]; then
		result_fail "recorded-times/$s" "no time in $times/vm-$s.tests for $(wc -l <"$tmp/missing") test(s); run them and add their alone time" "$tmp/missing"
	else
		result_ok "recorded-times/$s: all $(wc -l <"$tmp/sel-$s") tests"
	fi
done

# lane_secs PLAN: each lane's expected seconds by the recorded times (its
# other stages plus its part of the debug suite), one line per lane
lane_secs() {
	local b1 b2 b3
	b1=$(sum_times "$times/vm-6.12.tests")
	b2=$(sum_times "$times/vm-6.1.tests")
	b3=$(sum_times "$times/stages" kunit-6.12-debug package)
	awk -v b1="$b1" -v b2="$b2" -v b3="$b3" '
		FNR == NR { if ($1 !~ /^#/) sec[$1] = $2; next }
		/^lane [0-9]+: / {
			k = $2 + 0; t = (k == 1 ? b1 : k == 2 ? b2 : b3)
			for (i = 5; i <= NF; i++) t += sec[$i]
			printf "%d %d\n", k, t
		}' "$times/vm-6.12-debug.tests" "$1"
}

# plan NAME CACHE: scripts/check.sh --plan with CACHE, checked for a
# partition of the debug suite and for lanes within 10% of each other
plan() {
	local name=$1 cache=$2 out=$tmp/plan-$1
	if ! env -u CHECK_STAGES DMEM_CACHE="$cache" bash scripts/check.sh --plan >"$out" 2>"$tmp/err"; then
		result_fail "plan/$name" "check.sh --plan failed" "$tmp/err"
		return
	fi
	awk '/^lane / { for (i = 5; i <= NF; i++) print $i }' "$out" | sort >"$tmp/parts"
	if ! sort "$tmp/sel-6.12-debug" | cmp -s - "$tmp/parts"; then
		result_fail "plan/$name: every debug test in exactly one part" "parts differ from the selection" "$out"
	else
		result_ok "plan/$name: every debug test in exactly one part"
	fi
	lane_secs "$out" >"$tmp/lanes"
	read -r lo hi <<<"$(awk 'NR == 1 || $2 < lo { lo = $2 } NR == 1 || $2 > hi { hi = $2 } END { print lo + 0, hi + 0 }' "$tmp/lanes")"
	if [ "$(wc -l <"$tmp/lanes")" -eq 3 ] && [ "$lo" -gt 0 ] && [ $((hi * 10)) -le $((lo * 11)) ]; then
		result_ok "plan/$name: lanes end within 10% ($(cut -d' ' -f2 "$tmp/lanes" | paste -sd/) s)"
	else
		result_fail "plan/$name: lanes end within 10%" "lanes $(cut -d' ' -f2 "$tmp/lanes" | paste -sd/) s" "$out"
	fi
}

mkdir -p "$tmp/fresh"
plan fresh "$tmp/fresh"
# a stopped run: the first 39 debug tests timed (at their recorded times),
# nothing else
mkdir -p "$tmp/partial/timings"
grep -v '^#' "$times/vm-6.12-debug.tests" | head -n 39 |
	awk '{ print $1, $2, $2, $2 }' >"$tmp/partial/timings/vm-6.12-debug.tests"
plan partial "$tmp/partial"

results_summary
