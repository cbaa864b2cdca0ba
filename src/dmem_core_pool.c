// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the pure core: pool lifetime.
 *
 * A pool counts one (cgroup, region) pair.  Pools are created lazily
 * with their ancestors' (one walk up to allocate, one under dmem_lock to
 * link: O(depth), no recursion), found lock-free under RCU, unlinked when
 * their cgroup goes offline or their region is unregistered, and freed
 * after their last uncharge.  Rules: src/dmem_core_internal.h.  The
 * public functions are documented in include/dmem_core.h.
 */
#include "dmem_core_internal.h"

static void dmem_pool_free(struct dmem_pool *pool)
{
	/* the last reference: no setter can reach @pool any more */
	dmem_pool_forget_limits(pool);
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

/* Drop the list reference of a dead pool, exactly once. */
void dmem_pool_drop_list_ref(struct dmem_pool *pool)
{
	if (!atomic_xchg(&pool->list_ref_dropped, 1))
		dmem_pool_put(pool);
}

/*
 * Unlink @pool from both lists onto @dead and mark it dead; dmem_lock held.
 * A temporary reference keeps it until dmem_pool_release_unlinked().  It
 * is taken before "dead" is set: an uncharge that sees "dead" and zero
 * usage drops the list reference, which may be the last one, so setting
 * the flag first would leave us taking a reference on a freed pool.  The
 * barrier pairs with the fully ordered atomic between an uncharge's read
 * of the flag and its drop.
 */
void dmem_pool_unlink(struct dmem_pool *pool, struct list_head *dead)
{
	list_del_rcu(&pool->cg_node);
	list_move_tail(&pool->region_node, dead);
	dmem_pool_get_ref(pool);
	smp_mb();	/* reference before "dead" */
	WRITE_ONCE(pool->dead, true);
}

/*
 * Second half of unlinking, without dmem_lock: drop the list reference of
 * every pool that has no usage left (the others lose it with their last
 * uncharge), then the temporary reference dmem_pool_unlink() took.
 */
void dmem_pool_release_unlinked(struct list_head *list)
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
	pool = dmem_pool_find_rcu(cg, region);
	rcu_read_unlock();
	return pool;
}

struct dmem_pool *dmem_pool_find_rcu(struct dmem_cg *cg,
				     struct dmem_region *region)
{
	struct dmem_pool *pool = dmem_pool_lookup(cg, region);

	if (pool && !refcount_inc_not_zero(&pool->ref))
		pool = NULL;
	return pool;
}

/*
 * The fields every charge writes share one cache line, and the fields
 * every charge only reads share another: with a pool of at most 256 bytes
 * (kmalloc-256, whose objects are aligned to their size) the first two
 * 64-byte groups of struct dmem_pool are two whole lines, so CPUs charging
 * in one cgroup do not take the limits and links from each other.
 */
static_assert(offsetof(struct dmem_pool, usage) == 64);
static_assert(offsetof(struct dmem_pool, cg_node) == 128);
static_assert(sizeof(struct dmem_pool) <= 256 &&
	      sizeof(struct dmem_pool) > 128);

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
	pool->high = DMEM_COUNTER_MAX;
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
