#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dmem.high (superset file): exists in every non-root cgroup with dmem (not
# in the root), mode and owner as dmem.max, default "max", same value
# syntax and the same errors as dmem.max (a bad write changes nothing); a
# soft limit: allocating above it succeeds.  Removing a cgroup resets its
# high to max like min/low/max: the removed cgroup's buffers (still
# charged, above the old high) are no longer evicted first.
# kernels: 6.1 6.12
# timeout: 300
. /dmem/lib.sh

MIB=1048576
kmsg_mark
load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
C=$(cg_path "")
cg_create a && cg_enable a
check "a has dmem.high" test -f $C/a/dmem.high
check_fail "the root has no dmem.high" test -e $C/dmem.high
check_eq "dmem.high mode and owner as dmem.max" "$(stat -c '%a %u' $C/a/dmem.high)" \
	"$(stat -c '%a %u' $C/a/dmem.max)"
check_eq "default max" "$(grep "^$R " $C/a/dmem.high)" "$R max"

wr() { # wr FILE TEXT: "OK" or the error text of the write
	local e
	e=$( (printf '%s' "$2" >"$1") 2>&1) && echo OK || echo "${e##*: }"
}
check_eq "write 4M" "$(wr $C/a/dmem.high "$R 4M")" OK
check_eq "reads 4194304" "$(dmem_read a high "$R")" 4194304
check_eq "write hex" "$(wr $C/a/dmem.high "$R 0x1000")" OK
check_eq "reads 4096" "$(dmem_read a high "$R")" 4096
check_eq "write max" "$(wr $C/a/dmem.high "$R max")" OK
check_eq "reads max" "$(dmem_read a high "$R")" max
check_eq "write 3M back" "$(wr $C/a/dmem.high "$R 3M")" OK
for bad in "nosuch/region 1M" "$R" "$R 12Q" "$R -5" "$R 99999999999999999999" "$R 1M 2M"; do
	check_eq "'$bad': same error as dmem.max" "$(wr $C/a/dmem.high "$bad")" \
		"$(wr $C/a/dmem.max "$bad")"
	check_eq "'$bad': nothing changed" "$(dmem_read a high "$R")" $((3 * MIB))
done
check_eq "dmem.max untouched" "$(dmem_read a max "$R")" max
check_eq "dmem.low untouched" "$(dmem_read a low "$R")" 0

check "allocating 8 MiB above a 3M high succeeds" \
	cg_run a qxlbuf alloc -n 8 -s 1M --hold-for 0 -q
check_eq "peak went above high" "$(dmem_read a peak "$R")" $((8 * MIB))

# rmdir resets high.  job (max 16M): u (8 MiB, older) and x (high 2M,
# 6 MiB, newer); x's holder moves to the root and x is removed; "press"
# (dmem.min max: its own buffers never go) needs two evictions.  With
# x's high kept, x's buffers would go first; reset, u's older ones go.
for c in u x press; do cg_create job/$c; cg_enable job/$c; done
dmem_write job max "$R 16M"
dmem_write job/x high "$R 2M"
dmem_write job/press min "$R max"
bg_start cg_exec job/u qxlbuf alloc -n 8 -s 1M --hold --verify --ready /tmp/u.ready -q
U=$BG_PID
check "u holds 8 MiB" wait_file /tmp/u.ready 60
bg_start cg_exec job/x qxlbuf alloc -n 6 -s 1M --hold --verify --ready /tmp/x.ready -q
X=$BG_PID
check "x holds 6 MiB" wait_file /tmp/x.ready 60
cg_move "" $X
OFF=$(offlined)
check "rmdir x (buffers alive, holder elsewhere)" rmdir $C/job/x
check "x's limits reset (its state went offline)" wait_offlined "$OFF"
check_eq "x's charge stays in job" "$(dmem_read job current "$R")" $((14 * MIB))
bg_start cg_exec job/press qxlbuf alloc -n 4 -s 1M --hold --ready /tmp/p.ready -q
P=$BG_PID
check "press holds 4 MiB" wait_file /tmp/p.ready 60
check_eq "u lost the two oldest buffers (x's high was reset)" \
	"$(dmem_read job/u current "$R")" $((6 * MIB))
check_eq "removed x kept its 6 MiB" \
	"$(( $(dmem_read job current "$R") - $(dmem_read job/u current "$R") - $(dmem_read job/press current "$R") ))" \
	$((6 * MIB))
for p in $P $U $X; do check "buffers of pid $p intact" bg_stop $p; done
check_eq "job current 0 at the end" "$(dmem_read job current "$R")" 0
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
