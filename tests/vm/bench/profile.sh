#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest part of `make profile` (scripts/profile.sh): the two hot paths
# of tests/vm/bench/ttm_bench.sh, module not loaded and then loaded, with a
# profmark between the phases; the profiling plugin (tests/vm/bench/tbprof.c)
# snapshots its counts at each mark:
#   0 [alloc_free off] 1 [validate off] 2 (load) 3 [alloc_free on] 4 [validate on] 5
# then the kernel's text symbols are printed (lines "KSYM <kallsyms line>")
# for tests/vm/bench/profile.py.  Without the plugin it only runs the loops.
# timeout: 3000
. /dmem/lib.sh

LOOPS=3000

cg_create bench
cg_enable bench memory
warm() {
	cg_run bench qxlbench alloc_free -n 50 -s 64K >/dev/null
	cg_run bench qxlbench validate -n 20 -b 16 -s 64K >/dev/null
}
phases() {
	cg_run bench qxlbench alloc_free -n $LOOPS -s 64K || not_ok "alloc_free $1"
	profmark
	cg_run bench qxlbench validate -n $LOOPS -b 16 -s 64K || not_ok "validate $1"
	profmark
}
warm
profmark
phases off
load_dmem || not_ok "load"
cg_enable bench
warm
profmark
phases on
# while the module is loaded: its symbols name its blocks
echo "KSYM loops $LOOPS"
grep -E ' [tT] ' /proc/kallsyms | sed 's/^/KSYM /'
unload_dmem || not_ok "unload"
ok "profiled"
finish
