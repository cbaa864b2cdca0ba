/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the part of KUnit that
 * kunit/dmem_core_vs_page_counter.c uses, so that the differential suite
 * also runs in seconds against the kernel's own mm/page_counter.c compiled
 * in userspace (scripts/kunit-diff-user.sh).
 */
#ifndef KUSER_KUNIT_TEST_H
#define KUSER_KUNIT_TEST_H
#include "port_user.h"

struct kunit {
	const char *name;
	int failed;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
};

struct kunit_suite {
	const char *name;
	struct kunit_case *test_cases;
};

extern struct kunit_suite *kuser_suite;

#define KUNIT_CASE(f)		{ f, #f }
#define KUNIT_CASE_SLOW(f)	{ f, #f }
#define kunit_test_suite(s)	struct kunit_suite *kuser_suite = &(s)
#define MODULE_LICENSE(x)	static const char *kuser_license __always_unused = x
#define BUILD_BUG_ON(c)		((void)sizeof(char[1 - 2 * !!(c)]))
#define cond_resched()		do { } while (0)

#define kunit_err(t, fmt, ...)	((void)(t), printf("    # " fmt, ##__VA_ARGS__))
#define kunit_info(t, fmt, ...)	((void)(t), printf("    # " fmt, ##__VA_ARGS__))
#define KUNIT_FAIL(t, fmt, ...) do {					\
	(t)->failed++;							\
	printf("    # %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__); \
} while (0)
#define KUNIT_EXPECT_TRUE_MSG(t, c, what) do {				\
	if (!(c))							\
		KUNIT_FAIL(t, "expected %s", what);			\
} while (0)
#define KUNIT_EXPECT_EQ(t, a, b)	KUNIT_EXPECT_TRUE_MSG(t, (a) == (b), #a " == " #b)
#define KUNIT_EXPECT_PTR_EQ(t, a, b)	KUNIT_EXPECT_TRUE_MSG(t, (a) == (b), #a " == " #b)
#define KUNIT_EXPECT_GT(t, a, b)	KUNIT_EXPECT_TRUE_MSG(t, (a) > (b), #a " > " #b)
#define KUNIT_ASSERT_NOT_NULL(t, p) do {				\
	if (!(p)) {							\
		KUNIT_FAIL(t, "%s is NULL", #p);			\
		abort();						\
	}								\
} while (0)

static inline void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	(void)test;
	(void)gfp;
	return calloc(1, size);	/* freed at exit */
}
#endif
