#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# qxl unbind and rebind with live charged buffers.  Unbinding unplugs the
# DRM device; TTM tears it down (ttm_device_fini) only when the last file
# handle closes, so: the charges stay while the buffers live, freeing them
# uncharges exactly, the region disappears with the device, and after
# rebinding the new device's region is charged from zero.  The root card
# holder of /init is stopped for the teardown and reopened afterwards.
# Only on 6.12: Debian 6.1's qxl oopses in qxl_irq_handler when it is bound
# again after an unbind, with or without our module (checked by hand).
# kernels: 6.12
# timeout: 240
. /dmem/lib.sh

MIB=1048576
PCI=$(basename "$(readlink -f /sys/class/drm/card0/device)")
kmsg_mark
load_dmem
R=$(dmem_region drm/)
check_eq "region is named after the PCI device" "$R" "drm/$PCI/vram0"
cg_create u
cg_enable u
bg_start cg_exec u qxlbuf alloc -n 4 -s 1M --hold --ready /tmp/u.ready -q
H=$BG_PID
check "4 MiB held" wait_file /tmp/u.ready 30
check_eq "u current 4 MiB" "$(dmem_read u current "$R")" $((4 * MIB))

check "unbind qxl with live buffers" sh -c "echo $PCI >/sys/bus/pci/drivers/qxl/unbind"
check_eq "charges stay while the buffers live" "$(dmem_read u current "$R")" $((4 * MIB))

# Last users of the old device: our holder, then /init's card holder.
check "holder exits" bg_stop $H
check_eq "freeing after unbind uncharges exactly" "$(dmem_read u current "$R")" 0
touch /run/holder.released
kill "$(cat /run/holder.pid)"
gone() { ! grep -q "^$R " "$CGROOT/dmem.capacity"; }
check "region goes away with the device" wait_for 30 gone
check_eq "u has no line for the gone region" "$(dmem_read u current "$R")" ""

check "rebind qxl" sh -c "echo $PCI >/sys/bus/pci/drivers/qxl/bind"
check "card is back" wait_for 30 test -e /dev/dri/card0
qxlbuf open &
echo $! >/run/holder.pid
check "new buffers allocate" cg_run u qxlbuf alloc -n 1 -s 1M -q
back() { grep -q "^$R " "$CGROOT/dmem.capacity"; }
check "region is back" wait_for 30 back
bg_start cg_exec u qxlbuf alloc -n 2 -s 1M --hold --ready /tmp/u2.ready -q
H=$BG_PID
check "2 MiB held on the new device" wait_file /tmp/u2.ready 30
check_eq "new device charged from zero" "$(dmem_read u current "$R")" $((2 * MIB))
check "holder exits" bg_stop $H
check_eq "back to 0" "$(dmem_read u current "$R")" 0
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
