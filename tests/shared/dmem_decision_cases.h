/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: table of eviction decisions, shared by the KUnit suite
 * (kunit/dmem_core_test.c) and the userspace suite
 * (tests/user/tests/decisions.c) so that both run exactly the same cases,
 * and the code that builds the tree of a case (dc_build()/dc_destroy()).
 *
 * One small tree, the shape of a desktop session:
 *
 *	root --+-- A --+-- A1
 *	       |       +-- A2
 *	       +-- B
 *
 * A setup gives dmem.min, dmem.low and dmem.high of every cgroup and the
 * bytes charged directly to each (in MiB; ancestors add up their children).  Expected
 * values were worked out by hand with the memcg rules (recursive
 * protection; a child of the calculation's root gets its own setting).
 */
#ifndef DMEM_DECISION_CASES_H
#define DMEM_DECISION_CASES_H

#include "dmem_test.h"

#define DC_MIB (1024ULL * 1024)

enum { DC_NONE = -1, DC_ROOT, DC_A, DC_A1, DC_A2, DC_B, DC_NODES };

/* parent of each node */
static const int dc_parent[DC_NODES] = { DC_NONE, DC_ROOT, DC_A, DC_A, DC_ROOT };

struct dc_setup {
	const char *name;
	unsigned int min[DC_NODES];	/* MiB */
	unsigned int low[DC_NODES];	/* MiB */
	unsigned int use[DC_NODES];	/* MiB charged directly */
	unsigned int high[DC_NODES];	/* MiB, 0: not written ("max") */
	bool above_high;	/* expected: a pool is above its high */
};

static const struct dc_setup dc_setups[] = {
	/* A low 20M over A1 8M + A2 8M (each gets 10M); B min 8M, uses 8M */
	{ "low-on-A-min-on-B",
	  { 0, 0, 0, 0, 8 }, { 0, 20, 0, 0, 0 }, { 0, 0, 8, 8, 8 } },
	/* A low 20M overcommitted: A1 uses 30M, A2 8M (shares 15.8M, 4.2M) */
	{ "A-overcommitted",
	  { 0, 0, 0, 0, 0 }, { 0, 20, 0, 0, 0 }, { 0, 0, 30, 8, 8 } },
	/* A min 16M, A1 min 16M: A1 keeps 8M, the unclaimed 8M goes to A2 */
	{ "recursive-min",
	  { 0, 16, 16, 0, 0 }, { 0, 0, 0, 0, 0 }, { 0, 0, 8, 8, 8 } },
	/* 3: A1 above its high (8M > 4M); B within low 8M */
	{ "A1-above-high",
	  { 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 8 }, { 0, 0, 8, 8, 8 },
	  { 0, 0, 4, 0, 0 }, true },
	/* 4: A above its high (16M > 12M), its children within theirs */
	{ "A-above-high",
	  { 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0 }, { 0, 0, 8, 8, 8 },
	  { 0, 12, 0, 0, 0 }, true },
	/*
	 * 5: A1 and A2 above their high 4M, but A1 within low (A low 16M,
	 * A1 low 16M) and A2 within min (A min 8M, A2 min 16M: A2 claims
	 * all of A's 8M, nothing left over for A1's min)
	 */
	{ "above-high-but-protected",
	  { 0, 8, 0, 16, 0 }, { 0, 16, 16, 0, 0 }, { 0, 0, 8, 8, 8 },
	  { 0, 0, 4, 4, 0 }, true },
};

/* One eviction decision: may a buffer of @evictee go for @evictor? */
struct dc_evict_case {
	int setup;
	int limit;		/* pool whose dmem.max was hit, DC_NONE */
	int evictor;		/* allocating cgroup */
	int evictee;		/* owner of the candidate buffer */
	int ignore_low;		/* 0: first pass, 1: retry ignoring low */
	int evict;		/* expected answer */
	int hit_low;		/* expected: refused only because of low */
};

static const struct dc_evict_case dc_evict_cases[] = {
	/* other top-level cgroup: A1 is low-protected (10M >= 8M) */
	{ 0, DC_NONE, DC_B, DC_A1, 0, 0, 1 },
	/* ... and taken on the retry that ignores low */
	{ 0, DC_NONE, DC_B, DC_A1, 1, 1, 0 },
	/* sibling: relative to A, A1 only has its own (zero) low */
	{ 0, DC_NONE, DC_A2, DC_A1, 0, 1, 0 },
	/* own buffers are always fair game */
	{ 0, DC_NONE, DC_A1, DC_A1, 0, 1, 0 },
	/* min holds on both passes */
	{ 0, DC_NONE, DC_A1, DC_B, 0, 0, 0 },
	{ 0, DC_NONE, DC_A1, DC_B, 1, 0, 0 },
	/* a dmem.max hit in A: never outside A's subtree */
	{ 0, DC_A, DC_A1, DC_B, 1, 0, 0 },
	/* ... and inside it, protection relative to A */
	{ 0, DC_A, DC_A1, DC_A2, 0, 1, 0 },
	/* a task of the root cgroup: protection relative to the root */
	{ 0, DC_NONE, DC_ROOT, DC_A1, 0, 0, 1 },
	/* limit at the root pool: everything is evictable */
	{ 0, DC_ROOT, DC_A1, DC_B, 0, 1, 0 },
	/* overcommitted low: both children above their share */
	{ 1, DC_NONE, DC_B, DC_A1, 0, 1, 0 },
	{ 1, DC_NONE, DC_B, DC_A2, 0, 1, 0 },
	/* recursive min: A2 has no min of its own but gets A's unclaimed 8M */
	{ 2, DC_NONE, DC_B, DC_A2, 1, 0, 0 },
	{ 2, DC_NONE, DC_B, DC_A1, 1, 0, 0 },
	/* ... which does not hold against its sibling */
	{ 2, DC_NONE, DC_A1, DC_A2, 1, 1, 0 },
};

/*
 * The three-round order (dmem.high, beyond upstream): the first round in
 * which a buffer of @evictee may go for @evictor, rounds as enum
 * dmem_evict_round + 1 (1: above high, 2: unprotected, 3: the retry that
 * ignores low), 0: never (min, or outside a limit's subtree).  Every round
 * takes what the earlier ones take, so this one number gives the answer
 * of all three.
 */
struct dc_round_case {
	int setup;
	int limit;		/* pool whose dmem.max was hit, DC_NONE */
	int evictor;		/* allocating cgroup */
	int evictee;		/* owner of the candidate buffer */
	int first;		/* first round that takes it, 0: never */
};

static const struct dc_round_case dc_round_cases[] = {
	/* other top-level cgroup: A1 above its high goes in round 1 */
	{ 3, DC_NONE, DC_B, DC_A1, 1 },
	/* ... its sibling A2 within its (default) high only in round 2 */
	{ 3, DC_NONE, DC_B, DC_A2, 2 },
	/* ... from A2's sibling, relative to A: A1 still above its high */
	{ 3, DC_NONE, DC_A2, DC_A1, 1 },
	/* ... B within low: only on the retry */
	{ 3, DC_NONE, DC_A1, DC_B, 3 },
	/* own buffers: the root of the decision is the pool itself */
	{ 3, DC_NONE, DC_A1, DC_A1, 2 },
	/* a dmem.max hit in A: A1 above high first, inside the subtree */
	{ 3, DC_A, DC_A2, DC_A1, 1 },
	{ 3, DC_A, DC_A1, DC_A2, 2 },
	/* ... never outside it, above high or not */
	{ 3, DC_A, DC_A1, DC_B, 0 },
	/* the limit pool itself: round 2 (nothing between it and the root) */
	{ 3, DC_A1, DC_A1, DC_A1, 2 },
	/* a task of the root cgroup */
	{ 3, DC_NONE, DC_ROOT, DC_A1, 1 },
	/* hierarchical: A above its high puts A1 and A2 first for B */
	{ 4, DC_NONE, DC_B, DC_A1, 1 },
	{ 4, DC_NONE, DC_B, DC_A2, 1 },
	/* ... but not against each other: A is their common root */
	{ 4, DC_NONE, DC_A2, DC_A1, 2 },
	/* ... nor inside a max hit in A */
	{ 4, DC_A, DC_A1, DC_A2, 2 },
	/* ... B, within its high, for A1 */
	{ 4, DC_NONE, DC_A1, DC_B, 2 },
	/* round 1 keeps low: above high but low-protected waits for 3 */
	{ 5, DC_NONE, DC_B, DC_A1, 3 },
	/* ... and min: above high but min-protected never goes */
	{ 5, DC_NONE, DC_B, DC_A2, 0 },
	/* relative to A: A1's own low 16M covers it, A2's min too */
	{ 5, DC_NONE, DC_A2, DC_A1, 3 },
	{ 5, DC_NONE, DC_A1, DC_A2, 0 },
	/* B (no high, no protection) for A1 */
	{ 5, DC_NONE, DC_A1, DC_B, 2 },
	/* setups without any high: round 1 takes nothing */
	{ 0, DC_NONE, DC_A2, DC_A1, 2 },
	{ 0, DC_NONE, DC_B, DC_A2, 3 },
	{ 0, DC_NONE, DC_A1, DC_B, 0 },
};

/* What an allocation in @pool may evict before falling back (7.3). */
struct dc_alloc_case {
	int setup;
	int pool;
	int mode;	/* enum dmem_alloc_evict */
};

static const struct dc_alloc_case dc_alloc_cases[] = {
	{ 0, DC_A1, DMEM_ALLOC_EVICT_UNPROTECTED },	/* within low 10M */
	{ 0, DC_A, DMEM_ALLOC_EVICT_UNPROTECTED },	/* 16M <= low 20M */
	{ 0, DC_B, DMEM_ALLOC_EVICT_ANY },		/* within min */
	{ 0, DC_ROOT, DMEM_ALLOC_EVICT_NONE },		/* root: never */
	{ 1, DC_A1, DMEM_ALLOC_EVICT_NONE },		/* above its share */
	{ 2, DC_A2, DMEM_ALLOC_EVICT_ANY },		/* recursive min */
	{ 2, DC_A, DMEM_ALLOC_EVICT_ANY },		/* 16M <= min 16M */
};

/**
 * struct dc_tree - the cgroups and pools of one setup, in region "dc".
 * @cg: the cgroups, by DC_* node; NULL if not created.
 * @pool: their pools.
 * @charged: whether @pool[i] holds the setup's charge.
 * @r: the region, NULL or an ERR_PTR() if not registered.
 * @s: the setup.
 */
struct dc_tree {
	struct dmem_cg *cg[DC_NODES];
	struct dmem_pool *pool[DC_NODES];
	bool charged[DC_NODES];
	struct dmem_region *r;
	const struct dc_setup *s;
};

/**
 * dc_pool() - the pool of a node of the table, NULL for DC_NONE.
 * @t: the tree.
 * @node: a DC_* node or DC_NONE.
 *
 * Return: the pool or NULL.
 */
static inline struct dmem_pool *dc_pool(struct dc_tree *t, int node)
{
	return node == DC_NONE ? NULL : t->pool[node];
}

static inline int dc_build_node(struct dc_tree *t, int i)
{
	const struct dc_setup *s = t->s;
	int up = dc_parent[i], err = 0, ret;
	char buf[32];

	t->cg[i] = dmem_test_cg_new(up == DC_NONE ? NULL : t->cg[up], NULL);
	if (!t->cg[i])
		return -ENOMEM;
	t->pool[i] = dmem_test_pool(t->cg[i], t->r);
	if (IS_ERR(t->pool[i]))
		return PTR_ERR(t->pool[i]);
	if (up == DC_NONE)
		return 0;
	snprintf(buf, sizeof(buf), "dc %uM", s->min[i]);
	ret = dmem_test_write(t->cg[i], DMEM_FILE_MIN, buf);
	err = err ?: ret;
	snprintf(buf, sizeof(buf), "dc %uM", s->low[i]);
	ret = dmem_test_write(t->cg[i], DMEM_FILE_LOW, buf);
	err = err ?: ret;
	if (!s->high[i])
		return err;
	snprintf(buf, sizeof(buf), "dc %uM", s->high[i]);
	ret = dmem_test_write(t->cg[i], DMEM_FILE_HIGH, buf);
	return err ?: ret;
}

/**
 * dc_build() - build the tree of a setup: region, cgroups, settings, charges.
 * @t: the tree to fill.
 * @s: the setup.
 *
 * Goes on after a failed write or charge, so that dc_destroy() always
 * finds a consistent tree; stops at the first failed allocation.
 *
 * Return: 0, or the error of the first step that failed (then the case's
 * answers mean nothing; dc_destroy() must still be called).
 */
static inline int dc_build(struct dc_tree *t, const struct dc_setup *s)
{
	int i, err = 0, ret;

	memset(t, 0, sizeof(*t));
	t->s = s;
	t->r = dmem_region_register("dc", 1024 * DC_MIB, NULL);
	if (IS_ERR(t->r))
		return PTR_ERR(t->r);
	for (i = 0; i < DC_NODES; i++) {
		ret = dc_build_node(t, i);
		if (ret == -ENOMEM || !t->cg[i] || IS_ERR(t->pool[i]))
			return ret;
		err = err ?: ret;
	}
	for (i = 0; i < DC_NODES; i++) {
		if (!s->use[i])
			continue;
		ret = dmem_pool_try_charge(t->pool[i], s->use[i] * DC_MIB, NULL);
		t->charged[i] = !ret;
		err = err ?: ret;
	}
	return err;
}

/**
 * dc_destroy() - undo dc_build(), whatever it got to.
 * @t: the tree.
 */
static inline void dc_destroy(struct dc_tree *t)
{
	int i;

	for (i = 0; i < DC_NODES; i++)
		if (t->charged[i])
			dmem_pool_uncharge(t->pool[i], t->s->use[i] * DC_MIB);
	if (!IS_ERR_OR_NULL(t->r))
		dmem_region_unregister(t->r);
	for (i = DC_NODES - 1; i >= 0; i--)
		if (t->cg[i])
			dmem_test_cg_del(t->cg[i]);
}

/**
 * dc_first_round() - the first round in which the core takes the buffer
 * of a round case.
 * @t: the case's tree, built.
 * @c: the case.
 * @monotone: set to false if a round refuses what an earlier one took.
 * @hit_low: set to whether round 2 refused only because of low (round 1
 *	must never report it: then this is set too).
 *
 * Return: 1..3 as in dc_round_cases[], 0 if no round takes it.
 */
static inline int dc_first_round(struct dc_tree *t,
				 const struct dc_round_case *c, bool *monotone,
				 bool *hit_low)
{
	static const enum dmem_evict_round rounds[] = {
		DMEM_EVICT_ROUND_HIGH, DMEM_EVICT_ROUND_UNPROTECTED,
		DMEM_EVICT_ROUND_LOW,
	};
	int i, first = 0;

	*monotone = true;
	*hit_low = false;
	for (i = 0; i < 3; i++) {
		bool hit = false;
		bool ok = dmem_may_evict_round(dc_pool(t, c->limit),
					       dc_pool(t, c->evictor),
					       t->pool[c->evictee], rounds[i],
					       &hit);

		if (i != 2 && hit)
			*hit_low = true;
		if (ok && !first)
			first = i + 1;
		if (!ok && first)
			*monotone = false;
	}
	return first;
}

#endif /* DMEM_DECISION_CASES_H */
