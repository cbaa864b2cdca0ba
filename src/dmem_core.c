// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the pure core.
 *
 * Hierarchical byte counters with min/low/max/peak, effective protection
 * computed along the path from a root to a pool (O(depth)), regions,
 * lazily created per-cgroup pools and the dmem.* file formats.
 *
 * Semantics follow upstream kernel/cgroup/dmem.c (6.14, plus the 7.3
 * protection helpers) and mm/page_counter.c (6.11+, recursive protection);
 * the code is our own.
 *
 * Lifetime and locking
 * --------------------
 * dmem_lock (a spinlock, never held while sleeping or while calling back
 * into the glue) protects the region list and every pool list.  Readers
 * walk the lists under RCU; objects are freed with kfree_rcu().
 *
 * References on a pool: the "list reference", one per child pool, plus
 * the callers' own.  A pool holds references on its parent pool, its
 * region and its cgroup, so a pool keeps its whole ancestry alive.  Pools
 * are unlinked (marked dead) when their cgroup goes offline or their region
 * is unregistered; the list reference is dropped once a dead pool's usage
 * is zero, by the unlinker or by the uncharge that brings usage to zero
 * (whoever sees both conditions; a flag makes sure it happens once).  So
 * charges keep a pool alive without costing a reference count operation
 * each: the hot path only reads the dead flag.  None of the release paths
 * takes dmem_lock, so uncharge may run in atomic context.
 */
#include "dmem_core.h"

/**
 * struct dmem_region - a device memory region (e.g. one VRAM manager).
 * @node: entry in dmem_regions (RCU).
 * @pools: every linked pool of this region (dmem_lock).
 * @ref: registration reference + one per pool + transient users.
 * @unregistered: set under dmem_lock by dmem_region_unregister().
 * @size: capacity in bytes.
 * @priv: the glue's cookie.
 * @rcu: deferred freeing.
 * @name: the name shown in the dmem.* files.
 */
struct dmem_region {
	struct list_head node;
	struct list_head pools;
	refcount_t ref;
	bool unregistered;
	u64 size;
	void *priv;
	struct rcu_head rcu;
	char name[DMEM_REGION_NAME_MAX];
};

/**
 * struct dmem_pool - the counter of one (cgroup, region) pair.
 * @cg: owning cgroup (referenced).
 * @region: region (referenced).
 * @parent: pool of the parent cgroup for the same region (referenced).
 * @cg_node: entry in @cg->pools (RCU).
 * @region_node: entry in @region->pools (dmem_lock).
 * @ref: see the top of this file.
 * @dead: unlinked (set once, under dmem_lock); charges now fail.
 * @list_ref_dropped: the list reference is gone (set once, atomically).
 * @usage: bytes charged here and below.
 * @min: configured dmem.min.
 * @low: configured dmem.low.
 * @max: configured dmem.max.
 * @peak: high-water mark of @usage.
 * @min_usage: this pool's protected usage, min(usage, min), as last
 *	propagated into the parent's @children_min_usage.
 * @low_usage: same for low.
 * @children_min_usage: sum of the children's @min_usage.
 * @children_low_usage: sum of the children's @low_usage.
 * @rcu: deferred freeing.
 */
struct dmem_pool {
	struct dmem_cg *cg;
	struct dmem_region *region;
	struct dmem_pool *parent;
	struct list_head cg_node;
	struct list_head region_node;
	refcount_t ref;
	bool dead;
	atomic_t list_ref_dropped;

	atomic64_t usage;
	u64 min;
	u64 low;
	u64 max;
	atomic64_t peak;
	atomic64_t min_usage;
	atomic64_t low_usage;
	atomic64_t children_min_usage;
	atomic64_t children_low_usage;

	struct rcu_head rcu;
};

static DEFINE_SPINLOCK(dmem_lock);
static LIST_HEAD(dmem_regions);

/* ---- cgroups ----------------------------------------------------------- */

void dmem_cg_init(struct dmem_cg *cg, struct dmem_cg *parent,
		  void (*release)(struct dmem_cg *cg))
{
	cg->parent = parent;
	INIT_LIST_HEAD(&cg->pools);
	refcount_set(&cg->ref, 1);
	cg->release = release;
	cg->offline = false;
	if (parent)
		dmem_cg_get(parent);
}

void dmem_cg_get(struct dmem_cg *cg)
{
	refcount_inc(&cg->ref);
}

void dmem_cg_put(struct dmem_cg *cg)
{
	while (cg && refcount_dec_and_test(&cg->ref)) {
		struct dmem_cg *parent = cg->parent;

		WARN_ON_ONCE(!list_empty(&cg->pools));
		if (cg->release)
			cg->release(cg);
		cg = parent;
	}
}

/* ---- regions ----------------------------------------------------------- */

void dmem_region_put(struct dmem_region *region)
{
	if (refcount_dec_and_test(&region->ref))
		kfree_rcu(region, rcu);
}

static bool dmem_region_name_valid(const char *name)
{
	size_t len = strnlen(name, DMEM_REGION_NAME_MAX);
	size_t i;

	if (len == 0 || len >= DMEM_REGION_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (c <= ' ' || c >= 0x7f)
			return false;
	}
	return true;
}

/* Caller holds dmem_lock or rcu_read_lock(). */
static struct dmem_region *dmem_region_lookup(const char *name, size_t len)
{
	struct dmem_region *region;

	list_for_each_entry_rcu(region, &dmem_regions, node) {
		if (strlen(region->name) == len &&
		    !memcmp(region->name, name, len))
			return region;
	}
	return NULL;
}

struct dmem_region *dmem_region_register(const char *name, u64 size,
					 void *priv)
{
	struct dmem_region *region;

	if (!name || !dmem_region_name_valid(name))
		return ERR_PTR(-EINVAL);

	region = kzalloc(sizeof(*region), GFP_KERNEL);
	if (!region)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&region->pools);
	refcount_set(&region->ref, 1);
	region->size = size;
	region->priv = priv;
	strscpy(region->name, name, sizeof(region->name));

	spin_lock(&dmem_lock);
	if (dmem_region_lookup(name, strlen(name))) {
		spin_unlock(&dmem_lock);
		kfree(region);
		return ERR_PTR(-EEXIST);
	}
	list_add_tail_rcu(&region->node, &dmem_regions);
	spin_unlock(&dmem_lock);
	return region;
}

static void dmem_pool_release_unlinked(struct list_head *list);
static void dmem_pool_reset_limits(struct dmem_pool *pool);
static void dmem_pool_get_ref(struct dmem_pool *pool);

/*
 * Unlink @pool from both lists onto @dead and mark it dead; dmem_lock held.
 * A temporary reference keeps it until dmem_pool_release_unlinked().
 */
static void dmem_pool_unlink(struct dmem_pool *pool, struct list_head *dead)
{
	list_del_rcu(&pool->cg_node);
	list_move_tail(&pool->region_node, dead);
	WRITE_ONCE(pool->dead, true);
	dmem_pool_get_ref(pool);
}

void dmem_region_unregister(struct dmem_region *region)
{
	struct dmem_pool *pool, *next;
	LIST_HEAD(dead);

	if (IS_ERR_OR_NULL(region))
		return;

	spin_lock(&dmem_lock);
	if (region->unregistered) {
		spin_unlock(&dmem_lock);
		return;
	}
	WRITE_ONCE(region->unregistered, true);
	list_del_rcu(&region->node);
	list_for_each_entry_safe(pool, next, &region->pools, region_node)
		dmem_pool_unlink(pool, &dead);
	spin_unlock(&dmem_lock);

	/* Pools with charges live on until their last uncharge. */
	dmem_pool_release_unlinked(&dead);
	dmem_region_put(region);
}

const char *dmem_region_name(const struct dmem_region *region)
{
	return region->name;
}

u64 dmem_region_size(const struct dmem_region *region)
{
	return region->size;
}

void *dmem_region_priv(const struct dmem_region *region)
{
	return region->priv;
}

/* ---- counters (page_counter semantics, in bytes) ---------------------- */

/*
 * Keep @pool's protected usage (@mine) and its parent's children sum (@sum)
 * in step with the pool's usage and @setting (min or low).  The common case
 * (no min/low configured, nothing propagated before) costs two plain loads
 * and no atomic read-modify-write; likewise when the protected value did
 * not change.
 *
 * page_counter publishes a value computed from a possibly stale usage, so
 * racing updates can leave a stale protected usage behind.  Here the
 * writer re-reads usage and setting after its exchange and repeats if they
 * moved: the last exchange is always followed by a check against the final
 * values, so at rest @mine == min(usage, setting) exactly.
 */
static void dmem_propagate_one(atomic64_t *mine, atomic64_t *sum,
			       const u64 *setting, atomic64_t *usage_ctr,
			       u64 usage)
{
	u64 set = READ_ONCE(*setting);
	u64 prot, old;

	if (!set && !atomic64_read(mine))
		return;
	prot = min(usage, set);
	while ((u64)atomic64_read(mine) != prot) {
		old = atomic64_xchg(mine, prot);
		if (prot != old)
			atomic64_add((s64)(prot - old), sum);
		set = READ_ONCE(*setting);
		prot = min_t(u64, atomic64_read(usage_ctr), set);
	}
}

static void dmem_propagate_protected(struct dmem_pool *pool, u64 usage)
{
	struct dmem_pool *parent = pool->parent;

	if (!parent)
		return;
	dmem_propagate_one(&pool->min_usage, &parent->children_min_usage,
			   &pool->min, &pool->usage, usage);
	dmem_propagate_one(&pool->low_usage, &parent->children_low_usage,
			   &pool->low, &pool->usage, usage);
}

static void dmem_pool_get_ref(struct dmem_pool *pool)
{
	refcount_inc(&pool->ref);
}

/* Drop the list reference of a dead pool, exactly once. */
static void dmem_pool_drop_list_ref(struct dmem_pool *pool)
{
	if (!atomic_xchg(&pool->list_ref_dropped, 1))
		dmem_pool_put(pool);
}

/* Remove @size from one level; returns true if usage dropped to zero. */
static bool dmem_level_uncharge(struct dmem_pool *pool, u64 size)
{
	s64 usage = atomic64_sub_return((s64)size, &pool->usage);

	if (WARN_ON_ONCE(usage < 0)) {
		/* Unbalanced uncharge: clamp like page_counter_cancel(). */
		atomic64_set(&pool->usage, 0);
		usage = 0;
	}
	dmem_propagate_protected(pool, usage);
	return usage == 0;
}

/*
 * Undo @size on one level.  If usage reached zero on a dead pool, its list
 * reference goes (the fully ordered atomic in dmem_level_uncharge() pairs
 * with the barrier in dmem_pool_release_unlinked(): at least one of us sees
 * both "dead" and "zero").  That may free @pool; its parent stays pinned
 * by the parent's own usage, which still includes @size.
 */
static void dmem_level_uncharge_release(struct dmem_pool *pool, u64 size)
{
	if (dmem_level_uncharge(pool, size) && READ_ONCE(pool->dead))
		dmem_pool_drop_list_ref(pool);
}

/* Undo @size on @pool and its ancestors below @stop. */
static void dmem_uncharge_levels(struct dmem_pool *pool,
				 struct dmem_pool *stop, u64 size)
{
	while (pool != stop) {
		struct dmem_pool *parent = pool->parent;

		dmem_level_uncharge_release(pool, size);
		pool = parent;
	}
}

int dmem_pool_try_charge(struct dmem_pool *pool, u64 size,
			 struct dmem_pool **limit_pool)
{
	struct dmem_pool *c;

	if (limit_pool)
		*limit_pool = NULL;
	if (!size)
		return 0;
	if (size > DMEM_COUNTER_MAX)
		size = DMEM_COUNTER_MAX;

	for (c = pool; c; c = c->parent) {
		s64 usage = atomic64_add_return((s64)size, &c->usage);

		/*
		 * A dead pool takes no new charges.  Checked after the fully
		 * ordered add: either we see the flag, or the unlinker sees
		 * our usage and leaves the list reference to our uncharge.
		 * Ancestors of a live pool are never dead.
		 */
		if (unlikely(c == pool && READ_ONCE(c->dead))) {
			dmem_level_uncharge_release(c, size);
			return -ENODEV;
		}
		/*
		 * Like page_counter_try_charge(): add first, then check; a
		 * racing charge may see the sum briefly above max and fail.
		 */
		if (unlikely((u64)usage > READ_ONCE(c->max))) {
			dmem_level_uncharge_release(c, size);
			dmem_uncharge_levels(pool, c, size);
			if (limit_pool) {
				dmem_pool_get_ref(c);
				*limit_pool = c;
			}
			return -EAGAIN;
		}
		dmem_propagate_protected(c, usage);
		if ((u64)usage > (u64)atomic64_read(&c->peak))
			atomic64_set(&c->peak, usage);
	}
	return 0;
}

void dmem_pool_uncharge(struct dmem_pool *pool, u64 size)
{
	if (!pool || !size)
		return;
	if (size > DMEM_COUNTER_MAX)
		size = DMEM_COUNTER_MAX;
	dmem_uncharge_levels(pool, NULL, size);
}

static u64 dmem_clamp(u64 val)
{
	return min_t(u64, val, DMEM_COUNTER_MAX);
}

static void dmem_pool_set_min(struct dmem_pool *pool, u64 val)
{
	WRITE_ONCE(pool->min, dmem_clamp(val));
	dmem_propagate_protected(pool, atomic64_read(&pool->usage));
}

static void dmem_pool_set_low(struct dmem_pool *pool, u64 val)
{
	WRITE_ONCE(pool->low, dmem_clamp(val));
	dmem_propagate_protected(pool, atomic64_read(&pool->usage));
}

/*
 * dmem.max below the current usage: as upstream 7.3 (and memory.max), the
 * new max is stored at once and the write succeeds; further charges fail
 * until usage drops.  Asking the driver to reclaim down to the new max is
 * the glue's business (it knows the region's TTM manager), not the core's.
 * Up to 7.2 upstream silently kept the old max instead.
 */
static void dmem_pool_set_max(struct dmem_pool *pool, u64 val)
{
	WRITE_ONCE(pool->max, dmem_clamp(val));
}

static void dmem_pool_reset_limits(struct dmem_pool *pool)
{
	dmem_pool_set_min(pool, 0);
	dmem_pool_set_low(pool, 0);
	dmem_pool_set_max(pool, DMEM_COUNTER_MAX);
}

/* ---- pools ------------------------------------------------------------- */

static void dmem_pool_free(struct dmem_pool *pool)
{
	dmem_region_put(pool->region);
	dmem_cg_put(pool->cg);
	kfree_rcu(pool, rcu);
}

void dmem_pool_put(struct dmem_pool *pool)
{
	while (pool && refcount_dec_and_test(&pool->ref)) {
		struct dmem_pool *parent = pool->parent;

		dmem_pool_free(pool);
		pool = parent;
	}
}

/*
 * Second half of unlinking, without dmem_lock: drop the list reference of
 * every pool that has no usage left (the others lose it with their last
 * uncharge), then the temporary reference dmem_pool_unlink() took.
 */
static void dmem_pool_release_unlinked(struct list_head *list)
{
	struct dmem_pool *pool, *next;

	list_for_each_entry_safe(pool, next, list, region_node) {
		INIT_LIST_HEAD(&pool->region_node);
		smp_mb();	/* dead before usage; pairs with the charge paths */
		if (!atomic64_read(&pool->usage))
			dmem_pool_drop_list_ref(pool);
		dmem_pool_put(pool);
	}
}

/* Caller holds rcu_read_lock() or dmem_lock. */
struct dmem_pool *dmem_pool_lookup(struct dmem_cg *cg,
				   struct dmem_region *region)
{
	struct dmem_pool *pool;

	list_for_each_entry_rcu(pool, &cg->pools, cg_node) {
		if (pool->region == region)
			return pool;
	}
	return NULL;
}

struct dmem_pool *dmem_pool_find(struct dmem_cg *cg,
				 struct dmem_region *region)
{
	struct dmem_pool *pool;

	rcu_read_lock();
	pool = dmem_pool_lookup(cg, region);
	if (pool && !refcount_inc_not_zero(&pool->ref))
		pool = NULL;
	rcu_read_unlock();
	return pool;
}

/* A new, unlinked pool of @cg for @region, without parent yet. */
static struct dmem_pool *dmem_pool_alloc(struct dmem_cg *cg,
					 struct dmem_region *region)
{
	struct dmem_pool *pool = kzalloc(sizeof(*pool), GFP_KERNEL);

	if (!pool)
		return NULL;
	pool->cg = cg;
	pool->region = region;
	INIT_LIST_HEAD(&pool->region_node);
	/* one for the lists, one for the child pool or the caller */
	refcount_set(&pool->ref, 2);
	pool->max = DMEM_COUNTER_MAX;
	return pool;
}

/* Free never-linked pools from @pool up to (excluding) @stop. */
static void dmem_pool_free_chain(struct dmem_pool *pool,
				 struct dmem_pool *stop)
{
	while (pool && pool != stop) {
		struct dmem_pool *parent = pool->parent;

		kfree(pool);
		pool = parent;
	}
}

/*
 * Allocate unlinked pools for @cg and its ancestors up to the first one
 * that has a pool of @region, each the parent of the one below.  That
 * existing pool (NULL if the chain reaches the root) is returned
 * referenced in *@parent and is the parent of the topmost new pool.
 * One walk up: O(depth).  Returns the bottom pool or ERR_PTR(-ENOMEM).
 */
static struct dmem_pool *dmem_pool_alloc_chain(struct dmem_cg *cg,
					       struct dmem_region *region,
					       struct dmem_pool **parent)
{
	struct dmem_pool *bottom = NULL, *prev = NULL, *pool;
	struct dmem_cg *c;

	*parent = NULL;
	for (c = cg; c; c = c->parent) {
		if (c != cg) {
			*parent = dmem_pool_find(c, region);
			if (*parent)
				break;
		}
		pool = dmem_pool_alloc(c, region);
		if (!pool) {
			/* *parent is NULL here: the walk did not find one */
			dmem_pool_free_chain(bottom, NULL);
			return ERR_PTR(-ENOMEM);
		}
		if (prev)
			prev->parent = pool;
		else
			bottom = pool;
		prev = pool;
	}
	prev->parent = *parent;
	return bottom;
}

/* Publish @pool (dmem_lock held); its parent is or will be linked too. */
static void dmem_pool_link(struct dmem_pool *pool)
{
	refcount_inc(&pool->region->ref);
	dmem_cg_get(pool->cg);
	list_add_tail(&pool->region_node, &pool->region->pools);
	list_add_tail_rcu(&pool->cg_node, &pool->cg->pools);
}

/*
 * Link the chain made by dmem_pool_alloc_chain() under one hold of
 * dmem_lock, in one walk: O(depth).  A racing creator may have linked
 * some of its pools meanwhile: the chain is cut below the lowest such
 * pool, which becomes the parent of the pools below it (or the result),
 * and the rest is freed.  Returns the referenced bottom pool, or
 * ERR_PTR(-ENODEV) (nothing linked) if the region or a cgroup went away.
 */
static struct dmem_pool *dmem_pool_link_chain(struct dmem_pool *bottom,
					      struct dmem_pool *parent,
					      struct dmem_region *region)
{
	struct dmem_pool *p, *prev = NULL, *old = NULL, *discard = NULL;
	struct dmem_pool *ret = bottom;

	spin_lock(&dmem_lock);
	for (p = bottom; p != parent; prev = p, p = p->parent) {
		if (region->unregistered || p->cg->offline) {
			ret = ERR_PTR(-ENODEV);
			discard = bottom;
			break;
		}
		old = dmem_pool_lookup(p->cg, region);
		if (old) {
			/* linked pools always hold their list reference */
			dmem_pool_get_ref(old);
			discard = p;
			if (prev)
				prev->parent = old;
			else
				ret = old;
			break;
		}
	}
	if (discard != bottom) {
		for (p = bottom; p != (discard ? old : parent); p = p->parent)
			dmem_pool_link(p);
	}
	spin_unlock(&dmem_lock);

	if (discard) {
		/* the topmost new pool did not keep its parent reference */
		dmem_pool_free_chain(discard, parent);
		dmem_pool_put(parent);
	}
	return ret;
}

/*
 * The pools of @cg's ancestors are created top-down in effect, but with
 * one walk up (allocation) and one under the lock (linking): O(depth) for
 * a fresh chain of any depth, no recursion.
 */
struct dmem_pool *dmem_pool_get(struct dmem_cg *cg, struct dmem_region *region)
{
	struct dmem_pool *pool, *parent;

	might_sleep();
	pool = dmem_pool_find(cg, region);
	if (pool)
		return pool;
	if (READ_ONCE(region->unregistered) || READ_ONCE(cg->offline))
		return ERR_PTR(-ENODEV);
	pool = dmem_pool_alloc_chain(cg, region, &parent);
	if (IS_ERR(pool))
		return pool;
	return dmem_pool_link_chain(pool, parent, region);
}

struct dmem_cg *dmem_pool_cg(const struct dmem_pool *pool)
{
	return pool->cg;
}

struct dmem_region *dmem_pool_region(const struct dmem_pool *pool)
{
	return pool->region;
}

struct dmem_pool *dmem_pool_parent(const struct dmem_pool *pool)
{
	return pool->parent;
}

void dmem_cg_offline(struct dmem_cg *cg)
{
	struct dmem_pool *pool, *next;
	LIST_HEAD(dead);

	spin_lock(&dmem_lock);
	WRITE_ONCE(cg->offline, true);
	list_for_each_entry_safe(pool, next, &cg->pools, cg_node) {
		dmem_pool_reset_limits(pool);
		dmem_pool_unlink(pool, &dead);
	}
	spin_unlock(&dmem_lock);
	dmem_pool_release_unlinked(&dead);
}

/* ---- effective protection --------------------------------------------- */

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
 * divisors are non-zero by the guarding comparisons.  Identical to
 * upstream's result wherever upstream's unsigned long arithmetic does not
 * wrap; saturated at U64_MAX where the exact result does not fit.
 */
static u64 dmem_effective_step(u64 usage, u64 parent_usage, u64 setting,
			       u64 parent_effective, u64 siblings_protected)
{
	u64 prot = min(usage, setting);
	u64 ep = prot;

	if (siblings_protected > parent_effective)
		return dmem_mul_div(prot, parent_effective, siblings_protected);

	if (parent_effective > siblings_protected &&
	    parent_usage > siblings_protected && usage > prot)
		ep = dmem_add_sat(ep,
				  dmem_mul_div(parent_effective - siblings_protected,
					       usage - prot,
					       parent_usage - siblings_protected));
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

/**
 * dmem_effective_min() - effective min of @pool relative to @root.
 * @root: an ancestor of @pool, or NULL for the topmost ancestor.
 * @pool: the pool.
 *
 * Return: the effective min; 0 when @pool is @root, @root is not an
 * ancestor, or @pool has no usage.
 */
u64 dmem_effective_min(struct dmem_pool *root, struct dmem_pool *pool)
{
	struct dmem_eff eff;

	if (!dmem_calc_protection(root, pool, &eff, NULL))
		return 0;
	return eff.min;
}

/* dmem_effective_low() - as dmem_effective_min(), for low. */
u64 dmem_effective_low(struct dmem_pool *root, struct dmem_pool *pool)
{
	struct dmem_eff eff;

	if (!dmem_calc_protection(root, pool, &eff, NULL))
		return 0;
	return eff.low;
}

/**
 * dmem_evict_valuable() - may a buffer charged to @test be evicted?
 * @limit: pool whose max was hit, or NULL (then @test's topmost ancestor
 *	is the root of the protection calculation).
 * @test: pool the candidate buffer is charged to.
 * @ignore_low: second pass, low protection no longer counts.
 * @hit_low: set to true when the answer is no only because of low.
 *
 * Rules of upstream dmem_cgroup_state_evict_valuable(): the limit pool
 * itself is always fair game; a limit in the root cgroup allows anything
 * (before protection is looked at, also when @test is protected); a pool
 * outside the limit's subtree is not a candidate; otherwise usage at or
 * below effective min protects, and so does effective low unless
 * @ignore_low.
 *
 * Return: true if the buffer may be evicted.
 */
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

/**
 * dmem_below_min() - is @pool's usage within its effective min?
 * @root: root of the calculation (an ancestor), NULL for the topmost.
 * @pool: pool to test.
 *
 * Return: false for @root itself and for top-level pools, as upstream.
 */
bool dmem_below_min(struct dmem_pool *root, struct dmem_pool *pool)
{
	return dmem_below(root, pool, false);
}

/** dmem_below_low() - as dmem_below_min(), for low. */
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

/**
 * dmem_common_ancestor() - nearest pool that is @a or @b or an ancestor of
 * both.
 * @a: a pool (referenced by the caller).
 * @b: another pool of the same region (referenced by the caller).
 *
 * Never allocates: both ancestries exist while @a and @b are alive.
 *
 * Return: the common ancestor, not referenced: each pool pins its parent,
 * so it lives as long as the caller holds @a or @b.  NULL if either is
 * NULL or they belong to different regions.
 */
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

/**
 * dmem_may_evict() - the whole dmem eviction decision for one buffer.
 * @limit: pool whose dmem.max the allocation hit, or NULL
 * @evictor: the allocating cgroup's pool, or NULL if unknown
 * @evictee: the pool the candidate buffer is charged to
 * @ignore_low: this is the retry that may take low-protected buffers
 * @hit_low: set when the answer is no only because of low protection
 *
 * With a limit pool, protection is computed relative to it (6.14).
 * Without one, relative to the common ancestor of @evictor and @evictee
 * (7.3), except that an ancestor which is the root pool means "relative to
 * the root" rather than 7.3's "always evictable": otherwise dmem.low and
 * dmem.min could never protect one top-level cgroup from another.
 *
 * Return: true if the buffer may be evicted.
 */
bool dmem_may_evict(struct dmem_pool *limit, struct dmem_pool *evictor,
		    struct dmem_pool *evictee, bool ignore_low, bool *hit_low)
{
	struct dmem_pool *root = limit;

	if (!root && evictor) {
		root = dmem_common_ancestor(evictor, evictee);
		if (root && !root->parent)
			root = NULL;
	}
	return dmem_evict_valuable(root, evictee, ignore_low, hit_low);
}

/**
 * dmem_alloc_evict_before_fallback() - 7.3 "aggressive protection".
 * @pool: the allocating cgroup's pool, with the new buffer charged
 *
 * An allocation that finds no room in its preferred placement normally
 * tries the next placement (VRAM -> GTT) before evicting anything.  One
 * whose cgroup is within its effective min may evict as a forced
 * allocation would (low-protected buffers on the retry, never min); one
 * within its effective low may evict only unprotected buffers.
 *
 * Return: what may be evicted before falling back.
 */
enum dmem_alloc_evict dmem_alloc_evict_before_fallback(struct dmem_pool *pool)
{
	if (dmem_below_min(NULL, pool))
		return DMEM_ALLOC_EVICT_ANY;
	if (dmem_below_low(NULL, pool))
		return DMEM_ALLOC_EVICT_UNPROTECTED;
	return DMEM_ALLOC_EVICT_NONE;
}

/* ---- services for the dmem.* file table (src/dmem_files.c) ----------- */

void dmem_walk_regions(void (*fn)(struct dmem_region *region, void *arg),
		       void *arg)
{
	struct dmem_region *region;

	rcu_read_lock();
	list_for_each_entry_rcu(region, &dmem_regions, node)
		fn(region, arg);
	rcu_read_unlock();
}

struct dmem_region *dmem_region_get_by_name(const char *name, size_t len)
{
	struct dmem_region *region;

	rcu_read_lock();
	region = dmem_region_lookup(name, len);
	if (region && !refcount_inc_not_zero(&region->ref))
		region = NULL;
	rcu_read_unlock();
	return region;
}

u64 dmem_pool_value(const struct dmem_pool *pool, enum dmem_pool_value value)
{
	switch (value) {
	case DMEM_POOL_CURRENT:
		return atomic64_read(&pool->usage);
	case DMEM_POOL_MIN:
		return READ_ONCE(pool->min);
	case DMEM_POOL_LOW:
		return READ_ONCE(pool->low);
	case DMEM_POOL_MAX:
		return READ_ONCE(pool->max);
	case DMEM_POOL_PEAK:
		return atomic64_read(&pool->peak);
	}
	return 0;
}

static void dmem_pool_set_limit(struct dmem_pool *pool,
				enum dmem_pool_value limit, u64 value)
{
	switch (limit) {
	case DMEM_POOL_MIN:
		dmem_pool_set_min(pool, value);
		break;
	case DMEM_POOL_LOW:
		dmem_pool_set_low(pool, value);
		break;
	case DMEM_POOL_MAX:
		dmem_pool_set_max(pool, value);
		break;
	default:
		break;
	}
}

int dmem_apply_limits(enum dmem_pool_value limit,
		      const struct dmem_limit_req *reqs, size_t n)
{
	size_t i;

	spin_lock(&dmem_lock);
	for (i = 0; i < n; i++) {
		if (reqs[i].region->unregistered) {
			spin_unlock(&dmem_lock);
			return -ENODEV;
		}
	}
	for (i = 0; i < n; i++)
		dmem_pool_set_limit(reqs[i].pool, limit, reqs[i].value);
	spin_unlock(&dmem_lock);
	return 0;
}

void dmem_core_exit(void)
{
	struct dmem_region *region;

	for (;;) {
		spin_lock(&dmem_lock);
		region = list_empty(&dmem_regions) ? NULL :
			 list_first_entry(&dmem_regions, struct dmem_region,
					  node);
		spin_unlock(&dmem_lock);
		if (!region)
			break;
		dmem_region_unregister(region);
	}
	rcu_barrier();
}
