# SPDX-License-Identifier: GPL-2.0
# Helpers for in-guest tests (busybox sh).  A test sources this file:
#
#   . /dmem/lib.sh
#
# Environment in the guest (set up by tests/vm/run.sh's /init):
#   cgroup2 at /sys/fs/cgroup, debugfs at /sys/kernel/debug, tmpfs /tmp,
#   the qxl/TTM module stack loaded, /dev/dri/card0 held open by a process
#   in the root cgroup, our module NOT loaded (use load_dmem),
#   programs in /dmem/bin (on PATH): qxlbuf, ...
#   $KSERIES is 6.1 or 6.12, $TEST_NAME the test's name.
#
# Results: every check prints one KTAP-style line, `ok N what` or
# `not ok N what`; a test passes iff it printed at least one `ok` line, no
# `not ok` line, exited 0 and the kernel logged no BUG/WARNING/Oops.

DMEM_KO=${DMEM_KO:-/dmem/dmem_backport.ko}
CGROOT=/sys/fs/cgroup
_T_N=0
_T_FAILED=0
_T_BG=""

# ------------------------------------------------------------ results
# ok WHAT...: record a passed check.
ok() {
	_T_N=$((_T_N + 1))
	echo "ok $_T_N $*"
}

# not_ok WHAT...: record a failed check (the test fails).
not_ok() {
	_T_N=$((_T_N + 1))
	_T_FAILED=$((_T_FAILED + 1))
	echo "not ok $_T_N $*"
}

# skip WHAT...: record a skipped check (counts neither way).
skip() {
	_T_N=$((_T_N + 1))
	echo "ok $_T_N $* # SKIP"
}

# check WHAT CMD...: run CMD; ok if it exits 0, not ok otherwise.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what (exit $?: $*)"; fi
}

# check_fail WHAT CMD...: ok if CMD fails (exits non-zero).
check_fail() {
	local what=$1
	shift
	if "$@"; then not_ok "$what (unexpected success: $*)"; else ok "$what"; fi
}

# check_eq WHAT GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi
}

# check_ge WHAT GOT MIN / check_le WHAT GOT MAX (integers)
check_ge() {
	if [ "$2" -ge "$3" ] 2>/dev/null; then ok "$1"; else not_ok "$1 (got '$2', want >= $3)"; fi
}
check_le() {
	if [ "$2" -le "$3" ] 2>/dev/null; then ok "$1"; else not_ok "$1 (got '$2', want <= $3)"; fi
}

# diag TEXT...: a comment line in the log.
diag() { echo "# $*"; }

# finish: end of test; exit status says whether any check failed.
finish() {
	cleanup_bg
	[ "$_T_N" -gt 0 ] || not_ok "test recorded no result"
	[ "$_T_FAILED" -eq 0 ]
	exit $?
}

# ------------------------------------------------------------ module
dmem_loaded() { grep -q '^dmem_backport ' /proc/modules; }

# load_dmem [PARAM=VALUE...]: insmod our module.
load_dmem() {
	if dmem_loaded; then
		echo "load_dmem: already loaded" >&2
		return 1
	fi
	insmod "$DMEM_KO" "$@"
}

# unload_dmem: rmmod our module (no-op status 0 if not loaded).
unload_dmem() {
	dmem_loaded || return 0
	rmmod dmem_backport
}

# ------------------------------------------------------------ kernel log
# kmsg_mark: remember the current end of the kernel log.
kmsg_mark() { _KMSG_MARK=$(dmesg | wc -l); }

# kmsg_since_mark: kernel log lines since kmsg_mark.
kmsg_since_mark() { dmesg | tail -n +$((${_KMSG_MARK:-0} + 1)); }

# kmsg_clean [since-mark]: true if the kernel log (since kmsg_mark) has no
# BUG/WARNING/Oops/Call Trace/refcount/list corruption message.
kmsg_clean() {
	local bad
	bad=$(kmsg_since_mark | grep -E 'BUG:|WARNING:|Oops|Call Trace|refcount_t|list_(add|del) corruption|general protection|UBSAN|KASAN')
	[ -z "$bad" ] && return 0
	echo "$bad" | head -n 20 | sed 's/^/# kmsg: /'
	return 1
}

# ------------------------------------------------------------ cgroups
# cg_path CG: absolute path of cgroup CG (relative to the root, "" = root).
cg_path() { echo "$CGROOT${1:+/$1}"; }

# cg_create CG: create cgroup CG (and missing parents).
cg_create() { mkdir -p "$(cg_path "$1")"; }

# cg_enable CG [CONTROLLER]: enable CONTROLLER (default dmem) in the
# subtree_control of every ancestor of CG, root first, so that CG has it.
cg_enable() {
	local cg=$1 ctl=${2:-dmem} p="" part rest
	rest=$cg
	while [ -n "$rest" ]; do
		echo "+$ctl" >"$(cg_path "$p")/cgroup.subtree_control" || return 1
		part=${rest%%/*}
		p=${p:+$p/}$part
		[ "$rest" = "$part" ] && break
		rest=${rest#*/}
	done
}

# cg_move CG [PID]: move PID (default: the calling shell) into CG.
cg_move() {
	if [ -n "$2" ]; then
		echo "$2" >"$(cg_path "$1")/cgroup.procs"
	else
		echo 0 >"$(cg_path "$1")/cgroup.procs"
	fi
}

# cg_exec CG CMD...: move the calling (sub)shell into CG and exec CMD.
# Use it in the background or in a subshell, where $! is then CMD's pid:
#   cg_exec a qxlbuf alloc -n 10 -s 1M --hold &
cg_exec() {
	local cg=$1
	shift
	echo 0 >"$(cg_path "$cg")/cgroup.procs" || exit 1
	exec "$@"
}

# cg_run CG CMD...: run CMD inside cgroup CG in the foreground.
cg_run() { (cg_exec "$@"); }

# cg_remove CG: kill everything in CG and below, then remove them.
cg_remove() {
	local d
	d=$(cg_path "$1")
	[ -d "$d" ] || return 0
	[ -f "$d/cgroup.kill" ] && echo 1 >"$d/cgroup.kill" 2>/dev/null
	find "$d" -depth -type d | while read -r sub; do
		wait_for 5 cg_empty "$sub" || true
		rmdir "$sub"
	done
}

cg_empty() { [ -z "$(cat "$1/cgroup.procs" 2>/dev/null)" ]; }

# ------------------------------------------------------------ dmem files
# dmem_region [PATTERN]: the first region name (from root dmem.capacity)
# matching PATTERN (default: drm/).
dmem_region() {
	awk -v p="${1:-drm/}" 'index($1, p) { print $1; exit }' "$CGROOT/dmem.capacity" 2>/dev/null
}

# dmem_read CG FILE REGION: value of REGION in CG's dmem.FILE (FILE is
# capacity, current, min, low, max or peak); empty if absent.
dmem_read() {
	awk -v r="$3" '$1 == r { print $2; exit }' "$(cg_path "$1")/dmem.$2"
}

# dmem_event CG FILE KEY: the value of KEY on region $R's line of CG's
# dmem.FILE (events or events.local); empty if absent.
dmem_event() {
	awk -v r="$R" -v k="$3" '$1 == r { for (i = 2; i <= NF; i++) {
		split($i, kv, "="); if (kv[1] == k) { print kv[2]; exit } } }' \
		"$(cg_path "$1")/dmem.$2"
}

# dmem_write CG FILE "REGION VALUE": write a limit.
dmem_write() { echo "$3" >"$(cg_path "$1")/dmem.$2"; }

# ------------------------------------------------------------ qxl
# qxl_debugfs FILE: path of a qxl debugfs file (e.g. qxl_mem_mm).
qxl_debugfs() {
	local f
	for f in /sys/kernel/debug/dri/*/"$1"; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# qxl_vram_used: bytes used in the qxl VRAM range manager (debugfs).
qxl_vram_used() {
	local f
	f=$(qxl_debugfs qxl_mem_mm) || return 1
	awk '/^total:/ { gsub(",", ""); for (i = 1; i <= NF; i++) if ($i == "used") print $(i + 1) * 4096 }' "$f"
}

# qxl_vram_total: bytes managed by the qxl VRAM range manager.
qxl_vram_total() {
	local f
	f=$(qxl_debugfs qxl_mem_mm) || return 1
	awk '/^total:/ { gsub(",", ""); print $2 * 4096 }' "$f"
}

# qxl_fit MM BYTES: how many buffers of BYTES (a multiple of 4 KiB) still
# fit into the free holes of qxl manager MM (qxl_mem_mm: VRAM,
# qxl_surf_mm: surface RAM), from its drm_mm dump ("start-end: pages: free").
qxl_fit() {
	local f
	f=$(qxl_debugfs "$1") || return 1
	awk -v c=$(($2 / 4096)) '$NF == "free" { gsub(":", "", $2); n += int($2 / c) } END { print n + 0 }' "$f"
}

# ------------------------------------------------------------ waiting
# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_file FILE [SECONDS]: wait until FILE exists (default 30 s).
wait_file() { wait_for "${2:-30}" test -e "$1"; }

# offlined: how many removed cgroups' limits the module has reset since
# load (its cgroups_offlined parameter).  A removed cgroup's reset runs
# asynchronously after rmdir returns, as upstream's css_offline does.
offlined() { cat /sys/module/dmem_backport/parameters/cgroups_offlined; }

# offlined_past MARK: has the count passed MARK (read anew each call)?
offlined_past() { [ "$(offlined)" -gt "$1" ]; }

# wait_offlined MARK [SECONDS]: wait until the count has passed MARK (a
# value of offlined read before the rmdir), default 30 s.
wait_offlined() { wait_for "${2:-30}" offlined_past "$1"; }

# bg_start CMD...: start CMD in the background; remembered for cleanup_bg.
# Sets BG_PID.
bg_start() {
	"$@" &
	BG_PID=$!
	_T_BG="$_T_BG $BG_PID"
}

# bg_stop PID: SIGTERM PID and wait for it; returns its exit status.
bg_stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
}

# cleanup_bg: stop every process started with bg_start.
cleanup_bg() {
	local p
	for p in $_T_BG; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	_T_BG=""
}

# ------------------------------------------------------------ adversary
# A non-root user (uid/gid 1000) with a delegated subtree, set up the way
# systemd sets up user@1000.service: root creates the cgroup, enables the
# controllers (memory, +dmem) in every parent, chowns the directory and its
# cgroup.procs, cgroup.subtree_control and cgroup.threads; the user's
# manager moves itself into a leaf it creates (init.scope).  The DRM node is
# made the user's (as logind's uaccess does) and every user command gets an
# authenticated handle on fd 3 (ADV_DRM_FD, from runas -d): qxl's ioctls
# are DRM_AUTH and qxl has no render node.
ADV_UID=1000
ADV_CG=user.slice/user-1000.slice/user@1000.service

# adv_user: uid/gid 1000 ("adv") in /etc/passwd and /etc/group.
adv_user() {
	grep -q '^adv:' /etc/passwd 2>/dev/null ||
		echo "adv:x:$ADV_UID:$ADV_UID::/tmp:/bin/sh" >>/etc/passwd
	grep -q '^adv:' /etc/group 2>/dev/null ||
		echo "adv:x:$ADV_UID:" >>/etc/group
}

# cg_delegate CG: give cgroup CG to uid 1000 the way systemd delegates a
# unit: its directory, cgroup.procs, cgroup.subtree_control and
# cgroup.threads become the user's.
cg_delegate() {
	local d
	d=$(cg_path "$1")
	adv_user
	chown "$ADV_UID:$ADV_UID" "$d" "$d/cgroup.procs" \
		"$d/cgroup.subtree_control" "$d/cgroup.threads"
}

# adv_sh SCRIPT: run sh -c SCRIPT as uid 1000 where the caller is (no
# cgroup move, no DRM handle); its stderr goes to stdout.
adv_sh() { runas $ADV_UID $ADV_UID sh -c "$1" 2>&1; }

# adv_delegate: set up $ADV_CG for uid 1000 (see above; dmem only while
# our module is loaded).  Sets ADV_DIR.
adv_delegate() {
	ADV_DIR=$(cg_path "$ADV_CG")
	cg_create "$ADV_CG" || return 1
	cg_enable "$ADV_CG" memory || return 1
	if dmem_loaded; then cg_enable "$ADV_CG" dmem || return 1; fi
	cg_delegate "$ADV_CG" || return 1
	chown "$ADV_UID:$ADV_UID" /dev/dri/card0 && chmod 0660 /dev/dri/card0 || return 1
	runas -c "$ADV_DIR" $ADV_UID $ADV_UID sh -c \
		"mkdir $ADV_DIR/init.scope && echo 0 >$ADV_DIR/init.scope/cgroup.procs"
}

# adv_setup: the common start of an adversary test: mark the kernel log,
# load the module, find the drm/ region, delegate the subtree to uid 1000
# (one check each).  Sets R (the region), D (= ADV_DIR) and root0 (the
# root's dmem.current in R at the start).
adv_setup() {
	kmsg_mark
	check "module loads" load_dmem
	R=$(dmem_region drm/)
	check "a drm/ region is registered" test -n "$R"
	check "subtree delegated to uid 1000" adv_delegate
	D=$ADV_DIR
	root0=$(dmem_read "" current "$R")
}

# adv_asuser CMD...: run CMD as uid 1000 in $ADV_DIR/init.scope (foreground),
# with an authenticated DRM handle on fd 3 (while the device exists).
adv_asuser() {
	if [ -e /dev/dri/card0 ]; then
		runas -c "$ADV_DIR/init.scope" -d /dev/dri/card0 $ADV_UID $ADV_UID "$@"
	else
		runas -c "$ADV_DIR/init.scope" $ADV_UID $ADV_UID "$@"
	fi
}

# adv_undelegate: give the DRM node back to root.
adv_undelegate() {
	chown 0:0 /dev/dri/card0
	chmod 0600 /dev/dri/card0
}

# adv_ready FILE COUNT [SECONDS]: wait for advbuf's ready FILE (default
# 120 s); true if it reports COUNT buffers (false at once on "FAIL").
adv_ready() {
	wait_file "$1" "${3:-120}" || return 1
	grep -q "^$2 " "$1"
}

# adv_asuser_bg CMD...: like adv_asuser, in the background; ADV_PID is CMD's own
# pid (runas and sh -c exec into it), so it can be signalled or migrated.
adv_asuser_bg() {
	if [ -e /dev/dri/card0 ]; then
		(exec runas -c "$ADV_DIR/init.scope" -d /dev/dri/card0 \
			$ADV_UID $ADV_UID "$@") &
	else
		(exec runas -c "$ADV_DIR/init.scope" $ADV_UID $ADV_UID "$@") &
	fi
	ADV_PID=$!
}
