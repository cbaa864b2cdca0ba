#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Adversary: uid 1000 nests 2,048 cgroups below its delegated cgroup (paths
# far beyond PATH_MAX: every step is relative), enabling memory and dmem at
# each level as a client would, writes dmem.min/low/max at the bottom and
# dmem.low=max at many levels, allocates VRAM from the bottom and from a
# sibling half-way down, lets root evict it, reads every level, tears it
# all down.  The kernel must survive (stack depth, no O(depth^2) stall) and
# the counters must be exact: every ancestor = sum of its children while
# held, 0 everywhere at the end.  On the debug kernel 1,280 levels.
# kernels: 6.1 6.12
# timeout: 600
. /dmem/lib.sh

# 1,280 levels on the debug kernel ($KDEBUG, several times slower): still
# past the 1,200 at which the recursive state creation of before overflowed
# the kernel stack, and the same code paths.
if [ "${KDEBUG:-0}" = 1 ]; then N=1280; else N=2048; fi
MID=$((N / 2))
MIB=1048576
adv_setup
deep() { adv_asuser cgdeep "$D" $N "$@"; }

t0=$(date +%s)
check "user nests $N levels, enabling memory and dmem at each" deep mk
diag "nesting took $(($(date +%s) - t0)) s"
check "the bottom has dmem.max" deep cat $N dmem.max

check "user writes dmem.max at the bottom" deep write $N dmem.max "$R 64M"
check "user writes dmem.min at the bottom" deep write $N dmem.min "$R 4M"
check "user writes dmem.low at the bottom" deep write $N dmem.low "$R 8M"
check "user writes dmem.low=max at every 16th level" deep writeall 1 $N 16 dmem.low "$R max"
check "user writes dmem.min=max at every 64th level" deep writeall 1 $N 64 dmem.min "$R max"
check "user writes dmem.max at level 1" deep write 1 dmem.max "$R 48M"
check "bottom dmem.max reads back" deep expect $N $N dmem.max "$R" $((64 * MIB))
check "bottom dmem.low reads back" deep expect $N $N dmem.low "$R" $((8 * MIB))
check "level 17 dmem.low reads max" deep expect 17 17 dmem.low "$R" max
check "level 18 dmem.low reads 0" deep expect 18 18 dmem.low "$R" 0

adv_asuser_bg cgdeep "$D" $N exec $N advbuf hold 4 1M /tmp/bottom.ready
B=$ADV_PID
check "4 MiB allocated from the bottom" adv_ready /tmp/bottom.ready 4 120
check "user creates a sibling half-way down" deep mkdir $MID side
adv_asuser_bg cgdeep "$D" $N exec $MID/side advbuf hold 2 1M /tmp/side.ready
S=$ADV_PID
check "2 MiB allocated from the sibling" adv_ready /tmp/side.ready 2 120
# counters_consistent BOTTOM SIDE [STEP]: every (STEP-th) level below MID
# charges BOTTOM, MID and above BOTTOM + SIDE, the sibling SIDE, the
# delegated cgroup too.
counters_consistent() {
	local t0
	t0=$(date +%s)
	check "levels $((MID + 1))..$N charge $1 each" deep expect $((MID + 1)) $N dmem.current "$R" "$1" ${3:-1}
	check "levels 1..$MID charge $(($1 + $2)) each (child + sibling)" deep expect 1 $MID dmem.current "$R" $(($1 + $2)) ${3:-1}
	check_eq "the sibling charges $2" "$(deep cat $MID/side dmem.current | awk -v r="$R" '$1 == r { print $2 }')" "$2"
	check_eq "the delegated cgroup charges $(($1 + $2))" "$(dmem_read "$ADV_CG" current "$R")" $(($1 + $2))
	diag "root dmem.current $(dmem_read "" current "$R") (was $root0 + $(($1 + $2)) below); reads took $(($(date +%s) - t0)) s"
}
counters_consistent $((4 * MIB)) $((2 * MIB)) 64

# Root (outside the subtree) fills VRAM: eviction decisions about buffers
# of a pool $N levels deep, protected at many levels.  Evicted buffers
# leave VRAM and are uncharged.
t0=$(date +%s)
qxlbuf alloc -n 56 -s 1M --partial -q >/dev/null 2>&1
diag "root's 56 MiB allocation (exit $?) took $(($(date +%s) - t0)) s"
b=$(deep cat $N dmem.current | awk -v r="$R" '$1 == r { print $2 }')
s=$(deep cat $MID/side dmem.current | awk -v r="$R" '$1 == r { print $2 }')
diag "after root's allocation: bottom $b, sibling $s"
counters_consistent "$b" "$s"

check "bottom holder exits" bg_stop $B
check "sibling holder exits" bg_stop $S
t0=$(date +%s)
check "every level is back to 0" deep expect 0 $N dmem.current "$R" 0
diag "reading every level took $(($(date +%s) - t0)) s"
check_eq "the delegated cgroup is back to 0" "$(dmem_read "$ADV_CG" current "$R")" 0
diag "root dmem.current: $(dmem_read "" current "$R") (was $root0; the driver may charge its own buffers there)"
check "user removes the sibling" deep rmdir $MID side
t0=$(date +%s)
check "user removes all $N levels" deep rm
diag "teardown took $(($(date +%s) - t0)) s"
check "nothing is left below the delegated cgroup" test ! -e "$D/level"
adv_undelegate
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
