#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dmem behaves as its own controller (issue 11, Deliver 1), on a tree where
# memory was enabled everywhere before the module loaded (systemd desktop):
# dmem is enabled nowhere at load; cgroup.controllers lists it at the root
# and where the parent enables it; cgroup.subtree_control only where
# enabled; "+dmem" ENOENT where not listed, "-dmem" EBUSY while a child
# enables it; dmem.* files where dmem is off fail to open (ENOENT) and an
# fd kept across "-dmem" fails (ENODEV); charges go to the nearest cgroup
# whose parent enables dmem; "-dmem" resets the children (re-enabling
# shows "<region> 0" and "max"), charges stay until freed; mixed writes
# are checked as a whole; the host stays on where dmem is.
# kernels: 6.1 6.12
# timeout: 300
. /dmem/lib.sh

kmsg_mark
C=$CGROOT
# wr FILE TEXT: write TEXT in one write(2); "OK" or the error message
wr() {
	local out
	out=$(sh -c 'echo "$1" >"$2"' _ "$2" "$1" 2>&1) && { echo OK; return; }
	echo "${out##*: }"
}
# rd FILE: the content, or the error message
rd() {
	local out
	out=$(cat "$1" 2>&1) && { echo "$out"; return; }
	echo "${out##*: }"
}
lists() { grep -qw "$2" "$C/${1:+$1/}$3"; }	# lists CG CTRL FILE

# systemd-like tree before the module loads: memory on at every level
echo "+memory" >$C/cgroup.subtree_control
cg_create a/b/c
cg_create x/y
echo "+memory" >$C/a/cgroup.subtree_control
echo "+memory" >$C/a/b/cgroup.subtree_control
check "module loads" load_dmem
R=$(dmem_region drm/)
if [ -z "$R" ]; then
	not_ok "a drm/ region is registered (needs the TTM side and qxl)"
	finish
fi

# -------- at load: enabled nowhere
check_eq "root controllers end with dmem" "$(tr ' ' '\n' <$C/cgroup.controllers | tail -n 1)" dmem
check_fail "root subtree_control: no dmem at load" lists "" dmem cgroup.subtree_control
check "root subtree_control: memory as before" lists "" memory cgroup.subtree_control
check_fail "a's controllers: no dmem" lists a dmem cgroup.controllers
check "a's dmem.max exists physically" test -f $C/a/dmem.max
check_eq "a/dmem.max: open fails ENOENT" "$(rd $C/a/dmem.max)" "No such file or directory"
check_eq "a/dmem.current: open fails ENOENT" "$(rd $C/a/dmem.current)" "No such file or directory"
# (busybox sh words ENOENT from open(O_CREAT) as "nonexistent directory")
check_eq "a/dmem.max: open for writing fails ENOENT" "$(wr $C/a/dmem.max "$R 1M")" "nonexistent directory"
check_eq "root dmem.current readable" "$(awk '{print $1}' $C/dmem.current | head -n 1)" "$(awk '{print $1}' $C/dmem.capacity | head -n 1)"
check_eq "+dmem in a: ENOENT (a's controllers lack dmem)" "$(wr $C/a/cgroup.subtree_control +dmem)" "No such file or directory"
check_fail "a's subtree_control still without dmem" lists a dmem cgroup.subtree_control
check_eq "'-dmem' where not enabled: OK" "$(wr $C/a/cgroup.subtree_control -dmem)" OK

# -------- root enables dmem
check_eq "+dmem at the root" "$(wr $C/cgroup.subtree_control +dmem)" OK
check_eq "root subtree_control" "$(tr ' ' '\n' <$C/cgroup.subtree_control | grep -cx -e memory -e dmem)" 2
check "a's controllers list dmem" lists a dmem cgroup.controllers
check_eq "a/dmem.max readable: max" "$(rd $C/a/dmem.max)" "$R max"
check_eq "a/dmem.current: 0" "$(rd $C/a/dmem.current)" "$R 0"
check_fail "a/b's controllers: no dmem" lists a/b dmem cgroup.controllers
check_eq "a/b/dmem.max: ENOENT" "$(rd $C/a/b/dmem.max)" "No such file or directory"

# -------- charges when dmem is enabled only part-way down
cg_exec a/b/c qxlbuf alloc -n 2 -s 1M --hold --ready /tmp/c1.ready &
p1=$!
wait_file /tmp/c1.ready
check_eq "task in a/b/c charges a (nearest with a dmem css)" "$(dmem_read a current "$R")" $((2 << 20))
check_ge "root dmem.current includes it" "$(dmem_read "" current "$R")" $((2 << 20))
bg_stop $p1
check_eq "freed: a back to 0" "$(dmem_read a current "$R")" 0

check_eq "+dmem in a" "$(wr $C/a/cgroup.subtree_control +dmem)" OK
check "a/b's controllers list dmem" lists a/b dmem cgroup.controllers
check_fail "a/b/c's controllers: no dmem" lists a/b/c dmem cgroup.controllers
cg_exec a/b/c qxlbuf alloc -n 2 -s 1M --hold --ready /tmp/c2.ready &
p2=$!
wait_file /tmp/c2.ready
check_eq "now a/b/c's task charges a/b" "$(dmem_read a/b current "$R")" $((2 << 20))
check_eq "a includes a/b" "$(dmem_read a current "$R")" $((2 << 20))
check_eq "a/b/c/dmem.current: ENOENT" "$(rd $C/a/b/c/dmem.current)" "No such file or directory"
check_eq "a/b dmem.max 8M" "$(wr $C/a/b/dmem.max "$R 8M")" OK
check_eq "a/b dmem.low 4M" "$(wr $C/a/b/dmem.low "$R 4M")" OK
check_eq "a dmem.low 16M" "$(wr $C/a/dmem.low "$R 16M")" OK

# -------- -dmem
check_eq "-dmem at the root: EBUSY (a enables dmem)" "$(wr $C/cgroup.subtree_control -dmem)" "Device or resource busy"
check "root still lists dmem" lists "" dmem cgroup.subtree_control
exec 3>$C/a/b/dmem.max
check_eq "-dmem in a (a/b holds 2 MiB)" "$(wr $C/a/cgroup.subtree_control -dmem)" OK
check_fail "a's subtree_control: no dmem" lists a dmem cgroup.subtree_control
check "a's subtree_control: memory stays" lists a memory cgroup.subtree_control
check_fail "a/b's controllers: no dmem" lists a/b dmem cgroup.controllers
check_eq "a/b/dmem.max: ENOENT after -dmem" "$(rd $C/a/b/dmem.max)" "No such file or directory"
out=$( (echo "$R 1M" >&3) 2>&1)
check_eq "fd opened before -dmem: ENODEV" "${out##*: }" "No such device"
exec 3>&-
check_eq "charges stay: a still 2 MiB" "$(dmem_read a current "$R")" $((2 << 20))
check_eq "a keeps its own low" "$(dmem_read a low "$R")" $((16 << 20))
check_eq "+dmem in a again" "$(wr $C/a/cgroup.subtree_control +dmem)" OK
check_eq "a/b/dmem.max starts from max" "$(rd $C/a/b/dmem.max)" "$R max"
check_eq "a/b/dmem.low starts from 0" "$(rd $C/a/b/dmem.low)" "$R 0"
check_eq "a/b/dmem.current starts from 0 (charges never migrate)" "$(rd $C/a/b/dmem.current)" "$R 0"
check_eq "a/b/dmem.peak starts from 0" "$(rd $C/a/b/dmem.peak)" "$R 0"
bg_stop $p2
check_eq "freed: a back to 0" "$(dmem_read a current "$R")" 0

# -------- subtree rules: EBUSY, live children, tasks
check_eq "+dmem in a/b" "$(wr $C/a/b/cgroup.subtree_control +dmem)" OK
check_eq "-dmem in a while a/b enables it: EBUSY" "$(wr $C/a/cgroup.subtree_control -dmem)" "Device or resource busy"
cg_create a/b2
check_eq "+dmem in a/b2" "$(wr $C/a/b2/cgroup.subtree_control +dmem)" OK
# the removed child's state goes offline asynchronously after rmdir (as
# upstream's css_offline); that "-dmem" need not wait for it is
# dmemctl_rmdir_disable's check
mark=$(offlined)
rmdir $C/a/b2
check "a/b2's state went offline" wait_offlined "$mark"
check_eq "-dmem in a/b" "$(wr $C/a/b/cgroup.subtree_control -dmem)" OK
check_eq "-dmem in a once a/b2 is gone and a/b disabled" "$(wr $C/a/cgroup.subtree_control -dmem)" OK
check_eq "+dmem in a" "$(wr $C/a/cgroup.subtree_control +dmem)" OK
cg_create t
cg_exec t sleep 100 &
st=$!
populated() { [ -n "$(cat $C/t/cgroup.procs)" ]; }
check "t is populated" wait_for 10 populated
echo "-memory" >$C/t/cgroup.subtree_control
check_eq "+dmem in a populated cgroup: EBUSY (no internal processes)" "$(wr $C/t/cgroup.subtree_control +dmem)" "Device or resource busy"
check_fail "t's subtree_control unchanged" lists t dmem cgroup.subtree_control
kill $st; wait $st 2>/dev/null

# -------- mixed writes
check_eq "'+dmem +nosuch' in a/b: EINVAL" "$(wr $C/a/b/cgroup.subtree_control '+dmem +nosuch')" "Invalid argument"
check_fail "nothing applied" lists a/b dmem cgroup.subtree_control
check_eq "'dmem' without sign: EINVAL" "$(wr $C/a/b/cgroup.subtree_control dmem)" "Invalid argument"
check_eq "'+dmem -dmem': the last wins" "$(wr $C/a/b/cgroup.subtree_control '+dmem -dmem')" OK
check_fail "not enabled" lists a/b dmem cgroup.subtree_control
check_eq "'-dmem +dmem': the last wins" "$(wr $C/a/b/cgroup.subtree_control '-dmem +dmem')" OK
check "enabled" lists a/b dmem cgroup.subtree_control
check_eq "'-dmem' in a/b" "$(wr $C/a/b/cgroup.subtree_control -dmem)" OK
echo "+pids" >$C/cgroup.subtree_control
echo "+pids" >$C/a/cgroup.subtree_control
check_eq "'+dmem -memory +pids' in a/b" "$(wr $C/a/b/cgroup.subtree_control '+dmem -memory +pids')" OK
check_eq "a/b: dmem, pids and memory (kept for dmem)" \
	"$(tr ' ' '\n' <$C/a/b/cgroup.subtree_control | grep -cx -e memory -e pids -e dmem)" 3
check "a/b/c/dmem.max opens" test "$(rd $C/a/b/c/dmem.max)" = "$R max"
check_eq "'-dmem -pids' in a/b" "$(wr $C/a/b/cgroup.subtree_control '-dmem -pids')" OK
check_eq "a/b: memory only" "$(cat $C/a/b/cgroup.subtree_control)" memory
check_eq "'-memory' in a/b now works (dmem off)" "$(wr $C/a/b/cgroup.subtree_control -memory)" OK
check_eq "a/b: nothing" "$(cat $C/a/b/cgroup.subtree_control)" ""

# -------- the orders systemd may use: -memory then +dmem, +dmem then -memory
check_eq "x: -memory" "$(wr $C/x/cgroup.subtree_control -memory)" OK
check_eq "x: +dmem after -memory" "$(wr $C/x/cgroup.subtree_control +dmem)" OK
check "x: dmem listed" lists x dmem cgroup.subtree_control
check "x: memory enabled underneath (documented)" lists x memory cgroup.subtree_control
check_eq "x/y/dmem.max readable" "$(rd $C/x/y/dmem.max)" "$R max"
check_eq "x/y dmem.max 3M" "$(wr $C/x/y/dmem.max "$R 3M")" OK
check_eq "x: -memory while dmem is on" "$(wr $C/x/cgroup.subtree_control -memory)" OK
check "x: dmem still listed" lists x dmem cgroup.subtree_control
check_eq "x/y keeps its dmem files and limit" "$(rd $C/x/y/dmem.max)" "$R 3145728"

# -------- unload and reload: enabled nowhere again
check "module unloads" unload_dmem
check "memory stays enabled in x after unload" lists x memory cgroup.subtree_control
check "module loads again" load_dmem
check_fail "root: dmem not enabled after reload" lists "" dmem cgroup.subtree_control
check_fail "x: dmem not enabled after reload" lists x dmem cgroup.subtree_control
check_eq "x/y/dmem.max: ENOENT after reload" "$(rd $C/x/y/dmem.max)" "No such file or directory"
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
