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
# Two more scenes show dmem.high (a soft limit beyond upstream): a steady
# job within its high and then a bursty job holding VRAM; a hungry job
# needs BURST_OVER_MB more than fits:
#   high-unset  - no dmem.high: TTM evicts the oldest buffers, the steady
#                 job's
#   high        - dmem.high = BURST_HIGH on the bursty job: its buffers
#                 above that go first, the steady job keeps everything
# The scenario list is the place to add more side-by-side variants.
# timeout: 600
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

STEADY_MB=${STEADY_MB:-16}
BURST_MB=${BURST_MB:-16}
BURST_HIGH=${BURST_HIGH:-8M}
BURST_OVER_MB=${BURST_OVER_MB:-8}

high_table() { # high_table TITLE
	echo
	echo "  $1"
	printf '  %-22s %14s %10s\n' cgroup "current MiB" "high MiB"
	for cg in demo/steady demo/bursty demo/hungry; do
		printf '  %-22s %14s %10s\n' "$cg" "$(mib "$(val $cg current)")" \
			"$(mib "$(val $cg high)")"
	done
	printf '  %-22s %14s   (of %s MiB; debugfs qxl_mem_mm)\n' "qxl VRAM in use" \
		"$(mib "$(qxl_vram_used)")" "$(mib "$(qxl_vram_total)")"
	echo
}

scenario_high() { # scenario_high high-unset|high
	local name=$1 steady bursty hungry n
	echo "=============================================================="
	if [ "$name" = high ]; then
		echo "  Scenario: dmem.high = $BURST_HIGH on demo/bursty (evicted first above it)"
	else
		echo "  Scenario: dmem.high unset (eviction takes the oldest buffers)"
	fi
	load_dmem || { diag "dmem_backport failed to load"; return 0; }
	REGION=$(dmem_region)
	for cg in steady bursty hungry; do
		cg_create demo/$cg
		cg_enable demo/$cg dmem 2>/dev/null || diag "cannot enable +dmem"
	done
	if [ "$name" = high ]; then
		dmem_write demo/bursty high "$REGION $BURST_HIGH" ||
			diag "cannot write dmem.high of demo/bursty"
	fi
	rm -f /tmp/steady.ready /tmp/bursty.ready /tmp/hungry.ready
	cg_exec demo/steady qxlbuf alloc -n "$STEADY_MB" -s 1M --hold --verify \
		--partial --ready /tmp/steady.ready -q &
	steady=$!
	wait_file /tmp/steady.ready 60 || diag "steady job did not get its buffers"
	cg_exec demo/bursty qxlbuf alloc -n "$BURST_MB" -s 1M --hold --verify \
		--partial --ready /tmp/bursty.ready -q &
	bursty=$!
	wait_file /tmp/bursty.ready 60 || diag "bursty job did not get its buffers"
	high_table "before: steady job holds ${STEADY_MB} MiB, then bursty job ${BURST_MB} MiB"
	n=$(($(qxl_fit qxl_mem_mm $MIB) + BURST_OVER_MB))
	cg_exec demo/hungry qxlbuf alloc -n "$n" -s 1M --hold --partial \
		--ready /tmp/hungry.ready -q &
	hungry=$!
	wait_file /tmp/hungry.ready 120 || diag "hungry job did not finish allocating"
	high_table "after: hungry job asked for $n x 1 MiB ($BURST_OVER_MB MiB more than was free)"
	HEADLINES="$HEADLINES
headline $name: steady job keeps $(mib "$(val demo/steady current)") of $STEADY_MB MiB in VRAM, bursty job $(mib "$(val demo/bursty current)") of $BURST_MB MiB"
	bg_stop $hungry || true
	if bg_stop $steady && bg_stop $bursty; then
		ok "$name: both jobs' buffer contents survived"
	else
		not_ok "$name: a job ended with an error"
	fi
	cg_remove demo
	unload_dmem
	return 0
}

MIB=1048576
kmsg_mark
HEADLINES=""
for s in ${DEMO_SCENARIOS:-without unprotected with high-unset high}; do
	case "$s" in
	high-unset|high) scenario_high "$s" ;;
	*) scenario "$s" ;;
	esac
done
echo "=============================================================="
echo "$HEADLINES" | sed '/^$/d'
echo "=============================================================="
check "kernel log clean" kmsg_clean
finish
