#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Per-function instruction deltas of `make profile` (scripts/profile.sh).

usage: profile.py PREFIX BOOT_LOG [TOP]

PREFIX.0 .. PREFIX.5 are the plugin's snapshots (tests/vm/bench/tbprof.c)
taken by tests/vm/bench/profile.sh; BOOT_LOG holds its "KSYM" lines (the
guest's /proc/kallsyms and the loop count).  For alloc_free and validate
prints the kernel instructions per loop without and with the module and,
per function, what loading the module added (negative: saved), the TOP
largest first.  A block is named after the closest symbol at or below its
start; differences of a few instructions are noise (interrupts, layout).
"""
import bisect
import re
import sys


def read_symbols(log):
    syms, loops = [], None
    pat = re.compile(r'KSYM ([0-9a-f]+) [tT] (\S+)(?:\s+\[(\S+)\])?')
    for line in open(log, errors='replace'):
        m = re.search(r'KSYM loops (\d+)', line)
        if m:
            loops = int(m.group(1))
            continue
        m = pat.search(line)
        if m:
            name = m.group(2) + ('[%s]' % m.group(3) if m.group(3) else '')
            syms.append((int(m.group(1), 16), name))
    syms.sort()
    return syms, loops


def read_snapshot(path, syms, addrs):
    per_func = {}
    for line in open(path):
        vaddr, insns, execs = line.split()
        i = bisect.bisect_right(addrs, int(vaddr, 16)) - 1
        name = syms[i][1] if i >= 0 else '?'
        per_func[name] = per_func.get(name, 0) + int(insns) * int(execs)
    return per_func


def delta(snaps, a, b):
    keys = set(snaps[a]) | set(snaps[b])
    return {k: snaps[b].get(k, 0) - snaps[a].get(k, 0) for k in keys}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    prefix, log = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    syms, loops = read_symbols(log)
    if not syms or not loops:
        sys.exit('profile.py: no KSYM lines in %s' % log)
    addrs = [s[0] for s in syms]
    snaps = [read_snapshot('%s.%d' % (prefix, k), syms, addrs)
             for k in range(6)]
    for name, off, on in (('alloc_free', (0, 1), (3, 4)),
                          ('validate', (1, 2), (4, 5))):
        d_off, d_on = delta(snaps, *off), delta(snaps, *on)
        added = {k: (d_on.get(k, 0) - d_off.get(k, 0)) / loops
                 for k in set(d_off) | set(d_on)}
        print('profile %s: kernel insn/loop off=%.0f on=%.0f added=%.0f' %
              (name, sum(d_off.values()) / loops,
               sum(d_on.values()) / loops, sum(added.values())))
        for k, v in sorted(added.items(), key=lambda kv: -abs(kv[1]))[:top]:
            print('%10.1f  %s' % (v, k))


if __name__ == '__main__':
    main()
