#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Adversary: 10^6 fuzzed writes (fixed seed; 10^5 on the debug kernel) to
# dmem.min/low/max of a cgroup in a delegated subtree, as uid 1000, and
# fuzzed dmem/memory tokens to
# cgroup.subtree_control: every byte value, NUL bytes, over-long writes (up
# to and beyond a page), many lines, huge numbers, suffixes, signs, white
# space, unknown regions.  Each write's result and the limits read back must
# match dmemfuzz's reference parser (a failed write changes nothing); the
# kernel must stay clean.
# kernels: 6.1 6.12
# timeout: 420
. /dmem/lib.sh

# 10^6 writes; 10^5 (the same seed's first) on the debug kernel ($KDEBUG,
# several times slower), where KASAN/UBSAN watch the parser's every path.
if [ "${KDEBUG:-0}" = 1 ]; then N=100000; else N=1000000; fi
adv_setup
check "user enables memory and dmem below the delegated cgroup" \
	adv_asuser sh -c "echo +memory >$D/cgroup.subtree_control && echo +dmem >$D/cgroup.subtree_control"
check "user creates f, s and s/c" adv_asuser mkdir "$D/f" "$D/s" "$D/s/c"
check "f has dmem.max" test -f "$D/f/dmem.max"

t0=$(date +%s)
out=$(adv_asuser dmemfuzz limits "$D/f" "$N" 0x5eed 2>&1)
rc=$?
echo "$out" | tail -n 25
check_eq "$N fuzzed limit writes match the reference parser" "$rc" 0
diag "limits fuzz took $(($(date +%s) - t0)) s"
case "$out" in *"$N writes"*) ok "all $N writes were made" ;; *) not_ok "all $N writes were made" ;; esac

t0=$(date +%s)
out=$(adv_asuser dmemfuzz subtree "$D/s" 5000 0xd3e3 2>&1)
rc=$?
echo "$out" | tail -n 25
check_eq "fuzzed subtree_control writes: failures change nothing" "$rc" 0
diag "subtree fuzz took $(($(date +%s) - t0)) s"

# Whatever the fuzzer left: a last exact write must work and read back.
check "user sets f's dmem.max exactly" adv_asuser sh -c "echo '$R 12345678' >$D/f/dmem.max"
check_eq "f dmem.max reads back" "$(dmem_read "$ADV_CG/f" max "$R")" 12345678
check_eq "f holds no charge" "$(dmem_read "$ADV_CG/f" current "$R")" 0
check "user removes its cgroups" adv_asuser rmdir "$D/s/c" "$D/s" "$D/f"
adv_undelegate
check "module unloads" unload_dmem
check "kernel log clean" kmsg_clean
finish
