#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "-dmem" right after rmdir of the only child that enabled dmem below:
# upstream accepts it at once (cgroup core only looks at live children,
# and rmdir clears CSS_ONLINE itself); the removed child's state goes
# offline later, asynchronously (the host's css_offline), and must not
# make the write fail with EBUSY meanwhile.  Repeated, as each round
# races the offline; afterwards every state went offline and dmem works.
# Then the same with a removed grandchild that still holds a charge below
# the removed child: "-dmem" leaves both states to their own removal and
# release hooks (upstream's only kills live children's css), the charge
# drains through them when the buffer is freed, and every usage is back
# at 0.
# kernels: 6.1 6.12
# timeout: 300
. /dmem/lib.sh

ROUNDS=100
C=$CGROOT
kmsg_mark
check "load" load_dmem
cg_create p
cg_enable p
check "+dmem in p" sh -c "echo +dmem >$C/p/cgroup.subtree_control"

mark=$(offlined)
busy=0 other="" i=0
while [ $i -lt $ROUNDS ]; do
	mkdir $C/p/c && echo +dmem >$C/p/c/cgroup.subtree_control &&
		rmdir $C/p/c || { other="$other setup:$i"; break; }
	# one write(2) by the shell itself (no fork: the offline of p/c's
	# state, queued by the rmdir, has had no time to run)
	if ! { echo -dmem >$C/p/cgroup.subtree_control; } 2>/tmp/rmdis.err; then
		err=$(cat /tmp/rmdis.err)
		case $err in
		*busy*) busy=$((busy + 1)) ;;
		*) other="$other $i:${err##*: }" ;;
		esac
		# let the offline pass before the next round
		wait_offlined "$mark" 10
		sh -c "echo -dmem >$C/p/cgroup.subtree_control" 2>/dev/null
	fi
	mark=$(offlined)
	echo +dmem >$C/p/cgroup.subtree_control || { other="$other +dmem:$i"; break; }
	i=$((i + 1))
done
check_eq "rounds run" $i $ROUNDS
check_eq "-dmem right after rmdir: never EBUSY" $busy 0
check_eq "no other error" "${other:-none}" none
check_eq "p enables dmem at the end" \
	"$(tr ' ' '\n' <$C/p/cgroup.subtree_control | grep -c '^dmem$')" 1
check "p/c is gone" test ! -e $C/p/c
check "a new child has the dmem files" sh -c "mkdir $C/p/d && test -e $C/p/d/dmem.max"
rmdir $C/p/d

R=$(dmem_region)
mkdir $C/p/b && echo +dmem >$C/p/b/cgroup.subtree_control && mkdir $C/p/b/x
rm -f /tmp/rmdis.r
bg_start cg_exec p/b/x qxlbuf alloc -n 1 -s 1M --hold --ready /tmp/rmdis.r -q
H=$BG_PID
check "the holder allocated in p/b/x" wait_file /tmp/rmdis.r
check_eq "p/b/x charged" "$(dmem_read p/b/x current "$R")" 1048576
cg_move "" $H
mark=$(offlined)
rmdir $C/p/b/x && rmdir $C/p/b
check_eq "-dmem in p at once, p/b and p/b/x removed" \
	"$({ echo -dmem >$C/p/cgroup.subtree_control; } 2>&1 && echo OK)" OK
check_eq "p still counts the removed grandchild's charge" \
	"$(dmem_read p current "$R")" 1048576
bg_stop $H
p_drained() { [ "$(dmem_read p current "$R")" = 0 ]; }
check "p's usage drained once the buffer is freed" wait_for 10 p_drained
check "both removed states went offline" wait_offlined $((mark + 1))
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
