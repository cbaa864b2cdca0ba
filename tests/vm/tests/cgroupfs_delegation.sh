#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Delegation: dmem.* files follow cgroupfs permissions like the host
# controller's own files.  A user who was delegated cgroup "d" (directory,
# cgroup.procs, cgroup.subtree_control chowned, as systemd does) can enable
# dmem below d and set limits of cgroups it creates, but cannot change d's
# own limits nor anybody else's.
# kernels: 6.1 6.12
. /dmem/lib.sh

kmsg_mark
# uwr PATH TEXT: write TEXT as the user; "OK" or the error message
uwr() {
	local out
	out=$(adv_sh "echo '$2' >$1") && { echo OK; return; }
	echo "${out##*: }"
}

check "running as an unprivileged user works" test "$(adv_sh 'id -u')" = 1000
check "module loads" load_dmem
R=$(dmem_region drm/)
[ -n "$R" ] || R=drm/none
V="$R 1M"
if [ "$R" = drm/none ]; then
	not_ok "a drm/ region is registered (needs the TTM side and qxl)"
	WANT_OK="Invalid argument"	# permission passed, region unknown
else
	WANT_OK=OK
fi

cg_create d
cg_enable d
D=$(cg_path d)
cg_delegate d

check_eq "user cannot set the delegated cgroup's own dmem.max" "$(uwr "$D/dmem.max" "$V")" "Permission denied"
check_eq "user cannot set the delegated cgroup's own dmem.low" "$(uwr "$D/dmem.low" "$V")" "Permission denied"
check_eq "same as the host's own file (memory.max)" "$(uwr "$D/memory.max" 1M)" "Permission denied"
check "user creates d/c" adv_sh "mkdir $D/c"
check_eq "user enables +dmem in d" "$(uwr "$D/cgroup.subtree_control" +dmem)" OK
check "d/c has dmem.max" test -f "$D/c/dmem.max"
check_eq "d/c/dmem.max is owned by the user, like memory.max" \
	"$(stat -c '%u %a' "$D/c/dmem.max")" "$(stat -c '%u %a' "$D/c/memory.max")"
check_eq "user sets d/c dmem.max" "$(uwr "$D/c/dmem.max" "$V")" "$WANT_OK"
check_eq "user sets d/c dmem.low" "$(uwr "$D/c/dmem.low" "$V")" "$WANT_OK"
check_eq "user sets d/c dmem.min" "$(uwr "$D/c/dmem.min" "$V")" "$WANT_OK"
if [ "$WANT_OK" = OK ]; then
	check_eq "d/c dmem.max reads back 1M" "$(dmem_read d/c max "$R")" 1048576
fi
check_eq "dmem.current stays read-only for the user" "$(uwr "$D/c/dmem.current" "$V")" "Permission denied"
check "user reads d's dmem files" adv_sh "cat $D/dmem.max $D/dmem.current $D/c/dmem.peak >/dev/null"
cg_create other
check_eq "user cannot touch a sibling cgroup" "$(uwr "$(cg_path other)/dmem.max" "$V")" "Permission denied"
check_eq "user cannot enable dmem at the root" "$(uwr "$CGROOT/cgroup.subtree_control" +dmem)" "Permission denied"
check "user removes d/c" adv_sh "rmdir $D/c"
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
