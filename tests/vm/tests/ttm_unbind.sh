#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# qxl unbind with live charged buffers.  Unbinding unplugs the DRM device;
# TTM tears it down (ttm_device_fini) only when the last file handle
# closes, so: the charges stay while the buffers live, freeing them
# uncharges exactly, and the region disappears with the device.  The root
# card holder of /init is stopped for the teardown.
# No rebind: Debian's qxl (6.1 and 6.12) can oops in qxl_irq_handler when
# the device is bound again (seen with our module not loaded), so the GPU
# stays gone and this test runs last in its boot.
# kernels: 6.1 6.12
# order: last
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
bg_start cg_exec u qxlbuf alloc -n 4 -s 1M --hold --verify --ready /tmp/u.ready -q
H=$BG_PID
check "4 MiB held" wait_file /tmp/u.ready 30
check_eq "u current 4 MiB" "$(dmem_read u current "$R")" $((4 * MIB))

check "unbind qxl with live buffers" sh -c "echo $PCI >/sys/bus/pci/drivers/qxl/unbind"
check_eq "charges stay while the buffers live" "$(dmem_read u current "$R")" $((4 * MIB))

# Last users of the old device: our holder, then /init's card holder.
check "holder exits with its buffers intact" bg_stop $H
check_eq "freeing after unbind uncharges exactly" "$(dmem_read u current "$R")" 0
touch /run/holder.released
kill "$(cat /run/holder.pid)"
gone() { ! grep -q "^$R " "$CGROOT/dmem.capacity"; }
check "region goes away with the device" wait_for 30 gone
check_eq "u has no line for the gone region" "$(dmem_read u current "$R")" ""
check_eq "root has no line for the gone region" "$(dmem_read "" current "$R")" ""
check "limit writes to the gone region fail" sh -c "! echo '$R 1M' >$CGROOT/u/dmem.max"
check "unload without the device" unload_dmem
check "reload without the device" load_dmem
check_eq "no region without the device" "$(dmem_region drm/)" ""
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
