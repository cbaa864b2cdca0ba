#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# systemd's controller enabling (src/shared/cgroup-setup.c cg_enable(): one
# fopen("we") of cgroup.subtree_control, then for every v2 controller it
# supports, in its enum order cpu, cpuset, io, memory, pids [, dmem], one
# unbuffered write "+<name>\n" or "-<name>\n"; EBUSY on a "-" means "still
# on"), replayed on the desktop tree (memory enabled before the module
# loads) after dmemcg-booster enabled dmem:
#  1. a systemd that does not know dmem (Debian 12's 252 .. 257): a slice
#     re-realized without memory gets "-memory\n": dmem stays enabled and
#     the limits the booster wrote below stay; "+memory\n" again changes
#     nothing for dmem either;
#  2. with PR #37079 (DeviceMemoryMin=/Low=, which needs dmem in the root's
#     cgroup.controllers to count it as supported): "+dmem\n" down to a
#     service, DeviceMemoryLow=50% written as one "<region> <bytes>\n" per
#     region (write_string_file: open O_WRONLY, assumed from the PR's
#     description, its code is not in the index read), "-dmem\n" above a user of dmem is EBUSY,
#     "-dmem\n" removes the service's dmem files and re-enabling starts
#     from "<region> 0" (upstream destroys and recreates the css).
# kernels: 6.1 6.12
# timeout: 300
. /dmem/lib.sh
. /dmem/desktop.sh

kmsg_mark
desktop_build mem
check "module loads" load_dmem
R=$(dmem_region drm/)
cap=$(dmem_read "" capacity "$R")
booster_walk system razzeee
booster_user razzeee
check_eq "booster: dbus.service dmem.low = capacity" \
	"$(dmem_read system.slice/dbus.service low "$R")" "$cap"

# cg_enable P "+cpu" "-io" ...: systemd's write sequence on P's subtree_control
cg_enable_sd() {
	local p=$1
	shift
	SD=""
	for w in "$@"; do
		cw trunc "$(cg_path "$p")/cgroup.subtree_control" "$w\\n"
		SD="$SD${SD:+ }$CW"
	done
}
# the controllers a systemd supports: its v2 list, in its enum order, that
# the root's cgroup.controllers lists
supported() {
	local c
	for c in cpu cpuset io memory pids $1; do
		ctl_has "" $c && printf '%s ' $c
	done
}

# ---- 1. systemd without dmem support
sup=$(supported)
diag "systemd 25x supports: $sup"
set --
for c in $sup; do [ $c = pids ] && set -- "$@" +pids || set -- "$@" "-$c"; done
cg_enable_sd system.slice "$@"
check_eq "252: system.slice re-realized without memory: every write ok" "$SD" "$(echo "$@" | sed 's/[^ ]*/ok/g')"
check "252: dmem still enabled in system.slice" sc_has system.slice dmem
if ! sc_has system.slice memory; then
	ok "252: memory off in system.slice"
elif sc_has system.slice dmem; then
	skip "252: memory off in system.slice: known difference: the host controller stays on where dmem is enabled (README: Works with)"
else
	not_ok "252: memory off in system.slice"
fi
check_eq "252: dbus.service keeps dmem.low" "$(dmem_read system.slice/dbus.service low "$R")" "$cap"
set --
for c in $sup; do [ $c = memory ] || [ $c = pids ] && set -- "$@" "+$c" || set -- "$@" "-$c"; done
cg_enable_sd system.slice "$@"
check "252: memory back on in system.slice" sc_has system.slice memory
check_eq "252: dbus.service still keeps dmem.low" "$(dmem_read system.slice/dbus.service low "$R")" "$cap"

# ---- 2. systemd with PR #37079 (dmem as a controller of its own)
sup=$(supported dmem)
diag "systemd with dmem supports: $sup"
case " $sup " in *" dmem "*) ok "37079: dmem counted as supported (root cgroup.controllers)" ;;
*) not_ok "37079: dmem counted as supported (root cgroup.controllers: $(cat $CGROOT/cgroup.controllers))" ;; esac
mkdir -p "$(cg_path game.slice/g.service)"
set --
for c in $sup; do set -- "$@" "+$c"; done
cg_enable_sd "" "$@"
check_eq "37079: root: every enable ok" "$SD" "$(echo "$@" | sed 's/[^ ]*/ok/g')"
cg_enable_sd game.slice "$@"
check_eq "37079: game.slice: every enable ok" "$SD" "$(echo "$@" | sed 's/[^ ]*/ok/g')"
check "37079: g.service has dmem" ctl_has game.slice/g.service dmem
half=$((cap / 2))
cw plain "$(cg_path game.slice/g.service)/dmem.low" "$R $half\\n"
check_eq "37079: DeviceMemoryLow=50% written" "$CW" ok
check_eq "37079: dmem.low reads back" "$(dmem_read game.slice/g.service low "$R")" "$half"
cg_enable_sd "" "-dmem"
check_eq "37079: -dmem at the root while game.slice uses it: EBUSY" "$SD" EBUSY
cg_enable_sd game.slice "-dmem"
check_eq "37079: -dmem in game.slice: ok" "$SD" ok
check_fail "37079: g.service lost dmem" ctl_has game.slice/g.service dmem
check_fail "37079: g.service's dmem.low cannot be opened any more" cat "$(cg_path game.slice/g.service)/dmem.low"
cw plain "$(cg_path game.slice/g.service)/dmem.low" "$R $half\\n"
check_eq "37079: writing it fails as for a missing file" "$CW" open:ENOENT
test -e "$(cg_path game.slice/g.service)/dmem.low" &&
	diag "g.service/dmem.low is still listed (README: Works with, remaining differences)"
cg_enable_sd game.slice "+dmem"
check_eq "37079: +dmem again: ok" "$SD" ok
check_eq "37079: a re-enabled dmem starts from 0" "$(dmem_read game.slice/g.service low "$R")" 0
check_eq "37079: and max" "$(dmem_read game.slice/g.service max "$R")" max
cg_remove game.slice
desktop_teardown
echo "-cpu -cpuset -io" >$CGROOT/cgroup.subtree_control
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
