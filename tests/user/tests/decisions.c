// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport userspace tests, eviction decisions: the shared decision
 * table (tests/shared/dmem_decision_cases.h), the rules that come before
 * protection, the common ancestor. Part of tests/user/main.c (one
 * translation unit with the core, so that tests can check its private
 * invariants); helpers in helpers.h and tests/shared/.
 */

/* ---- decision table (tests/shared/dmem_decision_cases.h, as KUnit) ---- */

/* Every row of the shared table. */
static void test_decision_table(void)
{
	struct dc_tree t;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dc_evict_cases); i++) {
		const struct dc_evict_case *c = &dc_evict_cases[i];
		bool hit = false, ok;

		CHECK_EQ(dc_build(&t, &dc_setups[c->setup]), 0);
		ok = dmem_may_evict(dc_pool(&t, c->limit), dc_pool(&t, c->evictor),
				    t.pool[c->evictee], c->ignore_low, &hit);
		if (ok != !!c->evict || hit != !!c->hit_low)
			printf("#   evict case %zu (%s): got %d/%d\n", i,
			       dc_setups[c->setup].name, ok, hit);
		CHECK_EQ(ok, c->evict);
		CHECK_EQ(hit, c->hit_low);
		dc_destroy(&t);
	}
	for (i = 0; i < ARRAY_SIZE(dc_alloc_cases); i++) {
		const struct dc_alloc_case *c = &dc_alloc_cases[i];
		enum dmem_alloc_evict mode;

		CHECK_EQ(dc_build(&t, &dc_setups[c->setup]), 0);
		mode = dmem_alloc_evict_before_fallback(t.pool[c->pool]);
		if (mode != c->mode)
			printf("#   alloc case %zu (%s): got %d\n", i,
			       dc_setups[c->setup].name, mode);
		CHECK_EQ(mode, c->mode);
		dc_destroy(&t);
	}
	CHECK_EQ(dmem_alloc_evict_before_fallback(NULL), DMEM_ALLOC_EVICT_NONE);
}

/* Every row of the shared three-round table (dmem.high first). */
static void test_round_table(void)
{
	struct dc_tree t;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dc_setups); i++) {
		CHECK_EQ(dc_build(&t, &dc_setups[i]), 0);
		CHECK_EQ(dmem_region_any_above_high(t.r), dc_setups[i].above_high);
		dc_destroy(&t);
	}
	for (i = 0; i < ARRAY_SIZE(dc_round_cases); i++) {
		const struct dc_round_case *c = &dc_round_cases[i];
		bool monotone, hit;
		int first;

		CHECK_EQ(dc_build(&t, &dc_setups[c->setup]), 0);
		first = dc_first_round(&t, c, &monotone, &hit);
		if (first != c->first || hit != (c->first == 3) || !monotone)
			printf("#   round case %zu (%s): got %d/%d/%d\n", i,
			       dc_setups[c->setup].name, first, hit, monotone);
		CHECK_EQ(first, c->first);
		CHECK_EQ(hit, c->first == 3);
		CHECK(monotone);
		dc_destroy(&t);
	}
}

/* The decision rules that come before any protection math. */
static void test_evict_rules(void)
{
	struct dmem_cg *root = new_cg(NULL);
	struct dmem_cg *a = new_cg(root), *a1 = new_cg(a), *b = new_cg(root);
	struct dmem_cg *b1 = new_cg(b);
	struct dmem_region *r = dmem_region_register("rules", 1024 * M, NULL);
	struct dmem_pool *proot, *pa, *pa1, *pb;
	bool hit = false;

	proot = pool_of(root, r);
	pa = pool_of(a, r);
	pa1 = pool_of(a1, r);
	pb = pool_of(b, r);
	CHECK_EQ(writef(a, DMEM_FILE_MIN, "rules max"), 0);
	CHECK_EQ(writef(a1, DMEM_FILE_MIN, "rules max"), 0);
	charge_ok(pa1, 10 * M);
	charge_ok(pb, 10 * M);
	charge_ok(proot, 1 * M);
	/* limit == test: always */
	CHECK(dmem_evict_valuable(pa1, pa1, false, &hit));
	/* limit is the root pool: always, protection not even looked at */
	CHECK(dmem_evict_valuable(proot, pa1, false, &hit));
	/* outside the limit's subtree: never */
	CHECK(!dmem_evict_valuable(pb, pa1, true, &hit));
	CHECK(!dmem_evict_valuable(pa, pb, true, &hit));
	/* inside, protected by min: no, and hit_low stays false */
	CHECK(!dmem_evict_valuable(pa, pa1, true, &hit));
	CHECK(!dmem_evict_valuable(NULL, pa1, false, &hit));
	CHECK(!hit);
	/* top-level pool with NULL limit: its own effective values are 0 */
	CHECK(dmem_evict_valuable(NULL, proot, false, &hit));
	CHECK(!dmem_below_min(NULL, proot));
	CHECK(!dmem_below_min(pa1, pa1));
	/* a pool without usage is never evictable under protection rules */
	CHECK(!dmem_evict_valuable(NULL, pool_of(b1, r), true, &hit));
	dmem_pool_uncharge(pa1, 10 * M);
	dmem_pool_uncharge(pb, 10 * M);
	dmem_pool_uncharge(proot, 1 * M);
	dmem_region_unregister(r);
	del_cg(a1); del_cg(a); del_cg(b1); del_cg(b); del_cg(root);
}

/*
 * Reported edge case: evictor and evictee share only the root cgroup.  The
 * common ancestor is the root pool, and a root limit pool makes the check
 * return "evictable" before any protection is looked at.
 */
static void test_common_ancestor_root_edge(void)
{
	struct dmem_cg *root = new_cg(NULL);
	struct dmem_cg *a = new_cg(root), *ax = new_cg(a), *b = new_cg(root);
	struct dmem_cg *by = new_cg(b);
	struct dmem_region *r = dmem_region_register("anc", 1024 * M, NULL);
	struct dmem_region *r2 = dmem_region_register("anc2", 1024 * M, NULL);
	struct dmem_pool *pax, *pby, *pa, *anc;

	pax = pool_of(ax, r);
	pby = pool_of(by, r);
	pa = pool_of(a, r);
	CHECK_EQ(writef(b, DMEM_FILE_MIN, "anc max"), 0);
	CHECK_EQ(writef(by, DMEM_FILE_MIN, "anc max"), 0);
	charge_ok(pby, 8 * M);
	charge_ok(pax, 8 * M);

	anc = dmem_common_ancestor(pax, pby);
	CHECK(anc == pool_of(root, r));
	CHECK(!anc->parent);
	/* by is fully min-protected, yet the root common ancestor says yes */
	CHECK(!dmem_evict_valuable(NULL, pby, true, NULL));
	CHECK(dmem_evict_valuable(anc, pby, true, NULL));

	anc = dmem_common_ancestor(pax, pa);
	CHECK(anc == pa);
	anc = dmem_common_ancestor(pax, pax);
	CHECK(anc == pax);
	CHECK(dmem_common_ancestor(NULL, pax) == NULL);
	CHECK(dmem_common_ancestor(pax, pool_of(ax, r2)) == NULL);

	dmem_pool_uncharge(pby, 8 * M);
	dmem_pool_uncharge(pax, 8 * M);
	dmem_region_unregister(r);
	dmem_region_unregister(r2);
	del_cg(ax); del_cg(by); del_cg(a); del_cg(b); del_cg(root);
}

static const struct harness_test decisions_tests[] = {
	{ "evict_rules_before_protection", test_evict_rules },
	{ "common_ancestor_root_is_evictable", test_common_ancestor_root_edge },
	{ "decision_table_evict_and_fallback", test_decision_table },
	{ "round_table_high_unprotected_low", test_round_table },
};
