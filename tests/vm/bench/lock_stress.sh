#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lock contention under parallel submission, run by scripts/bench.sh as
#   tests/vm/run.sh --kver 6.12-debug --icount --show --file tests/vm/bench/lock_stress.sh
# (2 vCPUs; the debug kernel has lockdep and friends, so lock hold times
# are long and contention shows if there is any; --icount keeps the
# guest's clock in step with its instructions: on a loaded host the debug
# kernel's IO-APIC timer check failed without it).  Four tasks in four
# cgroups allocate/free VRAM buffers and submit execbuffers of resident
# buffers at the same time; the module counts the acquisitions of its
# hot-path spinlocks that had to wait (parameter lock_contended).  Prints:
#   bench lock_contention kver=<s> smp=<n> tasks=4 contended=<count> target=0 met=<yes|no>
# smp: 2
# timeout: 900
. /dmem/lib.sh

LOOPS=${LOOPS:-300}
param=/sys/module/dmem_backport/parameters/lock_contended

kmsg_mark
check "module loads" load_dmem
i=0
while [ $i -lt 4 ]; do
	cg_create stress/s$i
	cg_enable stress/s$i memory
	cg_enable stress/s$i
	i=$((i + 1))
done
before=$(cat $param)
# two allocators, two submitters, all at once
cg_exec stress/s0 qxlbench alloc_free -n "$LOOPS" -s 64K >/tmp/s0.out &
p0=$!
cg_exec stress/s1 qxlbench alloc_free -n "$LOOPS" -s 64K >/tmp/s1.out &
p1=$!
cg_exec stress/s2 qxlbench validate -n "$LOOPS" -b 16 -s 64K >/tmp/s2.out &
p2=$!
cg_exec stress/s3 qxlbench validate -n "$LOOPS" -b 16 -s 64K >/tmp/s3.out &
p3=$!
for p in $p0 $p1 $p2 $p3; do
	check "stress task $p" wait $p
done
cat /tmp/s[0-3].out | sed 's/^/# /'
n=$(( $(cat $param) - before ))
echo "bench lock_contention kver=$KSERIES smp=$(grep -c ^processor /proc/cpuinfo) tasks=4 contended=$n target=0 met=$([ "$n" -eq 0 ] && echo yes || echo no)"
ok "contention counted"
cg_remove stress
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
