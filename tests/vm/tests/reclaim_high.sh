#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lowering dmem.high below usage reclaims like dmem.max (the writer evicts
# the subtree's charged buffers down to the new high, contents kept, a
# sibling untouched; O_NONBLOCK only stores it), but high never fails an
# allocation: after the reclaim the cgroup may allocate above its high.
# kernels: 6.1 6.12
# timeout: 240
. /dmem/lib.sh

MIB=1048576
kmsg_mark
check "module loads" load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
cg_create h/a
cg_create other
cg_enable h/a
cg_enable other
bg_start cg_exec other qxlbuf alloc -n 3 -s 1M --hold --verify --ready /tmp/o.ready -q
O=$BG_PID
check "sibling holds 3 MiB" wait_file /tmp/o.ready 30
bg_start cg_exec h/a qxlbuf alloc -n 6 -s 1M --hold --verify --ready /tmp/a.ready -q
A=$BG_PID
check "h/a holds 6 MiB" wait_file /tmp/a.ready 30
check_eq "O_NONBLOCK write of high 2M succeeds" "$(cgwrite -m plain -N "$(cg_path h)/dmem.high" "$R 2M")" ok
check_eq "high stored" "$(dmem_read h high "$R")" $((2 * MIB))
check_eq "O_NONBLOCK: no reclaim" "$(dmem_read h current "$R")" $((6 * MIB))
check_eq "write of high 2M succeeds" "$(cgwrite -m plain "$(cg_path h)/dmem.high" "$R 2M")" ok
check_eq "usage reclaimed to the new high" "$(dmem_read h current "$R")" $((2 * MIB))
check_eq "sibling untouched" "$(dmem_read other current "$R")" $((3 * MIB))
check "an allocation above high still succeeds" cg_run h/a qxlbuf alloc -n 2 -s 1M -q
check "h/a buffers intact" bg_stop $A
check "sibling intact" bg_stop $O
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
