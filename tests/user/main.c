// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: userspace unit tests of the pure core, laid out as
 * mainline's tools/testing/vma: this file imports the core's sources and
 * the tests of each area (tests/<area>.c) into one translation unit, so that
 * tests can also check private invariants such as the children sums, and
 * runs them.  Built with ASan+UBSan by `make -C tests/user test`; every
 * test leaves no region registered and no cgroup alive, so LeakSanitizer
 * checks pool/region/cgroup lifetime too.
 */
#include "../../src/dmem_core_unity.h"	/* every source of src/core.mk */

#include "helpers.h"

#include "tests/protection.c"
#include "tests/decisions.c"
#include "tests/differential.c"
#include "tests/charge.c"
#include "tests/files.c"
#include "tests/regions.c"
#include "tests/concurrency.c"
#include "tests/math.c"
#include "tests/deep.c"
#include "tests/high.c"
#include "tests/events.c"
#include "tests/limits_set.c"

#define AREA(name) { #name, name##_tests, ARRAY_SIZE(name##_tests) }

/*
 * In this order: differential and deep draw from one random sequence
 * (helpers.h), in the order their tests run.
 */
static const struct harness_area areas[] = {
	AREA(protection),
	AREA(decisions),
	AREA(differential),
	AREA(charge),
	AREA(files),
	AREA(regions),
	AREA(concurrency),
	AREA(math),
	AREA(deep),
	AREA(high),
	AREA(events),
	AREA(limits_set),
};

int main(int argc, char **argv)
{
	int ret = harness_run(areas, ARRAY_SIZE(areas), argc > 1 ? argv[1] : NULL);

	dmem_core_exit();
	port_rcu_quiesce();
	return ret;
}
