#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dmem.high, the three-round eviction order, to the byte.  Inside "job"
# (dmem.max 32M, so that only job's own buffers are candidates and no
# pre-existing buffer blurs the numbers) four cgroups fill 30 MiB in this
# LRU order: "low" (dmem.low 8M, 8 MiB), "min" (dmem.min 8M, 8 MiB),
# "within" (8 MiB, no high) and "over" (dmem.high 2M, 6 MiB: 4 MiB above
# its high).  "press" (dmem.min max, so its own held buffers are never
# candidates) then allocates 1 MiB buffers, each one needing exactly one
# eviction once job is full:
#  1. 4 MiB: the 2 MiB beyond max come from "over" (round 1), although
#     "within"'s buffers are older (without dmem.high they would go);
#  2. 4 MiB: "over" down to its high (2 MiB, round 1), then "within"
#     (round 2: over at its high is within it, within is older);
#  3. 8 MiB: the rest of "within" and "over" (round 2);
#  4. 3 MiB: only protected buffers are left: low-protected ones go on
#     the retry (round 3);
#  5. 6 MiB: the rest of "low", then nothing: dmem.min is never crossed
#     and the allocation fails.
# dmem.high never fails a charge: "over" was allocated above it.
# kernels: 6.1 6.12
# timeout: 300
. /dmem/lib.sh

MIB=1048576
kmsg_mark
load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
for c in low min within over press; do cg_create job/$c; cg_enable job/$c; done
dmem_write job max "$R 32M"
dmem_write job/low low "$R 8M"
dmem_write job/min min "$R 8M"
dmem_write job/over high "$R 2M"
dmem_write job/press min "$R max"
check_eq "over's dmem.high reads back" "$(dmem_read job/over high "$R")" $((2 * MIB))
check_eq "within's dmem.high is max" "$(dmem_read job/within high "$R")" max

# hold C N: cgroup job/C holds N 1 MiB buffers (pid in $HELD).
hold() {
	rm -f /tmp/$1.$2.ready
	bg_start cg_exec job/$1 qxlbuf alloc -n $2 -s 1M --hold --verify --ready /tmp/$1.$2.ready -q
	HELD=$BG_PID
	wait_file /tmp/$1.$2.ready 60
}

# expect STEP LOW MIN WITHIN OVER (MiB): job's cgroups to the byte.
expect() {
	local s=$1 c
	shift
	for c in low min within over; do
		check_eq "$s: $c holds $1 MiB" "$(dmem_read job/$c current "$R")" $(($1 * MIB))
		shift
	done
	check_le "$s: job within its max" "$(dmem_read job current "$R")" $((32 * MIB))
}

check "low holds 8 MiB" hold low 8; PL=$HELD
check "min holds 8 MiB" hold min 8; PM=$HELD
check "within holds 8 MiB" hold within 8; PW=$HELD
check "over holds 6 MiB, above its high (soft: never fails)" hold over 6; PO=$HELD
expect "start" 8 8 8 6

check "step 1: press holds 4 MiB" hold press 4; P1=$HELD
expect "step 1 (over above high goes first)" 8 8 8 4
check "step 2: press holds 4 MiB more" hold press 4; P2=$HELD
expect "step 2 (over down to its high, then within)" 8 8 6 2
check "step 3: press holds 8 MiB more" hold press 8; P3=$HELD
expect "step 3 (unprotected ones)" 8 8 0 0
check "step 4: press holds 3 MiB more" hold press 3; P4=$HELD
expect "step 4 (low-protected ones, on the retry)" 5 8 0 0
rm -f /tmp/press.6.ready
cg_run job/press qxlbuf alloc -n 6 -s 1M -q
rc=$?
check "step 5: 6 MiB more fails (min is never crossed)" test "$rc" -ne 0
expect "step 5 (min never)" 0 8 0 0
check_eq "press holds 19 MiB" "$(dmem_read job/press current "$R")" $((19 * MIB))

for p in $PL $PM $PW $PO $P1 $P2 $P3 $P4; do
	check "buffers of pid $p intact after eviction" bg_stop $p
done
for c in low min within over press; do
	check_eq "$c current 0 at the end" "$(dmem_read job/$c current "$R")" 0
done
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
