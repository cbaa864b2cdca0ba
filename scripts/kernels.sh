#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The table of supported kernel series (kernels.tsv) and what derives from
# it.  Every series list in the project comes from here or is checked here.
#
# usage: scripts/kernels.sh COMMAND
#   series          every supported series, one a line
#   ci              the series with a Debian test kernel (CI in-guest)
#   has-ci SERIES   exit 0 if SERIES has a CI test kernel
#   apt SERIES      the Debian image package regex of SERIES (CI series)
#   dkms-regex      the BUILD_EXCLUSIVE_KERNEL regex for dkms.conf
#   readme-table    the README "Supported kernels" table (markdown)
#   check           dkms.conf, README and the scripts agree with the table;
#                   prints `ok N name` / `not ok N name`, `N passed, N failed`
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
table="$repo/kernels.tsv"
# First series with the dmem controller in mainline: never supported.
native_major=6 native_minor=14

rows() { grep -v '^#' "$table" | grep -v '^[[:space:]]*$'; }
col() { rows | cut -f"$1"; }

apt_of() {
	rows | awk -F'\t' -v s="$1" '$1 == s && $5 != "-" { print $5; f = 1 }
		END { exit !f }'
}

ci_series() { rows | awk -F'\t' '$4 == "ci-guest" { print $1 }'; }

# ^6\.(1|2|...)\. : one alternative per series, grouped by major.
dkms_regex() {
	col 1 | awk -F. '
		{ if (!($1 in seen)) { order[n++] = $1; seen[$1] = "" }
		  seen[$1] = seen[$1] (seen[$1] == "" ? "" : "|") $2 }
		END {
			for (i = 0; i < n; i++) {
				m = order[i]
				out = out (out == "" ? "" : "|") m "\\.(" seen[m] ")"
			}
			if (n > 1)
				out = "(" out ")"
			print "^" out "\\."
		}'
}

how_tested() {
	case "$1" in
	ci-guest) echo "in-guest suite in CI (\`make check\`)" ;;
	guest-by-hand) echo "in-guest suite by hand" ;;
	compile-by-hand) echo "module build by hand (warning-free)" ;;
	not-built) echo "not built (compat facts only)" ;;
	*) echo "?$1" ;;
	esac
}

readme_table() {
	echo "| Series | TTM and kernel facts used | Kernel tested | How it was tested |"
	echo "|---|---|---|---|"
	rows | while IFS=$'\t' read -r s era kern tested _; do
		printf '| %s | %s | %s | %s |\n' "$s" "$era" "$kern" "$(how_tested "$tested")"
	done
}

n=0 passed=0 failed=0
result() { # result OK|FAIL NAME [DETAIL]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		passed=$((passed + 1))
		echo "ok $n $2"
	else
		failed=$((failed + 1))
		echo "not ok $n $2"
		[ -n "${3:-}" ] && printf '%s\n' "${3%$'\n'}" | sed 's/^/# /'
	fi
	return 0
}

check_table() {
	local bad="" s maj min
	while IFS=$'\t' read -r s era kern tested apt; do
		maj=${s%%.*} min=${s#*.}
		case "$s" in
		[0-9]*.[0-9]*) ;;
		*) bad+="bad series '$s'"$'\n'; continue ;;
		esac
		if [ "$maj" -gt $native_major ] ||
		   { [ "$maj" -eq $native_major ] && [ "$min" -ge $native_minor ]; }; then
			bad+="$s has dmem natively (6.14+)"$'\n'
		fi
		[ -n "$era" ] && [ -n "$kern" ] && [ -n "$apt" ] ||
			bad+="$s: empty column"$'\n'
		case "$tested" in
		ci-guest) [ "$apt" != - ] || bad+="$s: ci-guest without apt regex"$'\n' ;;
		guest-by-hand|compile-by-hand|not-built) ;;
		*) bad+="$s: unknown 'tested' value '$tested'"$'\n' ;;
		esac
	done < <(rows)
	[ "$(col 1 | sort | uniq -d)" = "" ] || bad+="duplicate series"$'\n'
	if [ -z "$bad" ]; then result OK "kernels.tsv well-formed"; else result FAIL "kernels.tsv well-formed" "$bad"; fi
}

check_dkms() {
	local want got
	want=$(dkms_regex)
	got=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' "$repo/dkms.conf")
	if [ "$got" = "$want" ]; then
		result OK "dkms.conf BUILD_EXCLUSIVE_KERNEL matches kernels.tsv"
	else
		result FAIL "dkms.conf BUILD_EXCLUSIVE_KERNEL matches kernels.tsv" \
			"dkms.conf: $got"$'\n'"expected: BUILD_EXCLUSIVE_KERNEL=\"$want\""
	fi
	# The regex itself: every listed series in, its neighbours out.
	local kv bad=""
	for kv in $(col 1); do
		[[ "$kv.0-1-amd64" =~ $want ]] || bad+="$kv.0-1-amd64 rejected"$'\n'
	done
	for kv in 6.0.1 6.14.0 6.140.1 7.1.0 5.10.0 16.1.0; do
		[[ "$kv-1-amd64" =~ $want ]] && bad+="$kv-1-amd64 accepted"$'\n'
	done
	if [ -z "$bad" ]; then result OK "dkms regex accepts exactly the listed series"; else
		result FAIL "dkms regex accepts exactly the listed series" "$bad"; fi
	if grep -q '^BUILD_EXCLUSIVE_CONFIG=".*!CONFIG_CGROUP_DMEM' "$repo/dkms.conf"; then
		result OK "dkms.conf excludes CONFIG_CGROUP_DMEM kernels"
	else
		result FAIL "dkms.conf excludes CONFIG_CGROUP_DMEM kernels"
	fi
}

check_readme() {
	local want got
	want=$(readme_table)
	got=$(sed -n '/^<!-- kernels.tsv: begin/,/^<!-- kernels.tsv: end/p' "$repo/README.md" |
		sed '1d;$d')
	if [ "$got" = "$want" ]; then
		result OK "README supported-kernels table matches kernels.tsv"
	else
		result FAIL "README supported-kernels table matches kernels.tsv" \
			"regenerate with: scripts/kernels.sh readme-table"$'\n'"$(diff <(echo "$got") <(echo "$want") | head -20)"
	fi
}

# The scripts take their series from this script (no list of their own).
check_scripts() {
	local f bad=""
	for f in tests/vm/run.sh scripts/fetch-kernel.sh scripts/kunit.sh \
		 scripts/linux-source.sh scripts/build-modules.sh; do
		grep -q 'kernels\.sh' "$repo/$f" || bad+="$f does not use scripts/kernels.sh"$'\n'
		grep -nE '^[^#]*case[^#]*in 6\.1\|6\.12\)' "$repo/$f" >/dev/null &&
			bad+="$f has its own series list"$'\n'
	done
	if [ -z "$bad" ]; then result OK "scripts take their series from kernels.tsv"; else
		result FAIL "scripts take their series from kernels.tsv" "$bad"; fi
}

cmd=${1:-}
case "$cmd" in
series) col 1 ;;
ci) ci_series ;;
has-ci) ci_series | grep -qxF -- "${2:?series}" ;;
apt) apt_of "${2:?series}" ;;
dkms-regex) dkms_regex ;;
readme-table) readme_table ;;
check)
	check_table
	check_dkms
	check_readme
	check_scripts
	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ]
	;;
*) sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
