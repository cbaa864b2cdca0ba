/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: minimal KTAP-style test harness for the userspace suites.
 * A test is a function; CHECK() records a failure with its location and
 * keeps going, so one run reports every broken expectation.  Tests are
 * grouped by area (tests/user/tests/<area>.c).
 */
#ifndef DMEM_HARNESS_H
#define DMEM_HARNESS_H

#include <stdio.h>
#include <inttypes.h>

extern int harness_failures;	/* failures in the current test */

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		harness_failures++;					\
		printf("#   %s:%d: check failed: %s\n", __FILE__,	\
		       __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	unsigned long long __a = (unsigned long long)(a);		\
	unsigned long long __b = (unsigned long long)(b);		\
	if (__a != __b) {						\
		harness_failures++;					\
		printf("#   %s:%d: %s == %llu, expected %s == %llu\n",	\
		       __FILE__, __LINE__, #a, __a, #b, __b);		\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *__a = (a), *__b = (b);				\
	if (strcmp(__a, __b)) {						\
		harness_failures++;					\
		printf("#   %s:%d: got \"%s\", expected \"%s\"\n",	\
		       __FILE__, __LINE__, __a, __b);			\
	}								\
} while (0)

struct harness_test {
	const char *name;
	void (*fn)(void);
};

/* the tests of one area (one file of tests/user/tests/) */
struct harness_area {
	const char *name;
	const struct harness_test *tests;
	int n;
};

/*
 * Run the tests of every area (only those of area @only if not NULL), as
 * one numbered list: `ok N name` / `not ok N name`, then `N passed, N
 * failed`.  Returns 1 if a test failed.
 */
int harness_run(const struct harness_area *areas, int nareas, const char *only);

#endif
