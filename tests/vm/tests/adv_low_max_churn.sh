#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Adversary: dmem.min = dmem.low = max at every level of a delegated
# three-level tree (as uid 1000; root does the same on the delegated cgroup,
# as dmemcg-booster does on user@.service) while big buffers churn
# (allocate/free loops) in its leaves; an unprotected leaf app/x keeps a
# small buffer and churns a 36 MiB one (the recursive-protection share of a
# child of a low=max parent, mid-charge, was the #DE of x86-64's mulq/divq);
# a sibling of app inside the subtree (common ancestor: the delegated
# cgroup) and a cgroup outside it churn too and force eviction.  Two CPUs,
# so charges and eviction decisions race.  Nothing may crash; at the end
# every counter is 0.
# kernels: 6.1 6.12
# smp: 2
# timeout: 300
. /dmem/lib.sh

CYCLES=40
adv_setup
check "root sets min=low=max on the delegated cgroup" sh -c \
	"echo '$R max' >$D/dmem.min && echo '$R max' >$D/dmem.low"

check "user builds app/{a/{a1,a2},b/{b1,b2}} with memory+dmem" adv_asuser sh -c "
	set -e
	cd $D
	echo +memory >cgroup.subtree_control; echo +dmem >cgroup.subtree_control
	mkdir -p app/a/a1 app/a/a2 app/b/b1 app/b/b2 app/x evil
	for p in app app/a app/b; do
		echo +memory >\$p/cgroup.subtree_control
		echo +dmem >\$p/cgroup.subtree_control
	done"
check "user sets min=low=max at every level" adv_asuser sh -c "
	set -e
	for c in app app/a app/b app/a/a1 app/a/a2 app/b/b1 app/b/b2; do
		echo '$R max' >$D/\$c/dmem.min
		echo '$R max' >$D/\$c/dmem.low
	done"
check_eq "app/a/a1 dmem.low reads max" "$(dmem_read "$ADV_CG/app/a/a1" low "$R")" max
cg_create outside
cg_enable outside

# churn CG COUNT SIZE: background churner in the user's cgroup CG.
churn() {
	adv_asuser_bg sh -c "echo 0 >$D/$1/cgroup.procs && exec advbuf churn $2 $3 $CYCLES" \
		>/tmp/churn.$(echo "$1" | tr / _) 2>&1
	PIDS="$PIDS $ADV_PID"
}
PIDS=""
t0=$(date +%s)
churn app/a/a1 3 8M
churn app/a/a2 4 4M
churn app/b/b1 2 12M
churn app/b/b2 16 1M
churn app/x 1 36M
churn evil 8 4M
adv_asuser_bg sh -c "echo 0 >$D/app/x/cgroup.procs && exec advbuf hold 1 4K /tmp/x.ready"
XH=$ADV_PID
(cg_exec outside advbuf churn 5 8M $CYCLES) >/tmp/churn.outside 2>&1 &
PIDS="$PIDS $!"
(cg_exec outside advbuf churn 24 1M $CYCLES) >/tmp/churn.outside2 2>&1 &
PIDS="$PIDS $!"
n=0
for p in $PIDS; do
	wait "$p" || n=$((n + 1))
done
bg_stop $XH || n=$((n + 1))
diag "churn took $(($(date +%s) - t0)) s"
for f in /tmp/churn.*; do diag "$(basename "$f"): $(cat "$f")"; done
check_eq "every churner finished cleanly" "$n" 0
diag "refused allocations: $(awk '{ for (i = 1; i < NF; i++) if ($i == "fails") s += $(i + 1) } END { print s + 0 }' /tmp/churn.*)"

for c in app app/a app/b app/a/a1 app/a/a2 app/b/b1 app/b/b2 app/x evil; do
	check_eq "$c is back to 0" "$(dmem_read "$ADV_CG/$c" current "$R")" 0
done
check_eq "the delegated cgroup is back to 0" "$(dmem_read "$ADV_CG" current "$R")" 0
check_eq "outside is back to 0" "$(dmem_read outside current "$R")" 0
diag "root dmem.current: $(dmem_read "" current "$R") (was $root0; the driver may charge its own buffers there)"
check "user removes its tree" adv_asuser sh -c "cd $D && rmdir app/a/a1 app/a/a2 app/b/b1 app/b/b2 app/x app/a app/b app evil"
adv_undelegate
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
