// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"

int harness_failures;

/* Kernel-style warnings counted by the port (port_user.c). */
extern unsigned long port_warnings;

static bool harness_run_one(const struct harness_test *t, int nr)
{
	unsigned long warnings = port_warnings;

	harness_failures = 0;
	t->fn();
	if (port_warnings != warnings) {
		printf("#   %lu kernel warning(s) (WARN_ON, refcount_t)\n",
		       port_warnings - warnings);
		harness_failures++;
	}
	fflush(stdout);
	printf("%sok %d %s\n", harness_failures ? "not " : "", nr, t->name);
	fflush(stdout);
	return !harness_failures;
}

int harness_run(const struct harness_area *areas, int nareas, const char *only)
{
	int a, i, n = 0, passed = 0, failed = 0;

	for (a = 0; a < nareas; a++)
		if (!only || !strcmp(only, areas[a].name))
			n += areas[a].n;
	printf("TAP version 13\n1..%d\n", n);
	n = 0;
	for (a = 0; a < nareas; a++) {
		if (only && strcmp(only, areas[a].name))
			continue;
		printf("# %s (tests/%s.c)\n", areas[a].name, areas[a].name);
		for (i = 0; i < areas[a].n; i++) {
			if (harness_run_one(&areas[a].tests[i], ++n))
				passed++;
			else
				failed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed || !n ? 1 : 0;
}
