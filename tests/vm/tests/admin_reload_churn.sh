#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Administrator action: unload and reload under load (issue #10, Deliver 2).
# Allocation churn runs in three cgroups (one nested, one with a dmem.max
# that forces evictions of its own buffers) while the module is unloaded
# and loaded again ROUNDS times, limits rewritten after every load.  Every
# load and unload must succeed, every churn job end cleanly with intact
# contents, every counter be 0 once the churn stops, removed cgroups be
# released (no leaked pin), and the kernel log stay clean.  Like upstream
# at boot, a freshly loaded module has dmem enabled nowhere: every load is
# followed by "+dmem" down to the churning cgroups.
# kernels: 6.1 6.12
# timeout: 900
. /dmem/lib.sh

# 4 rounds on the debug kernel ($KDEBUG): its checks (KASAN, lockdep,
# kmemleak) report a bad path the first time it runs; the 8 rounds for
# timing windows run on the stock kernels.
if [ "${KDEBUG:-0}" = 1 ]; then ROUNDS=${ROUNDS:-4}; else ROUNDS=${ROUNDS:-8}; fi
dying() { sed -n 's/^nr_dying_descendants //p' "$CGROOT/cgroup.stat"; }

kmsg_mark
base_dying=$(dying)
cg_create r1
cg_create r2/n
cg_create r3
cg_enable r2/n memory
cg_enable r3 memory
bg_start cg_exec r1 qxlbuf alloc -n 4 -s 1M -r 1000000 -p 3 --verify -q
c1=$BG_PID
bg_start cg_exec r2/n qxlbuf alloc -n 6 -s 512K -r 1000000 -p 3 --verify -q
c2=$BG_PID
bg_start cg_exec r3 qxlbuf alloc -n 4 -s 1M -r 1000000 -p 3 --verify -q
c3=$BG_PID

# enable_dmem: +dmem from the root down to every churning cgroup.
enable_dmem() { cg_enable r1 && cg_enable r2/n && cg_enable r3; }

loads=0 unloads=0 i=1
while [ $i -le "$ROUNDS" ]; do
	if load_dmem; then loads=$((loads + 1)); else not_ok "round $i: insmod failed"; fi
	enable_dmem || not_ok "round $i: +dmem"
	R=$(dmem_region drm/)
	dmem_write r3 max "$R 3M" || not_ok "round $i: r3 dmem.max write"
	dmem_write r2 low "$R max" || not_ok "round $i: r2 dmem.low write"
	sleep 1
	if unload_dmem; then unloads=$((unloads + 1)); else not_ok "round $i: rmmod failed"; fi
	i=$((i + 1))
done
check_eq "$ROUNDS loads under churn" "$loads" "$ROUNDS"
check_eq "$ROUNDS unloads under churn" "$unloads" "$ROUNDS"

check "final load" load_dmem
check "+dmem after the final load" enable_dmem
R=$(dmem_region drm/)
sleep 1
check "churn r1 ends cleanly" bg_stop $c1
check "churn r2/n ends cleanly" bg_stop $c2
check "churn r3 ends cleanly" bg_stop $c3
for cg in r1 r2 r2/n r3; do
	check_eq "$cg at 0 after the churn" "$(dmem_read $cg current "$R")" 0
done
check "unload" unload_dmem
# files written in /tmp from a cgroup are charged to its memcg and keep
# it dying after rmdir: remove them first
rm -f /tmp/*.ready
cg_remove r1
cg_remove r2
cg_remove r3
no_dying() { [ "$(dying)" -le "$base_dying" ]; }
check "removed cgroups released (no pin leaked)" wait_for 30 no_dying
diag "dying cgroups: $(dying) (before: $base_dying)"
check "kernel log clean" kmsg_clean
finish
