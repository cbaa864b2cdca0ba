// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport userspace tests, regions and lifetime: region registration
 * errors, unregister and rmdir with live charges (LeakSanitizer checks
 * pool, region and cgroup lifetime). Part of tests/user/main.c (one
 * translation unit with the core, so that tests can check its private
 * invariants); helpers in helpers.h and tests/shared/.
 */

/* ---- regions ------------------------------------------------------------ */

static void test_region_register_errors(void)
{
	struct dmem_region *r = dmem_region_register("dup", 1, (void *)0x42);
	char longname[DMEM_REGION_NAME_MAX + 1];

	CHECK(!IS_ERR(r));
	CHECK_STR(dmem_region_name(r), "dup");
	CHECK_EQ(dmem_region_size(r), 1);
	CHECK(dmem_region_priv(r) == (void *)0x42);
	CHECK_EQ(PTR_ERR(dmem_region_register("dup", 1, NULL)), -EEXIST);
	CHECK_EQ(PTR_ERR(dmem_region_register("", 1, NULL)), -EINVAL);
	CHECK_EQ(PTR_ERR(dmem_region_register("a b", 1, NULL)), -EINVAL);
	CHECK_EQ(PTR_ERR(dmem_region_register("a\tb", 1, NULL)), -EINVAL);
	CHECK_EQ(PTR_ERR(dmem_region_register("a\nb", 1, NULL)), -EINVAL);
	memset(longname, 'x', sizeof(longname));
	longname[DMEM_REGION_NAME_MAX] = '\0';
	CHECK_EQ(PTR_ERR(dmem_region_register(longname, 1, NULL)), -EINVAL);
	longname[DMEM_REGION_NAME_MAX - 1] = '\0';	/* 63 chars: fine */
	{
		struct dmem_region *l = dmem_region_register(longname, 1, NULL);

		CHECK(!IS_ERR(l));
		dmem_region_unregister(l);
	}
	port_fail_alloc_after = 1;
	CHECK_EQ(PTR_ERR(dmem_region_register("oom", 1, NULL)), -ENOMEM);
	port_fail_alloc_after = 0;
	dmem_region_unregister(r);
	/* the name is free again */
	r = dmem_region_register("dup", 1, NULL);
	CHECK(!IS_ERR(r));
	dmem_region_unregister(r);
}

/* ---- lifetime (run under ASan/LSan) ------------------------------------ */

static void test_lifetime_unregister_with_charges(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root), *b = new_cg(a);
	struct dmem_region *r = dmem_region_register("life", 100 * M, NULL);
	struct dmem_pool *pb = dmem_pool_get(b, r), *pa;
	int rel0;

	CHECK(!IS_ERR(pb));
	CHECK_EQ(dmem_pool_try_charge(pb, 3 * M, NULL), 0);
	CHECK_EQ(dmem_pool_try_charge(pb, 2 * M, NULL), 0);
	dmem_pool_put(pb);		/* only the charges pin it now */
	dmem_region_unregister(r);
	CHECK_STR(show(b, DMEM_FILE_CURRENT), "");
	CHECK(dmem_pool_find(b, r) == NULL);
	CHECK_EQ(PTR_ERR(dmem_pool_get(b, r)), -ENODEV);
	CHECK_EQ(PTR_ERR(dmem_pool_get(a, r)), -ENODEV);
	CHECK_EQ(dmem_pool_try_charge(pb, 1, NULL), -ENODEV);
	CHECK_EQ(dmem_pool_read(pb, DMEM_FILE_CURRENT), 5 * M);
	/* the charged pool and its ancestry are still usable */
	pa = pb->parent;
	CHECK_EQ(dmem_pool_read(pa, DMEM_FILE_CURRENT), 5 * M);
	CHECK(dmem_evict_valuable(NULL, pb, false, NULL));
	/* cgroups go away while charges remain: release waits for them */
	rel0 = nreleased();
	del_cg(b);
	del_cg(a);
	CHECK_EQ(nreleased(), rel0);
	dmem_pool_uncharge(pb, 3 * M);
	CHECK_EQ(nreleased(), rel0);
	dmem_pool_uncharge(pb, 2 * M);	/* frees pools b, a, root and region */
	CHECK_EQ(nreleased(), rel0 + 2);
	del_cg(root);
	CHECK_EQ(nreleased(), rel0 + 3);
	port_rcu_quiesce();
}

static void test_lifetime_offline_resets_limits(void)
{
	struct dmem_cg *root = new_cg(NULL), *p = new_cg(root), *a = new_cg(p);
	struct dmem_cg *b = new_cg(p);
	struct dmem_region *r = dmem_region_register("off", 100 * M, NULL);
	struct dmem_pool *pa = dmem_pool_get(a, r), *pb = pool_of(b, r);
	struct dmem_pool *pp = pool_of(p, r);
	int rel0 = nreleased();

	CHECK_EQ(writef(p, DMEM_FILE_LOW, "off 10M"), 0);
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "off 10M"), 0);
	CHECK_EQ(writef(b, DMEM_FILE_LOW, "off 10M"), 0);
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "off 5M"), 0);
	CHECK_EQ(dmem_pool_try_charge(pa, 4 * M, NULL), 0);
	charge_ok(pb, 16 * M);
	CHECK_EQ(atomic64_read(&pp->children_low_usage), 14 * M);
	/* B gets 10M * 10 / 14 while A still claims protection */
	CHECK_EQ(dmem_effective_low(NULL, pb), 10 * M * 10 / 14);
	dmem_pool_put(pa);
	del_cg(a);
	/* offline: limits reset, claim withdrawn from the parent's sums */
	CHECK_EQ(pa->max, DMEM_COUNTER_MAX);
	CHECK_EQ(pa->low, 0);
	CHECK_EQ(atomic64_read(&pp->children_low_usage), 10 * M);
	CHECK_EQ(dmem_effective_low(NULL, pb), 10 * M);
	/* a dead pool takes no new charges; the old ones stay */
	CHECK_EQ(dmem_pool_try_charge(pa, 1 * M, NULL), -ENODEV);
	CHECK_EQ(atomic64_read(&pa->usage), 4 * M);
	CHECK_EQ(atomic64_read(&pp->usage), 20 * M);
	CHECK_EQ(nreleased(), rel0);
	dmem_pool_uncharge(pa, 4 * M);
	CHECK_EQ(nreleased(), rel0 + 1);
	dmem_pool_uncharge(pb, 16 * M);
	dmem_region_unregister(r);
	del_cg(b); del_cg(p); del_cg(root);
	CHECK_EQ(nreleased(), rel0 + 4);
}

static const struct harness_test regions_tests[] = {
	{ "region_register_errors", test_region_register_errors },
	{ "lifetime_unregister_with_live_charges",
	  test_lifetime_unregister_with_charges },
	{ "lifetime_offline_resets_limits_keeps_charges",
	  test_lifetime_offline_resets_limits },
};
