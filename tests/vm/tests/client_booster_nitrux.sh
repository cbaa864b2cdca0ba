#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Nitrux/dmemcg-booster in its focus mode (daemon, system bus), replayed
# byte for byte on the systemd desktop tree with memory enabled before the
# module loads: it creates /sys/fs/cgroup/dmemcg-booster.focused, walks the
# tree enabling dmem only (no dmem.low while the focus policy is on),
# moves the focused game's process tree there (one write of the pid, no
# newline, per process), writes "<region> <capacity>\n" into its dmem.low,
# and on focus loss moves the processes back and writes "<region> 0\n".
# Asserts the upstream outcome: dmem enabled at the root by the walk, the
# values read back, the game's charges in the focused cgroup (and staying
# there after it moves back: charges never migrate), and that the game
# keeps its VRAM under pressure.
# kernels: 6.1 6.12
# timeout: 400
. /dmem/lib.sh
. /dmem/desktop.sh

MIB=1048576
F=dmemcg-booster.focused
kmsg_mark
desktop_build mem
check "module loads" load_dmem
R=$(dmem_region drm/)
cap=$(dmem_read "" capacity "$R")
check "region registered" test -n "$R"

# FocusPolicyState::new: capacity read first, then create_dir_all.
mkdir -p "$(cg_path $F)"
CW_LOG=/tmp/walk.log
: >$CW_LOG
booster_walk system nitrux nolimits
sed 's/^/# walk: /' $CW_LOG
check "the walk enabled dmem at the root" grep -qxF "cgroup.subtree_control [+dmem] -> ok" $CW_LOG
check_fail "the walk wrote no dmem.low" grep -q "dmem.low" $CW_LOG
check "root lists dmem" sc_has "" dmem
check "the focused cgroup has dmem.low" test -e "$(cg_path $F)/dmem.low"

# The game: launched in its scope, waiting for focus before it loads.
rm -f /tmp/go /tmp/game.ready
(cg_exec "$DT_GAME" sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done
exec qxlbuf alloc -n 16 -s 1M --hold --verify --ready /tmp/game.ready -q') &
GAME_PID=$!
wait_for 5 grep -qx "$GAME_PID" "$(cg_path "$DT_GAME")/cgroup.procs"
CW_LOG=/tmp/focus.log
: >$CW_LOG
cw trunc "$(cg_path $F)/cgroup.procs" "$GAME_PID"
check_eq "focus: the game's pid moved in" "$CW" ok
cw trunc "$(cg_path $F)/dmem.low" "$R $cap\\n"
check_eq "focus: dmem.low written" "$CW" ok
check_eq "focus: dmem.low reads capacity" "$(dmem_read $F low "$R")" "$cap"
touch /tmp/go
check "game holds 16 MiB" wait_file /tmp/game.ready 30
check_eq "the game is charged in the focused cgroup" "$(dmem_read $F current "$R")" $((16 * MIB))
pressure_run $F
echo "# BOOSTER-NUMBERS layout=a fork=nitrux-focus game_before=$PR_BEFORE game_after=$PR_AFTER unprot_after=$PR_UNPROT"
check_eq "the focused game kept its VRAM under pressure" "$PR_AFTER" $((16 * MIB))
check_le "the unprotected cgroup was evicted from" "$PR_UNPROT" $((8 * MIB))

# Focus lost: restore the pid, then the unfocused limits.
cw trunc "$(cg_path "$DT_GAME")/cgroup.procs" "$GAME_PID"
check_eq "unfocus: pid moved back" "$CW" ok
cw trunc "$(cg_path $F)/dmem.low" "$R 0\\n"
check_eq "unfocus: dmem.low written" "$CW" ok
check_eq "unfocus: dmem.low reads 0" "$(dmem_read $F low "$R")" 0
check_eq "charges stay where they were made" "$(dmem_read $F current "$R")" $((16 * MIB))
check "game buffers intact" bg_stop $GAME_PID
check_eq "focused cgroup current 0 once freed" "$(dmem_read $F current "$R")" 0
desktop_teardown
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
