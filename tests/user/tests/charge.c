// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport userspace tests, charging: the limit pool, peak, dmem.max
 * below usage. Part of tests/user/main.c (one translation unit with the
 * core, so that tests can check its private invariants); helpers in
 * helpers.h and tests/shared/.
 */

/* ---- charging ---------------------------------------------------------- */

static void test_charge_limit_pool_and_peak(void)
{
	struct dmem_cg *root = new_cg(NULL);
	struct dmem_cg *a = new_cg(root), *b = new_cg(a);
	struct dmem_region *r = dmem_region_register("chg", 100 * M, NULL);
	struct dmem_pool *pa, *pb, *lim = (void *)1;

	CHECK_EQ(writef(a, DMEM_FILE_MAX, "chg 10M"), 0);
	pb = pool_of(b, r);
	pa = pool_of(a, r);
	CHECK_EQ(dmem_pool_try_charge(pb, 6 * M, &lim), 0);
	CHECK(lim == NULL);
	CHECK_EQ(dmem_pool_try_charge(pb, 5 * M, &lim), -EAGAIN);
	CHECK(lim == pa);
	dmem_pool_put(lim);
	/* nothing of the failed charge stays anywhere */
	CHECK_EQ(dmem_pool_read(pb, DMEM_FILE_CURRENT), 6 * M);
	CHECK_EQ(dmem_pool_read(pa, DMEM_FILE_CURRENT), 6 * M);
	CHECK_EQ(dmem_pool_read(pool_of(root, r), DMEM_FILE_CURRENT), 6 * M);
	CHECK_EQ(dmem_pool_try_charge(pb, 4 * M, NULL), 0);
	CHECK_EQ(dmem_pool_read(pa, DMEM_FILE_PEAK), 10 * M);
	/* own max in b, hit first (bottom-up) */
	CHECK_EQ(writef(b, DMEM_FILE_MAX, "chg 1M"), 0);
	CHECK_EQ(dmem_pool_try_charge(pb, 1, &lim), -EAGAIN);
	CHECK(lim == pb);
	dmem_pool_put(lim);
	dmem_pool_uncharge(pb, 10 * M);
	CHECK_EQ(dmem_pool_read(pa, DMEM_FILE_CURRENT), 0);
	CHECK_EQ(dmem_pool_read(pa, DMEM_FILE_PEAK), 10 * M);
	CHECK_STR(show(a, DMEM_FILE_PEAK), "chg 10485760\n");
	/* zero-size charges are no-ops */
	CHECK_EQ(dmem_pool_try_charge(pb, 0, NULL), 0);
	CHECK_EQ(dmem_pool_read(pb, DMEM_FILE_CURRENT), 0);
	dmem_region_unregister(r);
	del_cg(b); del_cg(a); del_cg(root);
}

/* 7.3: max below usage is stored at once, further charges fail. */
static void test_max_below_usage_applies(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r = dmem_region_register("mx", 100 * M, NULL);
	struct dmem_pool *pa = pool_of(a, r);

	charge_ok(pa, 8 * M);
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "mx 4M"), 0);
	CHECK_STR(show(a, DMEM_FILE_MAX), "mx 4194304\n");
	CHECK_STR(show(a, DMEM_FILE_CURRENT), "mx 8388608\n");
	CHECK_EQ(dmem_pool_try_charge(pa, 1, NULL), -EAGAIN);
	dmem_pool_uncharge(pa, 5 * M);
	CHECK_EQ(dmem_pool_try_charge(pa, 1 * M, NULL), 0);
	dmem_pool_uncharge(pa, 4 * M);
	dmem_region_unregister(r);
	del_cg(a); del_cg(root);
}

static const struct harness_test charge_tests[] = {
	{ "charge_returns_limit_pool_and_tracks_peak",
	  test_charge_limit_pool_and_peak },
	{ "max_below_usage_applies_at_once", test_max_below_usage_applies },
};
