#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Deep nesting (security issue 10, item 1): 2,100 nested cgroups with dmem
# enabled at every level (relative paths: the full path is longer than
# PATH_MAX), then limit writes, reads and a VRAM allocation at the bottom,
# then everything removed.  The per-cgroup state used to be created by one
# recursion per ancestor without state: the first write at the bottom ran
# the kernel stack into its guard page.  Nothing may recurse per level.
# On the debug kernel 1,280 levels.
# kernels: 6.12
# (6.12 only: adv_deep_nesting covers 2,000+ levels on both kernels as a
# delegated user; this root variant runs on one to keep the CI budget)
# timeout: 1800
. /dmem/lib.sh

# 1,280 levels on the debug kernel ($KDEBUG, several times slower): past
# the 1,200 that overflowed the stack before, the same code paths.
if [ "${KDEBUG:-0}" = 1 ]; then DEPTH=1280; else DEPTH=2100; fi
kmsg_mark
check "module loads" load_dmem
R=$(dmem_region drm/)
if [ -z "$R" ]; then
	not_ok "a drm/ region is registered (needs the TTM side and qxl)"
	finish
fi

# Level 0 is $CGROOT/deep, each level enables dmem for the next one.  The
# shell's cd keeps an absolute $PWD (at most PATH_MAX), so go down ANCHOR
# levels with cd and address the rest with relative paths (each < PATH_MAX).
ANCHOR=1000
cg_create deep
echo +dmem >$CGROOT/cgroup.subtree_control
anchor() {
	local i=0
	cd $CGROOT/deep || return 1
	while [ $i -lt $ANCHOR ]; do cd d || return 1; i=$((i + 1)); done
}
made=$(
	cd $CGROOT/deep || exit 1
	i=0
	while [ $i -lt $ANCHOR ]; do
		echo +dmem >cgroup.subtree_control && mkdir d && cd d || break
		i=$((i + 1))
	done
	p=.
	while [ $i -lt $DEPTH ]; do
		echo +dmem >$p/cgroup.subtree_control && mkdir $p/d || break
		p=$p/d
		i=$((i + 1))
	done
	echo $i
)
check_eq "$DEPTH nested levels made with +dmem at each" "$made" $DEPTH
B=.	# the bottom, relative to the anchor
i=$ANCHOR
while [ $i -lt $DEPTH ]; do B=$B/d; i=$((i + 1)); done

out=$(anchor && echo "$R 8M" >$B/dmem.max && cat $B/dmem.max)
check_eq "bottom dmem.max written and read back" "$out" "$R 8388608"
out=$(anchor && echo "$R 1M" >$B/dmem.low && cat $B/dmem.low)
check_eq "bottom dmem.low written and read back" "$out" "$R 1048576"
out=$(anchor && cat $B/../dmem.max)
check_eq "bottom's parent keeps default max" "$out" "$R max"

(anchor && echo 0 >$B/cgroup.procs && exec qxlbuf alloc -n 2 -s 1M --hold --ready /tmp/deep.ready) &
apid=$!
if wait_file /tmp/deep.ready 120; then
	ok "an allocation at the bottom succeeds"
	out=$(anchor && awk -v r="$R" '$1 == r { print $2 }' $B/dmem.current)
	check_eq "bottom dmem.current" "$out" $((2 << 20))
	check_eq "top level dmem.current includes it" "$(dmem_read deep current "$R")" $((2 << 20))
else
	not_ok "an allocation at the bottom succeeds"
fi
bg_stop $apid
out=$(anchor && awk -v r="$R" '$1 == r { print $2 }' $B/dmem.current)
check_eq "bottom dmem.current after free" "$out" 0
check_eq "bottom dmem.max 1M" "$(anchor && echo "$R 1M" >$B/dmem.max && echo OK)" OK
rm -f /tmp/deep2.ready
(anchor && echo 0 >$B/cgroup.procs && exec qxlbuf alloc -n 2 -s 1M --hold --ready /tmp/deep2.ready -q) &
apid=$!
check "2 MiB allocated at the bottom under a max of 1M (evicting its own)" wait_file /tmp/deep2.ready 120
out=$(anchor && awk -v r="$R" '$1 == r { print $2 }' $B/dmem.current)
check_le "bottom dmem.current stays within its max" "$out" $((1 << 20))
bg_stop $apid

# remove bottom-up
left=$(
	anchor || exit 1
	i=$DEPTH
	p=$B
	while [ $i -gt $ANCHOR ]; do
		rmdir $p || break
		p=${p%/d}
		i=$((i - 1))
	done
	while [ $i -gt 0 ]; do
		cd .. && rmdir d || break
		i=$((i - 1))
	done
	echo $i
)
check_eq "all $DEPTH levels removed" "$left" 0
rmdir $CGROOT/deep
check_fail "deep is gone" test -d $CGROOT/deep
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
