#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Reclaim racing with device unbind: a writer lowers dmem.max below the
# usage of a cgroup holding many small buffers while qxl is unbound and
# its last users exit (ttm_device_fini() runs then, and waits for the
# running reclaim pass; later passes find the region gone).  No crash, no
# warning, the write returns success, the region goes away.
# No rebind (see ttm_unbind.sh): the GPU stays gone, so this runs last.
# kernels: 6.1 6.12
# order: last
# timeout: 300
. /dmem/lib.sh

PCI=$(basename "$(readlink -f /sys/class/drm/card0/device)")
kmsg_mark
check "module loads" load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
cg_create u
cg_enable u
bg_start cg_exec u qxlbuf alloc -n 2048 -s 4K --hold --ready /tmp/u.ready -q
H=$BG_PID
check "2048 x 4 KiB held" wait_file /tmp/u.ready 120
u=$(dmem_read u current "$R")
( cgwrite -m plain "$(cg_path u)/dmem.max" "$R 0" >/tmp/w.rc ) &
W=$!
started() { [ "$(dmem_read u current "$R")" != "$u" ] || ! kill -0 $W 2>/dev/null; }
wait_for 10 started
check "unbind qxl during reclaim" sh -c "echo $PCI >/sys/bus/pci/drivers/qxl/unbind"
kill -TERM $H 2>/dev/null
wait $H
touch /run/holder.released
kill "$(cat /run/holder.pid)"
wait $W
check_eq "the racing write returned success" "$(cat /tmp/w.rc)" ok
gone() { ! grep -q "^$R " "$CGROOT/dmem.capacity"; }
check "region goes away with the device" wait_for 30 gone
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
