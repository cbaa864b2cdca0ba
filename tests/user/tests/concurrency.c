// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport userspace tests, concurrency: charge/uncharge invariants,
 * lazy pool creation, unregister and offline under charging threads. Part
 * of tests/user/main.c (one translation unit with the core, so that tests
 * can check its private invariants); helpers in helpers.h and
 * tests/shared/.
 */

/* ---- concurrency --------------------------------------------------------- */

#define CT_THREADS 4
#define CT_NODES 13
#define CT_ITERS 200000

struct ct_shared {
	struct dmem_cg *cg[CT_NODES];
	struct dmem_pool *pool[CT_NODES];
	int parent[CT_NODES];
	struct dmem_region *r;
	int stop;	/* __atomic accesses */
};

struct ct_thread {
	pthread_t tid;
	struct ct_shared *sh;
	unsigned long long seed;
	u64 own[CT_NODES];	/* outstanding charges at the end */
	long failures;
};

static void *ct_charger(void *arg)
{
	struct ct_thread *t = arg;
	u64 held[64][2];
	int nheld = 0, i;

	for (i = 0; i < CT_ITERS; i++) {
		t->seed ^= t->seed << 13;
		t->seed ^= t->seed >> 7;
		t->seed ^= t->seed << 17;
		if (nheld < 64 && (nheld == 0 || (t->seed & 3) != 0)) {
			int k = (t->seed >> 8) % CT_NODES;
			u64 size = 4096 * (1 + ((t->seed >> 20) % 64));
			struct dmem_pool *lim = NULL;

			if (!dmem_pool_try_charge(t->sh->pool[k], size, &lim)) {
				held[nheld][0] = k;
				held[nheld][1] = size;
				nheld++;
			} else {
				t->failures++;
				dmem_pool_put(lim);
			}
		} else {
			int c = (t->seed >> 8) % nheld;

			dmem_pool_uncharge(t->sh->pool[held[c][0]], held[c][1]);
			held[c][0] = held[nheld - 1][0];
			held[c][1] = held[nheld - 1][1];
			nheld--;
		}
	}
	for (i = 0; i < nheld; i++)
		t->own[held[i][0]] += held[i][1];
	return NULL;
}

static void *ct_writer(void *arg)
{
	struct ct_shared *sh = arg;
	unsigned long long seed = 12345;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		int k;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		k = 1 + (seed >> 8) % (CT_NODES - 1);
		writef(sh->cg[k], (seed & 1) ? DMEM_FILE_MIN : DMEM_FILE_LOW,
		       "conc %llu", (unsigned long long)((seed >> 16) % (2 * M)));
		if ((seed & 0x30) == 0)
			writef(sh->cg[k], DMEM_FILE_MAX, "conc %llu",
			       (unsigned long long)(1 + (seed >> 16) % (8 * M)));
		dmem_evict_valuable(NULL, sh->pool[k], seed & 2, NULL);
		show(sh->cg[k], DMEM_FILE_CURRENT);
	}
	return NULL;
}

static void test_concurrent_charge_uncharge(void)
{
	struct ct_shared sh = { };
	struct ct_thread th[CT_THREADS] = { };
	pthread_t writer;
	u64 own[CT_NODES] = { };
	int i, j, bad = 0;

	sh.r = dmem_region_register("conc", 1ULL << 40, NULL);
	sh.cg[0] = new_cg(NULL);
	sh.parent[0] = -1;
	for (i = 1; i < CT_NODES; i++) {
		sh.parent[i] = (i - 1) / 3;	/* ternary tree, depth 3 */
		sh.cg[i] = new_cg(sh.cg[sh.parent[i]]);
	}
	for (i = 0; i < CT_NODES; i++)
		sh.pool[i] = pool_of(sh.cg[i], sh.r);

	pthread_create(&writer, NULL, ct_writer, &sh);
	for (i = 0; i < CT_THREADS; i++) {
		th[i].sh = &sh;
		th[i].seed = 0x1234567ULL * (i + 1);
		pthread_create(&th[i].tid, NULL, ct_charger, &th[i]);
	}
	for (i = 0; i < CT_THREADS; i++)
		pthread_join(th[i].tid, NULL);
	__atomic_store_n(&sh.stop, 1, __ATOMIC_RELEASE);
	pthread_join(writer, NULL);

	for (i = 0; i < CT_THREADS; i++)
		for (j = 0; j < CT_NODES; j++)
			own[j] += th[i].own[j];
	/* usage(parent) == own(parent) + sum usage(children) */
	for (i = 0; i < CT_NODES; i++) {
		u64 sum = own[i], smin = 0, slow = 0;

		for (j = 0; j < CT_NODES; j++) {
			if (sh.parent[j] != i)
				continue;
			sum += atomic64_read(&sh.pool[j]->usage);
			smin += min((u64)atomic64_read(&sh.pool[j]->usage), sh.pool[j]->min);
			slow += min((u64)atomic64_read(&sh.pool[j]->usage), sh.pool[j]->low);
		}
		if ((u64)atomic64_read(&sh.pool[i]->usage) != sum ||
		    (u64)atomic64_read(&sh.pool[i]->children_min_usage) != smin ||
		    (u64)atomic64_read(&sh.pool[i]->children_low_usage) != slow) {
			bad++;
			printf("#   node %d usage %lld own+children %llu\n", i,
			       (long long)atomic64_read(&sh.pool[i]->usage),
			       (unsigned long long)sum);
		}
	}
	CHECK_EQ(bad, 0);
	/* give everything back: all zero, references balanced */
	for (i = 0; i < CT_THREADS; i++)
		for (j = 0; j < CT_NODES; j++)
			if (th[i].own[j])
				dmem_pool_uncharge(sh.pool[j], th[i].own[j]);
	for (i = 0; i < CT_NODES; i++) {
		CHECK_EQ(atomic64_read(&sh.pool[i]->usage), 0);
		CHECK_EQ(atomic64_read(&sh.pool[i]->children_min_usage), 0);
		/* list ref + one per child pool */
		{
			unsigned int kids = 0;

			for (j = 0; j < CT_NODES; j++)
				kids += sh.parent[j] == i;
			CHECK_EQ(refcount_read(&sh.pool[i]->ref), 1 + kids);
		}
	}
	dmem_region_unregister(sh.r);
	for (i = CT_NODES - 1; i >= 0; i--)
		del_cg(sh.cg[i]);
}

struct cc_arg {
	struct dmem_cg *cg;
	struct dmem_region *r;
	struct dmem_pool *got;
};

static void *cc_getter(void *arg)
{
	struct cc_arg *a = arg;

	a->got = dmem_pool_get(a->cg, a->r);
	return NULL;
}

/* Racing lazy creation of the same pool chain yields one pool per cgroup. */
static void test_concurrent_pool_creation(void)
{
	struct dmem_cg *cg[6];
	struct cc_arg args[4];
	pthread_t tid[4];
	int i, round;

	cg[0] = new_cg(NULL);
	for (i = 1; i < 6; i++)
		cg[i] = new_cg(cg[i - 1]);
	for (round = 0; round < 200; round++) {
		struct dmem_region *r = dmem_region_register("cc", 1, NULL);

		for (i = 0; i < 4; i++) {
			args[i].cg = cg[5 - (i & 1)];
			args[i].r = r;
			pthread_create(&tid[i], NULL, cc_getter, &args[i]);
		}
		for (i = 0; i < 4; i++)
			pthread_join(tid[i], NULL);
		for (i = 0; i < 4; i++) {
			CHECK(!IS_ERR(args[i].got));
			CHECK(args[i].got == args[i & 1].got);
		}
		CHECK(args[0].got->parent == args[1].got);
		for (i = 0; i < 4; i++)
			dmem_pool_put(args[i].got);
		/* exactly one pool per cgroup on the path */
		{
			struct dmem_pool *p;
			int n = 0;

			list_for_each_entry(p, &r->pools, region_node)
				n++;
			CHECK_EQ(n, 6);
		}
		dmem_region_unregister(r);
	}
	for (i = 5; i >= 0; i--)
		del_cg(cg[i]);
}

/*
 * Unregister racing with charges, uncharges, limit writes and reads of
 * pools the workers already hold (the glue never uses a region pointer
 * after unregistering it, but buffers charged to it live on).
 */
static void *ur_worker(void *arg)
{
	struct ct_thread *t = arg;
	struct dmem_pool *p[CT_NODES];
	int i, ret;

	for (i = 0; i < CT_NODES; i++)
		p[i] = t->sh->pool[i];
	for (i = 0; i < 20000; i++) {
		int k = i % CT_NODES;

		if (!dmem_pool_try_charge(p[k], 4096, NULL)) {
			ret = writef(t->sh->cg[k], DMEM_FILE_LOW, "ur 1M");
			/* -EINVAL once gone, -ENODEV if it went mid-write */
			if (ret && ret != -EINVAL && ret != -ENODEV)
				t->failures++;
			show(t->sh->cg[k], DMEM_FILE_LOW);
			dmem_evict_valuable(NULL, p[k], false, NULL);
			dmem_pool_uncharge(p[k], 4096);
		}
	}
	for (i = 0; i < CT_NODES; i++)
		dmem_pool_put(p[i]);
	return NULL;
}

static void test_concurrent_unregister(void)
{
	struct ct_shared sh = { };
	struct ct_thread th[3] = { };
	int i, j, round;

	sh.cg[0] = new_cg(NULL);
	for (i = 1; i < CT_NODES; i++)
		sh.cg[i] = new_cg(sh.cg[(i - 1) / 3]);
	for (round = 0; round < 5; round++) {
		sh.r = dmem_region_register("ur", 1ULL << 30, NULL);
		for (i = 0; i < CT_NODES; i++)
			sh.pool[i] = pool_of(sh.cg[i], sh.r);
		for (i = 0; i < 3; i++) {
			th[i].failures = 0;
			/* one reference per worker and pool */
			for (j = 0; j < CT_NODES; j++)
				refcount_inc(&sh.pool[j]->ref);
			th[i].sh = &sh;
			pthread_create(&th[i].tid, NULL, ur_worker, &th[i]);
		}
		usleep(2000 * (round + 1));
		dmem_region_unregister(sh.r);
		for (i = 0; i < 3; i++) {
			pthread_join(th[i].tid, NULL);
			CHECK_EQ(th[i].failures, 0);
		}
	}
	for (i = CT_NODES - 1; i >= 0; i--)
		del_cg(sh.cg[i]);
	port_rcu_quiesce();
	CHECK(list_empty(&dmem_regions));
}

/*
 * rmdir (offline) racing with charges and uncharges of the cgroup's pools:
 * every pool is freed exactly once, after its last uncharge, and the
 * cgroup is released exactly once (ASan/LSan catch the rest).
 */
struct ro_arg {
	struct dmem_pool *pool;	/* referenced */
	long charged, refused;
};

static void *ro_worker(void *arg)
{
	struct ro_arg *a = arg;
	int i;

	for (i = 0; i < 50000; i++) {
		int ret = dmem_pool_try_charge(a->pool, 4096, NULL);

		if (!ret) {
			a->charged++;
			dmem_pool_uncharge(a->pool, 4096);
		} else if (ret == -ENODEV) {
			a->refused++;
		}
	}
	dmem_pool_put(a->pool);
	return NULL;
}

static void test_concurrent_offline(void)
{
	int round, i;

	for (round = 0; round < 20; round++) {
		int rel0 = nreleased();
		struct dmem_region *r = dmem_region_register("ro", 1ULL << 30, NULL);
		struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
		struct dmem_cg *b = new_cg(a);
		struct ro_arg args[3] = { };
		pthread_t tid[3];

		for (i = 0; i < 3; i++) {
			args[i].pool = dmem_pool_get(i ? b : a, r);
			CHECK(!IS_ERR(args[i].pool));
			pthread_create(&tid[i], NULL, ro_worker, &args[i]);
		}
		usleep(100 * round);
		del_cg(b);	/* the children first, as cgroup rmdir requires */
		del_cg(a);
		for (i = 0; i < 3; i++) {
			pthread_join(tid[i], NULL);
			CHECK(args[i].charged + args[i].refused == 50000);
		}
		/* a and b are released once their pools are gone */
		CHECK_EQ(nreleased(), rel0 + 2);
		dmem_region_unregister(r);
		del_cg(root);
		CHECK_EQ(nreleased(), rel0 + 3);
	}
}

/*
 * As the glue does: the charge keeps no pool reference (dmem_charge_keep()
 * drops it; the glue pins only the cgroup), so the last uncharge of a dead
 * pool may race with the unlinker dropping the pool's list reference.  The
 * uncharge must not touch the pool after that (ASan sees it: the port
 * frees at once when no RCU reader is inside).
 */
struct ru_arg {
	struct dmem_cg *cg;	/* referenced by the test */
	struct dmem_region *region;
};

static void *ru_worker(void *arg)
{
	struct ru_arg *a = arg;
	int i;

	for (i = 0; i < 20000; i++) {
		struct dmem_pool *pool = dmem_pool_get(a->cg, a->region);
		int ret;

		if (IS_ERR_OR_NULL(pool))
			break;
		ret = dmem_pool_try_charge(pool, 4096, NULL);
		dmem_pool_put(pool);	/* as dmem_charge_keep(): usage keeps it */
		if (ret)
			break;
		dmem_pool_uncharge(pool, 4096);
	}
	return NULL;
}

static void test_concurrent_offline_unreferenced_uncharge(void)
{
	int round, i;

	for (round = 0; round < 300; round++) {
		struct dmem_region *r = dmem_region_register("ru", 1ULL << 30, NULL);
		struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
		struct ru_arg arg = { .cg = a, .region = r };
		pthread_t tid[4];

		dmem_cg_get(a);
		for (i = 0; i < 4; i++)
			pthread_create(&tid[i], NULL, ru_worker, &arg);
		usleep(20 + 7 * (round % 30));
		del_cg(a);
		for (i = 0; i < 4; i++)
			pthread_join(tid[i], NULL);
		dmem_cg_put(a);
		dmem_region_unregister(r);
		del_cg(root);
	}
}

/*
 * The same race, made deterministic: the last uncharge of a pool runs on
 * "another CPU" while rmdir unlinks the pool, at the moment the unlinker
 * takes its temporary reference (the port's refcount_inc() hook).  The
 * unlinker must hold that reference before it marks the pool dead: were
 * the flag first, this uncharge would see "dead" and zero usage, drop the
 * list reference (the last one) and free the pool under the unlinker
 * (refcount "addition on 0", then a use-after-free; ASan kills the child).
 * Seen in CI as a crash of the test above, about once in 20,000 rounds.
 */
static struct dmem_pool *rw_pool;
static int rw_fired;

static void rw_uncharge_here(refcount_t *r)
{
	struct dmem_pool *pool = rw_pool;

	if (!pool || r != &pool->ref)
		return;
	rw_pool = NULL;
	rw_fired = 1;
	dmem_pool_uncharge(pool, 4096);
}

static void unlink_window_body(void)
{
	struct dmem_region *r = dmem_region_register("rw", 1ULL << 30, NULL);
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_pool *pool = dmem_pool_get(a, r);
	int rel0 = nreleased();

	CHECK(!IS_ERR_OR_NULL(pool));
	CHECK_EQ(dmem_pool_try_charge(pool, 4096, NULL), 0);
	dmem_pool_put(pool);	/* as dmem_charge_keep(): usage keeps it */
	dmem_cg_get(a);
	rw_pool = pool;
	port_before_refcount_inc = rw_uncharge_here;
	del_cg(a);
	port_before_refcount_inc = NULL;
	CHECK_EQ(rw_fired, 1);
	dmem_cg_put(a);		/* the pool went, then the cgroup */
	CHECK_EQ(nreleased(), rel0 + 1);
	dmem_region_unregister(r);
	del_cg(root);
	port_rcu_quiesce();
}

static void test_offline_unlink_window_uncharge(void)
{
	run_in_child("uncharge inside the unlink window", unlink_window_body);
}

static const struct harness_test concurrency_tests[] = {
	{ "concurrent_charge_uncharge_invariants",
	  test_concurrent_charge_uncharge },
	{ "concurrent_lazy_pool_creation", test_concurrent_pool_creation },
	{ "concurrent_unregister_with_charges", test_concurrent_unregister },
	{ "concurrent_offline_with_charges", test_concurrent_offline },
	{ "concurrent_offline_unreferenced_uncharge",
	  test_concurrent_offline_unreferenced_uncharge },
	{ "offline_unlink_window_uncharge",
	  test_offline_unlink_window_uncharge },
};
