// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "harness.h"

int harness_failures;

/* Kernel-style warnings counted by the port (port_user.c). */
extern unsigned long port_warnings;

int harness_run(const struct harness_test *tests, int n)
{
	int i, passed = 0, failed = 0;

	printf("TAP version 13\n1..%d\n", n);
	for (i = 0; i < n; i++) {
		unsigned long warnings = port_warnings;

		harness_failures = 0;
		tests[i].fn();
		if (port_warnings != warnings) {
			printf("#   %lu kernel warning(s) (WARN_ON, refcount_t)\n",
			       port_warnings - warnings);
			harness_failures++;
		}
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
