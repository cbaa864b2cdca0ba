#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make demo` (scripts/demo.sh): a job in a protected cgroup
# holds VRAM, then a memory-hungry job in a sibling cgroup allocates more
# than is free.  A table of per-cgroup VRAM use (dmem.current and the
# protection settings, plus qxl's own VRAM usage from debugfs) is printed
# before and after the hungry job, once per scenario:
#   without     - dmem_backport not loaded (no dmem files: "-")
#   unprotected - dmem_backport loaded to measure, no limits set (TTM
#                 evicts exactly as without it: tests/vm/tests/ttm_nolimit_same)
#   with        - dmem_backport loaded, dmem.low set on the protected cgroup
# The hungry job asks for more than all of VRAM, so it ends up evicting
# whatever it may: the oldest buffers (the protected job's) without
# protection, only its own and unprotected ones with it.  Each measured
# scenario ends with a "headline" line.
# The scenario list is the place to add more side-by-side variants.
# timeout: 400
. /dmem/lib.sh

PROTECTED_MB=${PROTECTED_MB:-20}
HUNGRY_MB=${HUNGRY_MB:-60}
LOW=${LOW:-${PROTECTED_MB}M}

mib() { # bytes -> MiB with one decimal, "-" stays "-"
	case "$1" in
	''|-) echo - ;;
	max) echo max ;;
	*) awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }' ;;
	esac
}

val() { # val CG FILE: value for the demo region or "-"
	local v
	[ -n "$REGION" ] && [ -f "$(cg_path "$1")/dmem.$2" ] || { echo -; return; }
	v=$(dmem_read "$1" "$2" "$REGION")
	echo "${v:--}"
}

table() { # table TITLE
	echo
	echo "  $1"
	printf '  %-22s %14s %10s %10s %10s\n' cgroup "current MiB" "min MiB" "low MiB" "max MiB"
	printf '  %-22s %14s %10s %10s %10s\n' "(root)" "$(mib "$(val "" current)")" - - -
	for cg in demo demo/protected demo/hungry; do
		printf '  %-22s %14s %10s %10s %10s\n' "$cg" "$(mib "$(val $cg current)")" \
			"$(mib "$(val $cg min)")" "$(mib "$(val $cg low)")" "$(mib "$(val $cg max)")"
	done
	printf '  %-22s %14s   (of %s MiB; debugfs qxl_mem_mm)\n' "qxl VRAM in use" \
		"$(mib "$(qxl_vram_used)")" "$(mib "$(qxl_vram_total)")"
	for j in protected hungry; do
		[ -f /tmp/$j.ready ] && printf '  %-22s %14s\n' "job $j holds" \
			"$(awk '{ printf "%.1f", $1 * $2 / 1048576 }' /tmp/$j.ready)"
	done
	echo
}

scenario() { # scenario NAME
	local name=$1 prot hungry
	REGION=""
	echo "=============================================================="
	case "$name" in
	without)
		echo "  Scenario: WITHOUT dmem_backport"
		;;
	unprotected)
		echo "  Scenario: dmem_backport loaded, NO protection set (measuring only)"
		load_dmem || diag "dmem_backport failed to load"
		REGION=$(dmem_region)
		;;
	with)
		echo "  Scenario: WITH dmem_backport (dmem.low = $LOW on demo/protected)"
		if load_dmem; then
			REGION=$(dmem_region)
			[ -n "$REGION" ] || diag "module loaded but no region in dmem.capacity yet"
		else
			diag "dmem_backport failed to load"
		fi
		;;
	esac
	cg_create demo/protected
	cg_create demo/hungry
	if [ -n "$REGION" ]; then
		cg_enable demo/protected dmem 2>/dev/null || diag "cannot enable +dmem"
		cg_enable demo/hungry dmem 2>/dev/null || diag "cannot enable +dmem"
	fi
	if [ "$name" = with ] && [ -n "$REGION" ]; then
		dmem_write demo low "$REGION $LOW" 2>/dev/null || diag "cannot write dmem.low of demo"
		dmem_write demo/protected low "$REGION $LOW" 2>/dev/null ||
			diag "cannot write dmem.low of demo/protected"
	fi
	rm -f /tmp/protected.ready /tmp/hungry.ready
	cg_exec demo/protected qxlbuf alloc -n "$PROTECTED_MB" -s 1M --hold --verify \
		--partial --ready /tmp/protected.ready -q &
	prot=$!
	wait_file /tmp/protected.ready 60 || diag "protected job did not get its buffers"
	table "before: protected job holds ${PROTECTED_MB} x 1 MiB"

	cg_exec demo/hungry qxlbuf alloc -n "$HUNGRY_MB" -s 1M --hold --partial \
		--ready /tmp/hungry.ready -q &
	hungry=$!
	wait_file /tmp/hungry.ready 120 || diag "hungry job did not finish allocating"
	table "after: hungry job asked for ${HUNGRY_MB} x 1 MiB next to it"
	if [ -n "$REGION" ]; then
		HEADLINES="$HEADLINES
headline $name: protected job keeps $(mib "$(val demo/protected current)") of $PROTECTED_MB MiB in VRAM, hungry job holds $(mib "$(val demo/hungry current)") MiB"
	fi

	bg_stop $hungry || true
	if bg_stop $prot; then
		ok "$name: protected job's buffer contents survived"
	else
		not_ok "$name: protected job ended with an error"
	fi
	cg_remove demo
	[ -n "$REGION" ] && unload_dmem
	return 0
}

kmsg_mark
HEADLINES=""
for s in ${DEMO_SCENARIOS:-without unprotected with}; do
	scenario "$s"
done
echo "=============================================================="
echo "$HEADLINES" | sed '/^$/d'
echo "=============================================================="
check "kernel log clean" kmsg_clean
finish
