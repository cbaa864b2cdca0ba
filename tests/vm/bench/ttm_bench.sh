#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest TTM benchmark, run by scripts/bench.sh as
#   tests/vm/run.sh --kver 6.1|6.12 --icount --show --file tests/vm/bench/ttm_bench.sh
# With QEMU's -icount shift=0,sleep=off one guest nanosecond is one
# instruction, so qxlbench's task CPU time is the instruction count of the
# loop (user + kernel), independent of the host's load.  Module not loaded
# vs loaded in one boot, rounds alternating (and the order of the two
# sides alternating from round to round); each side keeps its lowest
# count (interrupts from the qxl device land on whichever task runs).
# Prints, never asserts:
#   bench alloc_free kver=<s> size=64K off=<insn/op> on=<insn/op> ratio=<on/off> target=1.02 met=<yes|no>
#       create+destroy of one 64 KiB VRAM buffer (DRM_IOCTL_QXL_ALLOC,
#       GEM_CLOSE) in a cgroup with dmem enabled
#   bench validate_resident kver=<s> buffers=16 off=<insn/call> on=<insn/call> extra_per_validate=<insn> ratio=<x> target=1.05 met=<yes|no>
#       DRM_IOCTL_QXL_EXECBUFFER of one draw command whose 16 relocations
#       name 16 resident VRAM buffers (+1 scratch): the driver reserves and
#       ttm_bo_validate()s each of the 17 on every call
#   bench alloc_free_limit_set ..., bench validate_resident_limit_set ...
#       the same two, loaded, once another cgroup has a dmem.max: no
#       target, they show what the scope skipped while no limit is set
#       anywhere costs
#   bench evict_path kver=<s> cgroups=100 protected=<0|1> off=<insn/loop> on=<insn/loop> ratio=<x>
#       80 x 1 MiB allocated and freed (more than VRAM: every loop evicts)
#       next to 100 cgroups holding 256 KiB each; with protected=1 their
#       dmem.low covers their buffer, so every eviction walk evaluates and
#       skips all 100 of them (different work from protected=0)
# timeout: 1500
. /dmem/lib.sh

ROUNDS=${ROUNDS:-3}
AF_LOOPS=${AF_LOOPS:-400}
VAL_LOOPS=${VAL_LOOPS:-400}
VAL_BUFS=${VAL_BUFS:-16}
EV_LOOPS=${EV_LOOPS:-2}

# min A B: the smaller integer (A empty: B)
min() { if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print "nan" }'; }
met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r != "nan" && r <= t) ? "yes" : "no" }'; }

# per_op CG ARGS...: instructions per loop of "qxlbench ARGS" run in CG
per_op() {
	local cg=$1 out
	shift
	out=$(cg_run "$cg" qxlbench "$@") || { not_ok "qxlbench $*"; echo 0; return; }
	echo "$out" | sed -n 's/.* per_op=\([0-9]*\).*/\1/p'
}

kmsg_mark
cg_create bench
cg_create holders
# The dmem files live on the memory controller: enable it on both sides
# so that memcg's own cost is not counted as ours.
cg_enable bench memory

check_eq "instruction clock (qxlbench insns: 4 per loop)" \
	"$(qxlbench insns -n 1000000 | awk '{ split($4, a, "="); print (a[2] < 4100000) ? "icount" : "not icount: " a[2] }')" icount

af_off="" af_on="" v_off="" v_on="" af_lim="" v_lim=""
measure_off() {
	af_off=$(min "$af_off" "$(per_op bench alloc_free -n "$AF_LOOPS" -s 64K)")
	v_off=$(min "$v_off" "$(per_op bench validate -n "$VAL_LOOPS" -b "$VAL_BUFS" -s 64K)")
}
measure_on() {
	load_dmem || not_ok "load"
	cg_enable bench
	af_on=$(min "$af_on" "$(per_op bench alloc_free -n "$AF_LOOPS" -s 64K)")
	v_on=$(min "$v_on" "$(per_op bench validate -n "$VAL_LOOPS" -b "$VAL_BUFS" -s 64K)")
	# the same once a limit is set somewhere (not on bench): from then on
	# every allocation and every validate of a buffer to be placed takes
	# the eviction scope (see dmem_any_limit_set())
	cg_enable holders
	dmem_write holders max "$(dmem_region drm/) 1G" || not_ok "holders max"
	af_lim=$(min "$af_lim" "$(per_op bench alloc_free -n "$AF_LOOPS" -s 64K)")
	v_lim=$(min "$v_lim" "$(per_op bench validate -n "$VAL_LOOPS" -b "$VAL_BUFS" -s 64K)")
	unload_dmem || not_ok "unload"
}
# The order alternates from round to round: what one side leaves behind
# (the VRAM layout, qxl's release buffers) does not always fall on the
# other.
r=0
while [ $r -lt "$ROUNDS" ]; do
	if [ $((r % 2)) -eq 0 ]; then
		measure_off
		measure_on
	else
		measure_on
		measure_off
	fi
	r=$((r + 1))
done
rt=$(ratio "$af_on" "$af_off")
echo "bench alloc_free kver=$KSERIES size=64K off=$af_off on=$af_on ratio=$rt target=1.02 met=$(met "$rt" 1.02)"
rt=$(ratio "$v_on" "$v_off")
echo "bench validate_resident kver=$KSERIES buffers=$VAL_BUFS off=$v_off on=$v_on extra_per_validate=$(( (v_on - v_off) / (VAL_BUFS + 1) )) ratio=$rt target=1.05 met=$(met "$rt" 1.05)"
rt=$(ratio "$af_lim" "$af_off")
echo "bench alloc_free_limit_set kver=$KSERIES size=64K off=$af_off on=$af_lim ratio=$rt"
rt=$(ratio "$v_lim" "$v_off")
echo "bench validate_resident_limit_set kver=$KSERIES buffers=$VAL_BUFS off=$v_off on=$v_lim extra_per_validate=$(( (v_lim - v_off) / (VAL_BUFS + 1) )) ratio=$rt"
ok "hot paths measured"

# start_holders: 100 cgroups holders/hN each holding one 256 KiB buffer.
start_holders() {
	local i=0
	while [ $i -lt 100 ]; do
		cg_create holders/h$i
		cg_enable holders/h$i memory
		rm -f /tmp/h$i.r
		bg_start cg_exec holders/h$i qxlbuf alloc -n 1 -s 256K --hold --ready /tmp/h$i.r -q
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 100 ]; do
		wait_file /tmp/h$i.r 60 || not_ok "holder $i"
		i=$((i + 1))
	done
}

protect_holders() {
	local i=0 r
	r=$(dmem_region drm/)
	dmem_write holders low "$r 100M"
	while [ $i -lt 100 ]; do
		dmem_write holders/h$i low "$r 1M"
		i=$((i + 1))
	done
}

remove_holders() {
	local i=0
	cleanup_bg
	while [ $i -lt 100 ]; do rmdir "$(cg_path holders/h$i)" 2>/dev/null; i=$((i + 1)); done
}

evict_loop() { per_op bench alloc_free -n "$EV_LOOPS" -c 80 -s 1M; }

for prot in 0 1; do
	start_holders
	cg_run bench qxlbench alloc_free -n 1 -c 80 -s 1M >/dev/null	# settle
	t_off=$(evict_loop)
	remove_holders
	load_dmem || not_ok "load"
	cg_enable bench
	cg_create holders/h0 && cg_enable holders/h0
	start_holders
	[ $prot = 1 ] && protect_holders
	cg_run bench qxlbench alloc_free -n 1 -c 80 -s 1M >/dev/null	# settle
	t_on=$(evict_loop)
	r=$(dmem_region drm/)
	diag "evict (protected=$prot): holders keep $(dmem_read holders current "$r") bytes charged"
	[ $prot = 1 ] && check_eq "protected holders stay in VRAM" \
		"$(dmem_read holders current "$r")" $((100 * 256 * 1024))
	echo "bench evict_path kver=$KSERIES cgroups=100 protected=$prot off=$t_off on=$t_on ratio=$(ratio "$t_on" "$t_off")"
	remove_holders
	unload_dmem || not_ok "unload"
done
ok "eviction path measured"
check "kernel log clean" kmsg_clean
finish
