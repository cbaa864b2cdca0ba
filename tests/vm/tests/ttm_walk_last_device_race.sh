#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The last TTM device goes away while the module's load-time device walk
# is under way (issue 10, item 5: the ttm_glob race at load: once the last
# device is gone TTM zeroes ttm_glob, device list included).  The module is
# loaded with its test facility test_walk_delay_ms; while insmod sleeps in
# the walk, qxl is unbound and the last file on the card is closed.  The
# load must complete, the device's region must go with the device, and
# nothing may be reported.  With qxl the device's teardown waits for the
# walk (our ttm_device_fini hook, installed before the walk, takes the
# device registry's mutex that the walk holds), so the zeroed list itself
# is not reached here; the walk's placeholder TTM device (ttm_glob stays
# initialised during the walk) is what keeps it valid without that order.
# The same test against the code before both (4799702^) passes too: it
# shows no deadlock or leak, not the old window.
# No rebind (see ttm_unbind.sh): the GPU stays gone, so this runs last.
# kernels: 6.1 6.12
# order: last
# timeout: 240
. /dmem/lib.sh

PCI=$(basename "$(readlink -f /sys/class/drm/card0/device)")
kmsg_mark
insmod "$DMEM_KO" test_walk_delay_ms=10000 &
L=$!
walking() { grep -q msleep /proc/$L/stack 2>/dev/null && grep -q do_init_module /proc/$L/stack; }
check "insmod sleeps in the device walk" wait_for 60 walking
check "unbind qxl" sh -c "echo $PCI >/sys/bus/pci/drivers/qxl/unbind"
touch /run/holder.released
kill "$(cat /run/holder.pid)"
wait $L
check_eq "the module loaded" $? 0
qxl_unused() { [ "$(awk '$1 == "qxl" { print $3 }' /proc/modules)" = 0 ]; }
check "the last file on the card is closed (qxl unused)" wait_for 30 qxl_unused
check_eq "no region without the device" "$(dmem_region drm/)" ""
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
