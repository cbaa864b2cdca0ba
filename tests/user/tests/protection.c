// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport userspace tests, protection math on hand-checked tables
 * (the memcg documentation example, recursive shares, min overcommit).
 * Part of tests/user/main.c (one translation unit with the core, so that
 * tests can check its private invariants); helpers in helpers.h and
 * tests/shared/.
 */

/* ---- protection math on hand-checked tables --------------------------- */

/*
 * The memcg documentation / test_memcontrol example, with dmem.low:
 *   A      low 50M
 *   A/B    low 50M                 usage 150M (C + D + F)
 *   A/B/C  low 75M,  usage 50M
 *   A/B/D  low 25M,  usage 50M
 *   A/B/E  low 500M, usage 0
 *   A/B/F  low 0,    usage 50M
 * Root of the calculation: the root cgroup's pool.  A is a child of the
 * root, so elow(A) = 50M as configured.  At A's level the only child B
 * claims min(150M, 50M) = 50M = elow(A): not overcommitted, nothing left
 * unclaimed, so elow(B) = 50M.  B's children claim
 * S = min(50,75) + min(50,25) + min(0,500) + min(50,0) = 75M > elow(B) = 50M:
 * overcommitted, each child gets its claim scaled by 50/75:
 *   C = 50M * 50M / 75M = 33.33M (floor in bytes: 34952533)
 *   D = 25M * 50M / 75M = 16.67M (17476266), E = 0 (no usage), F = 0.
 * Those are the ~33M / ~17M the memcg documentation says C and D settle at.
 * With C=33M, D=17M the claims sum to exactly 50M: no overcommit, C and D
 * are protected up to their usage and eviction from them hits low.
 */
static void test_protection_memcg_doc_example(void)
{
	struct dmem_cg *root = new_cg(NULL);
	struct dmem_cg *a = new_cg(root), *b = new_cg(a);
	struct dmem_cg *c = new_cg(b), *d = new_cg(b), *e = new_cg(b), *f = new_cg(b);
	struct dmem_region *r = dmem_region_register("drm/doc/vram0", 1024 * M, NULL);
	struct dmem_pool *pa, *pb, *pc, *pd, *pe, *pf, *proot;
	bool hit = false;

	CHECK(!IS_ERR(r));
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "drm/doc/vram0 50M"), 0);
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "drm/doc/vram0 200M"), 0);
	CHECK_EQ(writef(b, DMEM_FILE_LOW, "drm/doc/vram0 50M"), 0);
	CHECK_EQ(writef(c, DMEM_FILE_LOW, "drm/doc/vram0 75M"), 0);
	CHECK_EQ(writef(d, DMEM_FILE_LOW, "drm/doc/vram0 25M"), 0);
	CHECK_EQ(writef(e, DMEM_FILE_LOW, "drm/doc/vram0 500M"), 0);
	proot = pool_of(root, r);
	pa = pool_of(a, r);
	pb = pool_of(b, r);
	pc = pool_of(c, r);
	pd = pool_of(d, r);
	pe = pool_of(e, r);
	pf = pool_of(f, r);
	charge_ok(pc, 50 * M);
	charge_ok(pd, 50 * M);
	charge_ok(pf, 50 * M);

	CHECK_EQ(dmem_effective_low(NULL, pa), 50 * M);
	CHECK_EQ(dmem_effective_low(NULL, pb), 50 * M);
	CHECK_EQ(dmem_effective_low(NULL, pc), 34952533);
	CHECK_EQ(dmem_effective_low(NULL, pd), 17476266);
	CHECK_EQ(dmem_effective_low(NULL, pe), 0);
	CHECK_EQ(dmem_effective_low(NULL, pf), 0);
	/* relative to A (a limit in A): B is A's child, same numbers below */
	CHECK_EQ(dmem_effective_low(pa, pc), 34952533);
	CHECK_EQ(dmem_effective_low(pa, pd), 17476266);
	CHECK_EQ(dmem_effective_min(NULL, pc), 0);
	/* usage above effective low: evictable */
	CHECK(dmem_evict_valuable(NULL, pc, false, &hit));
	CHECK(!hit);
	CHECK(dmem_evict_valuable(pa, pf, false, &hit));

	/* the settled state: C 33M, D 17M */
	dmem_pool_uncharge(pc, 17 * M);
	dmem_pool_uncharge(pd, 33 * M);
	CHECK_EQ(dmem_effective_low(NULL, pc), 33 * M);
	CHECK_EQ(dmem_effective_low(NULL, pd), 17 * M);
	hit = false;
	CHECK(!dmem_evict_valuable(NULL, pc, false, &hit));
	CHECK(hit);
	CHECK(dmem_evict_valuable(NULL, pc, true, &hit));
	CHECK(dmem_below_low(NULL, pc));
	CHECK(!dmem_below_min(NULL, pc));
	CHECK(!dmem_below_low(NULL, pf));
	/* F has no protection at all */
	hit = false;
	CHECK(dmem_evict_valuable(pa, pf, false, &hit));
	CHECK(!hit);
	/* a limit in the root cgroup evicts anything */
	CHECK(dmem_evict_valuable(proot, pc, false, &hit));

	dmem_pool_uncharge(pc, 33 * M);
	dmem_pool_uncharge(pd, 17 * M);
	dmem_pool_uncharge(pf, 50 * M);
	dmem_region_unregister(r);
	del_cg(c); del_cg(d); del_cg(e); del_cg(f); del_cg(b); del_cg(a); del_cg(root);
}

/*
 * Recursive protection hands out unclaimed protection in proportion to the
 * unprotected usage:
 *   P     low 100M (child of the root: elow(P) = 100M), usage 200M
 *   P/X   low 0,   usage 150M   claim 0
 *   P/Y   low 20M, usage 50M    claim 20M      S = 20M <= 100M
 * unclaimed = 100M - 20M = 80M, shared over parent_usage - S = 180M:
 *   X = 0   + 80M * (150M - 0)   / 180M = 66.67M (69905066 bytes)
 *   Y = 20M + 80M * (50M - 20M)  / 180M = 33.33M (20971520 + 13981013)
 * Same shape for min with P min 10M, Y min 2M (see the checks below).
 */
static void test_protection_recursive_share(void)
{
	struct dmem_cg *root = new_cg(NULL);
	struct dmem_cg *p = new_cg(root), *x = new_cg(p), *y = new_cg(p);
	struct dmem_region *r = dmem_region_register("rec", 1024 * M, NULL);
	struct dmem_pool *px, *py;

	CHECK_EQ(writef(p, DMEM_FILE_LOW, "rec 100M"), 0);
	CHECK_EQ(writef(y, DMEM_FILE_LOW, "rec 20M"), 0);
	CHECK_EQ(writef(p, DMEM_FILE_MIN, "rec 10M"), 0);
	CHECK_EQ(writef(y, DMEM_FILE_MIN, "rec 2M"), 0);
	px = pool_of(x, r);
	py = pool_of(y, r);
	charge_ok(px, 150 * M);
	charge_ok(py, 50 * M);
	CHECK_EQ(dmem_effective_low(NULL, px), 69905066);
	CHECK_EQ(dmem_effective_low(NULL, py), 20971520 + 13981013);
	/*
	 * min: S = min(50M, 2M) = 2M, unclaimed = 10M - 2M = 8M over
	 * 200M - 2M = 198M.  In bytes (M = 1048576):
	 * X = 8M * 150M / 198M = 1258291200 / 198 = 6355006.06 -> 6355006
	 * Y = 2M + 8M * 48M / 198M = 2097152 + 2033601 (2033601.9 floored)
	 */
	CHECK_EQ(dmem_effective_min(NULL, px), 6355006);
	CHECK_EQ(dmem_effective_min(NULL, py), 2097152 + 2033601);
	/* usage above both: evictable in either pass */
	CHECK(dmem_evict_valuable(NULL, px, false, NULL));
	dmem_pool_uncharge(px, 150 * M);
	dmem_pool_uncharge(py, 50 * M);
	dmem_region_unregister(r);
	del_cg(x); del_cg(y); del_cg(p); del_cg(root);
}

/* min protection is never ignored; overcommitted min is scaled */
static void test_protection_min_overcommit(void)
{
	struct dmem_cg *root = new_cg(NULL);
	struct dmem_cg *p = new_cg(root), *a = new_cg(p), *b = new_cg(p);
	struct dmem_region *r = dmem_region_register("minr", 1024 * M, NULL);
	struct dmem_pool *pa, *pb;
	bool hit = false;

	/* P min 30M; A min 40M usage 40M; B min 20M usage 20M: S = 60M > 30M */
	CHECK_EQ(writef(p, DMEM_FILE_MIN, "minr 30M"), 0);
	CHECK_EQ(writef(a, DMEM_FILE_MIN, "minr 40M"), 0);
	CHECK_EQ(writef(b, DMEM_FILE_MIN, "minr 20M"), 0);
	pa = pool_of(a, r);
	pb = pool_of(b, r);
	charge_ok(pa, 40 * M);
	charge_ok(pb, 20 * M);
	CHECK_EQ(dmem_effective_min(NULL, pa), 20 * M);	/* 40 * 30 / 60 */
	CHECK_EQ(dmem_effective_min(NULL, pb), 10 * M);	/* 20 * 30 / 60 */
	CHECK(dmem_evict_valuable(NULL, pa, true, &hit));
	/* shrink A to 10M: S = 30M = P, A = 10M protected, even ignoring low */
	dmem_pool_uncharge(pa, 30 * M);
	CHECK_EQ(dmem_effective_min(NULL, pa), 10 * M);
	CHECK(!dmem_evict_valuable(NULL, pa, true, &hit));
	CHECK(!hit);
	CHECK(dmem_below_min(NULL, pa));
	CHECK(dmem_below_min(pool_of(p, r), pa));
	/* relative to P itself, A (P's child) gets its configured 40M */
	CHECK_EQ(dmem_effective_min(pool_of(p, r), pa), 40 * M);
	dmem_pool_uncharge(pa, 10 * M);
	dmem_pool_uncharge(pb, 20 * M);
	dmem_region_unregister(r);
	del_cg(a); del_cg(b); del_cg(p); del_cg(root);
}

static const struct harness_test protection_tests[] = {
	{ "protection_memcg_doc_example", test_protection_memcg_doc_example },
	{ "protection_recursive_unclaimed_share",
	  test_protection_recursive_share },
	{ "protection_min_overcommit_scaled", test_protection_min_overcommit },
};
