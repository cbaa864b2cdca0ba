#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Removing a cgroup whose buffers are still alive: the charges stay on the
# (offline) cgroup and its ancestors until the buffers are freed, then
# everything returns to 0.
# kernels: 6.1 6.12
. /dmem/lib.sh

MIB=1048576
kmsg_mark
load_dmem
R=$(dmem_region drm/)
cg_create p/gone
cg_enable p/gone
dmem_write p/gone max "$R 16M"
bg_start cg_exec p/gone qxlbuf alloc -n 5 -s 1M --hold --verify --ready /tmp/g.ready -q
H=$BG_PID
check "5 MiB held in p/gone" wait_file /tmp/g.ready 30
check_eq "p current 5 MiB" "$(dmem_read p current "$R")" $((5 * MIB))
# The holder leaves the cgroup (charges never migrate), then it is removed.
cg_move "" $H
check "p/gone removed with live buffers" rmdir "$(cg_path p/gone)"
check_eq "p keeps the charge" "$(dmem_read p current "$R")" $((5 * MIB))
check "buffers intact, freed" bg_stop $H
check_eq "p current 0 after free" "$(dmem_read p current "$R")" 0
check "new cgroup of the same name starts at 0" cg_create p/gone
cg_enable p/gone
check_eq "p/gone (new) current 0" "$(dmem_read p/gone current "$R")" 0
check_eq "p/gone (new) max reset" "$(dmem_read p/gone max "$R")" max
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
