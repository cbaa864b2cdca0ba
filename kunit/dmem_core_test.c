// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: KUnit tests of the pure core (src/dmem_core.c) running in
 * the kernel, with real spinlocks, RCU and slab.  Black-box: only the API
 * of include/dmem_core.h is used.  The userspace suite (tests/user) holds
 * the bulk of the cases, including the differential tests; these check
 * that the same code behaves the same way in the kernel.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dmem_core.h"
#include "dmem_test.h"
#include "dmem_decision_cases.h"

#define MB (1024ULL * 1024)

/* ---- helpers (tests/shared/dmem_test.h) with KUnit's assertions ---------- */

static struct dmem_cg *ktest_cg_new(struct kunit *test, struct dmem_cg *parent,
				    atomic_t *released)
{
	struct dmem_cg *cg = dmem_test_cg_new(parent, released);

	KUNIT_ASSERT_NOT_NULL(test, cg);
	return cg;
}

struct ktest_printer {
	struct dmem_test_printer tp;
	char buf[512];
};

static const char *ktest_show(struct ktest_printer *kp, struct dmem_cg *cg,
			      enum dmem_file file)
{
	return dmem_test_show(&kp->tp, kp->buf, sizeof(kp->buf), cg, file);
}

static struct dmem_pool *ktest_pool(struct kunit *test, struct dmem_cg *cg,
				    struct dmem_region *r)
{
	struct dmem_pool *pool = dmem_test_pool(cg, r);

	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	return pool;
}

/* ---- dmem_core_protection ------------------------------------------------ */

/*
 * The memcg documentation example (see tests/user/tests/protection.c for the
 * derivation): A low 50M, A/B low 50M, children C/D/E/F asking
 * 75M/25M/500M/0 with usage 50M/50M/0/50M.  B's children claim 75M of
 * B's 50M: C gets 50*50/75 = 33.33M, D 16.67M, E and F nothing.
 */
static void dmem_core_memcg_doc_example(struct kunit *test)
{
	struct dmem_cg *root = ktest_cg_new(test, NULL, NULL);
	struct dmem_cg *a = ktest_cg_new(test, root, NULL);
	struct dmem_cg *b = ktest_cg_new(test, a, NULL);
	struct dmem_cg *c = ktest_cg_new(test, b, NULL);
	struct dmem_cg *d = ktest_cg_new(test, b, NULL);
	struct dmem_cg *e = ktest_cg_new(test, b, NULL);
	struct dmem_cg *f = ktest_cg_new(test, b, NULL);
	struct dmem_region *r = dmem_region_register("kunit/doc", 1024 * MB, NULL);
	struct dmem_pool *pc, *pd, *pe, *pf;
	bool hit = false;

	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, dmem_test_write(a, DMEM_FILE_LOW, "kunit/doc 50M"), 0);
	KUNIT_EXPECT_EQ(test, dmem_test_write(b, DMEM_FILE_LOW, "kunit/doc 50M"), 0);
	KUNIT_EXPECT_EQ(test, dmem_test_write(c, DMEM_FILE_LOW, "kunit/doc 75M"), 0);
	KUNIT_EXPECT_EQ(test, dmem_test_write(d, DMEM_FILE_LOW, "kunit/doc 25M"), 0);
	KUNIT_EXPECT_EQ(test, dmem_test_write(e, DMEM_FILE_LOW, "kunit/doc 500M"), 0);
	pc = ktest_pool(test, c, r);
	pd = ktest_pool(test, d, r);
	pe = ktest_pool(test, e, r);
	pf = ktest_pool(test, f, r);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(pc, 50 * MB, NULL), 0);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(pd, 50 * MB, NULL), 0);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(pf, 50 * MB, NULL), 0);

	KUNIT_EXPECT_EQ(test, dmem_effective_low(NULL, pc), 34952533ULL);
	KUNIT_EXPECT_EQ(test, dmem_effective_low(NULL, pd), 17476266ULL);
	KUNIT_EXPECT_EQ(test, dmem_effective_low(NULL, pe), 0ULL);
	KUNIT_EXPECT_EQ(test, dmem_effective_low(NULL, pf), 0ULL);
	KUNIT_EXPECT_TRUE(test, dmem_evict_valuable(NULL, pc, false, &hit));

	/* settled at C 33M, D 17M: both exactly protected */
	dmem_pool_uncharge(pc, 17 * MB);
	dmem_pool_uncharge(pd, 33 * MB);
	KUNIT_EXPECT_EQ(test, dmem_effective_low(NULL, pc), 33 * MB);
	KUNIT_EXPECT_FALSE(test, dmem_evict_valuable(NULL, pc, false, &hit));
	KUNIT_EXPECT_TRUE(test, hit);
	KUNIT_EXPECT_TRUE(test, dmem_evict_valuable(NULL, pc, true, &hit));
	KUNIT_EXPECT_TRUE(test, dmem_below_low(NULL, pc));
	KUNIT_EXPECT_FALSE(test, dmem_below_min(NULL, pc));

	dmem_pool_uncharge(pc, 33 * MB);
	dmem_pool_uncharge(pd, 17 * MB);
	dmem_pool_uncharge(pf, 50 * MB);
	dmem_region_unregister(r);
	dmem_test_cg_del(c);
	dmem_test_cg_del(d);
	dmem_test_cg_del(e);
	dmem_test_cg_del(f);
	dmem_test_cg_del(b);
	dmem_test_cg_del(a);
	dmem_test_cg_del(root);
}

/*
 * Recursive protection: P low 100M with children X (low 0, 150M) and
 * Y (low 20M, 50M).  80M unclaimed, shared by unprotected usage over
 * 180M: X = 80*150/180 = 66.67M, Y = 20 + 80*30/180 = 33.33M.
 */
static void dmem_core_recursive_share(struct kunit *test)
{
	struct dmem_cg *root = ktest_cg_new(test, NULL, NULL);
	struct dmem_cg *p = ktest_cg_new(test, root, NULL);
	struct dmem_cg *x = ktest_cg_new(test, p, NULL);
	struct dmem_cg *y = ktest_cg_new(test, p, NULL);
	struct dmem_region *r = dmem_region_register("kunit/rec", 1024 * MB, NULL);
	struct dmem_pool *px, *py;

	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, dmem_test_write(p, DMEM_FILE_LOW, "kunit/rec 100M"), 0);
	KUNIT_EXPECT_EQ(test, dmem_test_write(y, DMEM_FILE_LOW, "kunit/rec 20M"), 0);
	px = ktest_pool(test, x, r);
	py = ktest_pool(test, y, r);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(px, 150 * MB, NULL), 0);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(py, 50 * MB, NULL), 0);
	KUNIT_EXPECT_EQ(test, dmem_effective_low(NULL, px), 69905066ULL);
	KUNIT_EXPECT_EQ(test, dmem_effective_low(NULL, py), 34952533ULL);
	dmem_pool_uncharge(px, 150 * MB);
	dmem_pool_uncharge(py, 50 * MB);
	dmem_region_unregister(r);
	dmem_test_cg_del(x);
	dmem_test_cg_del(y);
	dmem_test_cg_del(p);
	dmem_test_cg_del(root);
}

/*
 * Rules before protection, and the reported edge case: when evictor and
 * evictee only share the root cgroup, the common ancestor is the root
 * pool and the buffer is evictable even though it is min-protected.
 */
static void dmem_core_evict_rules_and_root_ancestor(struct kunit *test)
{
	struct dmem_cg *root = ktest_cg_new(test, NULL, NULL);
	struct dmem_cg *a = ktest_cg_new(test, root, NULL);
	struct dmem_cg *ax = ktest_cg_new(test, a, NULL);
	struct dmem_cg *b = ktest_cg_new(test, root, NULL);
	struct dmem_region *r = dmem_region_register("kunit/rules", 1024 * MB, NULL);
	struct dmem_pool *pax, *pb, *pa, *anc;
	bool hit = false;

	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	pax = ktest_pool(test, ax, r);
	pa = ktest_pool(test, a, r);
	pb = ktest_pool(test, b, r);
	KUNIT_EXPECT_EQ(test, dmem_test_write(b, DMEM_FILE_MIN, "kunit/rules max"), 0);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(pb, 8 * MB, NULL), 0);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(pax, 8 * MB, NULL), 0);

	KUNIT_EXPECT_TRUE(test, dmem_evict_valuable(pb, pb, false, &hit));
	KUNIT_EXPECT_FALSE(test, dmem_evict_valuable(pa, pb, true, &hit));
	KUNIT_EXPECT_FALSE(test, dmem_evict_valuable(NULL, pb, true, &hit));
	KUNIT_EXPECT_FALSE(test, hit);
	KUNIT_EXPECT_TRUE(test, dmem_below_min(NULL, pb));

	anc = dmem_common_ancestor(pax, pb);
	KUNIT_ASSERT_NOT_NULL(test, anc);
	KUNIT_EXPECT_PTR_EQ(test, dmem_pool_parent(anc), NULL);
	KUNIT_EXPECT_PTR_EQ(test, dmem_pool_cg(anc), root);
	KUNIT_EXPECT_TRUE(test, dmem_evict_valuable(anc, pb, true, &hit));
	anc = dmem_common_ancestor(pax, pa);
	KUNIT_EXPECT_PTR_EQ(test, anc, pa);

	dmem_pool_uncharge(pb, 8 * MB);
	dmem_pool_uncharge(pax, 8 * MB);
	dmem_region_unregister(r);
	dmem_test_cg_del(ax);
	dmem_test_cg_del(a);
	dmem_test_cg_del(b);
	dmem_test_cg_del(root);
}

/*
 * The shared decision table (tests/shared/dmem_decision_cases.h): every
 * eviction decision and every "evict before falling back" answer, as in
 * userspace.
 */
static void dmem_core_decision_table(struct kunit *test)
{
	struct dc_tree t;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dc_evict_cases); i++) {
		const struct dc_evict_case *c = &dc_evict_cases[i];
		bool hit = false, ok;

		KUNIT_ASSERT_EQ_MSG(test, dc_build(&t, &dc_setups[c->setup]), 0,
				    "evict case %zu: building its tree", i);
		ok = dmem_may_evict(dc_pool(&t, c->limit), dc_pool(&t, c->evictor),
				    t.pool[c->evictee], c->ignore_low, &hit);
		KUNIT_EXPECT_EQ_MSG(test, ok, !!c->evict, "evict case %zu", i);
		KUNIT_EXPECT_EQ_MSG(test, hit, !!c->hit_low, "evict case %zu", i);
		dc_destroy(&t);
	}
	for (i = 0; i < ARRAY_SIZE(dc_alloc_cases); i++) {
		const struct dc_alloc_case *c = &dc_alloc_cases[i];

		KUNIT_ASSERT_EQ_MSG(test, dc_build(&t, &dc_setups[c->setup]), 0,
				    "alloc case %zu: building its tree", i);
		KUNIT_EXPECT_EQ_MSG(test, (int)dmem_alloc_evict_before_fallback(t.pool[c->pool]),
				    c->mode, "alloc case %zu", i);
		dc_destroy(&t);
	}
}

/*
 * The shared three-round table (dmem.high first, then unprotected, then
 * low-protected on the retry; min never), as in userspace.
 */
static void dmem_core_round_table(struct kunit *test)
{
	struct dc_tree t;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dc_setups); i++) {
		KUNIT_ASSERT_EQ_MSG(test, dc_build(&t, &dc_setups[i]), 0,
				    "setup %zu: building its tree", i);
		KUNIT_EXPECT_EQ_MSG(test, dmem_region_any_above_high(t.r),
				    dc_setups[i].above_high, "setup %zu", i);
		dc_destroy(&t);
	}
	for (i = 0; i < ARRAY_SIZE(dc_round_cases); i++) {
		const struct dc_round_case *c = &dc_round_cases[i];
		bool monotone, hit;
		int first;

		KUNIT_ASSERT_EQ_MSG(test, dc_build(&t, &dc_setups[c->setup]), 0,
				    "round case %zu: building its tree", i);
		first = dc_first_round(&t, c, &monotone, &hit);
		KUNIT_EXPECT_EQ_MSG(test, first, c->first, "round case %zu", i);
		KUNIT_EXPECT_EQ_MSG(test, hit, c->first == 3, "round case %zu", i);
		KUNIT_EXPECT_TRUE_MSG(test, monotone, "round case %zu", i);
		dc_destroy(&t);
	}
}

/*
 * Nested cgroups are unlimited by default: a 3,000-deep chain is created
 * by one dmem_pool_get() and every decision walks the whole path (low=max
 * on every level keeps each effective low equal to the usage, so nothing
 * stops early), with the kernel's stack and no recursion.
 */
#define KTEST_DEEP 3000

static void dmem_core_deep_chain(struct kunit *test)
{
	struct dmem_region *r = dmem_region_register("kunit/deep", 1024 * MB, NULL);
	struct dmem_cg **cg;
	struct dmem_pool *leaf;
	bool hit = false;
	int i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	cg = kcalloc(KTEST_DEEP + 1, sizeof(*cg), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cg);
	for (i = 0; i <= KTEST_DEEP; i++)
		cg[i] = ktest_cg_new(test, i ? cg[i - 1] : NULL, NULL);
	leaf = dmem_pool_get(cg[KTEST_DEEP], r);
	KUNIT_ASSERT_FALSE(test, IS_ERR(leaf));
	for (i = 1; i <= KTEST_DEEP; i++)
		KUNIT_EXPECT_EQ(test, dmem_test_write(cg[i], DMEM_FILE_LOW,
						      "kunit/deep max"), 0);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(leaf, 64 * MB, NULL), 0);
	KUNIT_EXPECT_EQ(test, dmem_effective_low(NULL, leaf), 64 * MB);
	KUNIT_EXPECT_FALSE(test, dmem_evict_valuable(NULL, leaf, false, &hit));
	KUNIT_EXPECT_TRUE(test, hit);
	KUNIT_EXPECT_TRUE(test, dmem_below_low(NULL, leaf));
	KUNIT_EXPECT_TRUE(test, dmem_evict_valuable(NULL, leaf, true, NULL));
	dmem_pool_uncharge(leaf, 64 * MB);
	dmem_pool_put(leaf);
	dmem_region_unregister(r);
	for (i = KTEST_DEEP; i >= 0; i--)
		dmem_test_cg_del(cg[i]);
	kfree(cg);
}

struct ktest_race {
	struct dmem_pool *pool;
	atomic_t stop;
	struct completion done;
};

static int ktest_race_charger(void *arg)
{
	struct ktest_race *race = arg;

	while (!atomic_read(&race->stop)) {
		if (!dmem_pool_try_charge(race->pool, 64 * MB, NULL))
			dmem_pool_uncharge(race->pool, 64 * MB);
		cond_resched();
	}
	complete(&race->done);
	return 0;
}

/*
 * A charge adds to a child's usage before its parent's: while a thread
 * charges and uncharges 64 MiB in X/A (X: dmem.low=max and 4 KiB of its
 * own), A's share of X's unclaimed protection is briefly about 2^65.
 * With x86-64's mulq/divq that was a divide error (an oops); the math
 * must saturate instead.  A bounded number of decisions, no timing.
 */
static void dmem_core_race_charge_vs_decision(struct kunit *test)
{
	struct dmem_cg *root = ktest_cg_new(test, NULL, NULL);
	struct dmem_cg *x = ktest_cg_new(test, root, NULL);
	struct dmem_cg *a = ktest_cg_new(test, x, NULL);
	struct dmem_cg *y = ktest_cg_new(test, root, NULL);
	struct dmem_region *r = dmem_region_register("kunit/race", 1024 * MB, NULL);
	struct dmem_pool *px, *pa, *py;
	struct ktest_race race;
	struct task_struct *task;
	long i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, dmem_test_write(x, DMEM_FILE_LOW, "kunit/race max"), 0);
	px = ktest_pool(test, x, r);
	pa = ktest_pool(test, a, r);
	py = ktest_pool(test, y, r);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(px, 4096, NULL), 0);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(py, 4096, NULL), 0);
	race.pool = pa;
	atomic_set(&race.stop, 0);
	init_completion(&race.done);
	task = kthread_run(ktest_race_charger, &race, "dmem_kunit_race");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	for (i = 0; i < 1000000; i++) {
		dmem_may_evict(NULL, py, pa, false, NULL);
		if (!(i & 1023))
			cond_resched();
	}
	atomic_set(&race.stop, 1);
	wait_for_completion(&race.done);
	KUNIT_EXPECT_EQ(test, dmem_pool_read(pa, DMEM_FILE_CURRENT), 0ULL);
	dmem_pool_uncharge(px, 4096);
	dmem_pool_uncharge(py, 4096);
	dmem_region_unregister(r);
	dmem_test_cg_del(a);
	dmem_test_cg_del(x);
	dmem_test_cg_del(y);
	dmem_test_cg_del(root);
}

static struct kunit_case dmem_core_protection_cases[] = {
	KUNIT_CASE(dmem_core_memcg_doc_example),
	KUNIT_CASE(dmem_core_recursive_share),
	KUNIT_CASE(dmem_core_evict_rules_and_root_ancestor),
	KUNIT_CASE(dmem_core_decision_table),
	KUNIT_CASE(dmem_core_round_table),
	KUNIT_CASE(dmem_core_deep_chain),
	KUNIT_CASE(dmem_core_race_charge_vs_decision),
	{}
};

static struct kunit_suite dmem_core_protection_suite = {
	.name = "dmem_core_protection",
	.test_cases = dmem_core_protection_cases,
};

/* ---- dmem_core_charge ---------------------------------------------------- */

static void dmem_core_charge_limit_pool(struct kunit *test)
{
	struct dmem_cg *root = ktest_cg_new(test, NULL, NULL);
	struct dmem_cg *a = ktest_cg_new(test, root, NULL);
	struct dmem_cg *b = ktest_cg_new(test, a, NULL);
	struct dmem_region *r = dmem_region_register("kunit/chg", 100 * MB, NULL);
	struct dmem_pool *pa, *pb, *lim = NULL;

	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, dmem_test_write(a, DMEM_FILE_MAX, "kunit/chg 10M"), 0);
	pb = ktest_pool(test, b, r);
	pa = ktest_pool(test, a, r);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(pb, 6 * MB, &lim), 0);
	KUNIT_EXPECT_PTR_EQ(test, lim, NULL);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(pb, 5 * MB, &lim), -EAGAIN);
	KUNIT_EXPECT_PTR_EQ(test, lim, pa);
	dmem_pool_put(lim);
	KUNIT_EXPECT_EQ(test, dmem_pool_read(pb, DMEM_FILE_CURRENT), 6 * MB);
	KUNIT_EXPECT_EQ(test, dmem_pool_read(pa, DMEM_FILE_CURRENT), 6 * MB);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(pb, 4 * MB, NULL), 0);
	KUNIT_EXPECT_EQ(test, dmem_pool_read(pa, DMEM_FILE_PEAK), 10 * MB);
	/* 7.3: a max below usage applies at once */
	KUNIT_EXPECT_EQ(test, dmem_test_write(a, DMEM_FILE_MAX, "kunit/chg 1M"), 0);
	KUNIT_EXPECT_EQ(test, dmem_pool_read(pa, DMEM_FILE_MAX), 1 * MB);
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(pb, 1, NULL), -EAGAIN);
	dmem_pool_uncharge(pb, 10 * MB);
	KUNIT_EXPECT_EQ(test, dmem_pool_read(pa, DMEM_FILE_CURRENT), 0ULL);
	dmem_region_unregister(r);
	dmem_test_cg_del(b);
	dmem_test_cg_del(a);
	dmem_test_cg_del(root);
}

/* Unregister and rmdir with live charges; everything goes with the last uncharge. */
static void dmem_core_unregister_with_charges(struct kunit *test)
{
	atomic_t released = ATOMIC_INIT(0);
	struct dmem_cg *root = ktest_cg_new(test, NULL, &released);
	struct dmem_cg *a = ktest_cg_new(test, root, &released);
	struct dmem_region *r = dmem_region_register("kunit/life", 100 * MB, NULL);
	struct dmem_pool *pa;
	struct ktest_printer kp;

	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	pa = dmem_pool_get(a, r);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pa));
	KUNIT_EXPECT_EQ(test, dmem_pool_try_charge(pa, 3 * MB, NULL), 0);
	dmem_pool_put(pa);
	dmem_region_unregister(r);
	KUNIT_EXPECT_STREQ(test, ktest_show(&kp, a, DMEM_FILE_CURRENT), "");
	KUNIT_EXPECT_PTR_EQ(test, dmem_pool_find(a, r), NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dmem_pool_get(a, r)), -ENODEV);
	dmem_test_cg_del(a);
	KUNIT_EXPECT_EQ(test, atomic_read(&released), 0);
	dmem_pool_uncharge(pa, 3 * MB);
	KUNIT_EXPECT_EQ(test, atomic_read(&released), 1);
	dmem_test_cg_del(root);
	KUNIT_EXPECT_EQ(test, atomic_read(&released), 2);
}

static struct kunit_case dmem_core_charge_cases[] = {
	KUNIT_CASE(dmem_core_charge_limit_pool),
	KUNIT_CASE(dmem_core_unregister_with_charges),
	{}
};

static struct kunit_suite dmem_core_charge_suite = {
	.name = "dmem_core_charge",
	.test_cases = dmem_core_charge_cases,
};

/* ---- dmem_core_parse ----------------------------------------------------- */

static void dmem_core_parse_values(struct kunit *test)
{
	u64 v = 0;

	KUNIT_EXPECT_EQ(test, dmem_parse_value("4096", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 4096ULL);
	KUNIT_EXPECT_EQ(test, dmem_parse_value("2G", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 2ULL << 30);
	KUNIT_EXPECT_EQ(test, dmem_parse_value("3m", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 3ULL << 20);
	KUNIT_EXPECT_EQ(test, dmem_parse_value("0x10k", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 16384ULL);
	KUNIT_EXPECT_EQ(test, dmem_parse_value("max", &v), 0);
	KUNIT_EXPECT_EQ(test, v, DMEM_COUNTER_MAX);
	KUNIT_EXPECT_EQ(test, dmem_parse_value("1E", &v), 0);
	KUNIT_EXPECT_EQ(test, v, DMEM_COUNTER_MAX);
	KUNIT_EXPECT_EQ(test, dmem_parse_value("16E", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmem_parse_value("18446744073709551616", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmem_parse_value("", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmem_parse_value("k", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmem_parse_value("-1", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmem_parse_value("1KB", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmem_parse_value("1 ", &v), -EINVAL);
}

static void dmem_core_write_atomic(struct kunit *test)
{
	struct dmem_cg *root = ktest_cg_new(test, NULL, NULL);
	struct dmem_cg *a = ktest_cg_new(test, root, NULL);
	struct dmem_region *r1 = dmem_region_register("kunit/w1", 100 * MB, NULL);
	struct dmem_region *r2 = dmem_region_register("kunit/w2", 100 * MB, NULL);
	struct ktest_printer kp;

	KUNIT_ASSERT_FALSE(test, IS_ERR(r1));
	KUNIT_ASSERT_FALSE(test, IS_ERR(r2));
	KUNIT_EXPECT_EQ(test, dmem_test_write(a, DMEM_FILE_LOW, "kunit/w1 1M\n\nkunit/w2 2M\n"), 0);
	KUNIT_EXPECT_STREQ(test, ktest_show(&kp, a, DMEM_FILE_LOW),
			   "kunit/w1 1048576\nkunit/w2 2097152\n");
	KUNIT_EXPECT_EQ(test, dmem_test_write(a, DMEM_FILE_LOW,
					      "kunit/w1 5M\nkunit/w2 x"), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmem_test_write(a, DMEM_FILE_LOW,
					      "kunit/w1 5M\nnosuch 1"), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmem_test_write(a, DMEM_FILE_LOW,
					      "kunit/w1 5M\nkunit/w2"), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmem_test_write(a, DMEM_FILE_LOW,
					      "kunit/w1 5M\nkunit/w2 16E"), -EINVAL);
	KUNIT_EXPECT_STREQ(test, ktest_show(&kp, a, DMEM_FILE_LOW),
			   "kunit/w1 1048576\nkunit/w2 2097152\n");
	KUNIT_EXPECT_STREQ(test, ktest_show(&kp, a, DMEM_FILE_MAX),
			   "kunit/w1 max\nkunit/w2 max\n");
	KUNIT_EXPECT_STREQ(test, ktest_show(&kp, root, DMEM_FILE_CAPACITY),
			   "kunit/w1 104857600\nkunit/w2 104857600\n");
	dmem_region_unregister(r1);
	dmem_region_unregister(r2);
	dmem_test_cg_del(a);
	dmem_test_cg_del(root);
}

/* A NUL byte ends a write, as upstream's C-string parse of the buffer. */
static void dmem_core_write_nul_ends_input(struct kunit *test)
{
	static const char buf[] = "kunit/n 8M\0garbage";
	struct dmem_cg *root = ktest_cg_new(test, NULL, NULL);
	struct dmem_cg *a = ktest_cg_new(test, root, NULL);
	struct dmem_region *r = dmem_region_register("kunit/n", 100 * MB, NULL);
	struct ktest_printer kp;

	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, dmem_write_limits(a, DMEM_FILE_MAX, buf,
						sizeof(buf) - 1), 0);
	KUNIT_EXPECT_STREQ(test, ktest_show(&kp, a, DMEM_FILE_MAX),
			   "kunit/n 8388608\n");
	KUNIT_EXPECT_EQ(test, dmem_write_limits(a, DMEM_FILE_MAX, "\0", 1), 0);
	KUNIT_EXPECT_STREQ(test, ktest_show(&kp, a, DMEM_FILE_MAX),
			   "kunit/n 8388608\n");
	dmem_region_unregister(r);
	dmem_test_cg_del(a);
	dmem_test_cg_del(root);
}

static struct kunit_case dmem_core_parse_cases[] = {
	KUNIT_CASE(dmem_core_parse_values),
	KUNIT_CASE(dmem_core_write_atomic),
	KUNIT_CASE(dmem_core_write_nul_ends_input),
	{}
};

static struct kunit_suite dmem_core_parse_suite = {
	.name = "dmem_core_parse",
	.test_cases = dmem_core_parse_cases,
};

kunit_test_suites(&dmem_core_protection_suite, &dmem_core_charge_suite,
		  &dmem_core_parse_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the dmem-backport core");
