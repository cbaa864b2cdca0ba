#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dmemcg-booster, replayed byte for byte (tests/vm/guest/desktop.sh) on a
# systemd desktop tree: the system instance (root) then the user instance
# (uid 1000, delegated user@1000.service), then the game allocates 16 MiB
# in app.slice/app-game.scope, an unprotected cgroup 16 MiB and a third
# cgroup more than is free.  Asserts what the booster gets on upstream:
# dmem off until it enables it, so it climbs and writes "+dmem" and
# dmem.low = capacity on every ancestor (user.slice, user-1000.slice,
# user@1000.service, app.slice), the root has no dmem.low, and the game
# keeps its VRAM.  Layouts: (a) memory enabled everywhere before the module
# loads, (b) the module loaded first, (c) memory off everywhere.  Forks:
# razzeee on a/b/c, ngoquang2708 on a; Nitrux's focus mode is
# client_booster_nitrux.
# kernels: 6.1 6.12
# timeout: 900
. /dmem/lib.sh
. /dmem/desktop.sh

MIB=1048576
kmsg_mark

# booster_case LAYOUT VARIANT
booster_case() {
	local L=$1 V=$2 d cap t="$1/$2"
	diag "---- layout $L, booster fork $V"
	case $L in
	a) desktop_build mem && load_dmem ;;
	b) load_dmem && desktop_build mem ;;
	c) load_dmem && desktop_build nomem ;;
	esac
	check "$t: tree built, module loaded" dmem_loaded
	R=$(dmem_region drm/)
	cap=$(dmem_read "" capacity "$R")
	check "$t: region registered" test -n "$R"

	# On upstream dmem is a controller of its own: nothing has it enabled
	# before the booster runs, whatever memory does.
	for d in "" user.slice "$DT_U" "$DT_APP"; do
		check_fail "$t: before the booster, dmem not in ${d:-root}/cgroup.subtree_control" sc_has "$d" dmem
	done
	check "$t: root lists dmem in cgroup.controllers" ctl_has "" dmem

	CW_LOG=/tmp/system.log
	: >$CW_LOG
	booster_walk system "$V"
	CW_LOG=/tmp/user.log
	: >$CW_LOG
	booster_user "$V"
	CW_LOG=/tmp/cw.log
	sed 's/^/# system: /' /tmp/system.log
	sed 's/^/# user: /' /tmp/user.log

	for d in "" system.slice user.slice "$DT_U" "$DT_USVC" "$DT_APP"; do
		check "$t: dmem enabled in ${d:-root}/cgroup.subtree_control" sc_has "$d" dmem
	done
	check "$t: system instance wrote +dmem at the root" \
		grep -qxF "cgroup.subtree_control [+dmem] -> ok" /tmp/system.log
	check "$t: system instance wrote +dmem in user-1000.slice" \
		grep -qxF "$DT_U/cgroup.subtree_control [+dmem] -> ok" /tmp/system.log
	check_fail "$t: system instance never wrote inside user@1000.service's subtree" \
		grep -q "^$DT_USVC/[^ ]*/" /tmp/system.log
	check "$t: user instance wrote +dmem in user@1000.service" \
		grep -qxF "$DT_USVC/cgroup.subtree_control [+dmem] -> ok" /tmp/user.log
	check "$t: user instance wrote +dmem in app.slice" \
		grep -qxF "$DT_APP/cgroup.subtree_control [+dmem] -> ok" /tmp/user.log
	check_fail "$t: root has no dmem.low" test -e "$CGROOT/dmem.low"
	for d in system.slice user.slice "$DT_U" "$DT_USVC"; do
		check_eq "$t: $d dmem.low = capacity" "$(dmem_read "$d" low "$R")" "$cap"
	done
	check_app_low "$t: $DT_APP dmem.low = capacity"
	check_eq "$t: the game scope keeps dmem.low 0" "$(dmem_read "$DT_GAME" low "$R")" 0
	case $V in
	razzeee)
		check_eq "$t: system.slice/dbus.service dmem.low = capacity" \
			"$(dmem_read system.slice/dbus.service low "$R")" "$cap"
		check "$t: one write per region, no newline" \
			grep -qxF "user.slice/dmem.low [$R $cap] -> ok" /tmp/system.log
		;;
	ngoquang)
		# an empty subtree_control counts as a controller: it tries
		# +dmem in a populated leaf and gets EBUSY, so no dmem.low there
		check "$t: +dmem in a populated leaf is EBUSY" \
			grep -qxF "system.slice/dbus.service/cgroup.subtree_control [+dmem] -> EBUSY" /tmp/system.log
		check_eq "$t: system.slice/dbus.service dmem.low stays 0" \
			"$(dmem_read system.slice/dbus.service low "$R")" 0
		check "$t: all regions in one write, newline-terminated" \
			grep -qxF "user.slice/dmem.low [$R $cap\\n] -> ok" /tmp/system.log
		;;
	esac

	game_start "$DT_GAME"
	check "$t: game holds 16 MiB" test -e /tmp/game.ready
	pressure_run "$DT_GAME"
	echo "# BOOSTER-NUMBERS layout=$L fork=$V game_before=$PR_BEFORE game_after=$PR_AFTER unprot_after=$PR_UNPROT"
	check_eq "$t: game charged 16 MiB before pressure" "$PR_BEFORE" $((16 * MIB))
	check_eq "$t: the protected game kept its VRAM under pressure" "$PR_AFTER" $((16 * MIB))
	check_le "$t: the unprotected cgroup was evicted from" "$PR_UNPROT" $((8 * MIB))
	check "$t: game buffers intact" bg_stop $GAME_PID
	desktop_teardown
	check "$t: tree removed" test -z "$(find $CGROOT -mindepth 1 -type d)"
	check "$t: unload" unload_dmem
}

booster_case a razzeee
booster_case b razzeee
booster_case c razzeee
booster_case a ngoquang
check "kernel log clean" kmsg_clean
finish
