#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Accounting: N buffers of S bytes allocated in cgroup par/a show up as
# exactly N*S in dmem.current of par/a and par (and at least that in the
# root), buffers of par/b only in par/b and par, and everything goes back
# to 0 when the buffers are freed.  The region is registered with the qxl
# VRAM manager's size.
# kernels: 6.1 6.12
. /dmem/lib.sh

MIB=1048576
kmsg_mark
load_dmem
check "module loaded" dmem_loaded
R=$(dmem_region drm/)
check "a drm region is registered" test -n "$R"
diag "region $R"
case "$R" in
drm/0000:*/vram0) ok "region name is drm/<PCI address>/vram0" ;;
*) not_ok "region name '$R' is not drm/<PCI address>/vram0" ;;
esac
check_eq "capacity is the qxl VRAM manager size" \
	"$(dmem_read "" capacity "$R")" "$(qxl_vram_total)"

cg_create par/a
cg_create par/b
cg_enable par/a
cg_enable par/b
check_eq "par/a starts at 0" "$(dmem_read par/a current "$R")" 0

bg_start cg_exec par/a qxlbuf alloc -n 10 -s 1M --hold --ready /tmp/a.ready -q
A=$BG_PID
check "10 x 1 MiB allocated in par/a" wait_file /tmp/a.ready 30
bg_start cg_exec par/b qxlbuf alloc -n 3 -s 256K --hold --ready /tmp/b.ready -q
B=$BG_PID
check "3 x 256 KiB allocated in par/b" wait_file /tmp/b.ready 30

check_eq "par/a current = 10 MiB" "$(dmem_read par/a current "$R")" $((10 * MIB))
check_eq "par/b current = 768 KiB" "$(dmem_read par/b current "$R")" $((3 * 262144))
check_eq "par current = sum of children" "$(dmem_read par current "$R")" \
	$((10 * MIB + 3 * 262144))
root1=$(dmem_read "" current "$R")
# The root's own charges (qxl's release buffers, allocated and freed by
# kernel workers in the root cgroup) come and go: only the hierarchy is
# checked here.
check_ge "root current includes par" "$root1" $((10 * MIB + 3 * 262144))

check "par/a holder frees cleanly" bg_stop $A
check_eq "par/a current 0 after free" "$(dmem_read par/a current "$R")" 0
check_eq "par current = par/b after par/a freed" "$(dmem_read par current "$R")" $((3 * 262144))
check "par/b holder frees cleanly" bg_stop $B
check_eq "par/b current 0 after free" "$(dmem_read par/b current "$R")" 0
check_eq "par current 0 after free" "$(dmem_read par current "$R")" 0

# Repeated allocate/free cycles leave nothing behind.
check "100 alloc/free cycles in par/a" cg_run par/a qxlbuf alloc -n 4 -s 512K -r 100 -q
check_eq "par/a current 0 after cycles" "$(dmem_read par/a current "$R")" 0

check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
