// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: userspace unit tests of the pure core.
 *
 * The core source is included directly (white-box: the tests also check
 * private invariants such as the children sums).  Built with ASan+UBSan by
 * `make -C tests/user test`; every test leaves no region registered and no
 * cgroup alive, so LeakSanitizer checks pool/region/cgroup lifetime too.
 */
#include "../../src/dmem_core_unity.h"

#include <stdarg.h>
#include <unistd.h>
#include "harness.h"
#include "naive_ref.h"
#include "../../kunit/dmem_decision_cases.h"

#define M (1024ULL * 1024)

/* ---- helpers ---------------------------------------------------------- */

struct tcg {
	struct dmem_cg cg;
	int id;
};

static int released;

static void tcg_release(struct dmem_cg *cg)
{
	__atomic_add_fetch(&released, 1, __ATOMIC_SEQ_CST);
	free(container_of(cg, struct tcg, cg));
}

static struct dmem_cg *new_cg(struct dmem_cg *parent)
{
	struct tcg *t = calloc(1, sizeof(*t));

	dmem_cg_init(&t->cg, parent, tcg_release);
	return &t->cg;
}

/* rmdir + the glue's final put */
static void del_cg(struct dmem_cg *cg)
{
	dmem_cg_offline(cg);
	dmem_cg_put(cg);
}

struct bufp {
	struct dmem_printer p;
	char buf[8192];
	size_t len;
};

static void bufp_puts(struct dmem_printer *p, const char *s)
{
	struct bufp *b = container_of(p, struct bufp, p);
	size_t n = strlen(s);

	if (b->len + n < sizeof(b->buf)) {
		memcpy(b->buf + b->len, s, n + 1);
		b->len += n;
	}
}

static const char *show(struct dmem_cg *cg, enum dmem_file file)
{
	static __thread struct bufp b;

	b.p.puts = bufp_puts;
	b.len = 0;
	b.buf[0] = '\0';
	dmem_show(cg, file, &b.p);
	return b.buf;
}

static int writef(struct dmem_cg *cg, enum dmem_file file, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return dmem_write_limits(cg, file, buf, strlen(buf));
}

static struct dmem_pool *pool_of(struct dmem_cg *cg, struct dmem_region *r)
{
	struct dmem_pool *p = dmem_pool_get(cg, r);

	if (IS_ERR(p)) {
		printf("#   dmem_pool_get failed %ld\n", PTR_ERR(p));
		abort();
	}
	dmem_pool_put(p);	/* stays linked; tests keep the cgroup alive */
	return p;
}

static void charge_ok(struct dmem_pool *p, u64 size)
{
	int ret = dmem_pool_try_charge(p, size, NULL);

	if (ret) {
		harness_failures++;
		printf("#   charge of %llu failed: %d\n", (unsigned long long)size, ret);
	}
}

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

/* ---- decision table (kunit/dmem_decision_cases.h, shared with KUnit) ---- */

struct dc_tree {
	struct dmem_cg *cg[DC_NODES];
	struct dmem_pool *pool[DC_NODES];
	struct dmem_region *r;
	const struct dc_setup *s;
};

static void dc_build(struct dc_tree *t, const struct dc_setup *s)
{
	int i;

	t->s = s;
	t->r = dmem_region_register("dc", 1024 * M, NULL);
	CHECK(!IS_ERR(t->r));
	for (i = 0; i < DC_NODES; i++) {
		t->cg[i] = new_cg(dc_parent[i] == DC_NONE ? NULL : t->cg[dc_parent[i]]);
		t->pool[i] = pool_of(t->cg[i], t->r);
		if (dc_parent[i] == DC_NONE)
			continue;
		CHECK_EQ(writef(t->cg[i], DMEM_FILE_MIN, "dc %uM", s->min[i]), 0);
		CHECK_EQ(writef(t->cg[i], DMEM_FILE_LOW, "dc %uM", s->low[i]), 0);
	}
	for (i = 0; i < DC_NODES; i++)
		if (s->use[i])
			charge_ok(t->pool[i], (u64)s->use[i] * M);
}

static void dc_destroy(struct dc_tree *t)
{
	int i;

	for (i = 0; i < DC_NODES; i++)
		if (t->s->use[i])
			dmem_pool_uncharge(t->pool[i], (u64)t->s->use[i] * M);
	dmem_region_unregister(t->r);
	for (i = DC_NODES - 1; i >= 0; i--)
		del_cg(t->cg[i]);
}

static struct dmem_pool *dc_pool(struct dc_tree *t, int node)
{
	return node == DC_NONE ? NULL : t->pool[node];
}

/* Every row of the shared table. */
static void test_decision_table(void)
{
	struct dc_tree t;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dc_evict_cases); i++) {
		const struct dc_evict_case *c = &dc_evict_cases[i];
		bool hit = false, ok;

		dc_build(&t, &dc_setups[c->setup]);
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

		dc_build(&t, &dc_setups[c->setup]);
		mode = dmem_alloc_evict_before_fallback(t.pool[c->pool]);
		if (mode != c->mode)
			printf("#   alloc case %zu (%s): got %d\n", i,
			       dc_setups[c->setup].name, mode);
		CHECK_EQ(mode, c->mode);
		dc_destroy(&t);
	}
	CHECK_EQ(dmem_alloc_evict_before_fallback(NULL), DMEM_ALLOC_EVICT_NONE);
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

/* ---- differential tests against the naive upstream model -------------- */

static unsigned long long rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static u64 rnd_below(u64 n)
{
	return n ? rnd() % n : 0;
}

static u64 rnd_size(void)
{
	static const u64 unit[] = { 1, 4096, M, 256 * M, 1ULL << 33 };

	return (rnd_below(100) + 1) * unit[rnd_below(ARRAY_SIZE(unit))];
}

static u64 rnd_setting(void)
{
	switch (rnd_below(5)) {
	case 0:
		return 0;
	case 1:
		return DMEM_COUNTER_MAX;
	default:
		return rnd_size() * (rnd_below(4) + 1);
	}
}

static struct naive_tree naive;

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

/* ---- charging ---------------------------------------------------------- */

static void test_charge_limit_pool_and_peak(void)
{
	struct dmem_cg *root = new_cg(NULL);
	struct dmem_cg *a = new_cg(root), *b = new_cg(a);
	struct dmem_region *r = dmem_region_register("chg", 100 * M, NULL);
	struct dmem_pool *pa, *pb, *lim = (void *)1;

	CHECK_EQ(writef(a, DMEM_FILE_MAX, "chg 10M"), 0);
	pb = pool_of(b, r);
	pa = pool_of(a, r);
	CHECK_EQ(dmem_pool_try_charge(pb, 6 * M, &lim), 0);
	CHECK(lim == NULL);
	CHECK_EQ(dmem_pool_try_charge(pb, 5 * M, &lim), -EAGAIN);
	CHECK(lim == pa);
	dmem_pool_put(lim);
	/* nothing of the failed charge stays anywhere */
	CHECK_EQ(dmem_pool_read(pb, DMEM_FILE_CURRENT), 6 * M);
	CHECK_EQ(dmem_pool_read(pa, DMEM_FILE_CURRENT), 6 * M);
	CHECK_EQ(dmem_pool_read(pool_of(root, r), DMEM_FILE_CURRENT), 6 * M);
	CHECK_EQ(dmem_pool_try_charge(pb, 4 * M, NULL), 0);
	CHECK_EQ(dmem_pool_read(pa, DMEM_FILE_PEAK), 10 * M);
	/* own max in b, hit first (bottom-up) */
	CHECK_EQ(writef(b, DMEM_FILE_MAX, "chg 1M"), 0);
	CHECK_EQ(dmem_pool_try_charge(pb, 1, &lim), -EAGAIN);
	CHECK(lim == pb);
	dmem_pool_put(lim);
	dmem_pool_uncharge(pb, 10 * M);
	CHECK_EQ(dmem_pool_read(pa, DMEM_FILE_CURRENT), 0);
	CHECK_EQ(dmem_pool_read(pa, DMEM_FILE_PEAK), 10 * M);
	CHECK_STR(show(a, DMEM_FILE_PEAK), "chg 10485760\n");
	/* zero-size charges are no-ops */
	CHECK_EQ(dmem_pool_try_charge(pb, 0, NULL), 0);
	CHECK_EQ(dmem_pool_read(pb, DMEM_FILE_CURRENT), 0);
	dmem_region_unregister(r);
	del_cg(b); del_cg(a); del_cg(root);
}

/* 7.3: max below usage is stored at once, further charges fail. */
static void test_max_below_usage_applies(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r = dmem_region_register("mx", 100 * M, NULL);
	struct dmem_pool *pa = pool_of(a, r);

	charge_ok(pa, 8 * M);
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "mx 4M"), 0);
	CHECK_STR(show(a, DMEM_FILE_MAX), "mx 4194304\n");
	CHECK_STR(show(a, DMEM_FILE_CURRENT), "mx 8388608\n");
	CHECK_EQ(dmem_pool_try_charge(pa, 1, NULL), -EAGAIN);
	dmem_pool_uncharge(pa, 5 * M);
	CHECK_EQ(dmem_pool_try_charge(pa, 1 * M, NULL), 0);
	dmem_pool_uncharge(pa, 4 * M);
	dmem_region_unregister(r);
	del_cg(a); del_cg(root);
}

/* ---- files --------------------------------------------------------------- */

static void test_show_format(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r1 = dmem_region_register("drm/0000:03:00.0/vram0", 64 * M, NULL);
	struct dmem_region *r2 = dmem_region_register("drm/0000:04:00.0/vram", 1ULL << 62, NULL);

	/* no pools yet: 0 everywhere, max for dmem.max, registration order */
	CHECK_STR(show(a, DMEM_FILE_CURRENT),
		  "drm/0000:03:00.0/vram0 0\ndrm/0000:04:00.0/vram 0\n");
	CHECK_STR(show(a, DMEM_FILE_MAX),
		  "drm/0000:03:00.0/vram0 max\ndrm/0000:04:00.0/vram max\n");
	CHECK_STR(show(a, DMEM_FILE_MIN),
		  "drm/0000:03:00.0/vram0 0\ndrm/0000:04:00.0/vram 0\n");
	CHECK_STR(show(a, DMEM_FILE_PEAK),
		  "drm/0000:03:00.0/vram0 0\ndrm/0000:04:00.0/vram 0\n");
	/* capacity prints raw sizes, even huge ones */
	CHECK_STR(show(root, DMEM_FILE_CAPACITY),
		  "drm/0000:03:00.0/vram0 67108864\ndrm/0000:04:00.0/vram 4611686018427387904\n");
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "drm/0000:04:00.0/vram 1G\ndrm/0000:03:00.0/vram0 max"), 0);
	CHECK_STR(show(a, DMEM_FILE_LOW),
		  "drm/0000:03:00.0/vram0 max\ndrm/0000:04:00.0/vram 1073741824\n");
	charge_ok(pool_of(a, r2), 4096);
	CHECK_STR(show(root, DMEM_FILE_CURRENT),
		  "drm/0000:03:00.0/vram0 0\ndrm/0000:04:00.0/vram 4096\n");
	/* DMEM_COUNTER_MAX - 1 is a number, DMEM_COUNTER_MAX is max */
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "drm/0000:03:00.0/vram0 %llu",
			(unsigned long long)DMEM_COUNTER_MAX - 1), 0);
	CHECK_STR(show(a, DMEM_FILE_MAX),
		  "drm/0000:03:00.0/vram0 2251799813685246\ndrm/0000:04:00.0/vram max\n");
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "drm/0000:03:00.0/vram0 %llu",
			(unsigned long long)DMEM_COUNTER_MAX), 0);
	CHECK_STR(show(a, DMEM_FILE_MAX),
		  "drm/0000:03:00.0/vram0 max\ndrm/0000:04:00.0/vram max\n");
	/* an unregistered region disappears from every file */
	dmem_region_unregister(r1);
	CHECK_STR(show(a, DMEM_FILE_LOW), "drm/0000:04:00.0/vram 1073741824\n");
	dmem_pool_uncharge(pool_of(a, r2), 4096);
	dmem_region_unregister(r2);
	CHECK_STR(show(a, DMEM_FILE_LOW), "");
	del_cg(a); del_cg(root);
}

static void test_parse_values(void)
{
	static const struct {
		const char *in;
		int ret;
		u64 val;
	} t[] = {
		{ "0", 0, 0 },
		{ "1", 0, 1 },
		{ "4096", 0, 4096 },
		{ "1k", 0, 1024 }, { "1K", 0, 1024 },
		{ "3m", 0, 3 << 20 }, { "3M", 0, 3 << 20 },
		{ "2G", 0, 2ULL << 30 }, { "2g", 0, 2ULL << 30 },
		{ "5T", 0, 5ULL << 40 }, { "1P", 0, 1ULL << 50 },
		{ "1E", 0, DMEM_COUNTER_MAX },		/* 2^60: clamped to max */
		{ "max", 0, DMEM_COUNTER_MAX },
		{ "0x10", 0, 16 }, { "0X1f", 0, 31 }, { "010", 0, 8 },
		{ "0x10k", 0, 16384 },
		{ "18446744073709551615", 0, DMEM_COUNTER_MAX },
		{ "18446744073709551616", -EINVAL, 0 },	/* 2^64 */
		{ "99999999999999999999999", -EINVAL, 0 },
		{ "16E", -EINVAL, 0 },			/* 2^64 */
		{ "17179869184G", -EINVAL, 0 },		/* 2^64 */
		{ "17179869183G", 0, DMEM_COUNTER_MAX },
		{ "", -EINVAL, 0 },
		{ "k", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "1KB", -EINVAL, 0 },
		{ "1X", -EINVAL, 0 },
		{ "1.5G", -EINVAL, 0 },
		{ "08", -EINVAL, 0 },
		{ "0x", -EINVAL, 0 },
		{ "MAX", -EINVAL, 0 },
		{ "maxx", -EINVAL, 0 },
		{ "max ", -EINVAL, 0 },
		{ "10M5", -EINVAL, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		u64 v = 12345;
		int ret = dmem_parse_value(t[i].in, &v);

		if (ret != t[i].ret || (!ret && v != t[i].val)) {
			harness_failures++;
			printf("#   \"%s\": ret %d val %llu, expected %d %llu\n",
			       t[i].in, ret, (unsigned long long)v, t[i].ret,
			       (unsigned long long)t[i].val);
		}
	}
}

static const char *limits_snapshot(struct dmem_cg *cg)
{
	static char buf[3][512];

	strcpy(buf[0], show(cg, DMEM_FILE_MIN));
	strcpy(buf[1], show(cg, DMEM_FILE_LOW));
	strcat(buf[0], buf[1]);
	strcpy(buf[2], show(cg, DMEM_FILE_MAX));
	strcat(buf[0], buf[2]);
	return buf[0];
}

static void test_write_errors_change_nothing(void)
{
	static const char *bad[] = {
		"nosuch 1M",			/* unknown region */
		"wr",				/* missing value */
		"wr ",				/* missing value */
		"wr\t",
		"wr 1M\nnosuch 5",		/* bad second line */
		"wr 1M\nwr2",			/* missing value on line 2 */
		"wr 1M\nwr2 12Q",		/* bad number on line 2 */
		"wr 1M\nwr2 99999999999999999999",	/* overflow */
		"wr 1M\nwr2 16E",		/* overflow by suffix */
		"wr  1M",			/* two blanks: value " 1M" */
		"wr 1M 2M",
		"wr -5",
		"wr2 1M\n\nwr 2M\nwr 3M\nwr2 x",
	};
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r = dmem_region_register("wr", 100 * M, NULL);
	struct dmem_region *r2 = dmem_region_register("wr2", 100 * M, NULL);
	static const enum dmem_file files[] = {
		DMEM_FILE_MIN, DMEM_FILE_LOW, DMEM_FILE_MAX
	};
	char before[1024];
	unsigned int i, f;

	CHECK_EQ(writef(a, DMEM_FILE_MIN, "wr 7M\nwr2 8M"), 0);
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "wr 9M"), 0);
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "wr2 99M"), 0);
	strcpy(before, limits_snapshot(a));
	for (f = 0; f < ARRAY_SIZE(files); f++) {
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			int ret = writef(a, files[f], "%s", bad[i]);

			if (ret != -EINVAL) {
				harness_failures++;
				printf("#   \"%s\" returned %d\n", bad[i], ret);
			}
			CHECK_STR(limits_snapshot(a), before);
		}
		/* an error before the NUL that ends the input */
		CHECK_EQ(dmem_write_limits(a, files[f], "nosuch 1\0wr 2M", 15),
			 -EINVAL);
		CHECK_STR(limits_snapshot(a), before);
	}
	/* not a limit file */
	CHECK_EQ(writef(a, DMEM_FILE_CURRENT, "wr 1"), -EINVAL);
	dmem_region_unregister(r);
	dmem_region_unregister(r2);
	del_cg(a); del_cg(root);
}

/*
 * Upstream parses the kernfs buffer as a C string (strchr, strsep and
 * strstrip on a NUL-terminated copy), so a NUL byte ends the input and
 * whatever follows it is ignored; 6.14-7.2 skip empty input.
 */
static void test_write_nul_ends_input(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r = dmem_region_register("nul", 1ULL << 30, NULL);
	struct dmem_region *r2 = dmem_region_register("nul2", 1ULL << 30, NULL);
	static const enum dmem_file files[] = {
		DMEM_FILE_MIN, DMEM_FILE_LOW, DMEM_FILE_MAX
	};
	static const char multi[] = "nul 3M\nnul2 4M\0\nnul2 5M";
	char before[1024], want[64];
	unsigned int f;

	for (f = 0; f < ARRAY_SIZE(files); f++) {
		/* what echo -ne 'nul 8M\0' > dmem.max writes: nbytes counts the NUL */
		CHECK_EQ(dmem_write_limits(a, files[f], "nul 8M\0", 7), 0);
		CHECK_EQ(dmem_pool_read(pool_of(a, r), files[f]), 8 * M);
		CHECK_EQ(dmem_write_limits(a, files[f], "nul 9M\0garbage\n\xff", 17), 0);
		CHECK_EQ(dmem_pool_read(pool_of(a, r), files[f]), 9 * M);
		/* the value ends at the NUL too: "nul 1" */
		CHECK_EQ(dmem_write_limits(a, files[f], "nul 1\0M", 7), 0);
		CHECK_EQ(dmem_pool_read(pool_of(a, r), files[f]), 1);
		CHECK_EQ(dmem_write_limits(a, files[f], multi, sizeof(multi) - 1), 0);
		CHECK_EQ(dmem_pool_read(pool_of(a, r), files[f]), 3 * M);
		CHECK_EQ(dmem_pool_read(pool_of(a, r2), files[f]), 4 * M);

		/* nothing before the NUL: an empty write, accepted, no change */
		strcpy(before, limits_snapshot(a));
		CHECK_EQ(dmem_write_limits(a, files[f], "\0", 1), 0);
		CHECK_STR(limits_snapshot(a), before);
		CHECK_EQ(dmem_write_limits(a, files[f], "\0nul 10M", 9), 0);
		CHECK_STR(limits_snapshot(a), before);
		CHECK_EQ(dmem_write_limits(a, files[f], " \n\0nul 10M", 11), 0);
		CHECK_STR(limits_snapshot(a), before);
		/* a bad line before the NUL still fails and changes nothing */
		CHECK_EQ(dmem_write_limits(a, files[f], "nul 2M\nnul2\0 2M", 16),
			 -EINVAL);
		CHECK_STR(limits_snapshot(a), before);
	}
	snprintf(want, sizeof(want), "nul %llu\nnul2 %llu\n", 3 * M, 4 * M);
	CHECK_STR(show(a, DMEM_FILE_MAX), want);
	dmem_region_unregister(r);
	dmem_region_unregister(r2);
	del_cg(a);
	del_cg(root);
}

static void test_write_multiline(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r = dmem_region_register("ml", 100 * M, NULL);
	struct dmem_region *r2 = dmem_region_register("ml2", 100 * M, NULL);

	/* dmemcg-booster style: all regions, one write, trailing newline */
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "ml 1M\nml2 2M\n"), 0);
	CHECK_STR(show(a, DMEM_FILE_LOW), "ml 1048576\nml2 2097152\n");
	/* blank lines, surrounding blanks, tabs, CRLF; last line wins */
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "\n\n  ml\t3K \r\n\t\nml2 max\nml 4K\n\n"), 0);
	CHECK_STR(show(a, DMEM_FILE_LOW), "ml 4096\nml2 max\n");
	/* only blank lines: accepted, changes nothing */
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "\n \n"), 0);
	CHECK_EQ(dmem_write_limits(a, DMEM_FILE_LOW, "", 0), 0);
	CHECK_STR(show(a, DMEM_FILE_LOW), "ml 4096\nml2 max\n");
	/* a single pair without newline, buffer not NUL-terminated */
	CHECK_EQ(dmem_write_limits(a, DMEM_FILE_LOW, "ml 5Kxxxx", 5), 0);
	CHECK_STR(show(a, DMEM_FILE_LOW), "ml 5120\nml2 max\n");
	/* a bad third line: the first two are not applied */
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "ml 1\nml2 2\nml 0x\n"), -EINVAL);
	CHECK_STR(show(a, DMEM_FILE_LOW), "ml 5120\nml2 max\n");
	dmem_region_unregister(r);
	dmem_region_unregister(r2);
	del_cg(a); del_cg(root);
}

static void test_write_enomem_changes_nothing(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root), *b = new_cg(a);
	struct dmem_region *r = dmem_region_register("nm", 100 * M, NULL);
	struct dmem_region *r2 = dmem_region_register("nm2", 100 * M, NULL);
	int n, ret = 0;

	CHECK_EQ(writef(b, DMEM_FILE_MAX, "nm2 5M"), 0);	/* nm2 pools exist */
	/* fail the 1st, 2nd, ... allocation of a write creating nm pools */
	for (n = 1; n < 10; n++) {
		port_fail_alloc_after = n;
		ret = writef(b, DMEM_FILE_MAX, "nm2 6M\nnm 7M");
		port_fail_alloc_after = 0;
		if (ret == 0)
			break;
		CHECK_EQ(ret, -ENOMEM);
		CHECK_STR(show(b, DMEM_FILE_MAX), "nm max\nnm2 5242880\n");
	}
	CHECK(n > 3);	/* copy, request array, two pools (a, b) */
	CHECK_EQ(ret, 0);
	CHECK_STR(show(b, DMEM_FILE_MAX), "nm 7340032\nnm2 6291456\n");
	dmem_region_unregister(r);
	dmem_region_unregister(r2);
	del_cg(b); del_cg(a); del_cg(root);
}

/* A region unregistered while a write is between parsing and applying. */
static void test_write_enodev_changes_nothing(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *keep = dmem_region_register("keep", 100 * M, NULL);
	struct dmem_region *gone = dmem_region_register("gone", 100 * M, NULL);
	struct dmem_limit_req reqs[2] = {};
	struct dmem_cg *new_cg_tmp;
	char l1[] = "keep 1M", l2[] = "gone 2M";

	/*
	 * Drive the phases by hand so the unregister lands exactly between
	 * pool creation and apply (the window a concurrent unbind hits).
	 */
	CHECK_EQ(dmem_parse_line(l1, &reqs[0]), 1);
	CHECK_EQ(dmem_parse_line(l2, &reqs[1]), 1);
	reqs[0].pool = dmem_pool_get(a, reqs[0].region);
	reqs[1].pool = dmem_pool_get(a, reqs[1].region);
	dmem_region_unregister(gone);
	CHECK_EQ(dmem_apply_all(DMEM_FILE_LOW, reqs, 2), -ENODEV);
	/* the API refuses new pools of the dead region (still referenced) */
	CHECK_EQ(PTR_ERR(dmem_pool_get(new_cg_tmp = new_cg(a), gone)), -ENODEV);
	del_cg(new_cg_tmp);
	dmem_pool_put(reqs[0].pool);
	dmem_pool_put(reqs[1].pool);
	dmem_region_put(reqs[0].region);
	dmem_region_put(reqs[1].region);
	CHECK_STR(show(a, DMEM_FILE_LOW), "keep 0\n");
	dmem_region_unregister(keep);
	del_cg(a); del_cg(root);
}

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
	rel0 = released;
	del_cg(b);
	del_cg(a);
	CHECK_EQ(released, rel0);
	dmem_pool_uncharge(pb, 3 * M);
	CHECK_EQ(released, rel0);
	dmem_pool_uncharge(pb, 2 * M);	/* frees pools b, a, root and region */
	CHECK_EQ(released, rel0 + 2);
	del_cg(root);
	CHECK_EQ(released, rel0 + 3);
	port_rcu_quiesce();
}

static void test_lifetime_offline_resets_limits(void)
{
	struct dmem_cg *root = new_cg(NULL), *p = new_cg(root), *a = new_cg(p);
	struct dmem_cg *b = new_cg(p);
	struct dmem_region *r = dmem_region_register("off", 100 * M, NULL);
	struct dmem_pool *pa = dmem_pool_get(a, r), *pb = pool_of(b, r);
	struct dmem_pool *pp = pool_of(p, r);
	int rel0 = released;

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
	CHECK_EQ(released, rel0);
	dmem_pool_uncharge(pa, 4 * M);
	CHECK_EQ(released, rel0 + 1);
	dmem_pool_uncharge(pb, 16 * M);
	dmem_region_unregister(r);
	del_cg(b); del_cg(p); del_cg(root);
	CHECK_EQ(released, rel0 + 4);
}

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
		int rel0 = released;
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
		CHECK_EQ(released, rel0 + 2);
		dmem_region_unregister(r);
		del_cg(root);
		CHECK_EQ(released, rel0 + 3);
	}
}

/* ---- totality: the math never traps, whatever the counters say ------- */

#include <sys/wait.h>
#include <signal.h>

/*
 * Run @fn in a child process: with the faithful port a divide error kills
 * it with SIGFPE (as #DE would oops the kernel); the parent reports that
 * as a failure and goes on with the other tests.
 */
static void run_in_child(const char *what, void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		harness_failures++;
		printf("#   fork: %s\n", strerror(errno));
		return;
	}
	if (!pid) {
		harness_failures = 0;
		fn();
		fflush(stdout);
		_exit(harness_failures ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid) {
		harness_failures++;
		return;
	}
	if (WIFSIGNALED(status)) {
		harness_failures++;
		printf("#   %s: killed by signal %d (%s)\n", what,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		harness_failures++;
		printf("#   %s: child exited with status %d\n", what,
		       WEXITSTATUS(status));
	}
}

/* floor(a * b / c) in 128 bits, saturated to U64_MAX (c != 0). */
static u64 ref_mul_div_sat(u64 a, u64 b, u64 c)
{
	unsigned __int128 q = (unsigned __int128)a * b / c;

	return q > U64_MAX ? U64_MAX : (u64)q;
}

/* One step of recursive protection, exact, saturated at U64_MAX. */
static u64 ref_step(u64 usage, u64 pu, u64 setting, u64 pe, u64 sp)
{
	u64 prot = min(usage, setting), ep = prot, add;

	if (sp > pe)
		return ref_mul_div_sat(prot, pe, sp);
	if (pe > sp && pu > sp && usage > prot) {
		add = ref_mul_div_sat(pe - sp, usage - prot, pu - sp);
		ep = ep > U64_MAX - add ? U64_MAX : ep + add;
	}
	return ep;
}

/*
 * Upstream's effective_protection() in unsigned long (64 bits here);
 * returns false when its arithmetic wraps (then nothing is promised).
 */
static bool upstream_step(u64 usage, u64 pu, u64 setting, u64 pe, u64 sp,
			  u64 *out)
{
	u64 prot = min(usage, setting), ep = prot, t;

	if (sp > pe) {
		if (__builtin_mul_overflow(prot, pe, &t))
			return false;
		*out = t / sp;
		return true;
	}
	if (pe > sp && pu > sp && usage > prot) {
		if (__builtin_mul_overflow(pe - sp, usage - prot, &t))
			return false;
		t /= pu - sp;
		if (__builtin_add_overflow(ep, t, &ep))
			return false;
	}
	*out = ep;
	return true;
}

static u64 math_rnd_state = 0x9e3779b97f4a7c15ULL;

static u64 math_rnd(void)
{
	u64 x = math_rnd_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	math_rnd_state = x;
	return x;
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
 * own, X/A is being charged 64 MiB: A's share of X's unclaimed protection
 * is max * 64M / 4K, about 2^65, which does not fit in 64 bits.
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

	CHECK_EQ(dmem_effective_low(NULL, pa), U64_MAX);
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
	CHECK_EQ(dmem_effective_min(NULL, pa), U64_MAX);
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


static const struct harness_test tests[] = {
	{ "protection_memcg_doc_example", test_protection_memcg_doc_example },
	{ "protection_recursive_unclaimed_share", test_protection_recursive_share },
	{ "protection_min_overcommit_scaled", test_protection_min_overcommit },
	{ "evict_rules_before_protection", test_evict_rules },
	{ "common_ancestor_root_is_evictable", test_common_ancestor_root_edge },
	{ "differential_vs_naive_small_trees", test_differential_small_trees },
	{ "differential_vs_naive_wide_deep_trees", test_differential_wide_deep_trees },
	{ "differential_vs_naive_deep_path_fallback", test_protection_deep_path },
	{ "charge_returns_limit_pool_and_tracks_peak", test_charge_limit_pool_and_peak },
	{ "max_below_usage_applies_at_once", test_max_below_usage_applies },
	{ "show_format_matches_upstream", test_show_format },
	{ "parse_values_suffixes_max_overflow", test_parse_values },
	{ "write_errors_change_nothing", test_write_errors_change_nothing },
	{ "write_multiline_blank_lines_atomic", test_write_multiline },
	{ "write_nul_byte_ends_input_as_upstream", test_write_nul_ends_input },
	{ "write_enomem_changes_nothing", test_write_enomem_changes_nothing },
	{ "write_enodev_changes_nothing", test_write_enodev_changes_nothing },
	{ "region_register_errors", test_region_register_errors },
	{ "lifetime_unregister_with_live_charges", test_lifetime_unregister_with_charges },
	{ "lifetime_offline_resets_limits_keeps_charges", test_lifetime_offline_resets_limits },
	{ "concurrent_charge_uncharge_invariants", test_concurrent_charge_uncharge },
	{ "concurrent_lazy_pool_creation", test_concurrent_pool_creation },
	{ "concurrent_unregister_with_charges", test_concurrent_unregister },
	{ "concurrent_offline_with_charges", test_concurrent_offline },
	{ "decision_table_evict_and_fallback", test_decision_table },
	{ "math_step_total_exact_or_saturated", test_math_step_total },
	{ "math_child_usage_above_parent_no_trap", test_math_child_above_parent },
	{ "math_concurrent_charge_vs_decision_no_trap",
	  test_math_concurrent_charge_vs_decision },
	{ "deep_paths_cut_boundaries_vs_naive", test_deep_small_vs_naive },
	{ "deep_3000_same_answers_linear_creation", test_deep_3000 },
	{ "deep_30000_same_answers_linear_creation", test_deep_30000 },
};

int main(void)
{
	int ret = harness_run(tests, ARRAY_SIZE(tests));

	dmem_core_exit();
	port_rcu_quiesce();
	return ret;
}
