// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport userspace tests, any depth: path-cut boundaries vs the
 * naive model, depth 3,000 and 30,000 vs an array path computation, chain
 * creation in O(depth). Part of tests/user/main.c (one translation unit
 * with the core, so that tests can check its private invariants); helpers
 * in helpers.h and tests/shared/.
 */

/* ---- any depth: O(depth), bounded stack, same answers ------------------ */

/*
 * A chain root/1/2/.../depth with a sibling leaf under every 5th level,
 * random min/low everywhere and charges at random nodes.  Node k's parent
 * is deep_parent[k]; chain node i is node i.
 */
struct deep_state {
	int n, depth;
	int *parent;
	struct dmem_cg **cg;
	struct dmem_pool **pool;
	struct dmem_region *r;
	u64 *own;		/* bytes charged at each node itself */
	long mismatches;
};

static bool pool_is_ancestor(struct dmem_pool *anc, struct dmem_pool *p)
{
	for (; p; p = p->parent)
		if (p == anc)
			return true;
	return false;
}

/* Exact effective values the simple way: the path in an array. */
static void ref_path_eff(struct dmem_pool *root, struct dmem_pool *pool,
			 struct dmem_eff *eff)
{
	struct dmem_pool **path, *p;
	size_t n = 0, cap = 64;

	eff->min = 0;
	eff->low = 0;
	if (!root)
		for (root = pool; root->parent; root = root->parent)
			;
	path = malloc(cap * sizeof(*path));
	for (p = pool; p != root; p = p->parent) {
		if (n == cap) {
			cap *= 2;
			path = realloc(path, cap * sizeof(*path));
		}
		path[n++] = p;
	}
	while (n)
		dmem_eff_next(root, path[--n], eff);
	free(path);
}

static void deep_compare(struct deep_state *s, int limit, int test,
			 bool with_naive)
{
	struct dmem_pool *lp = limit >= 0 ? s->pool[limit] : NULL;
	struct dmem_pool *tp = s->pool[test];
	u64 used = atomic64_read(&tp->usage);
	struct dmem_eff ref;
	bool ign = rnd_below(2), hit = false, want, want_hit = false, got;

	bool got_hit = false, inside = !lp || pool_is_ancestor(lp, tp);

	if (inside && lp != tp) {
		ref_path_eff(lp, tp, &ref);
	} else {
		ref.min = 0;
		ref.low = 0;
	}
	if (dmem_effective_min(lp, tp) != ref.min ||
	    dmem_effective_low(lp, tp) != ref.low) {
		if (s->mismatches++ < 5)
			printf("#   depth %d: value mismatch limit %d test %d\n",
			       s->depth, limit, test);
	}
	if (lp == tp || (lp && !lp->parent)) {
		want = true;
	} else if (!inside || used <= ref.min) {
		want = false;
	} else if (!ign && used <= ref.low) {
		want = false;
		want_hit = true;
	} else {
		want = true;
	}
	got = dmem_evict_valuable(lp, tp, ign, &got_hit);
	if (got != want || got_hit != want_hit) {
		if (s->mismatches++ < 5)
			printf("#   depth %d: decision mismatch limit %d test %d\n",
			       s->depth, limit, test);
	}
	if (!with_naive)
		return;
	if (got != naive_evict_valuable(&naive, limit, test, ign, &hit) ||
	    got_hit != hit) {
		if (s->mismatches++ < 5)
			printf("#   depth %d: naive decision mismatch limit %d test %d\n",
			       s->depth, limit, test);
	}
	if (inside && test != (limit < 0 ? 0 : limit) && used) {
		naive_calc_protection(&naive, limit < 0 ? 0 : limit, test);
		if (ref.min != naive.node[test].emin ||
		    ref.low != naive.node[test].elow) {
			if (s->mismatches++ < 5)
				printf("#   depth %d: naive value mismatch limit %d test %d\n",
				       s->depth, limit, test);
		}
	}
}

static void deep_run(int depth, bool with_naive)
{
	struct deep_state s = { .depth = depth };
	unsigned long sections;
	int i, k, q;

	s.n = depth + 1 + depth / 5;
	s.parent = calloc(s.n, sizeof(int));
	s.cg = calloc(s.n, sizeof(*s.cg));
	s.pool = calloc(s.n, sizeof(*s.pool));
	s.own = calloc(s.n, sizeof(u64));
	s.r = dmem_region_register("deep", 1ULL << 44, NULL);
	if (with_naive)
		naive_init(&naive);
	s.parent[0] = -1;
	s.cg[0] = new_cg(NULL);
	for (i = 1; i < s.n; i++) {
		s.parent[i] = i <= depth ? i - 1 : 5 * (i - depth) - 1;
		s.cg[i] = new_cg(s.cg[s.parent[i]]);
		if (with_naive)
			naive_add(&naive, s.parent[i]);
	}

	/* one call creates the whole chain: O(depth) work, no recursion */
	sections = port_rcu_sections;
	s.pool[depth] = dmem_pool_get(s.cg[depth], s.r);
	CHECK(!IS_ERR(s.pool[depth]));
	if (port_rcu_sections - sections > 2UL * depth + 8) {
		harness_failures++;
		printf("#   creating a %d-deep chain took %lu RCU sections\n",
		       depth, port_rcu_sections - sections);
	}
	dmem_pool_put(s.pool[depth]);
	for (i = 0; i < s.n; i++) {
		s.pool[i] = pool_of(s.cg[i], s.r);
		if (i && s.pool[i]->parent != s.pool[s.parent[i]] &&
		    s.mismatches++ < 5)
			printf("#   pool %d has the wrong parent\n", i);
	}
	for (i = 1; i < s.n; i++) {
		u64 lo = rnd_below(4) ? rnd_below(64) * M : DMEM_COUNTER_MAX;
		u64 mi = rnd_below(3) ? rnd_below(16) * M : 0;

		CHECK_EQ(writef(s.cg[i], DMEM_FILE_LOW, "deep %llu",
				(unsigned long long)lo), 0);
		CHECK_EQ(writef(s.cg[i], DMEM_FILE_MIN, "deep %llu",
				(unsigned long long)mi), 0);
		if (with_naive) {
			naive.node[i].low = lo;
			naive.node[i].min = mi;
		}
	}
	for (k = 0; k < 200; k++) {
		u64 size = (1 + rnd_below(32)) * M;

		i = k < 20 ? depth - (int)rnd_below(min(depth, 8)) :
			     (int)rnd_below(s.n);
		CHECK_EQ(dmem_pool_try_charge(s.pool[i], size, NULL), 0);
		s.own[i] += size;
		if (with_naive)
			CHECK_EQ(naive_try_charge(&naive, i, size), -1);
	}
	/* path lengths around every cut boundary, then random pairs */
	for (q = 1; q <= depth && q < 600; q += q < 40 ? 1 : 13)
		deep_compare(&s, depth - q, depth, with_naive);
	for (q = 0; q < 300; q++) {
		int test = rnd_below(s.n), limit;

		switch (rnd_below(3)) {
		case 0:
			limit = -1;
			break;
		case 1:
			limit = test;
			while (limit > 0 && rnd_below(64))
				limit = s.parent[limit];
			break;
		default:
			limit = rnd_below(s.n);
		}
		deep_compare(&s, limit, test, with_naive);
	}
	CHECK_EQ(s.mismatches, 0);

	/* give everything back: all usage goes, teardown is iterative too */
	for (i = 0; i < s.n; i++)
		if (s.own[i])
			dmem_pool_uncharge(s.pool[i], s.own[i]);
	CHECK_EQ(atomic64_read(&s.pool[0]->usage), 0);
	dmem_region_unregister(s.r);
	for (i = s.n - 1; i >= 0; i--)
		del_cg(s.cg[i]);
	free(s.parent);
	free(s.cg);
	free(s.pool);
	free(s.own);
}

/*
 * Depth 3,000: same values and decisions as the array-based path
 * computation (the naive model's recursive usage sums are quadratic:
 * it is the reference at the smaller depths below).
 */
static void test_deep_3000(void)
{
	deep_run(3000, false);
}

/*
 * Depth 30,000 (cgroup nesting is unlimited by default): same values and
 * decisions as the array-based path computation, one-call chain creation
 * in O(depth), no stack blowup (ASan's stack, no recursion anywhere).
 */
static void test_deep_30000(void)
{
	deep_run(30000, false);
}

/*
 * Shorter chains against upstream's subtree walk (naive model), lengths
 * around the first cut boundaries (32: first cut; 512: second level).
 */
static void test_deep_small_vs_naive(void)
{
	static const int depths[] = { 1, 2, 31, 32, 33, 64, 200 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(depths); i++)
		deep_run(depths[i], true);
	deep_run(511, false);
	deep_run(512, false);
	deep_run(513, false);
}

static const struct harness_test deep_tests[] = {
	{ "deep_paths_cut_boundaries_vs_naive", test_deep_small_vs_naive },
	{ "deep_3000_same_answers_linear_creation", test_deep_3000 },
	{ "deep_30000_same_answers_linear_creation", test_deep_30000 },
};
