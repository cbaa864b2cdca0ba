/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: the two trees of the differential suite
 * (kunit/dmem_core_vs_page_counter.c, which alone includes this file):
 * their types, the seeded random generation of shapes, settings and
 * charges, and how each tree is built and torn down, once in our core and
 * once as struct page_counter hierarchies of the running kernel.
 */
#ifndef DMEM_DIFF_TREE_H
#define DMEM_DIFF_TREE_H

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/page_counter.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dmem_core.h"
#include "dmem_core_whitebox.h"
#include "dmem_test.h"

#define DIFF_NODES_MAX		48
#define DIFF_CHARGES_MAX	160
#define DIFF_PRINT_MAX		3
#define DIFF_REGION		"kunit/diff"

/* ---- random numbers (splitmix64: reproducible, seedable) ---------------- */

/* uniform enough in [0, n) for test generation; 0 when n is 0 */
static u64 diff_below(u64 *state, u64 n)
{
	return n ? dmem_test_splitmix(state) % n : 0;
}

static bool diff_chance(u64 *state, unsigned int percent)
{
	return diff_below(state, 100) < percent;
}

/*
 * The exact reference of one level of mm/page_counter.c's
 * effective_protection(), and whether the kernel's unsigned long
 * arithmetic wraps on its inputs: dmem_test_ref_step() (tests/shared/).
 */

/* ---- the two trees ------------------------------------------------------- */

struct diff_charge {
	u8 node;
	u8 levels;	/* 0: a whole charge; else a charge caught half-way */
	u64 size;
};

struct diff_node {
	struct page_counter pc;
	int parent;		/* -1 for node 0, the root cgroup */
	unsigned int depth;
	unsigned int pre;	/* position in pre-order */
	unsigned int size;	/* nodes in its subtree, itself included */
	struct dmem_cg *cg;
	struct dmem_pool *pool;
	/* reference values along the path of the current computation */
	u64 ref_min, ref_low;
	bool wrap_min, wrap_low;
};

struct diff_tree {
	u64 seed;
	unsigned int n;
	struct dmem_region *region;
	struct diff_node node[DIFF_NODES_MAX];
	unsigned int order[DIFF_NODES_MAX];	/* pre-order */
	struct diff_charge charge[DIFF_CHARGES_MAX];
	unsigned int ncharges;
};

/* What one case generates and what it found. */
struct diff_params {
	const char *name;
	u64 seed;
	unsigned int trees;
	unsigned int nodes_max;
	unsigned int shape;		/* DIFF_SHAPE_* */
	unsigned int unit_shift_min;	/* values are multiples of 2^shift ... */
	unsigned int unit_shift_max;
	unsigned int partial_percent;	/* trees with half-way charges */
	unsigned int max_percent;	/* trees with a dmem.max somewhere */
	bool no_max_setting;		/* no min/low of "max" (no wraps) */
};

enum {
	DIFF_SHAPE_MIXED,
	DIFF_SHAPE_CHAIN,
	DIFF_SHAPE_FAN,
};

struct diff_stats {
	u64 comparisons;
	u64 wrapped;		/* (root, node) pairs where upstream wraps */
	u64 wrap_value_diff;	/* ... and its emin/elow differs from ours */
	u64 wrap_decision_diff;	/* ... and one of its decisions differs */
	u64 child_above_parent;	/* nodes whose usage exceeded the parent's */
	u64 overcommitted;	/* nodes whose siblings claim more than P */
	u64 limit_hits;		/* try_charge failures (both sides) */
	u64 above_4g;		/* nodes with usage above 4 GiB */
	unsigned int printed;
	unsigned int mismatches;
};

static int diff_write(struct dmem_cg *cg, enum dmem_file file, u64 val)
{
	char buf[48];
	int len;

	if (val >= PAGE_COUNTER_MAX)
		len = snprintf(buf, sizeof(buf), DIFF_REGION " max");
	else
		len = snprintf(buf, sizeof(buf), DIFF_REGION " %llu", val);
	return dmem_write_limits(cg, file, buf, len);
}

static u64 diff_usage(struct diff_tree *t, unsigned int i)
{
	return (u64)atomic_long_read(&t->node[i].pc.usage);
}

static void diff_print_tree(struct kunit *test, struct diff_tree *t)
{
	unsigned int i;

	kunit_err(test, "tree seed %#llx, %u nodes (node parent depth min low usage children_min_usage children_low_usage):\n",
		  t->seed, t->n);
	for (i = 0; i < t->n; i++) {
		struct page_counter *pc = &t->node[i].pc;

		kunit_err(test, "  %u %d %u %lu %lu %llu %ld %ld\n", i,
			  t->node[i].parent, t->node[i].depth, pc->min, pc->low,
			  diff_usage(t, i),
			  atomic_long_read(&pc->children_min_usage),
			  atomic_long_read(&pc->children_low_usage));
	}
	for (i = 0; i < t->ncharges; i++)
		if (t->charge[i].levels)
			kunit_err(test, "  half-way charge: node %u, %llu bytes, %u levels\n",
				  t->charge[i].node, t->charge[i].size,
				  t->charge[i].levels);
}

static void diff_mismatch_w(struct kunit *test, struct diff_tree *t,
			    struct diff_stats *st, const char *what, int root,
			    unsigned int node, u64 ours, u64 theirs, bool wrapped)
{
	st->mismatches++;
	KUNIT_FAIL(test, "%s: root %d node %u: core %llu, %s %llu (tree seed %#llx)",
		   what, root, node, ours,
		   wrapped ? "exact reference (upstream wraps)" : "upstream",
		   theirs, t->seed);
	if (st->printed++ < DIFF_PRINT_MAX)
		diff_print_tree(test, t);
}

static void diff_mismatch(struct kunit *test, struct diff_tree *t,
			  struct diff_stats *st, const char *what, int root,
			  unsigned int node, u64 ours, u64 theirs)
{
	diff_mismatch_w(test, t, st, what, root, node, ours, theirs, false);
}

/* ---- generation ---------------------------------------------------------- */

static unsigned int diff_pick_parent(u64 *rnd, unsigned int shape, unsigned int i)
{
	switch (shape) {
	case DIFF_SHAPE_CHAIN:
		/* a deep chain with a few side branches */
		return diff_chance(rnd, 90) ? i - 1 : diff_below(rnd, i);
	case DIFF_SHAPE_FAN:
		/* wide fans under the root, its first child and a grandchild */
		if (i <= 2)
			return i - 1;
		return diff_below(rnd, 3);
	default:
		switch (diff_below(rnd, 3)) {
		case 0:
			return i - 1;
		case 1:
			return diff_below(rnd, i);
		default:
			return diff_below(rnd, min(i, 4U));
		}
	}
}

/*
 * A protection setting: none, "max" (only if @max_ok), a few units, or
 * random.
 */
static u64 diff_pick_setting(u64 *rnd, u64 unit, bool max_ok)
{
	switch (diff_below(rnd, 10)) {
	case 0:
	case 1:
	case 2:
		return 0;
	case 3:
		return max_ok ? PAGE_COUNTER_MAX : 0;
	case 4:
		return unit * diff_below(rnd, 5);
	default:
		return diff_below(rnd, 16 * unit) + diff_below(rnd, 2);
	}
}

static void diff_build_order(struct diff_tree *t)
{
	unsigned int stack[DIFF_NODES_MAX], sp = 0, pos = 0, i;
	int c;

	stack[sp++] = 0;
	while (sp) {
		i = stack[--sp];
		t->node[i].pre = pos;
		t->order[pos++] = i;
		/* push children in reverse so that they come out in order */
		for (c = t->n - 1; c > (int)i; c--)
			if (t->node[c].parent == (int)i)
				stack[sp++] = c;
	}
	for (i = 0; i < t->n; i++)
		t->node[i].size = 1;
	for (c = t->n - 1; c > 0; c--)
		t->node[t->node[c].parent].size += t->node[c].size;
}

static bool diff_is_ancestor(struct diff_tree *t, unsigned int a, unsigned int x)
{
	return t->node[x].pre >= t->node[a].pre &&
	       t->node[x].pre < t->node[a].pre + t->node[a].size;
}

static unsigned int diff_common_ancestor(struct diff_tree *t, unsigned int a,
					 unsigned int b)
{
	while (t->node[a].depth > t->node[b].depth)
		a = t->node[a].parent;
	while (t->node[b].depth > t->node[a].depth)
		b = t->node[b].parent;
	while (a != b) {
		a = t->node[a].parent;
		b = t->node[b].parent;
	}
	return a;
}

static void diff_set(struct kunit *test, struct diff_tree *t, unsigned int i,
		     bool low, u64 val)
{
	struct diff_node *nd = &t->node[i];

	if (low)
		page_counter_set_low(&nd->pc, val);
	else
		page_counter_set_min(&nd->pc, val);
	KUNIT_EXPECT_EQ(test, diff_write(nd->cg, low ? DMEM_FILE_LOW : DMEM_FILE_MIN, val), 0);
}

/* A whole charge on both sides; both must agree on success and limit. */
static void diff_charge(struct kunit *test, struct diff_tree *t,
			struct diff_stats *st, unsigned int i, u64 size)
{
	struct diff_node *nd = &t->node[i];
	struct page_counter *fail = NULL;
	struct dmem_pool *limit = NULL;
	bool k_ok;
	int ret;

	k_ok = page_counter_try_charge(&nd->pc, size, &fail);
	ret = dmem_pool_try_charge(nd->pool, size, &limit);
	if (k_ok != !ret) {
		diff_mismatch(test, t, st, "try_charge result", -1, i, ret, k_ok);
	} else if (!k_ok) {
		unsigned int f = container_of(fail, struct diff_node, pc) - t->node;

		st->limit_hits++;
		if (!limit || limit != t->node[f].pool)
			diff_mismatch(test, t, st, "try_charge limit pool", -1, i,
				      limit ? dmem_pool_read(limit, DMEM_FILE_MAX) : 0,
				      f);
	}
	if (limit)
		dmem_pool_put(limit);
	if (k_ok && t->ncharges < DIFF_CHARGES_MAX)
		t->charge[t->ncharges++] = (struct diff_charge){ i, 0, size };
	else if (k_ok)
		diff_mismatch(test, t, st, "generator: too many charges", -1, i, 0, 0);
}

/* Take back part of a whole charge. */
static void diff_uncharge_some(struct diff_tree *t, u64 *rnd)
{
	struct diff_charge *c;
	u64 part;

	if (!t->ncharges)
		return;
	c = &t->charge[diff_below(rnd, t->ncharges)];
	if (c->levels || !c->size)
		return;
	part = diff_chance(rnd, 50) ? c->size : diff_below(rnd, c->size) + 1;
	page_counter_uncharge(&t->node[c->node].pc, part);
	dmem_pool_uncharge(t->node[c->node].pool, part);
	c->size -= part;
}

/*
 * A charge caught half-way: page_counter_charge() adds to a child's usage
 * (and propagates its protected usage) before its parent's.
 */
static void diff_charge_halfway(struct diff_tree *t, unsigned int i, u64 size,
				unsigned int levels)
{
	struct page_counter *c = &t->node[i].pc;
	unsigned int l;

	for (l = 0; l < levels; l++, c = c->parent) {
		atomic_long_add(size, &c->usage);
		/* re-propagates this level's protected usage (and above) */
		page_counter_set_min(c, READ_ONCE(c->min));
	}
	dmem_kunit_charge_levels(t->node[i].pool, size, levels);
	t->charge[t->ncharges++] = (struct diff_charge){ i, levels, size };
}

static void diff_undo_halfway(struct diff_tree *t, struct diff_charge *ch)
{
	struct page_counter *c = &t->node[ch->node].pc;
	unsigned int l;

	for (l = 0; l < ch->levels; l++, c = c->parent) {
		atomic_long_sub(ch->size, &c->usage);
		page_counter_set_min(c, READ_ONCE(c->min));
	}
	dmem_kunit_uncharge_levels(t->node[ch->node].pool, ch->size, ch->levels);
}

static int diff_build(struct kunit *test, struct diff_tree *t,
		      const struct diff_params *p, struct diff_stats *st, u64 seed)
{
	u64 rnd = seed, unit;
	unsigned int i, k, shift, nsettings;

	memset(t, 0, sizeof(*t));
	t->seed = seed;
	t->n = 2 + diff_below(&rnd, p->nodes_max - 1);
	shift = p->unit_shift_min +
		diff_below(&rnd, p->unit_shift_max - p->unit_shift_min + 1);
	unit = 1ULL << shift;

	t->region = dmem_region_register(DIFF_REGION, 1ULL << 50, NULL);
	if (IS_ERR(t->region)) {
		KUNIT_FAIL(test, "dmem_region_register: %ld", PTR_ERR(t->region));
		return -EINVAL;
	}
	for (i = 0; i < t->n; i++) {
		struct diff_node *nd = &t->node[i];

		nd->parent = i ? diff_pick_parent(&rnd, p->shape, i) : -1;
		nd->depth = i ? t->node[nd->parent].depth + 1 : 0;
		nd->cg = dmem_test_cg_new(i ? t->node[nd->parent].cg : NULL, NULL);
		if (!nd->cg)
			return -ENOMEM;
		page_counter_init(&nd->pc, i ? &t->node[nd->parent].pc : NULL, true);
		nd->pool = dmem_pool_get(nd->cg, t->region);
		if (IS_ERR(nd->pool)) {
			nd->pool = NULL;
			KUNIT_FAIL(test, "dmem_pool_get failed");
			return -ENOMEM;
		}
	}
	diff_build_order(t);

	/* a dmem.max somewhere (set while usage is 0: both accept it) */
	if (diff_chance(&rnd, p->max_percent)) {
		i = 1 + diff_below(&rnd, t->n - 1);
		k = diff_below(&rnd, 24 * unit);
		KUNIT_EXPECT_EQ(test, page_counter_set_max(&t->node[i].pc, k), 0);
		KUNIT_EXPECT_EQ(test, diff_write(t->node[i].cg, DMEM_FILE_MAX, k), 0);
	}
	/* protection settings before, between and after the charges */
	nsettings = 2 * (t->n - 1);
	for (k = 0; k < 4 * t->n; k++) {
		unsigned int op = diff_below(&rnd, 4);

		i = 1 + diff_below(&rnd, t->n - 1);
		if (op == 0 && nsettings) {
			nsettings--;
			diff_set(test, t, i, diff_chance(&rnd, 50),
				 diff_pick_setting(&rnd, unit, !p->no_max_setting));
		} else if (op == 3) {
			diff_uncharge_some(t, &rnd);
		} else if (diff_chance(&rnd, 80)) {
			diff_charge(test, t, st, i,
				    diff_below(&rnd, 8 * unit) + 1);
		}
	}
	/* half-way charges last: nothing below runs a whole charge */
	if (diff_chance(&rnd, p->partial_percent)) {
		unsigned int nh = 1 + diff_below(&rnd, 2);

		while (nh-- && t->ncharges < DIFF_CHARGES_MAX) {
			i = 1 + diff_below(&rnd, t->n - 1);
			diff_charge_halfway(t, i, diff_below(&rnd, 16 * unit) + 1,
					    1 + diff_below(&rnd, t->node[i].depth));
		}
	}
	for (i = 1; i < t->n; i++) {
		if (diff_usage(t, i) > diff_usage(t, t->node[i].parent))
			st->child_above_parent++;
		if (diff_usage(t, i) > (4ULL << 30))
			st->above_4g++;
	}
	return 0;
}

static void diff_destroy(struct diff_tree *t)
{
	int i;

	for (i = t->ncharges - 1; i >= 0; i--) {
		struct diff_charge *ch = &t->charge[i];

		if (ch->levels)
			diff_undo_halfway(t, ch);
		else if (ch->size)
			dmem_pool_uncharge(t->node[ch->node].pool, ch->size);
	}
	for (i = t->n - 1; i >= 0; i--) {
		if (t->node[i].pool)
			dmem_pool_put(t->node[i].pool);
		if (t->node[i].cg)
			dmem_test_cg_del(t->node[i].cg);
	}
	if (!IS_ERR_OR_NULL(t->region))
		dmem_region_unregister(t->region);
}

#endif /* DMEM_DIFF_TREE_H */
