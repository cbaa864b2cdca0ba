// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: differential KUnit suite dmem_core_vs_page_counter.
 *
 * The same random trees are built twice: once in our core (include/
 * dmem_core.h) and once as real struct page_counter hierarchies of the
 * running kernel (mm/page_counter.c, which upstream dmem uses with bytes
 * as units and recursive protection on).  The same charges, uncharges,
 * limit hits and min/low settings are applied to both; then, for every
 * node and several roots of the computation (the top-level ancestor, the
 * parent, a random ancestor as a limit pool, the common ancestor with a
 * random other node, the node itself, a node outside its subtree), the
 * core's effective min/low and its decisions (dmem_evict_valuable(),
 * dmem_below_min/low(), dmem_may_evict()) are compared with the emin/elow
 * that page_counter_calculate_protection() leaves after upstream's
 * pre-order walk (dmem_cgroup_calculate_protection()) and with the rules
 * of upstream's dmem_cgroup_state_evict_valuable() and 7.3's
 * dmem_cgroup_below_min/low() applied to them.
 *
 * Documented differences, counted, never skipped:
 * - upstream's unsigned long products wrap for large values (bytes above
 *   4 GiB); there the core computes the exact value, saturated at U64_MAX
 *   (it is checked against an independent exact reference instead), and
 *   the cases where the wrap changed upstream's value or decision are
 *   counted and printed per case;
 * - page_counter_calculate_protection() leaves emin/elow untouched for a
 *   counter without usage and for the root: the walk starts from zeroed
 *   values (freshly allocated pools), as the core's answers are
 *   history-free.
 *
 * Trees are seeded and reproducible (the seed of a tree is printed with
 * it on any mismatch).
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/page_counter.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dmem_files.h"
#include "dmem_core_whitebox.h"

#define DIFF_NODES_MAX		48
#define DIFF_CHARGES_MAX	160
#define DIFF_PRINT_MAX		3
#define DIFF_REGION		"kunit/diff"

/* ---- random numbers (splitmix64: reproducible, seedable) ---------------- */

static u64 diff_next(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform enough in [0, n) for test generation; 0 when n is 0 */
static u64 diff_below(u64 *state, u64 n)
{
	return n ? diff_next(state) % n : 0;
}

static bool diff_chance(u64 *state, unsigned int percent)
{
	return diff_below(state, 100) < percent;
}

/* ---- exact reference (independent of the core and of the kernel) -------- */

static void diff_mul64(u64 a, u64 b, u64 *hi, u64 *lo)
{
	u64 al = (u32)a, ah = a >> 32, bl = (u32)b, bh = b >> 32;
	u64 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	u64 mid = (ll >> 32) + (u32)lh + (u32)hl;

	*lo = (mid << 32) | (u32)ll;
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* floor(a * b / c) by long division, U64_MAX if it does not fit; c != 0 */
static u64 diff_ref_mul_div(u64 a, u64 b, u64 c)
{
	u64 hi, lo, q = 0;
	int i;

	diff_mul64(a, b, &hi, &lo);
	if (!hi)
		return lo / c;
	if (hi >= c)
		return U64_MAX;
	for (i = 0; i < 64; i++) {
		bool carry = hi >> 63;

		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		q <<= 1;
		if (carry || hi >= c) {
			hi -= c;
			q |= 1;
		}
	}
	return q;
}

/*
 * One level of mm/page_counter.c effective_protection() with recursive
 * protection, in exact arithmetic saturated at U64_MAX (@ref), and
 * whether the kernel's unsigned long arithmetic wraps on these inputs.
 */
static u64 diff_ref_step(u64 usage, u64 parent_usage, u64 setting, u64 parent_eff,
			 u64 siblings, bool *kernel_wraps)
{
	u64 prot = min(usage, setting), ep = prot, share, tmp;

	if (siblings > parent_eff) {
		*kernel_wraps = check_mul_overflow(prot, parent_eff, &tmp);
		return diff_ref_mul_div(prot, parent_eff, siblings);
	}
	*kernel_wraps = false;
	if (parent_eff > siblings && parent_usage > siblings && usage > prot) {
		*kernel_wraps = check_mul_overflow(parent_eff - siblings,
						   usage - prot, &tmp);
		share = diff_ref_mul_div(parent_eff - siblings, usage - prot,
					 parent_usage - siblings);
		if (!*kernel_wraps && check_add_overflow(ep, share, &tmp))
			*kernel_wraps = true;
		ep = check_add_overflow(ep, share, &tmp) ? U64_MAX : tmp;
	}
	return ep;
}

/* ---- the two trees ------------------------------------------------------- */

struct diff_charge {
	u8 node;
	u8 levels;	/* 0: a whole charge; else a charge caught half-way */
	u64 size;
};

struct diff_cg {
	struct dmem_cg cg;
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

static void diff_cg_release(struct dmem_cg *cg)
{
	kfree(container_of(cg, struct diff_cg, cg));
}

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
		struct diff_cg *cg = kzalloc(sizeof(*cg), GFP_KERNEL);

		if (!cg)
			return -ENOMEM;
		nd->parent = i ? diff_pick_parent(&rnd, p->shape, i) : -1;
		nd->depth = i ? t->node[nd->parent].depth + 1 : 0;
		dmem_cg_init(&cg->cg, i ? t->node[nd->parent].cg : NULL,
			     diff_cg_release);
		nd->cg = &cg->cg;
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
		if (t->node[i].cg) {
			dmem_cg_offline(t->node[i].cg);
			dmem_cg_put(t->node[i].cg);
		}
	}
	if (!IS_ERR_OR_NULL(t->region))
		dmem_region_unregister(t->region);
}

/* ---- upstream's side ----------------------------------------------------- */

/*
 * upstream dmem_cgroup_calculate_protection(root, test): a pre-order walk
 * of root's subtree calling page_counter_calculate_protection() on every
 * pool up to @test.  emin/elow start zeroed (fresh pools).
 */
static void diff_kernel_protection(struct diff_tree *t, unsigned int root,
				   unsigned int test_node)
{
	unsigned int i, end = t->node[root].pre + t->node[root].size;

	for (i = 0; i < t->n; i++) {
		t->node[i].pc.emin = 0;
		t->node[i].pc.elow = 0;
	}
	for (i = t->node[root].pre; i < end; i++) {
		unsigned int x = t->order[i];

		page_counter_calculate_protection(&t->node[root].pc,
						  &t->node[x].pc, true);
		if (x == test_node)
			break;
	}
}

/*
 * The exact reference down the path from @root to @x, and whether the
 * kernel's value of @x went through a wrapped product on the way.
 */
static void diff_reference(struct diff_tree *t, struct diff_stats *st,
			   unsigned int root, unsigned int x)
{
	struct diff_node *nd = &t->node[x], *pn;
	u64 usage = diff_usage(t, x), pu;
	bool w;

	nd->ref_min = 0;
	nd->ref_low = 0;
	nd->wrap_min = false;
	nd->wrap_low = false;
	/* @root itself, no usage, or @root not an ancestor: untouched, 0 */
	if (x == root || !usage || nd->parent < 0)
		return;
	if (nd->parent == (int)root) {
		nd->ref_min = nd->pc.min;
		nd->ref_low = nd->pc.low;
		return;
	}
	diff_reference(t, st, root, nd->parent);
	pn = &t->node[nd->parent];
	pu = diff_usage(t, nd->parent);
	/* the kernel's inputs: its own (possibly wrapped) parent values */
	nd->ref_min = diff_ref_step(usage, pu, nd->pc.min, pn->ref_min,
				    atomic_long_read(&pn->pc.children_min_usage), &w);
	diff_ref_step(usage, pu, nd->pc.min, pn->pc.emin,
		      atomic_long_read(&pn->pc.children_min_usage), &w);
	nd->wrap_min = w || pn->wrap_min;
	nd->ref_low = diff_ref_step(usage, pu, nd->pc.low, pn->ref_low,
				    atomic_long_read(&pn->pc.children_low_usage), &w);
	diff_ref_step(usage, pu, nd->pc.low, pn->pc.elow,
		      atomic_long_read(&pn->pc.children_low_usage), &w);
	nd->wrap_low = w || pn->wrap_low;
	if ((u64)atomic_long_read(&pn->pc.children_min_usage) > pn->pc.emin ||
	    (u64)atomic_long_read(&pn->pc.children_low_usage) > pn->pc.elow)
		st->overcommitted++;
}

/* dmem_cgroup_state_evict_valuable() on given effective values */
static bool diff_rule_evict(u64 used, u64 emin, u64 elow, bool ignore_low,
			    bool *hit_low)
{
	if (used <= emin)
		return false;
	if (!ignore_low && used <= elow) {
		*hit_low = true;
		return false;
	}
	return true;
}

/* ---- comparison ---------------------------------------------------------- */

struct diff_expect {
	u64 emin, elow;		/* upstream's (kernel) values */
	u64 rmin, rlow;		/* exact reference */
	bool wrapped;
};

/*
 * Compare one decision: against upstream's where upstream's values did
 * not wrap, else against the reference (and count how upstream differs).
 */
static void diff_decision(struct kunit *test, struct diff_tree *t,
			  struct diff_stats *st, const char *what, int root,
			  unsigned int x, bool ours, bool upstream, bool ref,
			  bool wrapped)
{
	st->comparisons++;
	if (!wrapped) {
		if (ours != upstream)
			diff_mismatch(test, t, st, what, root, x, ours, upstream);
		return;
	}
	if (ours != ref)
		diff_mismatch_w(test, t, st, what, root, x, ours, ref, true);
	if (upstream != ref)
		st->wrap_decision_diff++;
}

/*
 * Everything relative to pool @root (as a limit pool, or as the root of
 * below_min/low) for node @x; @is_top: @root is the top-level pool and
 * also stands for "no limit pool" (NULL).
 */
static void diff_compare_root(struct kunit *test, struct diff_tree *t,
			      struct diff_stats *st, unsigned int root,
			      unsigned int x)
{
	struct diff_node *nd = &t->node[x];
	struct dmem_pool *rp = t->node[root].pool;
	bool inside = diff_is_ancestor(t, root, x);
	u64 used = diff_usage(t, x);
	struct diff_expect e;
	int il;

	diff_kernel_protection(t, root, x);
	diff_reference(t, st, root, x);
	e.emin = nd->pc.emin;
	e.elow = nd->pc.elow;
	e.rmin = nd->ref_min;
	e.rlow = nd->ref_low;
	e.wrapped = nd->wrap_min || nd->wrap_low;
	if (e.wrapped)
		st->wrapped++;

	/* the reference must reproduce the kernel wherever it does not wrap */
	if (!nd->wrap_min && e.emin != e.rmin)
		diff_mismatch(test, t, st, "reference vs kernel emin (test model)", root, x,
			      e.rmin, e.emin);
	if (!nd->wrap_low && e.elow != e.rlow)
		diff_mismatch(test, t, st, "reference vs kernel elow (test model)", root, x,
			      e.rlow, e.elow);
	if (e.wrapped && (e.emin != e.rmin || e.elow != e.rlow))
		st->wrap_value_diff++;

	/* effective values (both sides give 0 outside the subtree) */
	if (inside) {
		u64 cmin = dmem_effective_min(rp, nd->pool);
		u64 clow = dmem_effective_low(rp, nd->pool);

		st->comparisons += 2;
		if (cmin != (nd->wrap_min ? e.rmin : e.emin))
			diff_mismatch_w(test, t, st, "effective min", root, x, cmin,
					nd->wrap_min ? e.rmin : e.emin, nd->wrap_min);
		if (clow != (nd->wrap_low ? e.rlow : e.elow))
			diff_mismatch_w(test, t, st, "effective low", root, x, clow,
					nd->wrap_low ? e.rlow : e.elow, nd->wrap_low);
		if (root == 0) {
			st->comparisons += 2;
			if (dmem_effective_min(NULL, nd->pool) != cmin ||
			    dmem_effective_low(NULL, nd->pool) != clow)
				diff_mismatch(test, t, st, "effective min/low, NULL root", root, x,
					      dmem_effective_min(NULL, nd->pool), cmin);
		}
	}

	/* dmem_cgroup_state_evict_valuable(limit = root, test = x) */
	for (il = 0; il < 2; il++) {
		bool hit_k = false, hit_r = false, hit_c = false;
		bool k, r, c;

		if (root == x || root == 0) {
			k = true;	/* the limit pool itself, or a root limit */
			r = true;
		} else if (!inside) {
			k = false;	/* not in the limit's subtree */
			r = false;
		} else {
			k = diff_rule_evict(used, e.emin, e.elow, il, &hit_k);
			r = diff_rule_evict(used, e.rmin, e.rlow, il, &hit_r);
		}
		c = dmem_evict_valuable(rp, nd->pool, il, &hit_c);
		diff_decision(test, t, st, il ? "evict_valuable(ignore_low)" :
			      "evict_valuable", root, x, c, k, r, e.wrapped);
		diff_decision(test, t, st, "evict_valuable hit_low", root, x,
			      hit_c, hit_k, hit_r, e.wrapped);
		if (root != 0)
			continue;
		/* limit NULL: relative to the top-level pool, no shortcut */
		hit_k = false;
		hit_r = false;
		hit_c = false;
		k = diff_rule_evict(used, e.emin, e.elow, il, &hit_k);
		r = diff_rule_evict(used, e.rmin, e.rlow, il, &hit_r);
		c = dmem_evict_valuable(NULL, nd->pool, il, &hit_c);
		diff_decision(test, t, st, il ? "evict_valuable(NULL, ignore_low)" :
			      "evict_valuable(NULL)", root, x, c, k, r, e.wrapped);
		diff_decision(test, t, st, "evict_valuable(NULL) hit_low", root, x,
			      hit_c, hit_k, hit_r, e.wrapped);
	}

	/* 7.3 dmem_cgroup_below_min/low(root, x), root an ancestor */
	if (inside) {
		bool skip = root == x || !x;

		diff_decision(test, t, st, "below_min", root, x,
			      dmem_below_min(rp, nd->pool),
			      !skip && used <= e.emin, !skip && used <= e.rmin,
			      nd->wrap_min);
		diff_decision(test, t, st, "below_low", root, x,
			      dmem_below_low(rp, nd->pool),
			      !skip && used <= e.elow, !skip && used <= e.rlow,
			      nd->wrap_low);
		if (root == 0) {
			diff_decision(test, t, st, "below_min(NULL)", root, x,
				      dmem_below_min(NULL, nd->pool),
				      !skip && used <= e.emin,
				      !skip && used <= e.rmin, nd->wrap_min);
			diff_decision(test, t, st, "below_low(NULL)", root, x,
				      dmem_below_low(NULL, nd->pool),
				      !skip && used <= e.elow,
				      !skip && used <= e.rlow, nd->wrap_low);
		}
	}
}

/*
 * dmem_may_evict(NULL, evictor, x): relative to the common ancestor, the
 * root pool standing for "relative to the root" (the core's documented
 * deviation from 7.3, see include/dmem_core.h).
 */
static void diff_compare_may_evict(struct kunit *test, struct diff_tree *t,
				   struct diff_stats *st, unsigned int evictor,
				   unsigned int x)
{
	unsigned int a = diff_common_ancestor(t, evictor, x);
	struct diff_node *nd = &t->node[x];
	u64 used = diff_usage(t, x);
	int il;

	KUNIT_EXPECT_PTR_EQ(test, dmem_common_ancestor(t->node[evictor].pool, nd->pool),
			    t->node[a].pool);
	diff_kernel_protection(t, a, x);
	diff_reference(t, st, a, x);
	for (il = 0; il < 2; il++) {
		bool hit_k = false, hit_r = false, hit_c = false, k, r, c;
		bool wrapped = nd->wrap_min || nd->wrap_low;

		if (a == x && a != 0) {
			k = true;
			r = true;
		} else {
			k = diff_rule_evict(used, nd->pc.emin, nd->pc.elow, il, &hit_k);
			r = diff_rule_evict(used, nd->ref_min, nd->ref_low, il, &hit_r);
		}
		c = dmem_may_evict(NULL, t->node[evictor].pool, nd->pool, il, &hit_c);
		diff_decision(test, t, st, "may_evict", a, x, c, k, r, wrapped);
		diff_decision(test, t, st, "may_evict hit_low", a, x, hit_c, hit_k,
			      hit_r, wrapped);
	}
}

static void diff_compare_tree(struct kunit *test, struct diff_tree *t,
			      struct diff_stats *st)
{
	u64 rnd = t->seed ^ 0x5bd1e995ULL;
	unsigned int x, i;

	for (x = 0; x < t->n; x++) {
		struct diff_node *nd = &t->node[x];
		unsigned int anc = x, other;

		/* counters read back alike */
		st->comparisons++;
		if (dmem_pool_read(nd->pool, DMEM_FILE_CURRENT) != diff_usage(t, x) ||
		    (x && (dmem_pool_read(nd->pool, DMEM_FILE_MIN) != nd->pc.min ||
			   dmem_pool_read(nd->pool, DMEM_FILE_LOW) != nd->pc.low)))
			diff_mismatch(test, t, st, "counters (current)", -1, x,
				      dmem_pool_read(nd->pool, DMEM_FILE_CURRENT),
				      diff_usage(t, x));

		/* roots: the top, the parent, a random ancestor, x itself */
		diff_compare_root(test, t, st, 0, x);
		if (x) {
			diff_compare_root(test, t, st, nd->parent, x);
			for (i = diff_below(&rnd, nd->depth + 1); i; i--)
				anc = t->node[anc].parent;
			diff_compare_root(test, t, st, anc, x);
			diff_compare_root(test, t, st, x, x);
		}
		/* a node that may be outside x's ancestry, and its LCA */
		other = diff_below(&rnd, t->n);
		diff_compare_root(test, t, st, other, x);
		diff_compare_root(test, t, st, diff_common_ancestor(t, other, x), x);
		diff_compare_may_evict(test, t, st, other, x);
	}
}

static void diff_run(struct kunit *test, const struct diff_params *p)
{
	struct diff_tree *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct diff_stats st = {};
	unsigned int n;

	KUNIT_ASSERT_NOT_NULL(test, t);
	BUILD_BUG_ON(DMEM_COUNTER_MAX != PAGE_COUNTER_MAX);
	for (n = 0; n < p->trees; n++) {
		u64 seed = p->seed + n * 0x9e3779b97f4a7c15ULL;

		if (!diff_build(test, t, p, &st, seed))
			diff_compare_tree(test, t, &st);
		diff_destroy(t);
		if (st.mismatches > 50) {
			KUNIT_FAIL(test, "too many mismatches, stopping at tree %u", n);
			break;
		}
		cond_resched();
	}
	kunit_info(test, "%s: %u trees, %llu comparisons, %u mismatches; %llu (root, node) pairs where upstream's unsigned long math wraps (value differs %llu, a decision differs %llu: documented differences); %llu nodes above their parent's usage, %llu overcommitted levels, %llu limit hits, %llu nodes above 4 GiB\n",
		   p->name, n, st.comparisons, st.mismatches, st.wrapped,
		   st.wrap_value_diff, st.wrap_decision_diff,
		   st.child_above_parent, st.overcommitted, st.limit_hits,
		   st.above_4g);
	/* each case must reach the states it is about */
	KUNIT_EXPECT_GT(test, st.comparisons, 0ULL);
	if (p->partial_percent)
		KUNIT_EXPECT_GT(test, st.child_above_parent, 0ULL);
	if (p->max_percent)
		KUNIT_EXPECT_GT(test, st.limit_hits, 0ULL);
	if (p->unit_shift_max >= 33) {
		KUNIT_EXPECT_GT(test, st.above_4g, 0ULL);
		KUNIT_EXPECT_GT(test, st.wrapped, 0ULL);
	}
	/* usage below 2^32 and settings below 2^28: products fit, no wrap */
	if (p->no_max_setting && p->unit_shift_max <= 23)
		KUNIT_EXPECT_EQ(test, st.wrapped, 0ULL);
	KUNIT_EXPECT_GT(test, st.overcommitted, 0ULL);
}

/* ---- cases --------------------------------------------------------------- */

static void dmem_diff_mixed_small_values(struct kunit *test)
{
	static const struct diff_params p = {
		.name = "mixed shapes, small values, no wrap", .seed = 0x1001,
		.trees = 1000, .nodes_max = 16, .shape = DIFF_SHAPE_MIXED,
		.unit_shift_min = 0, .unit_shift_max = 23,
		.partial_percent = 0, .max_percent = 15,
		.no_max_setting = true,
	};

	diff_run(test, &p);
}

static void dmem_diff_deep_chains(struct kunit *test)
{
	static const struct diff_params p = {
		.name = "deep chains (over 32 levels)", .seed = 0x2002,
		.trees = 300, .nodes_max = DIFF_NODES_MAX, .shape = DIFF_SHAPE_CHAIN,
		.unit_shift_min = 12, .unit_shift_max = 26,
		.partial_percent = 0, .max_percent = 10,
	};

	diff_run(test, &p);
}

static void dmem_diff_wide_fans(struct kunit *test)
{
	static const struct diff_params p = {
		.name = "wide fans", .seed = 0x3003,
		.trees = 400, .nodes_max = 32, .shape = DIFF_SHAPE_FAN,
		.unit_shift_min = 10, .unit_shift_max = 26,
		.partial_percent = 0, .max_percent = 10,
	};

	diff_run(test, &p);
}

static void dmem_diff_above_4g(struct kunit *test)
{
	static const struct diff_params p = {
		.name = "values above 4 GiB", .seed = 0x4004,
		.trees = 800, .nodes_max = 20, .shape = DIFF_SHAPE_MIXED,
		.unit_shift_min = 28, .unit_shift_max = 42,
		.partial_percent = 0, .max_percent = 10,
	};

	diff_run(test, &p);
}

static void dmem_diff_halfway_charges(struct kunit *test)
{
	static const struct diff_params p = {
		.name = "charges caught half-way (child above parent)", .seed = 0x5005,
		.trees = 800, .nodes_max = 20, .shape = DIFF_SHAPE_MIXED,
		.unit_shift_min = 10, .unit_shift_max = 26,
		.partial_percent = 100, .max_percent = 0,
	};

	diff_run(test, &p);
}

static void dmem_diff_halfway_above_4g(struct kunit *test)
{
	static const struct diff_params p = {
		.name = "half-way charges, values above 4 GiB", .seed = 0x6006,
		.trees = 600, .nodes_max = 20, .shape = DIFF_SHAPE_MIXED,
		.unit_shift_min = 30, .unit_shift_max = 42,
		.partial_percent = 100, .max_percent = 0,
	};

	diff_run(test, &p);
}

static struct kunit_case dmem_core_vs_page_counter_cases[] = {
	KUNIT_CASE_SLOW(dmem_diff_mixed_small_values),
	KUNIT_CASE_SLOW(dmem_diff_deep_chains),
	KUNIT_CASE_SLOW(dmem_diff_wide_fans),
	KUNIT_CASE_SLOW(dmem_diff_above_4g),
	KUNIT_CASE_SLOW(dmem_diff_halfway_charges),
	KUNIT_CASE_SLOW(dmem_diff_halfway_above_4g),
	{}
};

static struct kunit_suite dmem_core_vs_page_counter_suite = {
	.name = "dmem_core_vs_page_counter",
	.test_cases = dmem_core_vs_page_counter_cases,
};

kunit_test_suite(dmem_core_vs_page_counter_suite);

MODULE_LICENSE("GPL");
