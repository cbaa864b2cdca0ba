// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the pure core: effective protection and eviction
 * decisions.
 *
 * Effective min/low of a pool relative to a root, computed along the path
 * from the root down to the pool (O(depth), fixed stack), and the
 * decisions built on them: may a buffer be evicted (6.14), relative to
 * which ancestor (7.3 common ancestor), in which of the three rounds
 * (dmem.high first, then unprotected, then low-protected: beyond
 * upstream, as the maintainers proposed instead of throttling on high),
 * and what an allocation may evict before it falls back to its next
 * placement (7.3).  Semantics of
 * upstream's kernel/cgroup/dmem.c and mm/page_counter.c; the code is our
 * own.  The public functions are documented in include/dmem_core.h.
 */
#include "dmem_core_internal.h"

/*
 * The protection math is total: no input may trap, whether the counters
 * are consistent or caught half-way through a concurrent charge (which
 * adds to a child's usage before its parent's, so a child's usage may
 * briefly exceed its parent's and a share of the parent's protection may
 * not fit in 64 bits).  The kernels we support implement
 * mul_u64_u64_div_u64() on x86-64 as "mulq; divq", which raises #DE when
 * the quotient does not fit: it is only ever called here with a quotient
 * known to fit.  Results that do not fit in 64 bits saturate at U64_MAX.
 */

/**
 * dmem_mul_div() - a * b / c rounded down, saturated at U64_MAX.
 * @a: first factor.
 * @b: second factor.
 * @c: divisor; 0 saturates (the callers never pass it).
 *
 * Exact whenever the result fits in 64 bits, so wherever upstream's
 * unsigned long arithmetic (a * b, then / c) does not wrap, the result
 * is bit-identical to upstream's.
 *
 * Return: floor(a * b / c), or U64_MAX if that does not fit.
 */
static u64 dmem_mul_div(u64 a, u64 b, u64 c)
{
	u64 prod, q, r, hi, lo;

	if (unlikely(!c))
		return U64_MAX;
	if (likely(!check_mul_overflow(a, b, &prod)))
		return div64_u64(prod, c);
	/*
	 * a * b / c = a * (b / c) + a * (b % c) / c exactly (rounded down),
	 * and a * (b % c) / c < a fits: the divq below cannot fault.
	 */
	q = div64_u64_rem(b, c, &r);
	if (check_mul_overflow(a, q, &hi))
		return U64_MAX;
	lo = r ? mul_u64_u64_div_u64(a, r, c) : 0;
	if (check_add_overflow(hi, lo, &prod))
		return U64_MAX;
	return prod;
}

/* a + b, saturated at U64_MAX. */
static u64 dmem_add_sat(u64 a, u64 b)
{
	u64 sum;

	if (check_add_overflow(a, b, &sum))
		return U64_MAX;
	return sum;
}

/*
 * One step of the recursive-protection formula (mm/page_counter.c
 * effective_protection() with recursive protection), on any input.  Both
 * divisors are non-zero by the guarding comparisons.  As upstream since
 * it scales with mul_u64_u64_div_u64() (Debian's 6.12.118 has it; older
 * trees multiplied in unsigned long, which could wrap): a child that
 * transiently appears to use more than its parent (usages are not read
 * atomically) gets at most the parent's whole unclaimed protection, its
 * unprotected usage capped at the parent's.  Saturated at U64_MAX where
 * the exact result does not fit.
 */
static u64 dmem_effective_step(u64 usage, u64 parent_usage, u64 setting,
			       u64 parent_effective, u64 siblings_protected)
{
	u64 prot = min(usage, setting);
	u64 ep = prot;

	if (siblings_protected > parent_effective)
		return dmem_mul_div(prot, parent_effective, siblings_protected);

	if (parent_effective > siblings_protected &&
	    parent_usage > siblings_protected && usage > prot) {
		u64 unprotected = min(usage - prot,
				      parent_usage - siblings_protected);

		ep = dmem_add_sat(ep,
				  dmem_mul_div(parent_effective - siblings_protected,
					       unprotected,
					       parent_usage - siblings_protected));
	}
	return ep;
}

struct dmem_eff {
	u64 min;
	u64 low;
};

/* Effective values of @pool given its parent's, relative to @root. */
static void dmem_eff_next(struct dmem_pool *root, struct dmem_pool *pool,
			  struct dmem_eff *eff)
{
	struct dmem_pool *parent = pool->parent;
	u64 usage = atomic64_read(&pool->usage);
	u64 parent_usage;

	if (!usage) {
		/* Upstream leaves stale values; any value decides alike. */
		eff->min = 0;
		eff->low = 0;
		return;
	}
	if (parent == root) {
		eff->min = READ_ONCE(pool->min);
		eff->low = READ_ONCE(pool->low);
		return;
	}
	parent_usage = atomic64_read(&parent->usage);
	eff->min = dmem_effective_step(usage, parent_usage, READ_ONCE(pool->min),
				       eff->min,
				       atomic64_read(&parent->children_min_usage));
	eff->low = dmem_effective_step(usage, parent_usage, READ_ONCE(pool->low),
				       eff->low,
				       atomic64_read(&parent->children_low_usage));
}

/*
 * Nothing below can change the caller's answer (see dmem_calc_protection):
 * zero protection stays zero down the path.  A value below @stop is not
 * final: in a charge caught half-way (a child's usage above its parent's)
 * a child's share can exceed its parent's effective value, and upstream
 * then protects where a walk stopped early would not.
 */
static bool dmem_eff_final(const struct dmem_eff *eff,
			   const struct dmem_eff *stop)
{
	return stop && !eff->min && !eff->low;
}

/*
 * Walking down a path of any length with a fixed stack footprint.  Pools
 * only know their parent, so the path from @root down to a pool has to be
 * reversed.  Up to DMEM_PATH_FAST levels are collected in an array on one
 * walk up.  A longer path is cut into at most DMEM_PATH_FANOUT segments
 * of equal length (the topmost one shorter) by one walk up that records
 * the bottom pool of each segment; the segments are then visited top
 * segment first, each the same way, cut again while longer than
 * DMEM_PATH_FAST.  Every cut divides the length by DMEM_PATH_FANOUT, so
 * DMEM_PATH_LEVELS cuts cover any depth an unsigned int can count
 * (32 * 16^7 = 2^33), and each level of cuts walks the path once:
 * O(depth * log16(depth / 32)) steps, no recursion, no allocation, about
 * 1.2 KiB of stack.
 */
#define DMEM_PATH_FAST		32
#define DMEM_PATH_FANOUT	16
#define DMEM_PATH_LEVELS	7

/**
 * struct dmem_path_cut - one cut of a long path into segments.
 * @bottom: bottom pool of each segment, @bottom[0] the lowest.
 * @seg: length of every segment but the topmost.
 * @top: length of the topmost segment (1..@seg).
 * @count: number of segments.
 * @left: segments not visited yet: @bottom[0..@left-1].
 */
struct dmem_path_cut {
	struct dmem_pool *bottom[DMEM_PATH_FANOUT];
	unsigned int seg;
	unsigned int top;
	unsigned int count;
	unsigned int left;
};

/* State of one top-down walk; lives on the caller's stack. */
struct dmem_path_walk {
	struct dmem_path_cut cut[DMEM_PATH_LEVELS];
	struct dmem_pool *fast[DMEM_PATH_FAST];
	unsigned int ncuts;
};

/* Cut the @len (> DMEM_PATH_FAST) pools from @bottom upwards. */
static void dmem_path_cut(struct dmem_path_walk *w, struct dmem_pool *bottom,
			  unsigned int len)
{
	struct dmem_path_cut *cut = &w->cut[w->ncuts++];
	unsigned int seg = len / DMEM_PATH_FANOUT + !!(len % DMEM_PATH_FANOUT);
	unsigned int k = 0, i;

	/* len <= DMEM_PATH_FANOUT * seg: at most DMEM_PATH_FANOUT segments */
	for (;;) {
		cut->bottom[k++] = bottom;
		if (len <= seg)
			break;
		len -= seg;
		for (i = 0; i < seg; i++)
			bottom = bottom->parent;
	}
	cut->seg = seg;
	cut->top = len;
	cut->count = k;
	cut->left = k;
}

/*
 * The next segment to visit, top-down: the highest one not visited yet of
 * the innermost cut that has one.  Returns false when the walk is over.
 */
static bool dmem_path_next_segment(struct dmem_path_walk *w,
				   struct dmem_pool **bottom, unsigned int *len)
{
	struct dmem_path_cut *cut;

	while (w->ncuts && !w->cut[w->ncuts - 1].left)
		w->ncuts--;
	if (!w->ncuts)
		return false;
	cut = &w->cut[w->ncuts - 1];
	cut->left--;
	*bottom = cut->bottom[cut->left];
	*len = cut->left == cut->count - 1 ? cut->top : cut->seg;
	return true;
}

/*
 * Apply dmem_eff_next() to the @n pools from @pool upwards (excluding
 * @root, the parent of the topmost one), top-down.  Returns false if the
 * walk stopped early because @eff became final for @stop (NULL: never).
 */
static bool dmem_eff_path(struct dmem_pool *root, struct dmem_pool *pool,
			  unsigned int n, struct dmem_eff *eff,
			  const struct dmem_eff *stop)
{
	struct dmem_path_walk w;
	struct dmem_pool *bottom = pool;
	unsigned int len = n, i;

	w.ncuts = 0;
	do {
		while (len > DMEM_PATH_FAST) {
			/* cannot happen: 32 * 16^7 > UINT_MAX */
			if (WARN_ON_ONCE(w.ncuts == DMEM_PATH_LEVELS))
				return false;
			dmem_path_cut(&w, bottom, len);
			dmem_path_next_segment(&w, &bottom, &len);
		}
		for (i = 0; i < len; i++, bottom = bottom->parent)
			w.fast[i] = bottom;
		while (len) {
			dmem_eff_next(root, w.fast[--len], eff);
			if (dmem_eff_final(eff, stop))
				return false;
		}
	} while (dmem_path_next_segment(&w, &bottom, &len));
	return true;
}

/*
 * dmem_calc_protection() - effective min and low of @pool relative to
 * @root (an ancestor of @pool, @pool itself, or NULL for the topmost
 * ancestor).
 *
 * A pool's effective protection depends only on its ancestors' (and their
 * children sums, which the counters maintain), so instead of upstream's
 * pre-order walk over the whole subtree of @root we go down the path from
 * @root to @pool: O(depth) (see dmem_eff_path()), one walk up first to
 * count the levels and check that @root is an ancestor.
 *
 * Going down the path, effective values never grow while the counters
 * are consistent (a child's share is at most its parent's effective
 * value: scaled by P / S when overcommitted, else its claim plus a
 * fraction of P - S, with claim <= S), but not in the middle of a charge,
 * when a child's usage may exceed its parent's: then the walk goes on to
 * @pool.  Zero protection is final in any state (overcommitted against
 * P = 0, or S = P = 0 and so a zero claim): once both values are zero the
 * walk stops.  Pass NULL for exact values (the whole path is always
 * computed).
 *
 * Return: false if @root is neither @pool nor one of its ancestors.
 */
static bool dmem_calc_protection(struct dmem_pool *root, struct dmem_pool *pool,
				 struct dmem_eff *eff,
				 const struct dmem_eff *stop)
{
	struct dmem_pool *p;
	unsigned int n = 0;

	eff->min = 0;
	eff->low = 0;
	for (p = pool; p != root; p = p->parent) {
		if (!p->parent) {
			if (root)
				return false;
			root = p;	/* the topmost ancestor */
			break;
		}
		n++;
	}
	if (n)
		dmem_eff_path(root, pool, n, eff, stop);
	return true;
}

u64 dmem_effective_min(struct dmem_pool *root, struct dmem_pool *pool)
{
	struct dmem_eff eff;

	if (!dmem_calc_protection(root, pool, &eff, NULL))
		return 0;
	return eff.min;
}

u64 dmem_effective_low(struct dmem_pool *root, struct dmem_pool *pool)
{
	struct dmem_eff eff;

	if (!dmem_calc_protection(root, pool, &eff, NULL))
		return 0;
	return eff.low;
}

bool dmem_evict_valuable(struct dmem_pool *limit, struct dmem_pool *test,
			 bool ignore_low, bool *hit_low)
{
	struct dmem_eff eff, stop;
	u64 used;

	if (limit == test || !test)
		return true;
	if (limit && !limit->parent)
		return true;
	used = atomic64_read(&test->usage);
	stop.min = used;
	stop.low = ignore_low ? U64_MAX : used;
	/* false also when @test is outside the limit's subtree */
	if (!dmem_calc_protection(limit, test, &eff, &stop))
		return false;
	if (used <= eff.min)
		return false;
	if (!ignore_low && used <= eff.low) {
		if (hit_low)
			*hit_low = true;
		return false;
	}
	return true;
}

/* Shared part of dmem_below_min() and dmem_below_low() (7.3 semantics). */
static bool dmem_below(struct dmem_pool *root, struct dmem_pool *pool,
		       bool low)
{
	struct dmem_eff eff, stop;
	u64 used;

	if (!pool || root == pool || !pool->parent)
		return false;
	used = atomic64_read(&pool->usage);
	stop.min = low ? U64_MAX : used;
	stop.low = low ? used : U64_MAX;
	if (!dmem_calc_protection(root, pool, &eff, &stop))
		return false;
	return used <= (low ? eff.low : eff.min);
}

bool dmem_below_min(struct dmem_pool *root, struct dmem_pool *pool)
{
	return dmem_below(root, pool, false);
}

bool dmem_below_low(struct dmem_pool *root, struct dmem_pool *pool)
{
	return dmem_below(root, pool, true);
}

static unsigned int dmem_pool_depth(struct dmem_pool *pool)
{
	unsigned int depth = 0;

	for (; pool->parent; pool = pool->parent)
		depth++;
	return depth;
}

/* Never allocates: both ancestries exist while @a and @b are alive. */
struct dmem_pool *dmem_common_ancestor(struct dmem_pool *a,
				       struct dmem_pool *b)
{
	unsigned int da, db;

	if (!a || !b || a->region != b->region)
		return NULL;
	da = dmem_pool_depth(a);
	db = dmem_pool_depth(b);
	for (; da > db; da--)
		a = a->parent;
	for (; db > da; db--)
		b = b->parent;
	while (a != b) {
		a = a->parent;
		b = b->parent;
	}
	return a;
}

/* The root of an eviction decision (see dmem_may_evict()). */
static struct dmem_pool *dmem_evict_root(struct dmem_pool *limit,
					 struct dmem_pool *evictor,
					 struct dmem_pool *evictee)
{
	struct dmem_pool *root = limit;

	if (!root && evictor) {
		root = dmem_common_ancestor(evictor, evictee);
		if (root && !root->parent)
			root = NULL;
	}
	return root;
}

bool dmem_may_evict(struct dmem_pool *limit, struct dmem_pool *evictor,
		    struct dmem_pool *evictee, bool ignore_low, bool *hit_low)
{
	return dmem_evict_valuable(dmem_evict_root(limit, evictor, evictee),
				   evictee, ignore_low, hit_low);
}

/* Usage above the configured dmem.high (the root pool's is always max). */
static bool dmem_pool_over_high(const struct dmem_pool *pool)
{
	return (u64)atomic64_read(&pool->usage) > READ_ONCE(pool->high);
}

/*
 * Above high relative to @root: @pool itself (also when it is @root: a
 * cgroup above its high that evicts for itself puts its own buffers
 * first), or an ancestor strictly below @root.  When @root is not an
 * ancestor of @pool the walk goes to the top; the callers then refuse the
 * buffer anyway (outside the limit's subtree).
 */
bool dmem_above_high(struct dmem_pool *root, struct dmem_pool *pool)
{
	struct dmem_pool *p;

	if (!pool)
		return false;
	if (dmem_pool_over_high(pool))
		return true;
	if (pool == root)
		return false;
	for (p = pool->parent; p && p != root; p = p->parent) {
		if (dmem_pool_over_high(p))
			return true;
	}
	return false;
}

bool dmem_may_evict_round(struct dmem_pool *limit, struct dmem_pool *evictor,
			  struct dmem_pool *evictee,
			  enum dmem_evict_round round, bool *hit_low)
{
	struct dmem_pool *root = dmem_evict_root(limit, evictor, evictee);

	switch (round) {
	case DMEM_EVICT_ROUND_HIGH:
		/* cheap test first: most buffers are within their high */
		return dmem_above_high(root, evictee) &&
		       dmem_evict_valuable(root, evictee, false, NULL);
	case DMEM_EVICT_ROUND_UNPROTECTED:
		return dmem_evict_valuable(root, evictee, false, hit_low);
	case DMEM_EVICT_ROUND_LOW:
		return dmem_evict_valuable(root, evictee, true, hit_low);
	}
	return false;
}

enum dmem_alloc_evict dmem_alloc_evict_before_fallback(struct dmem_pool *pool)
{
	if (dmem_below_min(NULL, pool))
		return DMEM_ALLOC_EVICT_ANY;
	if (dmem_below_low(NULL, pool))
		return DMEM_ALLOC_EVICT_UNPROTECTED;
	return DMEM_ALLOC_EVICT_NONE;
}
