// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport userspace tests, differential tests against the naive
 * model of upstream (naive_ref.c): random trees, wide and deep, the deep-
 * path fallback. Part of tests/user/main.c (one translation unit with the
 * core, so that tests can check its private invariants); helpers in
 * helpers.h and tests/shared/.
 */

/* ---- differential tests against the naive upstream model -------------- */

struct diff_state {
	int n;
	struct dmem_cg *cg[64];
	struct dmem_pool *pool[64];
	u64 charges[256][2];	/* node, size */
	int ncharges;
	long mismatches;
};

static void diff_compare(struct diff_state *s, struct dmem_region *r, int limit,
			 int test)
{
	struct dmem_pool *lp = limit >= 0 ? s->pool[limit] : NULL;
	struct dmem_pool *tp = s->pool[test];
	bool hit_a = false, hit_b = false, ign = rnd_below(2);
	bool a, b;

	(void)r;
	a = dmem_evict_valuable(lp, tp, ign, &hit_a);
	b = naive_evict_valuable(&naive, limit, test, ign, &hit_b);
	if (a != b || hit_a != hit_b) {
		if (s->mismatches++ < 5)
			printf("#   evict mismatch limit %d test %d: %d/%d vs naive %d/%d\n",
			       limit, test, a, hit_a, b, hit_b);
	}
	if (limit < 0 || naive_is_ancestor(&naive, limit, test)) {
		if (dmem_below_min(lp, tp) != naive_below(&naive, limit, test, false) ||
		    dmem_below_low(lp, tp) != naive_below(&naive, limit, test, true)) {
			if (s->mismatches++ < 5)
				printf("#   below mismatch limit %d test %d\n", limit, test);
		}
		/* values, where upstream's are not stale */
		if (test != (limit < 0 ? 0 : limit) && naive_usage(&naive, test)) {
			naive_calc_protection(&naive, limit < 0 ? 0 : limit, test);
			if (dmem_effective_min(lp, tp) != naive.node[test].emin ||
			    dmem_effective_low(lp, tp) != naive.node[test].elow) {
				if (s->mismatches++ < 5)
					printf("#   value mismatch limit %d test %d: %llu/%llu vs %llu/%llu\n",
					       limit, test,
					       (unsigned long long)dmem_effective_min(lp, tp),
					       (unsigned long long)dmem_effective_low(lp, tp),
					       (unsigned long long)naive.node[test].emin,
					       (unsigned long long)naive.node[test].elow);
			}
		}
	}
}

static void diff_round(struct diff_state *s, struct dmem_region *r, int ops)
{
	static const enum dmem_file files[] = {
		DMEM_FILE_MIN, DMEM_FILE_LOW, DMEM_FILE_MAX
	};
	int i;

	for (i = 0; i < ops; i++) {
		int k = rnd_below(s->n), op = rnd_below(10);

		if (op < 4 && s->ncharges < 256) {
			u64 size = rnd_size();
			struct dmem_pool *lim = NULL;
			int ra = dmem_pool_try_charge(s->pool[k], size, &lim);
			int rb = naive_try_charge(&naive, k, size);

			if ((ra == 0) != (rb < 0) ||
			    (ra && lim != s->pool[rb])) {
				if (s->mismatches++ < 5)
					printf("#   charge mismatch node %d: %d vs %d\n", k, ra, rb);
			}
			if (!ra) {
				s->charges[s->ncharges][0] = k;
				s->charges[s->ncharges][1] = size;
				s->ncharges++;
			}
			dmem_pool_put(lim);
		} else if (op < 7 && s->ncharges) {
			int c = rnd_below(s->ncharges);
			int node = s->charges[c][0];
			u64 size = s->charges[c][1];

			dmem_pool_uncharge(s->pool[node], size);
			naive_uncharge(&naive, node, size);
			s->charges[c][0] = s->charges[s->ncharges - 1][0];
			s->charges[c][1] = s->charges[s->ncharges - 1][1];
			s->ncharges--;
		} else if (k > 0) {
			enum dmem_file f = files[rnd_below(3)];
			u64 v = rnd_setting();

			if (writef(s->cg[k], f, "diff %llu", (unsigned long long)v))
				s->mismatches++;
			if (f == DMEM_FILE_MIN)
				naive.node[k].min = v;
			else if (f == DMEM_FILE_LOW)
				naive.node[k].low = v;
			else
				naive.node[k].max = v;
		}
	}
}

static void check_children_sums(struct diff_state *s, long *bad)
{
	int i, j;

	for (i = 0; i < s->n; i++) {
		u64 smin = 0, slow = 0, usage = 0;

		for (j = 0; j < s->n; j++) {
			struct dmem_pool *c = s->pool[j];

			if (c->parent != s->pool[i])
				continue;
			smin += min((u64)atomic64_read(&c->usage), c->min);
			slow += min((u64)atomic64_read(&c->usage), c->low);
			usage += atomic64_read(&c->usage);
		}
		if ((u64)atomic64_read(&s->pool[i]->children_min_usage) != smin ||
		    (u64)atomic64_read(&s->pool[i]->children_low_usage) != slow ||
		    (u64)atomic64_read(&s->pool[i]->usage) !=
		    usage + naive.node[i].own)
			(*bad)++;
	}
}

static void run_differential(int trees, int nodes_max, int rounds)
{
	struct diff_state *s = calloc(1, sizeof(*s));
	long bad_sums = 0;
	int t, i, q;

	for (t = 0; t < trees; t++) {
		struct dmem_region *r = dmem_region_register("diff", 1ULL << 40, NULL);

		naive_init(&naive);
		s->n = 2 + rnd_below(nodes_max - 1);
		s->ncharges = 0;
		s->cg[0] = new_cg(NULL);
		for (i = 1; i < s->n; i++) {
			int parent = rnd_below(i);

			/* bias towards chains sometimes, to get depth */
			if (rnd_below(3) == 0)
				parent = i - 1;
			s->cg[i] = new_cg(s->cg[parent]);
			naive_add(&naive, parent);
		}
		for (i = 0; i < s->n; i++)
			s->pool[i] = pool_of(s->cg[i], r);

		for (q = 0; q < rounds; q++) {
			diff_round(s, r, 1 + rnd_below(20));
			check_children_sums(s, &bad_sums);
			for (i = 0; i < 8; i++) {
				int test = rnd_below(s->n), limit;

				switch (rnd_below(3)) {
				case 0:
					limit = -1;
					break;
				case 1: /* an ancestor (or itself) */
					limit = test;
					while (limit > 0 && rnd_below(2))
						limit = naive.node[limit].parent;
					break;
				default:
					limit = rnd_below(s->n);
				}
				diff_compare(s, r, limit, test);
			}
		}
		for (i = 0; i < s->ncharges; i++)
			dmem_pool_uncharge(s->pool[s->charges[i][0]], s->charges[i][1]);
		dmem_region_unregister(r);
		for (i = s->n - 1; i >= 0; i--)
			del_cg(s->cg[i]);
	}
	CHECK_EQ(s->mismatches, 0);
	CHECK_EQ(bad_sums, 0);
	free(s);
}

static void test_differential_small_trees(void)
{
	run_differential(300, 8, 30);
}

static void test_differential_wide_deep_trees(void)
{
	run_differential(60, 64, 40);
}

/* Paths longer than DMEM_PATH_FAST use the no-array fallback. */
static void test_protection_deep_path(void)
{
	struct diff_state *s = calloc(1, sizeof(*s));
	struct dmem_region *r = dmem_region_register("diff", 1ULL << 40, NULL);
	int i, q;

	naive_init(&naive);
	s->n = 60;
	s->cg[0] = new_cg(NULL);
	for (i = 1; i < s->n; i++) {
		s->cg[i] = new_cg(s->cg[i - 1 - (i > 40 && i % 3 == 0)]);
		naive_add(&naive, i - 1 - (i > 40 && i % 3 == 0));
	}
	for (i = 0; i < s->n; i++)
		s->pool[i] = pool_of(s->cg[i], r);
	for (i = 1; i < s->n; i++) {
		u64 v = (u64)(s->n - i) * 3 * M;

		writef(s->cg[i], DMEM_FILE_LOW, "diff %llu", (unsigned long long)v);
		naive.node[i].low = v;
		writef(s->cg[i], DMEM_FILE_MIN, "diff %llu", (unsigned long long)v / 2);
		naive.node[i].min = v / 2;
	}
	for (q = 0; q < 200; q++) {
		diff_round(s, r, 3);
		diff_compare(s, r, -1, s->n - 1 - rnd_below(20));
		diff_compare(s, r, rnd_below(5), s->n - 1 - rnd_below(20));
	}
	CHECK_EQ(s->mismatches, 0);
	for (i = 0; i < s->ncharges; i++)
		dmem_pool_uncharge(s->pool[s->charges[i][0]], s->charges[i][1]);
	dmem_region_unregister(r);
	for (i = s->n - 1; i >= 0; i--)
		del_cg(s->cg[i]);
	free(s);
}

static const struct harness_test differential_tests[] = {
	{ "differential_vs_naive_small_trees", test_differential_small_trees },
	{ "differential_vs_naive_wide_deep_trees",
	  test_differential_wide_deep_trees },
	{ "differential_vs_naive_deep_path_fallback",
	  test_protection_deep_path },
};
