#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Reclaim (lowering dmem.max below usage) racing with the holder freeing
# its buffers, with rmdir of the reclaimed cgroup, and with module unload:
# no crash, no warning, the write returns success, rmmod completes (it
# waits for the running pass, later passes are refused), buffers that
# stay are intact.  Many small buffers make reclaim long enough to race.
# kernels: 6.1 6.12
# timeout: 400
. /dmem/lib.sh

MIB=1048576
kmsg_mark
check "module loads" load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"

# fill CG with N x 4 KiB held by a verifying holder; sets H
fill() {
	rm -f /tmp/f.ready
	bg_start cg_exec "$1" qxlbuf alloc -n "$2" -s 4K --hold --verify --ready /tmp/f.ready -q
	H=$BG_PID
	wait_file /tmp/f.ready 120
}
# lower CG's max to 0 in the background; sets W, result in /tmp/w.rc
lower() {
	rm -f /tmp/w.rc
	( cgwrite -m plain "$(cg_path "$1")/dmem.max" "$R 0" >/tmp/w.rc ) &
	W=$!
}
# wait until the write started reclaiming (usage moves) or ended
started() { [ "$(dmem_read "$1" current "$R")" != "$2" ] || ! kill -0 $W 2>/dev/null; }

# 1. the holder frees (is killed) and its cgroup is removed during reclaim
for i in 1 2 3; do
	cg_create r$i
	cg_enable r$i
	check "r$i: 2048 x 4 KiB held" fill r$i 2048
	u=$(dmem_read r$i current "$R")
	lower r$i
	wait_for 10 started r$i "$u"
	echo 1 >"$(cg_path r$i)/cgroup.kill"
	wait $H
	wait_for 10 sh -c "rmdir $(cg_path r$i) 2>/dev/null"
	check "r$i: rmdir during reclaim" test ! -d "$(cg_path r$i)"
	wait $W
	check_eq "r$i: the racing write returned success" "$(cat /tmp/w.rc)" ok
done

# 2. rmdir of a child while its parent is reclaimed
cg_create p/c
cg_enable p/c
check "p/c: 2048 x 4 KiB held" fill p/c 2048
u=$(dmem_read p current "$R")
lower p
wait_for 10 started p "$u"
echo 1 >"$(cg_path p/c)/cgroup.kill"
wait $H
wait_for 10 sh -c "rmdir $(cg_path p/c) 2>/dev/null"
wait $W
check_eq "p: write racing a child's rmdir returned success" "$(cat /tmp/w.rc)" ok
check_eq "p: usage 0" "$(dmem_read p current "$R")" 0

# 3. module unload during reclaim: rmmod waits for the running pass
cg_create u
cg_enable u
check "u: 2048 x 4 KiB held" fill u 2048
u=$(dmem_read u current "$R")
lower u
wait_for 10 started u "$u"
check "rmmod during reclaim" unload_dmem
wait $W
diag "write during unload: $(cat /tmp/w.rc)"
check "u: buffers intact after unload during reclaim" bg_stop $H
check "reload" load_dmem
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
