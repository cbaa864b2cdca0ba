// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport userspace tests, dmem.high (superset): the file (default,
 * format, values, where it exists, reset on offline), a soft limit that
 * never fails a charge, and the per-region count of pools above their
 * high that eviction reads (exact at rest, also after concurrent charges,
 * uncharges and writes).  Part of tests/user/main.c (one translation unit
 * with the core, so that tests can check its private invariants); helpers
 * in helpers.h and tests/shared/.
 */

/* ---- dmem.high ----------------------------------------------------------- */

/* Pools of @r whose usage is above their high, counted the slow way. */
static int high_count_slow(struct dmem_pool **pools, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += (u64)atomic64_read(&pools[i]->usage) > pools[i]->high;
	return k;
}

static void test_high_file(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r = dmem_region_register("hi", 64 * M, NULL);
	struct dmem_region *r2 = dmem_region_register("hi2", 64 * M, NULL);
	const struct dmem_file_type *ft = &dmem_file_types[DMEM_FILE_HIGH];

	CHECK_STR(ft->name, "dmem.high");
	CHECK_EQ(ft->where, DMEM_FILE_NOT_ROOT);
	CHECK(ft->write != NULL);
	/* default: max, for a region with and without a pool */
	CHECK_STR(show(a, DMEM_FILE_HIGH), "hi max\nhi2 max\n");
	pool_of(a, r);
	CHECK_STR(show(a, DMEM_FILE_HIGH), "hi max\nhi2 max\n");
	/* same syntax as dmem.max: suffixes, hex, several lines, max */
	CHECK_EQ(writef(a, DMEM_FILE_HIGH, "hi 4M\nhi2 0x1000"), 0);
	CHECK_STR(show(a, DMEM_FILE_HIGH), "hi 4194304\nhi2 4096\n");
	CHECK_EQ(writef(a, DMEM_FILE_HIGH, "hi max"), 0);
	CHECK_STR(show(a, DMEM_FILE_HIGH), "hi max\nhi2 4096\n");
	CHECK_EQ(writef(a, DMEM_FILE_HIGH, "hi %llu",
			(unsigned long long)DMEM_COUNTER_MAX + 1), 0);
	CHECK_STR(show(a, DMEM_FILE_HIGH), "hi max\nhi2 4096\n");
	CHECK_EQ(writef(a, DMEM_FILE_HIGH, "hi 0"), 0);
	CHECK_STR(show(a, DMEM_FILE_HIGH), "hi 0\nhi2 4096\n");
	/* the other files do not see it */
	CHECK_STR(show(a, DMEM_FILE_MAX), "hi max\nhi2 max\n");
	CHECK_STR(show(a, DMEM_FILE_LOW), "hi 0\nhi2 0\n");
	CHECK_STR(show(a, DMEM_FILE_MIN), "hi 0\nhi2 0\n");
	CHECK_EQ(dmem_pool_value(pool_of(a, r), DMEM_POOL_HIGH), 0);
	dmem_region_unregister(r);
	dmem_region_unregister(r2);
	del_cg(a); del_cg(root);
}

/* Above high: charges still succeed; the region's count follows. */
static void test_high_soft_limit_and_count(void)
{
	struct dmem_cg *root = new_cg(NULL), *p = new_cg(root), *a = new_cg(p);
	struct dmem_cg *b = new_cg(p);
	struct dmem_region *r = dmem_region_register("soft", 64 * M, NULL);
	struct dmem_region *r2 = dmem_region_register("soft2", 64 * M, NULL);
	struct dmem_pool *pp = pool_of(p, r), *pa = pool_of(a, r);
	struct dmem_pool *pb = pool_of(b, r), *pa2 = pool_of(a, r2);

	CHECK(!dmem_region_any_above_high(r));
	CHECK_EQ(writef(a, DMEM_FILE_HIGH, "soft 1M"), 0);
	CHECK_EQ(writef(p, DMEM_FILE_HIGH, "soft 3M"), 0);
	CHECK(!dmem_region_any_above_high(r));
	/* 1M is not above 1M */
	charge_ok(pa, 1 * M);
	CHECK(!dmem_region_any_above_high(r));
	CHECK_EQ(atomic_read(&r->nr_above_high), 0);
	/* one byte more is, and the charge succeeds: a soft limit */
	CHECK_EQ(dmem_pool_try_charge(pa, 4096, NULL), 0);
	CHECK_EQ(atomic_read(&r->nr_above_high), 1);
	CHECK(dmem_above_high(NULL, pa));
	CHECK(!dmem_above_high(pa, pa));
	CHECK(!dmem_above_high(NULL, pb));
	charge_ok(pa, 8 * M);
	charge_ok(pb, 2 * M);
	/* a and p above (9M+4K > 1M, 11M+4K > 3M), b within */
	CHECK_EQ(atomic_read(&r->nr_above_high), 2);
	CHECK(dmem_above_high(NULL, pb));	/* through p */
	CHECK(!dmem_above_high(pp, pb));	/* p is the root */
	/* the other region is not concerned */
	CHECK(!dmem_region_any_above_high(r2));
	charge_ok(pa2, 8 * M);
	CHECK(!dmem_region_any_above_high(r2));
	/* writes move the count both ways */
	CHECK_EQ(writef(p, DMEM_FILE_HIGH, "soft max"), 0);
	CHECK_EQ(atomic_read(&r->nr_above_high), 1);
	CHECK_EQ(writef(b, DMEM_FILE_HIGH, "soft 1M"), 0);
	CHECK_EQ(atomic_read(&r->nr_above_high), 2);
	/* uncharges too */
	dmem_pool_uncharge(pb, 1 * M);
	CHECK_EQ(atomic_read(&r->nr_above_high), 1);
	dmem_pool_uncharge(pa, 8 * M + 4096);
	CHECK_EQ(atomic_read(&r->nr_above_high), 0);
	CHECK(!dmem_region_any_above_high(r));
	/* a failed charge (max) leaves the count as it was */
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "soft 2M"), 0);
	CHECK_EQ(dmem_pool_try_charge(pa, 4 * M, NULL), -EAGAIN);
	CHECK_EQ(atomic_read(&r->nr_above_high), 0);
	dmem_pool_uncharge(pa, 1 * M);
	dmem_pool_uncharge(pb, 1 * M);
	dmem_pool_uncharge(pa2, 8 * M);
	dmem_region_unregister(r);
	dmem_region_unregister(r2);
	del_cg(a); del_cg(b); del_cg(p); del_cg(root);
}

/* rmdir: high back to max like min/low/max, the pool leaves the count. */
static void test_high_offline_reset(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r = dmem_region_register("hoff", 64 * M, NULL);
	struct dmem_pool *pa = dmem_pool_get(a, r);

	CHECK_EQ(writef(a, DMEM_FILE_HIGH, "hoff 2M"), 0);
	charge_ok(pa, 4 * M);
	CHECK_EQ(atomic_read(&r->nr_above_high), 1);
	dmem_pool_put(pa);
	del_cg(a);
	CHECK_EQ(pa->high, DMEM_COUNTER_MAX);
	CHECK_EQ(atomic_read(&r->nr_above_high), 0);
	CHECK(!dmem_above_high(NULL, pa));
	dmem_pool_uncharge(pa, 4 * M);
	dmem_region_unregister(r);
	del_cg(root);
}

#define HT_THREADS 3
#define HT_NODES 7
#define HT_ITERS 100000

struct ht_shared {
	struct dmem_cg *cg[HT_NODES];
	struct dmem_pool *pool[HT_NODES];
	int stop;	/* __atomic accesses */
};

static void *ht_charger(void *arg)
{
	struct ht_shared *sh = ((void **)arg)[0];
	unsigned long long seed = (unsigned long long)(uintptr_t)((void **)arg)[1];
	u64 held[32][2];
	int nheld = 0, i;

	for (i = 0; i < HT_ITERS; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		if (nheld < 32 && (nheld == 0 || (seed & 1))) {
			int k = (seed >> 8) % HT_NODES;
			u64 size = 4096 * (1 + ((seed >> 20) % 256));

			if (!dmem_pool_try_charge(sh->pool[k], size, NULL)) {
				held[nheld][0] = k;
				held[nheld][1] = size;
				nheld++;
			}
		} else {
			int c = (seed >> 8) % nheld;

			dmem_pool_uncharge(sh->pool[held[c][0]], held[c][1]);
			held[c][0] = held[nheld - 1][0];
			held[c][1] = held[nheld - 1][1];
			nheld--;
		}
	}
	while (nheld--)
		dmem_pool_uncharge(sh->pool[held[nheld][0]], held[nheld][1]);
	return NULL;
}

static void *ht_writer(void *arg)
{
	struct ht_shared *sh = arg;
	unsigned long long seed = 777;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		writef(sh->cg[1 + (seed >> 8) % (HT_NODES - 1)], DMEM_FILE_HIGH,
		       "hconc %llu", (unsigned long long)((seed >> 16) % (2 * M)));
	}
	return NULL;
}

/*
 * Chargers and a dmem.high writer race; afterwards (at rest) the count is
 * exactly the number of pools above their high, with the chargers' bytes
 * still held and again after they are gone.
 */
static void test_high_count_concurrent(void)
{
	struct ht_shared sh = { };
	void *args[HT_THREADS][2];
	pthread_t th[HT_THREADS], writer;
	struct dmem_region *r = dmem_region_register("hconc", 1ULL << 40, NULL);
	int i;

	sh.cg[0] = new_cg(NULL);
	for (i = 1; i < HT_NODES; i++)
		sh.cg[i] = new_cg(sh.cg[(i - 1) / 2]);
	for (i = 0; i < HT_NODES; i++)
		sh.pool[i] = pool_of(sh.cg[i], r);
	pthread_create(&writer, NULL, ht_writer, &sh);
	for (i = 0; i < HT_THREADS; i++) {
		args[i][0] = &sh;
		args[i][1] = (void *)(uintptr_t)(0x9876543ULL * (i + 1));
		pthread_create(&th[i], NULL, ht_charger, args[i]);
	}
	for (i = 0; i < HT_THREADS; i++)
		pthread_join(th[i], NULL);
	__atomic_store_n(&sh.stop, 1, __ATOMIC_RELEASE);
	pthread_join(writer, NULL);
	CHECK_EQ(atomic_read(&r->nr_above_high), 0);
	for (i = 0; i < HT_NODES; i++) {
		CHECK_EQ(atomic64_read(&sh.pool[i]->usage), 0);
		CHECK_EQ(atomic_read(&sh.pool[i]->above_high), 0);
	}
	/* and at rest with usage: every high 1M, 2M charged to each leaf */
	for (i = 1; i < HT_NODES; i++)
		CHECK_EQ(writef(sh.cg[i], DMEM_FILE_HIGH, "hconc 1M"), 0);
	for (i = 3; i < HT_NODES; i++)
		charge_ok(sh.pool[i], 2 * M);
	CHECK_EQ(atomic_read(&r->nr_above_high), HT_NODES - 1);
	CHECK_EQ(atomic_read(&r->nr_above_high),
		 high_count_slow(sh.pool, HT_NODES));
	for (i = 3; i < HT_NODES; i++)
		dmem_pool_uncharge(sh.pool[i], 2 * M);
	CHECK_EQ(atomic_read(&r->nr_above_high), 0);
	dmem_region_unregister(r);
	for (i = HT_NODES - 1; i >= 0; i--)
		del_cg(sh.cg[i]);
}

static const struct harness_test high_tests[] = {
	{ "high_file_default_format_values", test_high_file },
	{ "high_soft_limit_never_fails_count_follows",
	  test_high_soft_limit_and_count },
	{ "high_offline_resets_to_max", test_high_offline_reset },
	{ "high_count_exact_after_races", test_high_count_concurrent },
};
