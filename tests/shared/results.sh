# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# dmem-backport: the one way a shell suite counts and prints its results.
# Source it, then:
#   result_ok NAME                 prints `ok N NAME`
#   result_skip NAME WHY           prints `ok N NAME # SKIP WHY` (not counted
#                                  as passed or failed)
#   result_fail NAME WHY [FILE]    prints `not ok N NAME (WHY)`, then the
#                                  first 60 lines of FILE (if given and not
#                                  empty) as `# ` comments
#   results_summary                prints `N passed, N failed`; returns 1 if
#                                  anything failed (use it as the last
#                                  command of a suite)
#   progress_mark TEXT             prints `== TEXT` on stderr: a marker that
#                                  scripts/check.sh shows live while the
#                                  stage runs (what is being built or
#                                  booted).  `[follow FILE]` at the end of
#                                  TEXT makes check.sh also show the last
#                                  line of FILE (e.g. a kernel build log)
#                                  in its periodic progress line.
# scripts/check.sh reads only the last `N passed, N failed` line of a
# stage; every other line is for people.

RESULTS_N=0
RESULTS_PASSED=0
RESULTS_FAILED=0

result_ok() {
	RESULTS_N=$((RESULTS_N + 1)) RESULTS_PASSED=$((RESULTS_PASSED + 1))
	echo "ok $RESULTS_N $1"
}

result_skip() {
	RESULTS_N=$((RESULTS_N + 1))
	echo "ok $RESULTS_N $1 # SKIP ${2:-}"
}

result_fail() {
	RESULTS_N=$((RESULTS_N + 1)) RESULTS_FAILED=$((RESULTS_FAILED + 1))
	if [ -n "${2:-}" ]; then
		echo "not ok $RESULTS_N $1 ($2)"
	else
		echo "not ok $RESULTS_N $1"
	fi
	if [ -n "${3:-}" ] && [ -s "$3" ]; then
		head -n 60 "$3" | sed 's/^/# /'
	fi
	return 0
}

results_summary() {
	echo "$RESULTS_PASSED passed, $RESULTS_FAILED failed"
	[ "$RESULTS_FAILED" -eq 0 ]
}

progress_mark() {
	echo "== $*" >&2
}
