// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "harness.h"

int harness_failures;

int harness_run(const struct harness_test *tests, int n)
{
	int i, passed = 0, failed = 0;

	printf("TAP version 13\n1..%d\n", n);
	for (i = 0; i < n; i++) {
		harness_failures = 0;
		tests[i].fn();
		fflush(stdout);
		if (harness_failures) {
			printf("not ok %d %s\n", i + 1, tests[i].name);
			failed++;
		} else {
			printf("ok %d %s\n", i + 1, tests[i].name);
			passed++;
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
