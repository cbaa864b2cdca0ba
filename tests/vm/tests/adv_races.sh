#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Adversary (uid 1000, delegated subtree, two CPUs): limit writes racing
# mkdir/rmdir of the same cgroup (and a descriptor held across the rmdir);
# a task migrated back and forth between cgroups while it allocates and
# frees; a charged cgroup removed after its task left.  Charges stay where
# they were made and go away exactly when freed; a cgroup created again at a
# removed one's path starts with default limits; the kernel stays clean.
# kernels: 6.1 6.12
# smp: 2
# timeout: 300
. /dmem/lib.sh

MIB=1048576
adv_setup
check "user enables memory and dmem, creates r and mig/{m1,m2,m3}" adv_asuser sh -c "
	set -e
	cd $D
	echo +memory >cgroup.subtree_control; echo +dmem >cgroup.subtree_control
	mkdir r mig mig/m1 mig/m2 mig/m3
	for p in r mig; do
		echo +memory >\$p/cgroup.subtree_control
		echo +dmem >\$p/cgroup.subtree_control
	done"

# ---- limit writes racing mkdir/rmdir
t0=$(date +%s)
adv_asuser_bg sh -c "
	exec 2>/dev/null
	i=0
	while [ \$i -lt 300 ]; do
		mkdir $D/r/c 2>/dev/null
		echo '$R 1M' >$D/r/c/dmem.max 2>/dev/null
		echo '$R 2M' >$D/r/c/dmem.low 2>/dev/null
		rmdir $D/r/c 2>/dev/null
		i=\$((i + 1))
	done"
A=$ADV_PID
adv_asuser_bg sh -c "
	exec 2>/dev/null
	i=0
	while [ \$i -lt 600 ]; do
		echo '$R 3M' >$D/r/c/dmem.max 2>/dev/null
		printf '$R 5M\n$R max\n' >$D/r/c/dmem.min 2>/dev/null
		cat $D/r/c/dmem.max $D/r/c/dmem.current >/dev/null 2>&1
		i=\$((i + 1))
	done"
B=$ADV_PID
adv_asuser_bg sh -c "
	exec 2>/dev/null
	i=0
	while [ \$i -lt 200 ]; do
		if exec 3>$D/r/c/dmem.low; then
			echo '$R 7M' >&3
			sleep 0.01
			echo '$R 9M' >&3
			exec 3>&-
		fi 2>/dev/null
		i=\$((i + 1))
	done"
C=$ADV_PID
wait $A; wait $B; wait $C
diag "mkdir/rmdir race took $(($(date +%s) - t0)) s"
rmdir "$D/r/c" 2>/dev/null
check "user creates r/c again" adv_asuser mkdir "$D/r/c"
check_eq "a new cgroup at a removed one's path has dmem.min 0" "$(dmem_read "$ADV_CG/r/c" min "$R")" 0
check_eq "... dmem.low 0" "$(dmem_read "$ADV_CG/r/c" low "$R")" 0
check_eq "... dmem.max max" "$(dmem_read "$ADV_CG/r/c" max "$R")" max
check_eq "r charges nothing" "$(dmem_read "$ADV_CG/r" current "$R")" 0

# ---- migration while allocating
M=$D/mig
adv_asuser_bg sh -c "echo 0 >$M/m1/cgroup.procs && exec advbuf churn 4 2M 0 >/tmp/mig.churn 2>&1"
P=$ADV_PID
t0=$(date +%s)
check "user moves the allocating task between m1 and m2 300 times" adv_asuser sh -c "
	i=0
	while [ \$i -lt 300 ]; do
		echo $P >$M/m2/cgroup.procs || exit 1
		echo $P >$M/m1/cgroup.procs || exit 1
		i=\$((i + 1))
	done"
diag "migration loop took $(($(date +%s) - t0)) s"
check "the allocating task stops cleanly" bg_stop $P
diag "$(cat /tmp/mig.churn)"
for c in m1 m2 mig; do
	p=mig/$c
	[ $c = mig ] && p=mig
	check_eq "$p is back to 0" "$(dmem_read "$ADV_CG/$p" current "$R")" 0
done

# charges stay where they were made
adv_asuser_bg sh -c "echo 0 >$M/m1/cgroup.procs && exec advbuf hold 3 1M /tmp/m1.ready"
H=$ADV_PID
check "3 MiB held in m1" adv_ready /tmp/m1.ready 3 60
check "user moves the holder to m2" adv_asuser sh -c "echo $H >$M/m2/cgroup.procs"
check_eq "m1 keeps the charge" "$(dmem_read "$ADV_CG/mig/m1" current "$R")" $((3 * MIB))
check_eq "m2 charges nothing" "$(dmem_read "$ADV_CG/mig/m2" current "$R")" 0
check "the holder stops" bg_stop $H
check_eq "m1 is back to 0" "$(dmem_read "$ADV_CG/mig/m1" current "$R")" 0

# ---- a charged cgroup removed after its task left, fd held across it
adv_asuser_bg sh -c "echo 0 >$M/m3/cgroup.procs && exec advbuf hold 2 1M /tmp/m3.ready"
H=$ADV_PID
check "2 MiB held in m3" adv_ready /tmp/m3.ready 2 60
check "user moves the holder out and removes charged m3, writing through a held fd" adv_asuser sh -c "
	exec 4>$M/m3/dmem.max 5<$M/m3/dmem.current || exit 1
	echo $H >$M/m1/cgroup.procs || exit 1
	rmdir $M/m3 || exit 1
	echo '$R 1M' >&4 2>/dev/null
	cat <&5 >/dev/null 2>&1
	exit 0"
check_eq "mig still counts the removed cgroup's 2 MiB" "$(dmem_read "$ADV_CG/mig" current "$R")" $((2 * MIB))
check "the holder stops" bg_stop $H
check_eq "mig is back to 0" "$(dmem_read "$ADV_CG/mig" current "$R")" 0
check_eq "the delegated cgroup is back to 0" "$(dmem_read "$ADV_CG" current "$R")" 0
diag "root dmem.current: $(dmem_read "" current "$R") (was $root0; the driver may charge its own buffers there)"
check "user creates m3 again" adv_asuser mkdir "$M/m3"
check_eq "the new m3 charges nothing" "$(dmem_read "$ADV_CG/mig/m3" current "$R")" 0
check_eq "the new m3 has dmem.max max" "$(dmem_read "$ADV_CG/mig/m3" max "$R")" max

check "user removes its cgroups" adv_asuser sh -c "cd $D && rmdir r/c r mig/m1 mig/m2 mig/m3 mig"
adv_undelegate
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
