// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace runner of the differential suite: the core (through
 * kunit/dmem_core_whitebox.c) and kunit/dmem_core_vs_page_counter.c in one
 * program, linked with the kernel's mm/page_counter.c (built by
 * scripts/kunit-diff-user.sh from the linux-source tree, never committed).
 * Prints `ok N kunit-user/<suite>.<case>` lines and `N passed, N failed`.
 */
#include "dmem_core_whitebox.c"
#include "dmem_core_vs_page_counter.c"

int main(void)
{
	struct kunit_case *c;
	int n = 0, passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (c = kuser_suite->test_cases; c->run_case; c++) {
		struct kunit test = { c->name, 0 };

		c->run_case(&test);
		n++;
		if (test.failed) {
			failed++;
			printf("not ok %d kunit-user/%s.%s\n", n, kuser_suite->name, c->name);
		} else {
			passed++;
			printf("ok %d kunit-user/%s.%s\n", n, kuser_suite->name, c->name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
