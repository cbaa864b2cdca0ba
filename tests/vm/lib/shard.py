#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Expected guest time of in-guest tests, and a suite cut into parts.

usage: shard.py estimate TIMES STOCK-TIMES SCALE SEED-TIMES
       shard.py part K/N TIMES STOCK-TIMES SCALE SEED-TIMES

stdin: one "TEST TIMEOUT" line per selected test, in run order (TIMEOUT:
its "# timeout:" header, default 180).  TIMES: "TEST SECONDS ..." lines of
the last runs on this kernel (tests/vm/run.sh keeps them in
~/.cache/dmem-backport/timings/vm-<series>.tests); STOCK-TIMES: the same
for the stock kernel of the series (used, times SCALE, for a test never
timed on a debug kernel).  SEED-TIMES: the same for this kernel, as
recorded in the repository (tests/vm/times/vm-<series>.tests), for a test
this machine has not timed: a fresh machine (CI) cuts the suite by
measured times, not by guesses in other units than the lanes' other
stages.  A test timed nowhere costs TIMEOUT / 6 x SCALE
(the headers' timeouts are ~6x the tests' stock times: 180 for the short
ones, 1200 for init_fault), times what that guess was worth for the
tests that are timed (when 5 or more are).

estimate: prints the expected seconds of all the tests.
part K/N: prints the tests of part K (one line, in run order).  The parts
are cut longest test first into the part with the least expected time so
far, which starts at the part's base: VM_SHARD_BASE="S1,...,SN" (seconds
that run before the part on its core).  Every test is in exactly one part,
and every K of the same N, TIMES and base gets the same cut.
"""
import os
import sys


def load(path):
    times = {}
    try:
        with open(path) as f:
            for line in f:
                w = line.split()
                if len(w) >= 2:
                    try:
                        times[w[0]] = float(w[1])
                    except ValueError:
                        pass
    except OSError:
        pass
    return times


def calibrate(cost, guess):
    """Cost the tests timed nowhere: their timeout guess, scaled by what
    the guesses of the timed tests were worth (sum of their times over sum
    of their guesses), once 5 or more tests are timed.  Otherwise a suite
    half timed, half guessed is cut in unequal parts (the guesses run ~2x
    high)."""
    timed = [t for t in guess if t in cost]
    k = 1.0
    if len(timed) >= 5:
        g = sum(guess[t] for t in timed)
        if g > 0:
            k = sum(cost[t] for t in timed) / g
    for t in guess:
        if t not in cost:
            cost[t] = guess[t] * k


def main():
    mode = sys.argv[1]
    args = sys.argv[2:]
    part = None
    if mode == "part":
        part = args.pop(0)
    own, stock = load(args[0]), load(args[1])
    scale = float(args[2])
    seed = load(args[3]) if len(args) > 3 else {}
    tests, cost, guess = [], {}, {}
    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        name = w[0]
        timeout = float(w[1]) if len(w) > 1 and w[1].isdigit() else 180.0
        tests.append(name)
        guess[name] = timeout / 6 * scale
        if name in own:
            cost[name] = own[name]
        elif name in seed:
            cost[name] = seed[name]
        elif name in stock:
            cost[name] = stock[name] * scale
    calibrate(cost, guess)
    if mode == "estimate":
        print("%d" % sum(cost.values()))
        return
    k, n = (int(x) for x in part.split("/"))
    if not 1 <= k <= n:
        sys.exit("shard.py: part %s: K must be 1..N" % part)
    base = os.environ.get("VM_SHARD_BASE", "").replace(",", " ").split()
    loads = [float(b) for b in (base + ["0"] * n)[:n]]
    where = {}
    for t in sorted(tests, key=lambda t: (-cost[t], t)):
        i = min(range(n), key=lambda i: (loads[i], i))
        where[t] = i + 1
        loads[i] += cost[t]
    print(" ".join(t for t in tests if where[t] == k))
    mine = sum(cost[t] for t in tests if where[t] == k)
    print("run.sh: part %d/%d: %d tests, expected %.0f s (parts end at %s s)" %
          (k, n, sum(1 for t in tests if where[t] == k), mine,
           ", ".join("%.0f" % x for x in loads)), file=sys.stderr)


if __name__ == "__main__":
    main()
