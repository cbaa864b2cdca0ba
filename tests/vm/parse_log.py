#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Parse one serial log of a test-guest boot (see tests/vm/guest/init).

usage: parse_log.py LOG SERIES SEGDIR TEST...

Prints one verdict per test that started in this boot, unnumbered (run.sh
numbers and counts them with tests/shared/results.sh):
    ok <series>/<test>   ok <series>/<test> # SKIP   not ok <series>/<test> (reason)
followed (for failures) by `# ` diagnostic lines, and for each test that ended
    @T <test> <guest seconds> <busy vCPU seconds>
(from the t=UP/IDLE fields of its markers; busy = CPUs * elapsed - idle,
the part of the guest time the vCPUs ran, i.e. host CPU under TCG), and
once per boot `@B <busy vCPU seconds outside the tests>` (before the
first test and in the kmemleak scan after the last).
Writes each test's part of the log to SEGDIR/<test>.log.  The last line
printed is
    @@ <not-started tests...>
for run.sh, which boots again for tests that did not start.  A test's part
ends at the next BEGIN, at LEAKSCAN (the kmemleak scan after the last test,
checked by run.sh over the whole log) or at ALLDONE.
"""
import os
import re
import sys

MARK = "@@DMEMTEST@@"
KERNEL_BAD = re.compile(
    r"BUG:|WARNING:|Oops|Call Trace|Kernel panic|general protection fault|"
    r"list_(add|del) corruption|refcount_t:|UBSAN|KASAN|KFENCE|"
    r"possible circular locking|inconsistent lock state|"
    r"possible recursive locking|DEBUG_LOCKS_WARN_ON|"
    r"INFO: trying to register non-static key|"
    r"suspected memory leak")
RESULT = re.compile(r"^(not ok|ok) (\d+)\b(.*)$")
TIME = re.compile(r"\bt=([0-9.]+)/([0-9.]+)")


def main():
    log, series, segdir = sys.argv[1:4]
    tests = sys.argv[4:]
    with open(log, "rb") as f:
        lines = [l.decode("utf-8", "replace").rstrip("\r\n").replace("\r", "")
                 for l in f]

    booted = any(MARK + " BOOTED" in l for l in lines)
    bootfail = [l for l in lines if MARK + " BOOTFAIL" in l]
    cpus = 1
    for l in lines:
        m = re.search(MARK + r" BOOTED .*\bcpus=(\d+)", l)
        if m:
            cpus = int(m.group(1))
    begins = [(i, (l.split(MARK + " BEGIN ", 1)[1].split() or [""])[0])
              for i, l in enumerate(lines) if MARK + " BEGIN " in l]
    if begins:
        t = TIME.search(lines[begins[0][0]])
        if t:
            # the boot's own busy seconds: before the first test, and in
            # the kmemleak scan after the last one
            busy = cpus * float(t.group(1)) - float(t.group(2))
            scan = [TIME.search(l) for l in lines
                    if MARK + " LEAKSCAN" in l and TIME.search(l)]
            if len(scan) >= 2:
                busy += cpus * (float(scan[-1].group(1)) - float(scan[0].group(1))) \
                    - (float(scan[-1].group(2)) - float(scan[0].group(2)))
            print("@B %.1f" % max(0.0, busy))
    alldone = [i for i, l in enumerate(lines)
               if MARK + " ALLDONE" in l or MARK + " LEAKSCAN" in l]
    end_of = alldone[0] if alldone else len(lines)

    started = set()
    os.makedirs(segdir, exist_ok=True)
    # Reports printed before the first test (boot, module probing) count
    # against the first test of the boot.
    early = [l for l in lines[:begins[0][0]] if KERNEL_BAD.search(l)] \
        if begins else []
    for k, (start, name) in enumerate(begins):
        stop = begins[k + 1][0] if k + 1 < len(begins) else end_of
        seg = lines[start:stop]
        started.add(name)
        with open(os.path.join(segdir, name + ".log"), "w") as f:
            f.write("\n".join(seg) + "\n")
        end = [l for l in seg if MARK + " END " + name + " " in l]
        t0 = TIME.search(lines[start])
        t1 = TIME.search(end[0]) if end else None
        if t0 and t1:
            wall = float(t1.group(1)) - float(t0.group(1))
            idle = float(t1.group(2)) - float(t0.group(2))
            print("@T %s %.1f %.1f" % (name, wall, max(0.0, cpus * wall - idle)))
        results = [m for m in (RESULT.match(l) for l in seg) if m]
        bad = [l for l in seg if KERNEL_BAD.search(l) and not RESULT.match(l)]
        oks = [m for m in results if m.group(1) == "ok" and "# SKIP" not in m.group(3)]
        skips = [m for m in results if m.group(1) == "ok" and "# SKIP" in m.group(3)]
        nots = [m for m in results if m.group(1) == "not ok"]
        reasons = []
        if not end:
            reasons.append("no end marker (kernel panic, hang or timeout)")
        else:
            rc = re.search(r"rc=(\d+)", end[0])
            if rc and rc.group(1) != "0":
                reasons.append("test exited %s" % rc.group(1))
        if nots:
            reasons.append("%d check(s) failed" % len(nots))
        if bad:
            reasons.append("kernel reported: " + bad[0].strip()[:120])
        if k == 0 and early:
            reasons.append("kernel reported before the test: " + early[0].strip()[:100])
        if not reasons and not oks and not skips:
            reasons.append("no result line")
        name_s = "%s/%s" % (series, name)
        if reasons:
            print("not ok %s (%s)" % (name_s, "; ".join(reasons)))
            for m in nots:
                print("#   %s" % m.group(0))
            print("# ---- last lines of %s/%s.log" % (segdir, name))
            for l in seg[-40:]:
                print("# | " + l)
        elif not oks:
            print("ok %s # SKIP" % name_s)
        else:
            print("ok %s" % name_s)

    not_started = [t for t in tests if t not in started]
    if not_started and not begins:
        # The guest never reached the tests: fail them all here, rebooting
        # would fail the same way.
        reason = bootfail[0].split("BOOTFAIL", 1)[1].strip() if bootfail \
            else "guest crashed before the test started" if booted \
            else "guest did not boot"
        for t in not_started:
            print("not ok %s/%s (%s)" % (series, t, reason))
        print("# ---- last lines of %s" % log)
        for l in lines[-40:]:
            print("# | " + l)
        not_started = []
    print("@@ %s" % " ".join(not_started))


if __name__ == "__main__":
    main()
