// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: userspace benchmark of the core, side by side in one run.
 *
 * 1. One eviction decision (dmem_evict_valuable(), NULL limit, low pass)
 *    with our O(depth) path method vs upstream's method: a pre-order walk
 *    over the whole subtree of the root that recomputes and stores every
 *    visited pool's effective protection until it reaches the test pool
 *    (implemented here on the very same counters, so only the algorithm
 *    differs).  Decisions are asserted identical for every test pool.
 * 2. charge + uncharge at depth 1, 4 and 16 vs the same number of bare
 *    atomic add/sub pairs (one per level), i.e. the floor any hierarchical
 *    counter pays.
 *
 * Ratios are printed, never asserted: timing on a shared machine is noisy.
 * Each figure is the best of several interleaved runs.
 */
#include "../../src/dmem_core_unity.h"

#include <time.h>
#include <assert.h>

#define M (1024ULL * 1024)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static unsigned long long seed = 88172645463325252ULL;

static u64 rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static void nop_release(struct dmem_cg *cg)
{
	free(cg);
}

/* ---- upstream's subtree walk on our counters ---------------------------- */

struct bcg {
	struct dmem_cg cg;
	struct bcg *parent;
	struct list_head children;
	struct list_head sibling;
	int idx;
};

struct tree {
	int n;
	struct bcg **bcg;
	struct dmem_cg **cg;
	struct dmem_pool **pool;
	int *parent;
	int *first_child, *next_sibling;
	u64 *emin, *elow;	/* stored per pool, like page_counter */
	int *depth;
};

static void upstream_calc_one(struct tree *t, int root, int c)
{
	struct dmem_pool *p = t->pool[c];
	int par = t->parent[c];
	u64 usage, parent_usage;

	if (c == root)
		return;
	usage = atomic64_read(&p->usage);
	if (!usage)
		return;
	if (par == root) {
		t->emin[c] = READ_ONCE(p->min);
		t->elow[c] = READ_ONCE(p->low);
		return;
	}
	parent_usage = atomic64_read(&t->pool[par]->usage);
	t->emin[c] = dmem_effective_step(usage, parent_usage, p->min, t->emin[par],
					 atomic64_read(&t->pool[par]->children_min_usage));
	t->elow[c] = dmem_effective_step(usage, parent_usage, p->low, t->elow[par],
					 atomic64_read(&t->pool[par]->children_low_usage));
}

/* css_next_descendant_pre() on our linked cgroup tree */
static struct bcg *next_pre(struct bcg *pos, struct bcg *root)
{
	if (!list_empty(&pos->children))
		return list_first_entry(&pos->children, struct bcg, sibling);
	while (pos != root) {
		if (pos->sibling.next != &pos->parent->children)
			return list_entry(pos->sibling.next, struct bcg, sibling);
		pos = pos->parent;
	}
	return NULL;
}

/*
 * Upstream's dmem_cgroup_calculate_protection() + evict_valuable():
 * visit the cgroups of the root's subtree in pre-order, find each one's
 * pool of the region in its pool list, recompute and store its effective
 * protection, stop at the test pool.
 */
static bool upstream_evict_valuable(struct tree *t, struct dmem_region *r,
				    int test, bool ignore_low, bool *hit_low)
{
	struct bcg *root = t->bcg[0], *pos;
	struct dmem_pool *tp = t->pool[test];
	u64 used;

	rcu_read_lock();
	for (pos = root; pos; pos = next_pre(pos, root)) {
		struct dmem_pool *found = dmem_pool_lookup(&pos->cg, r);

		if (!found)
			continue;
		upstream_calc_one(t, 0, pos->idx);
		if (found == tp)
			break;
	}
	rcu_read_unlock();

	used = atomic64_read(&tp->usage);
	if (used <= t->emin[test])
		return false;
	if (!ignore_low && used <= t->elow[test]) {
		*hit_low = true;
		return false;
	}
	return true;
}

static void build_tree(struct tree *t, int n, struct dmem_region *r, bool all)
{
	int i;

	t->n = n;
	t->cg = calloc(n, sizeof(*t->cg));
	t->pool = calloc(n, sizeof(*t->pool));
	t->parent = calloc(n, sizeof(int));
	t->first_child = calloc(n, sizeof(int));
	t->next_sibling = calloc(n, sizeof(int));
	t->emin = calloc(n, sizeof(u64));
	t->elow = calloc(n, sizeof(u64));
	for (i = 0; i < n; i++) {
		t->first_child[i] = -1;
		t->next_sibling[i] = -1;
	}
	t->bcg = calloc(n, sizeof(*t->bcg));
	t->parent[0] = -1;
	t->bcg[0] = calloc(1, sizeof(struct bcg));
	INIT_LIST_HEAD(&t->bcg[0]->children);
	t->cg[0] = &t->bcg[0]->cg;
	dmem_cg_init(t->cg[0], NULL, nop_release);
	t->depth = calloc(n, sizeof(int));
	for (i = 1; i < n; i++) {
		/* systemd-like: wide, at most 8 levels below the root */
		int p, *link;

		do {
			p = (rnd() % 2) ? (int)(rnd() % i) : (int)(i - 1 - rnd() % min(i, 4));
		} while (t->depth[p] >= 8);
		t->depth[i] = t->depth[p] + 1;

		t->parent[i] = p;
		/* append as the last child: upstream visits in creation order */
		for (link = &t->first_child[p]; *link >= 0; link = &t->next_sibling[*link])
			;
		*link = i;
		t->bcg[i] = calloc(1, sizeof(struct bcg));
		t->bcg[i]->idx = i;
		t->bcg[i]->parent = t->bcg[p];
		INIT_LIST_HEAD(&t->bcg[i]->children);
		list_add_tail(&t->bcg[i]->sibling, &t->bcg[p]->children);
		t->cg[i] = &t->bcg[i]->cg;
		dmem_cg_init(t->cg[i], t->cg[p], nop_release);
	}
	for (i = 0; i < n; i++) {
		t->pool[i] = dmem_pool_get(t->cg[i], r);
		assert(!IS_ERR(t->pool[i]));
		dmem_pool_put(t->pool[i]);
		if (i && (all || rnd() % 3)) {
			spin_lock(&dmem_lock);
			dmem_pool_set_low(t->pool[i], (1 + rnd() % 64) * M);
			dmem_pool_set_min(t->pool[i], (1 + rnd() % 16) * M);
			spin_unlock(&dmem_lock);
		}
	}
	for (i = 1; i < n; i++)
		if (rnd() % 2)
			assert(!dmem_pool_try_charge(t->pool[i], (1 + rnd() % 32) * M, NULL));
}

static void free_tree(struct tree *t)
{
	int i;

	for (i = t->n - 1; i >= 0; i--) {
		dmem_cg_offline(t->cg[i]);
		dmem_cg_put(t->cg[i]);
	}
	free(t->cg); free(t->bcg); free(t->pool); free(t->parent); free(t->first_child);
	free(t->next_sibling); free(t->emin); free(t->elow);
	free(t->depth);
}

static void bench_evict(int n, bool all)
{
	struct dmem_region *r = dmem_region_register("bench", 1ULL << 44, NULL);
	struct tree t = { };
	int ntest = 256, i, rep, iters;
	int *tests;
	double best_ours = 1e9, best_naive = 1e9;
	volatile int sink = 0;

	build_tree(&t, n, r, all);
	tests = calloc(ntest, sizeof(int));
	for (i = 0; i < ntest; i++)
		tests[i] = rnd() % n;

	/* identical decisions, both passes */
	for (i = 0; i < ntest; i++) {
		bool ha = false, hb = false;
		bool a = dmem_evict_valuable(NULL, t.pool[tests[i]], false, &ha);
		bool b = upstream_evict_valuable(&t, r, tests[i], false, &hb);

		if (a != b || ha != hb) {
			fprintf(stderr, "bench: decision mismatch at pool %d\n", tests[i]);
			exit(1);
		}
		a = dmem_evict_valuable(NULL, t.pool[tests[i]], true, &ha);
		b = upstream_evict_valuable(&t, r, tests[i], true, &hb);
		if (a != b) {
			fprintf(stderr, "bench: decision mismatch at pool %d\n", tests[i]);
			exit(1);
		}
	}

	iters = n >= 10000 ? 1 : n >= 1000 ? 4 : 40;
	for (rep = 0; rep < 3; rep++) {
		double t0 = now(), t1, t2;
		int k;

		for (k = 0; k < iters * 100; k++)
			for (i = 0; i < ntest; i++) {
				bool h = false;

				sink += dmem_evict_valuable(NULL, t.pool[tests[i]], false, &h);
			}
		t1 = now();
		for (k = 0; k < iters; k++)
			for (i = 0; i < ntest; i++) {
				bool h = false;

				sink += upstream_evict_valuable(&t, r, tests[i], false, &h);
			}
		t2 = now();
		best_ours = min(best_ours, (t1 - t0) / (iters * 100.0 * ntest));
		best_naive = min(best_naive, (t2 - t1) / ((double)iters * ntest));
	}
	{
		int maxd = 0;

		for (i = 0; i < n; i++)
			maxd = max(maxd, t.depth[i]);
		printf("evict%s pools=%-6d depth<=%d ours %7.1f ns  upstream-walk %10.1f ns  (identical decisions on %d pools)\n",
		       all ? "[every pool protected]" : "", n, maxd,
		       best_ours * 1e9, best_naive * 1e9, ntest);
	}
	printf("bench evict_speedup%s pools=%d ratio=%.1f\n",
	       all ? "_all_protected" : "", n, best_naive / best_ours);

	for (i = 1; i < n; i++) {
		u64 own = atomic64_read(&t.pool[i]->usage);
		int k;

		for (k = t.first_child[i]; k >= 0; k = t.next_sibling[k])
			own -= atomic64_read(&t.pool[k]->usage);
		if (own)
			dmem_pool_uncharge(t.pool[i], own);
	}
	dmem_region_unregister(r);
	free_tree(&t);
	free(tests);
	(void)sink;
}

/* ---- charge + uncharge vs bare atomics ---------------------------------- */

static atomic64_t bare[16];

static void __attribute__((noinline)) bare_pairs(int depth, long iters)
{
	long i;
	int d;

	for (i = 0; i < iters; i++) {
		for (d = 0; d < depth; d++)
			atomic64_add_return(4096, &bare[d]);
		for (d = 0; d < depth; d++)
			atomic64_sub_return(4096, &bare[d]);
	}
}

static void __attribute__((noinline)) core_pairs(struct dmem_pool *leaf, long iters)
{
	long i;

	for (i = 0; i < iters; i++) {
		if (dmem_pool_try_charge(leaf, 4096, NULL))
			abort();
		dmem_pool_uncharge(leaf, 4096);
	}
}

static void bench_charge(int depth)
{
	struct dmem_region *r = dmem_region_register("bench", 1ULL << 44, NULL);
	struct dmem_cg *cg[17];
	struct dmem_pool *pools[17];
	struct dmem_pool *leaf;
	const long iters = 1000000 / depth;
	double best_core = 1e9, best_bare = 1e9, best_cold = 1e9, best_prot = 1e9;
	int i, rep;

	/* depth levels: the root cgroup's pool and depth-1 descendants */
	cg[0] = malloc(sizeof(struct dmem_cg));
	dmem_cg_init(cg[0], NULL, nop_release);
	for (i = 1; i < depth; i++) {
		cg[i] = malloc(sizeof(struct dmem_cg));
		dmem_cg_init(cg[i], cg[i - 1], nop_release);
	}
	leaf = dmem_pool_get(cg[depth - 1], r);
	assert(!IS_ERR(leaf));
	for (i = 0; i < depth; i++) {
		pools[i] = dmem_pool_find(cg[i], r);
		assert(pools[i]);
		dmem_pool_put(pools[i]);	/* linked, stays */
	}
	for (i = 1; i < depth; i++) {
		spin_lock(&dmem_lock);
		dmem_pool_set_max(pools[i], 1ULL << 40);
		spin_unlock(&dmem_lock);
	}

	for (rep = 0; rep < 11; rep++) {
		double t0, t1, t2, t3, t4;

		/* cold: usage returns to zero every time (reference taken/dropped) */
		t0 = now();
		core_pairs(leaf, iters);
		t1 = now();
		/* steady state: other buffers resident, as in a real VRAM pool */
		assert(!dmem_pool_try_charge(leaf, M, NULL));
		core_pairs(leaf, iters);
		t2 = now();
		bare_pairs(depth, iters);
		t3 = now();
		/* protection configured on every level, usage below it */
		for (i = 1; i < depth; i++) {
			spin_lock(&dmem_lock);
			dmem_pool_set_low(pools[i], 1ULL << 39);
			spin_unlock(&dmem_lock);
		}
		core_pairs(leaf, iters);
		t4 = now();
		for (i = 1; i < depth; i++) {
			spin_lock(&dmem_lock);
			dmem_pool_set_low(pools[i], 0);
			spin_unlock(&dmem_lock);
		}
		dmem_pool_uncharge(leaf, M);
		best_cold = min(best_cold, (t1 - t0) / iters);
		best_core = min(best_core, (t2 - t1) / iters);
		best_bare = min(best_bare, (t3 - t2) / iters);
		best_prot = min(best_prot, (t4 - t3) / iters);
	}
	printf("charge depth=%-2d  core %6.1f ns  bare atomics %6.1f ns  (from empty %6.1f ns, with low on every level %6.1f ns)\n",
	       depth, best_core * 1e9, best_bare * 1e9, best_cold * 1e9,
	       best_prot * 1e9);
	printf("bench charge_vs_atomic depth=%d ratio=%.2f\n", depth,
	       best_core / best_bare);
	printf("bench charge_vs_atomic_from_empty depth=%d ratio=%.2f\n", depth,
	       best_cold / best_bare);

	dmem_pool_put(leaf);
	dmem_region_unregister(r);
	for (i = depth - 1; i >= 0; i--) {
		dmem_cg_offline(cg[i]);
		dmem_cg_put(cg[i]);
	}
}

/* ---- cost of one decision vs cgroup depth ------------------------------ */

/*
 * A single chain root/1/2/.../depth with dmem.low=max on every level and
 * 64 MiB charged at the bottom: every level's effective low equals the
 * usage, so no early exit is possible and each decision computes the
 * whole path.  Nested cgroups are unlimited by default and a delegated
 * user may create them: this must stay O(depth).
 */
static double bench_depth_one(int depth)
{
	struct dmem_region *r = dmem_region_register("bench", 1ULL << 44, NULL);
	struct dmem_cg **cg = calloc(depth + 1, sizeof(*cg));
	struct dmem_pool *leaf;
	double best = 1e9;
	long iters = max(50L, 3000000L / depth), k;
	volatile int sink = 0;
	int i, rep;

	for (i = 0; i <= depth; i++) {
		cg[i] = malloc(sizeof(struct dmem_cg));
		dmem_cg_init(cg[i], i ? cg[i - 1] : NULL, nop_release);
	}
	leaf = dmem_pool_get(cg[depth], r);
	assert(!IS_ERR(leaf));
	for (i = 1; i <= depth; i++) {
		struct dmem_pool *p = dmem_pool_find(cg[i], r);

		assert(p);
		spin_lock(&dmem_lock);
		dmem_pool_set_low(p, DMEM_COUNTER_MAX);
		spin_unlock(&dmem_lock);
		dmem_pool_put(p);
	}
	assert(!dmem_pool_try_charge(leaf, 64 * M, NULL));
	for (rep = 0; rep < 3; rep++) {
		double t0 = now();

		for (k = 0; k < iters; k++) {
			bool h = false;

			sink += dmem_evict_valuable(NULL, leaf, false, &h);
			assert(h);
		}
		best = min(best, (now() - t0) / iters);
	}
	dmem_pool_uncharge(leaf, 64 * M);
	dmem_pool_put(leaf);
	dmem_region_unregister(r);
	for (i = depth; i >= 0; i--) {
		dmem_cg_offline(cg[i]);
		dmem_cg_put(cg[i]);
	}
	free(cg);
	(void)sink;
	return best;
}

static void bench_depth_scaling(void)
{
	double d30 = bench_depth_one(30);
	double d300 = bench_depth_one(300);
	double d3000 = bench_depth_one(3000);

	printf("decision depth=30 %9.1f ns  depth=300 %9.1f ns  depth=3000 %9.1f ns\n",
	       d30 * 1e9, d300 * 1e9, d3000 * 1e9);
	printf("bench depth_scaling depth=300..3000 ratio=%.1f\n", d3000 / d300);
}

int main(void)
{
	static const int sizes[] = { 10, 100, 1000, 10000 };
	static const int depths[] = { 1, 4, 16 };
	unsigned int i;

	/* 2/3 of the pools with min/low set (paths often end early) ... */
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		bench_evict(sizes[i], false);
	/* ... and every pool protected: the full path is always computed */
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		bench_evict(sizes[i], true);
	for (i = 0; i < ARRAY_SIZE(depths); i++)
		bench_charge(depths[i]);
	bench_depth_scaling();
	dmem_core_exit();
	return 0;
}
