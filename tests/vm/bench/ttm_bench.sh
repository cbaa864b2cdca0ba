#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest TTM benchmark (run by scripts/bench.sh through tests/vm/run.sh
# --file).  Prints ratios measured side by side in one boot, never asserts
# timings:
#   bench alloc_overhead kver=<series> ratio=<loaded/unloaded>
#       qxl buffer create+destroy loop (64 KiB VRAM buffers) in a cgroup,
#       module loaded (charging, tracking, hooks) vs not loaded; rounds
#       alternate to spread noise.
#   bench evict_path kver=<series> cgroups=100 protected=<0|1> ratio=<x>
#       3 x (80 x 1 MiB: more than VRAM, so every run keeps evicting its
#       own older buffers through our hooks) next to 100 cgroups holding
#       256 KiB each, loaded vs not loaded.  With protected=1 the 100
#       cgroups have dmem.low covering their buffer: they stay in VRAM and
#       every eviction walk evaluates and skips all 100 of them.
# timeout: 900
. /dmem/lib.sh

ROUNDS=${ROUNDS:-3}
LOOPS=${LOOPS:-1500}

now() { cut -d' ' -f1 /proc/uptime; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }

kmsg_mark
cg_create bench
cg_create holders
# The dmem files live on the memory controller: enable it for both sides
# so that memcg's own cost is not counted as ours.
cg_enable bench memory

# time_loop: seconds for LOOPS create+destroy cycles in cgroup bench.
time_loop() {
	local t0 t1
	t0=$(now)
	cg_run bench qxlbuf alloc -n 1 -s 64K -r "$LOOPS" -q || not_ok "alloc loop failed"
	t1=$(now)
	elapsed "$t0" "$t1"
}

time_loop >/dev/null	# warm-up
off=0 on=0 r=0
while [ $r -lt "$ROUNDS" ]; do
	t=$(time_loop)
	off=$(awk -v a=$off -v b="$t" 'BEGIN { print a + b }')
	load_dmem || not_ok "load"
	cg_enable bench
	t=$(time_loop)
	on=$(awk -v a=$on -v b="$t" 'BEGIN { print a + b }')
	unload_dmem || not_ok "unload"
	r=$((r + 1))
done
diag "alloc loop: unloaded $off s, loaded $on s ($ROUNDS x $LOOPS cycles each)"
echo "bench alloc_overhead kver=$KSERIES ratio=$(ratio "$on" "$off")"
ok "alloc overhead measured"

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

# time_evict: seconds to allocate 3 x 80 x 1 MiB next to the holders.
time_evict() {
	local t0 t1
	t0=$(now)
	cg_run bench qxlbuf alloc -n 80 -s 1M -r 3 -q || not_ok "evicting allocation failed"
	t1=$(now)
	elapsed "$t0" "$t1"
}

for prot in 0 1; do
	start_holders
	cg_run bench qxlbuf alloc -n 80 -s 1M -q	# settle: pre-existing out
	t_off=$(time_evict)
	cleanup_bg
	load_dmem || not_ok "load"
	cg_enable holders/h0
	i=1
	while [ $i -lt 100 ]; do cg_enable holders/h$i; i=$((i + 1)); done
	cg_enable bench
	start_holders
	[ $prot = 1 ] && protect_holders
	cg_run bench qxlbuf alloc -n 80 -s 1M -q
	t_on=$(time_evict)
	r=$(dmem_region drm/)
	diag "evict (protected=$prot): unloaded $t_off s, loaded $t_on s; holders keep $(dmem_read holders current "$r") bytes"
	echo "bench evict_path kver=$KSERIES cgroups=100 protected=$prot ratio=$(ratio "$t_on" "$t_off")"
	cleanup_bg
	i=0
	while [ $i -lt 100 ]; do rmdir "$(cg_path holders/h$i)" 2>/dev/null; i=$((i + 1)); done
	unload_dmem || not_ok "unload"
done
ok "eviction path measured"
check "kernel log clean" kmsg_clean
finish
