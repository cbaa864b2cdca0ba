# SPDX-License-Identifier: GPL-2.0
# Client replays for the in-guest client-compatibility tests (busybox sh).
# Sourced after /dmem/lib.sh:
#
#   . /dmem/lib.sh
#   . /dmem/desktop.sh
#
# desktop_build LAYOUT   a systemd-like desktop cgroup tree; LAYOUT is
#                        "mem" (memory+pids enabled on every inner level, as
#                        systemd does) or "nomem" (no controller enabled).
# desktop_teardown       kill and remove it, and any cgroup the replays made;
#                        turn memory, pids and dmem off at the root.
# booster_walk MODE VARIANT
#                        replay dmemcg-booster's start-up walk: MODE system
#                        (the --use-system-bus instance, run as root) or
#                        user (the user instance: run it through
#                        booster_user); VARIANT razzeee, ngoquang or nitrux.
# cw MODE FILE DATA...   one open + one write(2) per DATA (cgwrite), result
#                        in $CW, logged to $CW_LOG.
#
# Every write a replay makes goes through cw, so the log holds the exact
# bytes and the error each one got.

DT_UID=1000
DT_U=user.slice/user-$DT_UID.slice
DT_USVC=$DT_U/user@$DT_UID.service
DT_APP=$DT_USVC/app.slice
DT_GAME=$DT_APP/app-game.scope
CW_LOG=${CW_LOG:-/tmp/cw.log}

# cw MODE FILE DATA...: replay writes; $CW holds cgwrite's answer.
cw() {
	local mode=$1 file=$2
	shift 2
	CW=$(cgwrite -m "$mode" "$file" "$@")
	echo "${file#$CGROOT/} [$*] -> $CW" >>"$CW_LOG" 2>/dev/null
	case "$CW" in *[!ok\ ]*) return 1 ;; esac
	return 0
}

# sc_has CG CTRL: CTRL is a word of CG's cgroup.subtree_control.
sc_has() {
	case " $(cat "$(cg_path "$1")/cgroup.subtree_control" 2>/dev/null) " in
	*" $2 "*) return 0 ;;
	esac
	return 1
}

# ctl_has CG CTRL: CTRL is a word of CG's cgroup.controllers.
ctl_has() {
	case " $(cat "$(cg_path "$1")/cgroup.controllers" 2>/dev/null) " in
	*" $2 "*) return 0 ;;
	esac
	return 1
}

_dt_sleeper() { # CG: a long-lived process in CG (a service's main process)
	(echo 0 >"$(cg_path "$1")/cgroup.procs" && exec sleep 100000) &
}

# desktop_build mem|nomem: the tree systemd builds for one logged-in user.
# The system part is made by root; user@1000.service is delegated (its
# directory and cgroup.procs/subtree_control/threads chowned, as systemd
# does) and the user's manager (uid 1000) makes and configures its inside.
desktop_build() {
	local mem=$1 d
	for d in system.slice system.slice/dbus.service system.slice/systemd-journald.service \
		init.scope user.slice "$DT_U" "$DT_U/session-2.scope" "$DT_USVC"; do
		mkdir -p "$(cg_path "$d")" || return 1
	done
	if [ "$mem" = mem ]; then
		for d in "" system.slice user.slice "$DT_U"; do
			echo "+memory +pids" >"$(cg_path "$d")/cgroup.subtree_control" || return 1
		done
	fi
	for f in "" /cgroup.procs /cgroup.subtree_control /cgroup.threads; do
		chown $DT_UID:$DT_UID "$(cg_path "$DT_USVC")$f" || return 1
	done
	runas $DT_UID $DT_UID sh -c "
		set -e
		cd $CGROOT/$DT_USVC
		mkdir init.scope session.slice app.slice app.slice/app-game.scope \
			app.slice/app-editor.scope
		if [ $mem = mem ]; then
			echo '+memory +pids' >cgroup.subtree_control
			echo '+memory +pids' >app.slice/cgroup.subtree_control
		fi" || return 1
	for d in system.slice/dbus.service system.slice/systemd-journald.service \
		init.scope "$DT_U/session-2.scope" "$DT_USVC/init.scope" \
		"$DT_APP/app-editor.scope" "$DT_GAME"; do
		_dt_sleeper "$d"
	done
	wait_for 5 _dt_populated "$DT_GAME"
}

_dt_populated() { [ -n "$(cat "$(cg_path "$1")/cgroup.procs" 2>/dev/null)" ]; }

# desktop_teardown: remove every non-root cgroup (killing what is in it)
# and turn off, at the root, the controllers the test turned on.
desktop_teardown() {
	local d
	for d in $(find $CGROOT -mindepth 1 -depth -type d); do
		echo 1 >"$d/cgroup.kill" 2>/dev/null
	done
	for d in $(find $CGROOT -mindepth 1 -depth -type d); do
		wait_for 5 cg_empty "$d"
		rmdir "$d" 2>/dev/null
	done
	echo "-memory -pids" >$CGROOT/cgroup.subtree_control 2>/dev/null
	echo "-dmem" >$CGROOT/cgroup.subtree_control 2>/dev/null
	[ -z "$(find $CGROOT -mindepth 1 -type d)" ]
}

# ------------------------------------------------------------ dmemcg-booster
# A shell transcription (not a copy) of the start-up pass of the
# dmemcg-booster forks: walk to every leaf of the tree; for a leaf,
# "propagate": read cgroup.subtree_control (unreadable: stop); without
# "dmem" in it, "try_activate" (propagate to the parent first; as the
# system instance, never touch cgroups below a user-N.slice; skip cgroups
# that are leaves with nothing in their subtree_control; write "+dmem",
# on ENOENT propagate to the parent and retry once; any other error: stop
# here); then write the root's dmem.capacity into dmem.low (as the system
# instance, not below user-N.slice's children; as the user instance only
# into app.slice and user@N.service).  Errors of the dmem.low write are
# ignored (EACCES silently).
# Differences between the forks (read from their sources):
#   razzeee:  dmem.low gets one open and one write "<region> <bytes>" (no
#             newline) per region; empty words of subtree_control dropped
#   ngoquang: dmem.low gets one write "<region> <bytes>\n..." for all
#             regions; an empty subtree_control counts as one (empty)
#             controller, so empty leaves are "activatable"
#   nitrux:   as ngoquang for dmem.low, words filtered as razzeee; with its
#             focus policy on (booster_walk ... nitrux nolimits) the walk
#             only enables dmem and writes no dmem.low
BST_MODE=system
BST_VARIANT=razzeee
BST_LIMITS=1

_bst_user_slice_id() { # CG: print N if an ancestor of CG is user-N.slice
	local p=$1 n id
	[ "$p" = "$CGROOT" ] && return 1
	p=${p%/*}
	while :; do
		n=${p##*/}
		case "$n" in
		user-*.slice)
			id=${n#user-}
			id=${id%.slice}
			case "$id" in
			'' | *[!0-9]*) ;;
			*) echo "$id"; return 0 ;;
			esac
			;;
		esac
		[ "$p" = "$CGROOT" ] && return 1
		p=${p%/*}
	done
}

_bst_has_children() {
	local d
	for d in "$1"/*/; do
		[ -d "$d" ] && return 0
	done
	return 1
}

_bst_write_low() { # CG
	local cap data="" r v
	cap=$(cat "$CGROOT/dmem.capacity" 2>/dev/null) || return 0
	if [ "$BST_VARIANT" = razzeee ]; then
		echo "$cap" | while read -r r v; do
			[ -n "$r" ] && cw trunc "$1/dmem.low" "$r $v"
		done
		return 0
	fi
	while read -r r v; do
		[ -n "$r" ] && data="$data$r $v\\n"
	done <<EOT
$cap
EOT
	[ -n "$data" ] && cw trunc "$1/dmem.low" "$data"
	return 0
}

_bst_try_activate() { # CG
	local cg=$1 retry=0 sc
	[ "$cg" != "$CGROOT" ] && _bst_propagate "${cg%/*}"
	if [ "$BST_MODE" = system ] && _bst_user_slice_id "$cg" >/dev/null; then
		return 0
	fi
	if ! _bst_has_children "$cg"; then
		sc=$(cat "$cg/cgroup.subtree_control" 2>/dev/null) || return 0
		if [ "$BST_VARIANT" != ngoquang ] && [ -z "$(echo $sc)" ]; then
			return 0
		fi
	fi
	while :; do
		cw trunc "$cg/cgroup.subtree_control" "+dmem" && return 0
		if [ "$CW" = ENOENT ] || [ "$CW" = open:ENOENT ]; then
			if [ $retry = 0 ] && [ "$cg" != "$CGROOT" ]; then
				_bst_propagate "${cg%/*}"
				retry=1
				continue
			fi
		fi
		return 1
	done
}

_bst_propagate() { # CG
	local cg=$1 sc uid
	sc=$(cat "$cg/cgroup.subtree_control" 2>/dev/null) || return 0
	case " $sc " in
	*" dmem "*) ;;
	*) _bst_try_activate "$cg" || return 0 ;;
	esac
	[ "$BST_LIMITS" = 1 ] || return 0
	if [ "$cg" != "$CGROOT" ] && uid=$(_bst_user_slice_id "${cg%/*}"); then
		[ "$BST_MODE" = system ] && return 0
		case "${cg##*/}" in
		app.slice | "user@$uid.service") ;;
		*) return 0 ;;
		esac
	fi
	_bst_write_low "$cg"
}

_bst_descend() { # CG
	local d any=0
	for d in "$1"/*/; do
		[ -d "$d" ] || continue
		any=1
		_bst_descend "${d%/}"
	done
	[ $any = 1 ] || _bst_propagate "$1"
}

# booster_walk system|user VARIANT [nolimits]: one start-up pass (the
# walk over every existing leaf); run the user mode through booster_user.
booster_walk() {
	BST_MODE=$1
	BST_VARIANT=$2
	BST_LIMITS=1
	[ "$3" = nolimits ] && BST_LIMITS=0
	_bst_descend "$CGROOT"
}

# booster_unit MODE VARIANT CG: what the booster does on a UnitNew signal
# for the unit whose cgroup is CG (relative).
booster_unit() {
	BST_MODE=$1
	BST_VARIANT=$2
	BST_LIMITS=1
	_bst_propagate "$(cg_path "$3")"
}

# booster_user VARIANT: the user instance, as uid 1000.
booster_user() {
	touch "$CW_LOG"
	chmod 666 "$CW_LOG"
	CW_LOG=$CW_LOG runas $DT_UID $DT_UID sh -c ". /dmem/lib.sh; . /dmem/desktop.sh; booster_walk user $1"
}

# check_app_low WHAT: app.slice's dmem.low is the capacity: the user
# instance wrote it, into a file the user owns because the user's "+dmem"
# in user@1000.service made it (upstream creates files as the writer).
check_app_low() {
	check_eq "$1" "$(dmem_read "$DT_APP" low "$R")" "$(dmem_read "" capacity "$R")"
}

# ------------------------------------------------------------ VRAM pressure
# pressure_run GAME_CG: the game (already holding its buffers in GAME_CG,
# whose dmem.current is read) meets an unprotected cgroup "unprot" (16 MiB)
# created after the boosters ran, then a third cgroup "pressure" takes more
# than is free.  Sets PR_BEFORE, PR_AFTER (the game's dmem.current before
# and after), PR_UNPROT (unprot's after) and PR_OK (pressure's qxlbuf exit).
pressure_run() {
	local game=$1 u np t
	mkdir -p "$(cg_path unprot)" "$(cg_path pressure)"
	PR_BEFORE=$(dmem_read "$game" current "$R")
	rm -f /tmp/unprot.ready
	(cg_exec unprot qxlbuf alloc -n 16 -s 1M --hold --verify --ready /tmp/unprot.ready -q) &
	u=$!
	wait_file /tmp/unprot.ready 30
	t=$(qxl_vram_total)
	np=$(((t - 24 * 1048576) / 1048576))
	cg_run pressure qxlbuf alloc -n $np -s 1M --hold-for 1 -q
	PR_OK=$?
	PR_AFTER=$(dmem_read "$game" current "$R")
	PR_UNPROT=$(dmem_read unprot current "$R")
	diag "pressure: game $PR_BEFORE -> $PR_AFTER, unprot 16777216 -> $PR_UNPROT (pressure $np MiB, exit $PR_OK)"
	bg_stop $u
	cg_remove pressure
	cg_remove unprot
}

# game_start CG: the game allocates 16 MiB in CG and holds it; $GAME_PID.
game_start() {
	rm -f /tmp/game.ready
	(cg_exec "$1" qxlbuf alloc -n 16 -s 1M --hold --verify --ready /tmp/game.ready -q) &
	GAME_PID=$!
	wait_file /tmp/game.ready 30
}
