#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Owner of the dmem.* files where a delegated user enables dmem, on a tree
# made before the module loads (memory enabled, as systemd's user@.service
# does): the files were created at load by root, but upstream creates them
# at "+dmem", owned by the writer.  After the user's "+dmem" in its
# delegated cgroup, the children's dmem.min/low/max are the user's (the
# user can set them, as dmemcg-booster's user instance does for app.slice);
# the delegated cgroup's own files stay root's.  After root's "+dmem" the
# children's files are root's, as upstream.
# kernels: 6.1 6.12
. /dmem/lib.sh

kmsg_mark
uwr() {
	local out
	out=$(adv_sh "echo '$2' >$1") && { echo OK; return; }
	echo "${out##*: }"
}

# before the module: d delegated with memory on, the user's own children
echo +memory >$CGROOT/cgroup.subtree_control
cg_create d
D=$(cg_path d)
cg_delegate d
check "user creates d/app and d/app/game" adv_sh "mkdir $D/app $D/app/game"
check "user enables memory in d and d/app" adv_sh "echo +memory >$D/cgroup.subtree_control && echo +memory >$D/app/cgroup.subtree_control"
check "module loads" load_dmem
R=$(dmem_region drm/)
[ -n "$R" ] || R=drm/none
check_eq "files made at load belong to root" "$(stat -c %u $D/app/dmem.low)" 0

echo +dmem >$CGROOT/cgroup.subtree_control
check_eq "d's own dmem.low stays root's" "$(stat -c %u $D/dmem.low)" 0
check_eq "user: +dmem in d" "$(uwr $D/cgroup.subtree_control +dmem)" OK
check_eq "d/app/dmem.low now the user's" "$(stat -c '%u %g' $D/app/dmem.low)" "1000 1000"
check_eq "d/app/dmem.max and min too" "$(stat -c %u $D/app/dmem.max $D/app/dmem.min | tr '\n' ' ')" "1000 1000 "
check_eq "user: +dmem in d/app" "$(uwr $D/app/cgroup.subtree_control +dmem)" OK
if [ "$R" != drm/none ]; then
	check_eq "user sets d/app dmem.low (booster user instance)" "$(uwr $D/app/dmem.low "$R 16M")" OK
	check_eq "reads back" "$(dmem_read d/app low "$R")" $((16 << 20))
	check_eq "user sets d/app/game dmem.max" "$(uwr $D/app/game/dmem.max "$R 8M")" OK
fi
check_eq "user still cannot set d's own dmem.low" "$(uwr $D/dmem.low "$R 1M")" "Permission denied"

# root re-enables dmem in d: upstream's new files are root's
echo -dmem >$D/app/cgroup.subtree_control
echo -dmem >$D/cgroup.subtree_control
echo +dmem >$D/cgroup.subtree_control
check_eq "after root's +dmem in d, d/app/dmem.low is root's" "$(stat -c %u $D/app/dmem.low)" 0
check_eq "user cannot set d/app dmem.low then" "$(uwr $D/app/dmem.low "$R 1M")" "Permission denied"
check "user removes its cgroups" adv_sh "rmdir $D/app/game $D/app"
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
