#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Administrator action: sysctl kernel.ftrace_enabled=0 (issue #10, item 3).
# While the module is loaded the write must be refused (our ftrace handlers
# are FTRACE_OPS_FL_PERMANENT, as livepatch's), so frees are still uncharged
# and the unload removes the dmem.* files (a later memory-cgroup mkdir used
# to fault on freed module memory).  With ftrace_enabled=0 the module must
# refuse to load with exactly one error and leave nothing behind; with
# ftrace back on it loads and charges again.
# kernels: 6.1 6.12
# timeout: 300
. /dmem/lib.sh

MIB=1048576
FE=/proc/sys/kernel/ftrace_enabled

# errors logged by our module since kmsg_mark (dmesg -r keeps the level)
# Distinct error lines logged by our module since kmsg_mark (dmesg -r keeps
# the level).  Distinct: busybox insmod retries a failed finit_module() with
# init_module(), so a failing init runs twice and logs its line twice.
dmem_errors() {
	dmesg -r | tail -n +$((${_KMSG_MARK:-0} + 1)) |
		sed -n 's/^<3>\[[^]]*\] \(dmem_backport: \)/\1/p' | sort -u
}

kmsg_mark
check_eq "ftrace_enabled is 1 at start" "$(cat $FE)" 1
check "module loads" load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
cg_create fe
cg_enable fe
bg_start cg_exec fe qxlbuf alloc -n 4 -s 1M --hold --verify --ready /tmp/fe.ready -q
H=$BG_PID
check "4 MiB held" wait_file /tmp/fe.ready 30
check_eq "fe charged 4 MiB" "$(dmem_read fe current "$R")" $((4 * MIB))

check_fail "ftrace_enabled=0 refused while loaded" sh -c "echo 0 >$FE"
check_eq "ftrace_enabled still 1" "$(cat $FE)" 1
check "held buffers intact and freed" bg_stop $H
check_eq "fe uncharged after the free" "$(dmem_read fe current "$R")" 0
check "allocation churn while loaded" cg_run fe qxlbuf alloc -n 3 -s 1M -r 5 -q
check_eq "fe back at 0 after churn" "$(dmem_read fe current "$R")" 0
# make sure ftrace is on whatever happened above (the old code accepted 0)
echo 1 >$FE 2>/dev/null

check "unload" unload_dmem
check_fail "dmem.* files gone after unload" test -e "$(cg_path fe)/dmem.max"
# item 3's use-after-free showed at the next memory cgroup creation
check "memory cgroup mkdir after unload" mkdir "$(cg_path fe)/after"
check "memory cgroup rmdir after unload" rmdir "$(cg_path fe)/after"

# ftrace off before the load: refused, one error, nothing left behind
check "ftrace_enabled=0 with the module unloaded" sh -c "echo 0 >$FE"
kmsg_mark
check_fail "load refused while ftrace_enabled=0" load_dmem
errs=$(dmem_errors)
echo "$errs" | sed 's/^/# /'
check_eq "exactly one error line" "$(echo "$errs" | grep -c .)" 1
names_sysctl() { echo "$errs" | grep -q ftrace_enabled; }
check "the error names ftrace_enabled" names_sysctl
check_fail "module not loaded" dmem_loaded
check_fail "no dmem.capacity left" test -e "$CGROOT/dmem.capacity"
check "ftrace_enabled=1 again" sh -c "echo 1 >$FE"

check "loads with ftrace on" load_dmem
R=$(dmem_region drm/)
cg_enable fe
bg_start cg_exec fe qxlbuf alloc -n 2 -s 1M --hold --ready /tmp/fe2.ready -q
H=$BG_PID
check "2 MiB held" wait_file /tmp/fe2.ready 30
check_eq "fe charged 2 MiB" "$(dmem_read fe current "$R")" $((2 * MIB))
check "freed" bg_stop $H
check_eq "fe at 0" "$(dmem_read fe current "$R")" 0
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
