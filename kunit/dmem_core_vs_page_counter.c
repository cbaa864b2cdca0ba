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
 * - where the kernel's unsigned long arithmetic wraps, the core computes
 *   the exact value, saturated at U64_MAX (checked against an independent
 *   exact reference instead) and the differences are counted per case;
 *   since page_counter scales with mul_u64_u64_div_u64() and caps a
 *   child's unprotected usage at its parent's (Debian's 6.12.118; before,
 *   its products wrapped above 4 GiB) no wrap happens, and none is
 *   expected;
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
#include <linux/page_counter.h>

#include "dmem_core.h"
#include "dmem_test.h"
#include "dmem_diff_tree.h"

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
	nd->ref_min = dmem_test_ref_step(usage, pu, nd->pc.min, pn->ref_min,
					 atomic_long_read(&pn->pc.children_min_usage), &w);
	dmem_test_ref_step(usage, pu, nd->pc.min, pn->pc.emin,
			   atomic_long_read(&pn->pc.children_min_usage), &w);
	nd->wrap_min = w || pn->wrap_min;
	nd->ref_low = dmem_test_ref_step(usage, pu, nd->pc.low, pn->ref_low,
					 atomic_long_read(&pn->pc.children_low_usage), &w);
	dmem_test_ref_step(usage, pu, nd->pc.low, pn->pc.elow,
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
	if (p->unit_shift_max >= 33)
		KUNIT_EXPECT_GT(test, st.above_4g, 0ULL);
	/*
	 * Since page_counter scales with mul_u64_u64_div_u64() and caps a
	 * child's unprotected usage (Debian's 6.12.118) its products are
	 * exact, and counters below DMEM_COUNTER_MAX keep its sums far from
	 * 2^64: it never wraps, whatever the values.
	 */
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
