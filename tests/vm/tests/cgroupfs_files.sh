#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cgroupfs interface: the dmem.* files appear with upstream's names exactly
# where upstream has them (capacity: root only; current: everywhere; min,
# low, max, peak: non-root), physically only where the host controller is
# enabled,
# vanish on unload; "+dmem" enables the host where needed, "-dmem" leaves
# it on; "+dmem"/"-dmem" writes (alone and mixed with other controllers)
# behave as documented.  (The full enabling rules: dmemctl_enable.)
# kernels: 6.1 6.12
. /dmem/lib.sh

kmsg_mark
R=$CGROOT
check_fail "no dmem files before load" test -e $R/dmem.capacity
check "module loads" load_dmem

# -------- placement and names
for f in capacity current; do
	check "root has dmem.$f" test -f $R/dmem.$f
done
for f in min low max peak; do
	check_fail "root has no dmem.$f" test -e $R/dmem.$f
done
check_eq "root file modes" "$(stat -c '%n %a' $R/dmem.capacity $R/dmem.current | tr '\n' ' ')" \
	"$R/dmem.capacity 444 $R/dmem.current 444 "
check_eq "only the six upstream names are added at the root" \
	"$(ls $R | grep -c '^dmem\.')" 2
check_fail "no memory-prefixed names" sh -c "ls $R | grep -q 'memory.dmem'"

# -------- enabling protocol
echo "-memory" >$R/cgroup.subtree_control
cg_create a
check_fail "a has no dmem files while memory is off" test -e $R/a/dmem.max
check "controllers of root list dmem" grep -qw dmem $R/cgroup.controllers
check_eq "dmem is listed last" "$(tr ' ' '\n' <$R/cgroup.controllers | tail -n 1)" dmem
check_fail "subtree_control of root has no dmem while memory is off" grep -qw dmem $R/cgroup.subtree_control
check_fail "a's cgroup.controllers has no dmem" grep -qw dmem $R/a/cgroup.controllers
check "echo +dmem > root subtree_control succeeds" sh -c "echo +dmem >$R/cgroup.subtree_control"
check "+dmem enabled the host controller" grep -qw memory $R/cgroup.subtree_control
check "root subtree_control lists dmem" grep -qw dmem $R/cgroup.subtree_control
check "a's cgroup.controllers lists dmem" grep -qw dmem $R/a/cgroup.controllers
for f in current min low max peak; do
	check "a has dmem.$f" test -f $R/a/dmem.$f
done
check_fail "a has no dmem.capacity" test -e $R/a/dmem.capacity
check_eq "a's file modes" \
	"$(stat -c '%a' $R/a/dmem.current $R/a/dmem.min $R/a/dmem.low $R/a/dmem.max $R/a/dmem.peak | tr '\n' ' ')" \
	"444 644 644 644 444 "
check "-dmem is accepted" sh -c "echo -dmem >$R/cgroup.subtree_control"
check "-dmem leaves the host enabled" grep -qw memory $R/cgroup.subtree_control
check_fail "-dmem: root subtree_control no longer lists dmem" grep -qw dmem $R/cgroup.subtree_control
check_fail "-dmem: a's cgroup.controllers no longer lists dmem" grep -qw dmem $R/a/cgroup.controllers
check "dmem files physically stay after -dmem (host files)" test -f $R/a/dmem.max
err=$(cat $R/a/dmem.max 2>&1)
check_eq "but they no longer open: ENOENT, as a missing file" "${err##*: }" "No such file or directory"
check "+dmem again succeeds" sh -c "echo +dmem >$R/cgroup.subtree_control"
check "+dmem when already on succeeds" sh -c "echo +dmem >$R/cgroup.subtree_control"
check "mixed '+dmem +pids' succeeds" sh -c "echo '+dmem +pids' >$R/cgroup.subtree_control"
check "pids got enabled by the mixed write" grep -qw pids $R/cgroup.subtree_control
check "mixed '-pids -dmem' succeeds" sh -c "echo '-pids -dmem' >$R/cgroup.subtree_control"
check_fail "pids got disabled by the mixed write" grep -qw pids $R/cgroup.subtree_control
check "memory still on after the mixed write" grep -qw memory $R/cgroup.subtree_control
check_fail "dmem off after the mixed write" grep -qw dmem $R/cgroup.subtree_control
err=$(sh -c "echo '+dmem +nosuch' >$R/cgroup.subtree_control" 2>&1)
check_eq "unknown controller next to +dmem: EINVAL" "${err##*: }" "Invalid argument"
err=$(sh -c "echo 'dmem' >$R/cgroup.subtree_control" 2>&1)
check_eq "'dmem' without +/-: EINVAL" "${err##*: }" "Invalid argument"
cg_create a/b
err=$(sh -c "echo +dmem >$R/a/b/cgroup.subtree_control" 2>&1)
check_eq "+dmem where dmem is not available: ENOENT" "${err##*: }" "No such file or directory"
err=$(sh -c "echo +dmem >$R/a/cgroup.subtree_control" 2>&1)
check_eq "+dmem in a while the root does not enable dmem: ENOENT" "${err##*: }" "No such file or directory"
check "+dmem at the root" sh -c "echo +dmem >$R/cgroup.subtree_control"
check "+dmem in a (child of root)" sh -c "echo +dmem >$R/a/cgroup.subtree_control"
check "a/b has dmem.max" test -f $R/a/b/dmem.max
check "a/b's controllers list dmem" grep -qw dmem $R/a/b/cgroup.controllers

# -------- formats with whatever regions exist (ttm side registers them)
nreg=$(wc -l <$R/dmem.capacity)
diag "$nreg region(s): $(cat $R/dmem.capacity | tr '\n' ';')"
fmt_ok() { # FILE: every line "<name> <number|max>", names as in capacity
	[ "$(awk '{print $1}' "$1")" = "$(awk '{print $1}' $R/dmem.capacity)" ] &&
	! grep -vqE '^[^ ]+ ([0-9]+|max)$' "$1"
}
for f in $R/dmem.current $R/a/dmem.current $R/a/dmem.min $R/a/dmem.low $R/a/dmem.max $R/a/dmem.peak $R/a/b/dmem.max; do
	check "format of ${f#$R/}" fmt_ok $f
done
check_fail "capacity never prints max" grep -q ' max$' $R/dmem.capacity
check "fresh dmem.max is max everywhere" sh -c "! grep -vq ' max$' $R/a/b/dmem.max"
check "fresh dmem.min is 0 everywhere" sh -c "! grep -vq ' 0$' $R/a/b/dmem.min"
err=$(sh -c "echo 'no/such/region 1' >$R/a/dmem.max" 2>&1)
check_eq "unknown region: EINVAL" "${err##*: }" "Invalid argument"
err=$(sh -c "echo 'x' >$R/dmem.capacity" 2>&1)
check_eq "dmem.capacity is read-only (EINVAL, as for every cgroup file without write)" "${err##*: }" "Invalid argument"

# -------- unload: everything goes, the host stays
rmdir $R/a/b $R/a
check "module unloads" unload_dmem
check_fail "root dmem.capacity gone" test -e $R/dmem.capacity
check_fail "cgroup.controllers without dmem after unload" grep -qw dmem $R/cgroup.controllers
check "memory still enabled after unload" grep -qw memory $R/cgroup.subtree_control
check "kernel log clean" kmsg_clean
finish
