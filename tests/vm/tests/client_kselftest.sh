#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The cgroup kselftest test_dmem flow (tools/testing/selftests/cgroup/
# test_dmem.c as posted, read at intel-lab-lkp/linux 5eda6548958b), replayed
# with its exact writes: open(O_WRONLY) + one write without newline for
# "+dmem", "<region> <bytes>" and the pid.  Its helper module cannot load
# here, so the charges are qxl buffers (qxlbuf) in the region qxl
# registers; qxl rounds a buffer to whole pages, so the byte-granularity
# case expects the page-rounded size (what a TTM driver charges upstream).
# kernels: 6.1 6.12
# timeout: 300
. /dmem/lib.sh
. /dmem/desktop.sh

kmsg_mark
check "module loads" load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
# main(): dmem must be in the root's cgroup.controllers (else: skip)
check "root cgroup.controllers lists dmem" ctl_has "" dmem
if ! sc_has "" dmem; then
	cw plain $CGROOT/cgroup.subtree_control "+dmem"
	check_eq "root: +dmem" "$CW" ok
fi
check "dmem.capacity has the region" grep -q "^$R " $CGROOT/dmem.capacity

# cg_read_key_long(cg, file, "<region> ")
key_long() { awk -v k="$R" '$1 == k { print $2; exit }' "$(cg_path "$1")/$2"; }
# ks_alloc CG BYTES [hold]: the test process enters CG (its pid, "%d"),
# then charges one buffer of BYTES; held ones write /tmp/ks.ready.
ks_alloc() {
	rm -f /tmp/ks.ready
	if [ "$3" = hold ]; then
		sh -c 'cgwrite -m plain "$0/cgroup.procs" $$ >/dev/null &&
			exec qxlbuf alloc -n 1 -s "$1" --hold --ready /tmp/ks.ready -q' \
			"$(cg_path "$1")" "$2" &
		KS_PID=$!
		wait_file /tmp/ks.ready 20
	else
		sh -c 'cgwrite -m plain "$0/cgroup.procs" $$ >/dev/null &&
			exec qxlbuf alloc -n 1 -s "$1" -q' "$(cg_path "$1")" "$2" 2>/dev/null
	fi
}

# ---- test_dmem_max
A=dmem_prot_0
B=$A/dmem_prot_1
mkdir $(cg_path $A)
cw plain "$(cg_path $A)/cgroup.subtree_control" "+dmem"
check_eq "max: +dmem in A" "$CW" ok
mkdir $(cg_path $B)
cw plain "$(cg_path $B)/cgroup.subtree_control" "+dmem"
check_eq "max: +dmem in A/B" "$CW" ok
set -- 2097152 1048576 76800 25600 8192 0
PASS="1048576 1048576 4096 4096 4096 0"
i=0
for m in "$@"; do mkdir "$(cg_path $B/dmem_child_$i)"; i=$((i + 1)); done
cw plain "$(cg_path $B)/dmem.max" "$R 8388608"
check_eq "max: B dmem.max 8M written" "$CW" ok
i=0
for m in "$@"; do
	cw plain "$(cg_path $B/dmem_child_$i)/dmem.max" "$R $m"
	check_eq "max: child $i dmem.max $m written" "$CW" ok
	i=$((i + 1))
done
check_eq "max: B reads 8M" "$(key_long $B dmem.max)" 8388608
i=0
for m in "$@"; do
	check_eq "max: child $i reads $m" "$(key_long $B/dmem_child_$i dmem.max)" "$m"
	i=$((i + 1))
done
i=0
for m in "$@"; do
	c=$B/dmem_child_$i
	p=$(echo $PASS | cut -d' ' -f$((i + 1)))
	before=$(key_long $c dmem.current)
	ks_alloc $c $((m + 1))
	check_eq "max: child $i: a charge of max+1 fails (qxlbuf exit 2)" $? 2
	check_eq "max: child $i: current unchanged" "$(key_long $c dmem.current)" "$before"
	if [ "$p" -gt 0 ]; then
		ks_alloc $c "$p" hold
		check_eq "max: child $i: current = before + $p" "$(key_long $c dmem.current)" $((before + p))
		bg_stop $KS_PID
		check_eq "max: child $i: back to before once freed" "$(key_long $c dmem.current)" "$before"
	fi
	i=$((i + 1))
done
cg_remove $A

# ---- test_dmem_alloc_byte_granularity (qxl: page-rounded charges)
G=dmem_dbg_byte_gran
mkdir $(cg_path $G)
cw plain "$(cg_path $G)/dmem.max" "$R 16777216"
check_eq "gran: dmem.max 16M written" "$CW" ok
for s in 1 4095 4097 76801 1048576 1048577; do
	ks_alloc $G $s hold
	check_eq "gran: $s bytes charge $(((s + 4095) / 4096 * 4096))" \
		"$(key_long $G dmem.current)" $(((s + 4095) / 4096 * 4096))
	bg_stop $KS_PID
	check_eq "gran: 0 after freeing $s" "$(key_long $G dmem.current)" 0
done
cg_remove $G
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
