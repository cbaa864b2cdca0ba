#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# poll(POLLPRI) and inotify IN_MODIFY on dmem.events wake on change, as on
# memory.events: a max hit and an eviction in lim/a wake lim/a's
# dmem.events.local and the dmem.events of lim/a and its parent lim; lim's
# dmem.events.local (unchanged) and a bystander's dmem.events do not wake.
# Then the same after rmdir of a waited-on cgroup, and an unload with
# notifications in flight.
# kernels: 6.1 6.12
# timeout: 240
. /dmem/lib.sh

kmsg_mark
load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
cg_create lim/a
cg_create other
cg_enable lim/a
cg_enable other
dmem_write lim/a max "$R 1M"
L=$(cg_path lim)
A=$(cg_path lim/a)
O=$(cg_path other)

# wait_start NAME MODE FILE TIMEOUT_MS: evwait in the background
wait_start() {
	rm -f /tmp/ev.$1.ready
	evwait "$2" "$3" "$4" /tmp/ev.$1.ready >/tmp/ev.$1.out 2>&1 &
	eval "W_$1=\$!"
}
# inotify needs CONFIG_INOTIFY_USER (Debian's kernels have it; the
# tinyconfig-based debug kernel does not): its readers run where it exists
woken="lpoll apoll"
wait_start lpoll poll "$L/dmem.events" 600000
wait_start apoll poll "$A/dmem.events.local" 600000
if [ -d /proc/sys/fs/inotify ]; then
	woken="$woken lino aino"
	wait_start lino inotify "$L/dmem.events" 600000
	wait_start aino inotify "$A/dmem.events" 600000
else
	skip "inotify readers: this kernel has no inotify (CONFIG_INOTIFY_USER off)"
fi
wait_start llocal poll "$L/dmem.events.local" 600000
wait_start other poll "$O/dmem.events" 600000
for w in $woken llocal other; do
	check "evwait $w ready" wait_file /tmp/ev.$w.ready 120
done
check "2 x 1 MiB in lim/a under its 1 MiB max" cg_run lim/a qxlbuf alloc -n 2 -s 1M -q
for w in $woken; do
	eval "p=\$W_$w"
	wait "$p"
	check_eq "$w woke" $? 0
	diag "$(tr '\n' ' ' </tmp/ev.$w.out)"
done
# the woken ones prove the work item ran for this batch; give it 3 s more
sleep 3
for w in llocal other; do
	eval "p=\$W_$w"
	kill -0 "$p" 2>/dev/null
	check_eq "$w did not wake (still waiting)" $? 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done
# a woken reader sees a change (the first wake may come before the
# eviction: max is hit first); in the end both events are there
grep -q "max=[1-9]" /tmp/ev.lpoll.out
check_eq "the woken reader of lim/dmem.events sees the max hit" $? 0
check_eq "lim/dmem.events after the allocation" \
	"$(grep "^$R " "$L/dmem.events")" "$R low=0 high=0 max=2 evicted=1048576"
check_eq "lim/dmem.events.local unchanged" \
	"$(grep "^$R " "$L/dmem.events.local")" "$R low=0 high=0 max=0 evicted=0"

# a reader waiting on a cgroup that goes away: no wake, no crash
cg_create lim/b
cg_enable lim/b
dmem_write lim/b max "$R 1M"
wait_start bpoll poll "$(cg_path lim/b)/dmem.events" 3000
check "evwait bpoll ready" wait_file /tmp/ev.bpoll.ready 120
check "1 MiB in lim/b" cg_run lim/b qxlbuf alloc -n 1 -s 1M -q
check "rmdir lim/b with a reader" rmdir "$(cg_path lim/b)"
wait "$W_bpoll"
diag "bpoll exit $? after rmdir"

# events in flight while the module goes away
cg_exec lim/a qxlbuf alloc -n 3 -s 1M -q &
q=$!
wait $q
check "unload right after events" unload_dmem
check "kernel log clean" kmsg_clean
finish
