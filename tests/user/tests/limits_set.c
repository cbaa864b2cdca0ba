// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport userspace tests, the count behind dmem_any_limit_set():
 * every limit write away from or back to its default, repeated writes,
 * clamped values, rejected writes, cgroup removal and a pool that outlives
 * its region's unregistration while charged.  The TTM glue skips the
 * eviction scope of an allocation while the count is zero, so a count
 * that drops early would leave limits unenforced (and one that never
 * drops only costs speed): both directions are checked.  Part of
 * tests/user/main.c (one translation unit with the core).
 */

/* ---- dmem_any_limit_set() ------------------------------------------------ */

static int limits_now(void)
{
	return atomic_read(&dmem_limits_set);
}

/* Each limit counts once per pool while away from its default. */
static void test_limits_set_writes(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r = dmem_region_register("ls", 64 * M, NULL);
	int base = limits_now();

	CHECK_EQ(base, 0);
	CHECK(!dmem_any_limit_set());
	pool_of(a, r);
	CHECK_EQ(limits_now(), base);
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "ls 4M"), 0);
	CHECK_EQ(limits_now(), base + 1);
	CHECK(dmem_any_limit_set());
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "ls 8M"), 0);	/* same limit */
	CHECK_EQ(limits_now(), base + 1);
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "ls 1M"), 0);
	CHECK_EQ(writef(a, DMEM_FILE_MIN, "ls 1"), 0);
	CHECK_EQ(writef(a, DMEM_FILE_HIGH, "ls 2M"), 0);
	CHECK_EQ(limits_now(), base + 4);
	/* rejected writes change nothing */
	CHECK(writef(a, DMEM_FILE_LOW, "ls 0 junk") < 0);
	CHECK(writef(a, DMEM_FILE_MAX, "nosuch max") < 0);
	CHECK_EQ(limits_now(), base + 4);
	/* back to the defaults, one by one; above the counter's max is max */
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "ls %llu",
			(unsigned long long)DMEM_COUNTER_MAX + 1), 0);
	CHECK_EQ(limits_now(), base + 3);
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "ls 0"), 0);
	CHECK_EQ(writef(a, DMEM_FILE_MIN, "ls 0"), 0);
	CHECK_EQ(limits_now(), base + 1);
	CHECK_EQ(writef(a, DMEM_FILE_HIGH, "ls max"), 0);
	CHECK_EQ(limits_now(), base);
	CHECK(!dmem_any_limit_set());
	dmem_region_unregister(r);
	del_cg(a); del_cg(root);
}

/* Removing a cgroup resets its limits: the count drops with it. */
static void test_limits_set_offline(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_cg *b = new_cg(a);
	struct dmem_region *r = dmem_region_register("ls", 64 * M, NULL);
	int base = limits_now();

	CHECK_EQ(writef(a, DMEM_FILE_LOW, "ls 1M"), 0);
	CHECK_EQ(writef(b, DMEM_FILE_MAX, "ls 1M"), 0);
	CHECK_EQ(writef(b, DMEM_FILE_HIGH, "ls 1M"), 0);
	CHECK_EQ(limits_now(), base + 3);
	del_cg(b);
	CHECK_EQ(limits_now(), base + 1);
	del_cg(a);
	CHECK_EQ(limits_now(), base);
	dmem_region_unregister(r);
	del_cg(root);
}

/*
 * Unregistration leaves a charged pool's limits as they were; they count
 * until the pool is freed after its last uncharge, not a moment less.
 */
static void test_limits_set_pool_freed(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r = dmem_region_register("ls", 64 * M, NULL);
	struct dmem_pool *p = pool_of(a, r);
	int base = limits_now();

	CHECK_EQ(writef(a, DMEM_FILE_MAX, "ls 4M"), 0);
	CHECK_EQ(writef(a, DMEM_FILE_MIN, "ls 1M"), 0);
	charge_ok(p, 2 * M);
	dmem_region_unregister(r);
	CHECK_EQ(limits_now(), base + 2);
	CHECK(dmem_any_limit_set());
	dmem_pool_uncharge(p, 2 * M);
	CHECK_EQ(limits_now(), base);
	del_cg(a); del_cg(root);
}

static const struct harness_test limits_set_tests[] = {
	{ "limits_set_counts_each_write", test_limits_set_writes },
	{ "limits_set_drops_on_rmdir", test_limits_set_offline },
	{ "limits_set_until_pool_freed", test_limits_set_pool_freed },
};
