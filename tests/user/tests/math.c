// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport userspace tests, totality of the math: every step against
 * an exact reference and upstream's unsigned long arithmetic, a child
 * above its parent, charging vs deciding in two threads (run in a child
 * process: a divide error is a failed test, not a crashed suite). Part of
 * tests/user/main.c (one translation unit with the core, so that tests can
 * check its private invariants); helpers in helpers.h and tests/shared/.
 */

/* ---- totality: the math never traps, whatever the counters say ------- */

/* One step of recursive protection, exact, saturated at U64_MAX. */
static u64 ref_step(u64 usage, u64 pu, u64 setting, u64 pe, u64 sp)
{
	return dmem_test_ref_step(usage, pu, setting, pe, sp, NULL);
}

/*
 * Upstream's effective_protection() in unsigned long (64 bits here), as
 * it is since it scales with mul_u64_u64_div_u64() and caps a child's
 * unprotected usage at its parent's (Debian's 6.12.118): the products are
 * exact and their quotients fit; returns false when its final sum wraps
 * (then nothing is promised).
 */
static bool upstream_step(u64 usage, u64 pu, u64 setting, u64 pe, u64 sp,
			  u64 *out)
{
	u64 prot = min(usage, setting), ep = prot, t;

	if (sp > pe) {
		*out = (u64)((__uint128_t)prot * pe / sp);
		return true;
	}
	if (pe > sp && pu > sp && usage > prot) {
		t = (u64)((__uint128_t)(pe - sp) *
			  min(usage - prot, pu - sp) / (pu - sp));
		if (__builtin_add_overflow(ep, t, &ep))
			return false;
	}
	*out = ep;
	return true;
}

static u64 math_rnd_state = 0x9e3779b97f4a7c15ULL;

static u64 math_rnd(void)
{
	return dmem_test_xorshift(&math_rnd_state);
}

/* Values that stress the edges: 0, 1, powers of two, maxima, random. */
static u64 math_pick(void)
{
	static const u64 edge[] = {
		0, 1, 2, 4095, 4096, 1ULL << 20, 64ULL << 20, 1ULL << 32,
		(1ULL << 32) + 1, DMEM_COUNTER_MAX - 1, DMEM_COUNTER_MAX,
		DMEM_COUNTER_MAX + 1, 1ULL << 62, (u64)LLONG_MAX,
		U64_MAX / 2 + 1, U64_MAX - 1, U64_MAX,
	};
	u64 r = math_rnd();

	switch (r & 3) {
	case 0:
		return edge[(r >> 8) % ARRAY_SIZE(edge)];
	case 1:
		return math_rnd() >> ((r >> 8) % 64);
	default:
		return math_rnd() % (1ULL << 40);
	}
}

static void math_step_total_body(void)
{
	int i, bad = 0, differs = 0;

	for (i = 0; i < 2000000; i++) {
		u64 usage = math_pick(), pu = math_pick(), setting = math_pick();
		u64 pe = math_pick(), sp = math_pick(), got, want, up;

		got = dmem_effective_step(usage, pu, setting, pe, sp);
		want = ref_step(usage, pu, setting, pe, sp);
		if (got != want && bad++ < 5)
			printf("#   step(%llu, %llu, %llu, %llu, %llu) = %llu, exact %llu\n",
			       (unsigned long long)usage, (unsigned long long)pu,
			       (unsigned long long)setting, (unsigned long long)pe,
			       (unsigned long long)sp, (unsigned long long)got,
			       (unsigned long long)want);
		if (upstream_step(usage, pu, setting, pe, sp, &up) && up != got)
			differs++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(differs, 0);
}

/*
 * Every input of one protection step, consistent or not: no trap; the
 * exact result where it fits in 64 bits, U64_MAX where it does not; and
 * bit-identical to upstream's unsigned long arithmetic wherever that
 * does not wrap.
 */
static void test_math_step_total(void)
{
	run_in_child("effective_step", math_step_total_body);
}

/*
 * The counters as a charge leaves them half-way: dmem_pool_try_charge()
 * adds to the child before the parent, so the child's usage is above its
 * parent's for a moment.  X has dmem.low=max and a 4 KiB charge of its
 * own, X/A is being charged 64 MiB: uncapped, A's share of X's unclaimed
 * protection would be max * 64M / 4K, about 2^65, which does not fit in
 * 64 bits; as upstream, A's unprotected usage is capped at X's, so A gets
 * X's whole unclaimed protection (max), no more.
 */
static void math_midcharge_body(void)
{
	struct dmem_cg *root = new_cg(NULL), *x = new_cg(root);
	struct dmem_cg *a = new_cg(x), *y = new_cg(root);
	struct dmem_region *r = dmem_region_register("mid", 1ULL << 40, NULL);
	struct dmem_pool *px = pool_of(x, r), *pa = pool_of(a, r);
	struct dmem_pool *py = pool_of(y, r);
	bool hit = false;

	CHECK_EQ(writef(x, DMEM_FILE_LOW, "mid max"), 0);
	charge_ok(px, 4096);
	charge_ok(py, 4096);
	/* the first level of a 64 MiB charge of A, not yet its parent's */
	atomic64_add(64 * M, &pa->usage);
	dmem_propagate_protected(pa, 64 * M);

	CHECK_EQ(dmem_effective_low(NULL, pa), DMEM_COUNTER_MAX);
	CHECK_EQ(dmem_effective_min(NULL, pa), 0);
	CHECK(!dmem_may_evict(NULL, py, pa, false, &hit));
	CHECK(hit);
	CHECK(dmem_may_evict(NULL, py, pa, true, NULL));
	CHECK(dmem_below_low(NULL, pa));
	CHECK(!dmem_below_min(NULL, pa));
	CHECK_EQ(dmem_alloc_evict_before_fallback(pa),
		 DMEM_ALLOC_EVICT_UNPROTECTED);

	/* the same with min=max: the overcommit path too */
	CHECK_EQ(writef(x, DMEM_FILE_MIN, "mid max"), 0);
	CHECK_EQ(dmem_effective_min(NULL, pa), DMEM_COUNTER_MAX);
	CHECK(!dmem_may_evict(NULL, py, pa, true, NULL));

	/* finish the charge: consistent again, A gets all of X's usage */
	atomic64_sub(64 * M, &pa->usage);
	dmem_propagate_protected(pa, 0);
	charge_ok(pa, 64 * M);
	CHECK_EQ(dmem_effective_low(NULL, pa),
		 ref_step(64 * M, 64 * M + 4096, 0, DMEM_COUNTER_MAX, 0));
	dmem_pool_uncharge(pa, 64 * M);
	dmem_pool_uncharge(px, 4096);
	dmem_pool_uncharge(py, 4096);
	dmem_region_unregister(r);
	del_cg(a);
	del_cg(x);
	del_cg(y);
	del_cg(root);
}

static void test_math_child_above_parent(void)
{
	run_in_child("mid-charge decision", math_midcharge_body);
}

struct race_arg {
	struct dmem_pool *pa;
	int stop;
	unsigned long charges;
};

static void *race_charger(void *arg)
{
	struct race_arg *ra = arg;

	while (!__atomic_load_n(&ra->stop, __ATOMIC_ACQUIRE)) {
		if (!dmem_pool_try_charge(ra->pa, 64 * M, NULL))
			dmem_pool_uncharge(ra->pa, 64 * M);
		ra->charges++;
	}
	return NULL;
}

#define RACE_DECISIONS 2000000

static void math_race_body(void)
{
	struct dmem_cg *root = new_cg(NULL), *x = new_cg(root);
	struct dmem_cg *a = new_cg(x), *y = new_cg(root);
	struct dmem_region *r = dmem_region_register("race", 1ULL << 40, NULL);
	struct dmem_pool *px = pool_of(x, r), *pa = pool_of(a, r);
	struct dmem_pool *py = pool_of(y, r);
	struct race_arg ra = { .pa = pa };
	unsigned long i, evictable = 0;
	pthread_t tid;

	CHECK_EQ(writef(x, DMEM_FILE_LOW, "race max"), 0);
	charge_ok(px, 4096);
	charge_ok(py, 4096);
	pthread_create(&tid, NULL, race_charger, &ra);
	for (i = 0; i < RACE_DECISIONS; i++)
		evictable += dmem_may_evict(NULL, py, pa, false, NULL);
	__atomic_store_n(&ra.stop, 1, __ATOMIC_RELEASE);
	pthread_join(tid, NULL);
	printf("#   %d decisions, %lu charges, %lu evictable\n",
	       RACE_DECISIONS, ra.charges, evictable);
	/* with usage, A is protected by X's low=max; without, evictable */
	CHECK_EQ(atomic64_read(&pa->usage), 0);
	dmem_pool_uncharge(px, 4096);
	dmem_pool_uncharge(py, 4096);
	dmem_region_unregister(r);
	del_cg(a);
	del_cg(x);
	del_cg(y);
	del_cg(root);
}

/*
 * The same for real: one thread charges and uncharges 64 MiB in X/A while
 * another asks whether Y may evict A's buffers, a bounded number of times.
 */
static void test_math_concurrent_charge_vs_decision(void)
{
	run_in_child("concurrent decisions", math_race_body);
}

static const struct harness_test math_tests[] = {
	{ "math_step_total_exact_or_saturated", test_math_step_total },
	{ "math_child_usage_above_parent_no_trap",
	  test_math_child_above_parent },
	{ "math_concurrent_charge_vs_decision_no_trap",
	  test_math_concurrent_charge_vs_decision },
};
