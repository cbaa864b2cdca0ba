#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The foreground boosters that set dmem.low on the focused app's own scope,
# replayed byte for byte on the systemd desktop tree (memory enabled before
# the module loads), after dmemcg-booster (razzeee, system + user instance)
# has prepared the ancestors, as they are deployed:
#  - plasma-foreground-booster with KCGroups' dmemcg branch: std::ofstream
#    on <scope>/dmem.low (O_TRUNC), one "<region> <value>\n" write per
#    region (std::endl flushes), capacity when focused, 0 for the app that
#    loses focus; the game keeps its VRAM under pressure;
#  - sway-foreground-booster-dmemcg: requires "dmem" in app.slice's
#    subtree_control, reads the scope's dmem.low (every capacity region
#    listed, all 0), opens <dirfd>/dmem.low write-only through
#    /proc/self/fd, one "<region> <capacity>\n" write per region; clears by
#    reading the file back through the fd and writing "<region> 0\n";
#  - hyprland-dmemcg-boost (standalone): its root setup writes "+dmem\n" at
#    the root and in user.slice; on each activewindow event it walks from
#    the window's cgroup up, writing "+dmem\n" where subtree_control lacks
#    "dmem" (bottom-up, errors ignored), then "<region> 4294967296\n" into
#    the scope's dmem.low once it exists.  Asserted on a fresh tree: on
#    upstream the bottom-up order needs three events.
# kernels: 6.1 6.12
# timeout: 400
. /dmem/lib.sh
. /dmem/desktop.sh

MIB=1048576
kmsg_mark
desktop_build mem
check "module loads" load_dmem
R=$(dmem_region drm/)
cap=$(dmem_read "" capacity "$R")
check "region registered" test -n "$R"
booster_walk system razzeee
CW_LOG=/tmp/user.log
: >$CW_LOG
booster_user razzeee
CW_LOG=/tmp/cw.log
check_app_low "dmemcg-booster protected app.slice"

# ---------------------------------------------------------------- KCGroups
E=$DT_APP/app-editor.scope
# the editor had focus, then the game gets it
cw trunc "$(cg_path "$E")/dmem.low" "$R $cap\\n"
check_eq "kcgroups: boost the editor" "$CW" ok
cw trunc "$(cg_path "$E")/dmem.low" "$R 0\\n"
check_eq "kcgroups: reset the editor" "$CW" ok
cw trunc "$(cg_path "$DT_GAME")/dmem.low" "$R $cap\\n"
check_eq "kcgroups: boost the game" "$CW" ok
check_eq "kcgroups: game dmem.low = capacity" "$(dmem_read "$DT_GAME" low "$R")" "$cap"
check_eq "kcgroups: editor dmem.low = 0" "$(dmem_read "$E" low "$R")" 0
# deviceMemoryLow(): every line "<path> <number>" (std::stoul)
check "kcgroups: dmem.low parses back" awk 'NF != 2 || $2 !~ /^[0-9]+$/ { exit 1 }' \
	"$(cg_path "$DT_GAME")/dmem.low"
game_start "$DT_GAME"
pressure_run "$DT_GAME"
echo "# BOOSTER-NUMBERS layout=a fork=kcgroups game_before=$PR_BEFORE game_after=$PR_AFTER unprot_after=$PR_UNPROT"
check_eq "kcgroups: the boosted game kept its VRAM under pressure" "$PR_AFTER" $((16 * MIB))
check "kcgroups: game buffers intact" bg_stop $GAME_PID
cw trunc "$(cg_path "$DT_GAME")/dmem.low" "$R 0\\n"

# ---------------------------------------------------------------- sway
S=$DT_APP/run-p4242-i4243.scope
mkdir "$(cg_path "$S")"
check "sway: dmem enabled for app scopes" sc_has "$DT_APP" dmem
check "sway: the scope's dmem.low lists exactly the capacity regions, all 0" \
	test "$(awk '{ print $1 " 0" }' $CGROOT/dmem.capacity)" = "$(cat "$(cg_path "$S")/dmem.low")"
exec 7<"$(cg_path "$S")"
set --
while read -r r v; do set -- "$@" "$r $v\\n"; done <$CGROOT/dmem.capacity
cw plain /proc/self/fd/7/dmem.low "$@"
check_eq "sway: one write per region on one fd" "$CW" ok
check_eq "sway: scope dmem.low = capacity" "$(dmem_read "$S" low "$R")" "$cap"
check "sway: reads back through the fd" grep -qxF "$R $cap" /proc/self/fd/7/dmem.low
cw plain /proc/self/fd/7/dmem.low "$R 0\\n"
check_eq "sway: clear" "$CW" ok
check_eq "sway: scope dmem.low = 0" "$(dmem_read "$S" low "$R")" 0
exec 7<&-
rmdir "$(cg_path "$S")"
desktop_teardown
check "unload" unload_dmem

# ---------------------------------------------------------------- Hyprland
desktop_build mem
check "hyprland: module loads" load_dmem
R=$(dmem_region drm/)
CW_LOG=/tmp/hypr.log
: >$CW_LOG
cw trunc $CGROOT/cgroup.subtree_control "+dmem\\n"
check_eq "hyprland setup: +dmem at the root" "$CW" ok
grep -q dmem $CGROOT/user.slice/cgroup.subtree_control ||
	cw trunc $CGROOT/user.slice/cgroup.subtree_control "+dmem\\n"
check "hyprland setup: dmem in user.slice" sc_has user.slice dmem
# DRM_RESOURCE: the region with the largest capacity
top=$(sort -nk2 $CGROOT/dmem.capacity | tail -n 1 | awk '{ print $1 }')
check_eq "hyprland: the largest region" "$top" "$R"
hypr_event() { # one activewindow event for the game's cgroup
	local curr parent
	curr=$(cg_path "$DT_GAME")
	while [ "$curr" != "$CGROOT" ]; do
		parent=${curr%/*}
		grep -q dmem "$parent/cgroup.subtree_control" 2>/dev/null ||
			cw trunc "$parent/cgroup.subtree_control" "+dmem\\n"
		curr=$parent
	done
	# the boost lands when this write succeeds (tee's errors are ignored)
	[ -f "$(cg_path "$DT_GAME")/dmem.low" ] &&
		cw trunc "$(cg_path "$DT_GAME")/dmem.low" "$top 4294967296\\n"
}
n=0
while [ $n -lt 5 ] && ! hypr_event; do n=$((n + 1)); done
sed 's/^/# hyprland: /' $CW_LOG
check_eq "hyprland: the boost takes effect on the third event (bottom-up enabling)" $((n + 1)) 3
check "hyprland: app.slice first got ENOENT (its parent had no dmem yet)" \
	grep -qxF "$DT_APP/cgroup.subtree_control [+dmem\\n] -> ENOENT" $CW_LOG
check_eq "hyprland: the game's dmem.low reads 4G" "$(dmem_read "$DT_GAME" low "$R")" 4294967296
for d in "$DT_U" "$DT_USVC" "$DT_APP"; do
	check "hyprland: dmem enabled in $d" sc_has "$d" dmem
done
desktop_teardown
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
