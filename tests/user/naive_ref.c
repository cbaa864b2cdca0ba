// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: DELIBERATELY NAIVE reference model of upstream dmem
 * protection (kernel/cgroup/dmem.c + mm/page_counter.c), written from the
 * rules in DESIGN-NOTES section 2, sharing no code with src/dmem_core.c.
 *
 * Nothing is cached: a node's usage is recomputed by summing its subtree,
 * the children's protected usages are recomputed from scratch, and
 * effective protection is computed the way upstream does it: a pre-order
 * walk over the WHOLE subtree of the root, storing emin/elow in every
 * visited node (values persist between walks, zero-usage nodes keep stale
 * values), stopping at the test node.  Slow on purpose; obviously right is
 * the point.  Products use 128-bit arithmetic (see dmem_effective_step()).
 */
#include <string.h>
#include "naive_ref.h"

void naive_init(struct naive_tree *t)
{
	t->n = 1;
	memset(&t->node[0], 0, sizeof(t->node[0]));
	t->node[0].parent = -1;
	t->node[0].max = NAIVE_COUNTER_MAX;
}

int naive_add(struct naive_tree *t, int parent)
{
	int i = t->n++;

	memset(&t->node[i], 0, sizeof(t->node[i]));
	t->node[i].parent = parent;
	t->node[i].max = NAIVE_COUNTER_MAX;
	return i;
}

uint64_t naive_usage(const struct naive_tree *t, int i)
{
	uint64_t sum = t->node[i].own;
	int j;

	for (j = 0; j < t->n; j++)
		if (t->node[j].parent == i)
			sum += naive_usage(t, j);
	return sum;
}

int naive_try_charge(struct naive_tree *t, int i, uint64_t size)
{
	int k;

	/* bottom-up, first level that would exceed its max, as upstream */
	for (k = i; k >= 0; k = t->node[k].parent)
		if (naive_usage(t, k) + size > t->node[k].max)
			return k;
	t->node[i].own += size;
	return -1;
}

void naive_uncharge(struct naive_tree *t, int i, uint64_t size)
{
	t->node[i].own -= size;
}

static uint64_t umin(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t children_protected(const struct naive_tree *t, int p, bool low)
{
	uint64_t sum = 0;
	int j;

	for (j = 0; j < t->n; j++) {
		if (t->node[j].parent != p)
			continue;
		sum += umin(naive_usage(t, j),
			    low ? t->node[j].low : t->node[j].min);
	}
	return sum;
}

static uint64_t effective(uint64_t usage, uint64_t parent_usage,
			  uint64_t setting, uint64_t parent_eff,
			  uint64_t siblings)
{
	uint64_t prot = umin(usage, setting);

	if (siblings > parent_eff)
		return (uint64_t)((__uint128_t)prot * parent_eff / siblings);
	if (parent_eff > siblings && parent_usage > siblings && usage > prot)
		return prot + (uint64_t)((__uint128_t)(parent_eff - siblings) *
					 (usage - prot) / (parent_usage - siblings));
	return prot;
}

/* page_counter_calculate_protection(root, node, recursive = true) */
static void calc_one(struct naive_tree *t, int root, int c)
{
	struct naive_node *n = &t->node[c];
	int p = n->parent;
	uint64_t usage, parent_usage;

	if (c == root)
		return;
	usage = naive_usage(t, c);
	if (!usage)
		return;
	if (p == root) {
		n->emin = n->min;
		n->elow = n->low;
		return;
	}
	parent_usage = naive_usage(t, p);
	n->emin = effective(usage, parent_usage, n->min, t->node[p].emin,
			    children_protected(t, p, false));
	n->elow = effective(usage, parent_usage, n->low, t->node[p].elow,
			    children_protected(t, p, true));
}

/* pre-order walk of root's subtree; returns true once test was reached */
static bool walk(struct naive_tree *t, int root, int c, int test)
{
	int j;

	calc_one(t, root, c);
	if (c == test)
		return true;
	for (j = 0; j < t->n; j++)
		if (t->node[j].parent == c && walk(t, root, j, test))
			return true;
	return false;
}

void naive_calc_protection(struct naive_tree *t, int root, int test)
{
	walk(t, root, root, test);
}

int naive_top(const struct naive_tree *t, int i)
{
	while (t->node[i].parent >= 0)
		i = t->node[i].parent;
	return i;
}

bool naive_is_ancestor(const struct naive_tree *t, int anc, int i)
{
	for (; i >= 0; i = t->node[i].parent)
		if (i == anc)
			return true;
	return false;
}

bool naive_evict_valuable(struct naive_tree *t, int limit, int test,
			  bool ignore_low, bool *hit_low)
{
	uint64_t used;

	if (limit == test)
		return true;
	if (limit >= 0) {
		if (t->node[limit].parent < 0)
			return true;
		if (!naive_is_ancestor(t, limit, test))
			return false;
	} else {
		limit = naive_top(t, test);
	}
	naive_calc_protection(t, limit, test);
	used = naive_usage(t, test);
	if (used <= t->node[test].emin)
		return false;
	if (!ignore_low) {
		if (used > t->node[test].elow)
			return true;
		*hit_low = true;
		return false;
	}
	return true;
}

bool naive_below(struct naive_tree *t, int root, int test, bool low)
{
	if (root == test || t->node[test].parent < 0)
		return false;
	if (root < 0)
		root = naive_top(t, test);
	naive_calc_protection(t, root, test);
	return naive_usage(t, test) <=
	       (low ? t->node[test].elow : t->node[test].emin);
}
