#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# runc's fs2 CreateCgroupPath (libcontainer/cgroups/fs2/create.go, read at
# opencontainers/runc 3bf7b82c8d2b): res = "+" + the root's
# cgroup.controllers words joined by " +"; for every level of the path
# from the root down, mkdir (not the root), read cgroup.type, and on every
# level but the last write res in ONE write(2) (Go os.OpenFile O_WRONLY|
# O_TRUNC) into cgroup.subtree_control, falling back to one write per
# controller if that fails.  On upstream dmem is in the root's
# cgroup.controllers, so res carries "+dmem" and the single write
# succeeds; the container's cgroup then has dmem and its processes'
# buffers are charged there.
# kernels: 6.1 6.12
# timeout: 200
. /dmem/lib.sh
. /dmem/desktop.sh

MIB=1048576
kmsg_mark
check "module loads" load_dmem
R=$(dmem_region drm/)
ctrs=$(cat $CGROOT/cgroup.controllers)
res="+$(echo $ctrs | sed 's/ / +/g')"
diag "res: $res"
check "the root's cgroup.controllers lists dmem" ctl_has "" dmem
path=runc-test/ctr
cur=""
first=""
for e in "" runc-test ctr; do
	cur=${cur:+$cur/}$e
	[ -n "$e" ] && mkdir "$(cg_path "$cur")"
	[ -n "$e" ] && diag "$cur cgroup.type: $(cat "$(cg_path "$cur")/cgroup.type")"
	[ "$e" = ctr ] && break
	cw gotrunc "$(cg_path "$cur")/cgroup.subtree_control" "$res"
	[ -z "$first" ] && first=$CW
	if [ "$CW" != ok ]; then
		for c in $res; do cw gotrunc "$(cg_path "$cur")/cgroup.subtree_control" "$c"; done
	fi
	check "${cur:-root}: dmem enabled" sc_has "$cur" dmem
done
check_eq "the single write of every controller succeeds at the root" "$first" ok
check "the container's cgroup has dmem" ctl_has $path dmem
for f in min low max current; do
	check "the container's cgroup has dmem.$f" test -e "$(cg_path $path)/dmem.$f"
done
rm -f /tmp/ctr.ready
sh -c 'cgwrite -m gotrunc "$0/cgroup.procs" $$ >/dev/null &&
	exec qxlbuf alloc -n 4 -s 1M --hold --ready /tmp/ctr.ready -q' "$(cg_path $path)" &
P=$!
wait_file /tmp/ctr.ready 20
check_eq "the container's buffers are charged to it" "$(dmem_read $path current "$R")" $((4 * MIB))
check_eq "and to its parent" "$(dmem_read runc-test current "$R")" $((4 * MIB))
bg_stop $P
cg_remove runc-test
echo "$res" | sed 's/+/-/g' | tr ' ' '\n' | while read -r c; do
	echo "$c" >$CGROOT/cgroup.subtree_control 2>/dev/null
done
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
