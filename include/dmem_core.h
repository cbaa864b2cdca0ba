/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: the pure core.
 *
 * Hierarchical device-memory counters, effective protection, regions,
 * per-cgroup pools and the dmem.* file formats.  Nothing in here knows
 * about kernel versions, TTM or cgroupfs: the same sources build into the
 * module and into the userspace test library (see include/dmem_port.h).
 *
 * All sizes are in bytes.  Values >= DMEM_COUNTER_MAX mean "no limit" and
 * print as "max", like upstream's PAGE_COUNTER_MAX.
 *
 * Locking: the core has one internal lock for the region list and for pool
 * creation; lookups are lock-free (RCU in the kernel).  Charge and uncharge
 * are lock-free.  Functions that may allocate are marked "may sleep".
 */
#ifndef DMEM_CORE_H
#define DMEM_CORE_H

#include "dmem_port.h"

/* Same value as the kernel's PAGE_COUNTER_MAX on 64-bit with 4 KiB pages. */
#define DMEM_COUNTER_MAX	((u64)LONG_MAX / 4096)
#define DMEM_REGION_NAME_MAX	64

struct dmem_region;
struct dmem_pool;

/**
 * struct dmem_cg - the core's view of one cgroup.
 * @parent: parent cgroup, NULL for the root.
 *
 * The glue embeds this in its own per-cgroup object; the other members are
 * private to the core.  A child holds a reference on its parent.
 */
struct dmem_cg {
	struct dmem_cg *parent;
	/* private: used by dmem_core.c only */
	struct list_head pools;		/* struct dmem_pool.cg_node */
	refcount_t ref;
	void (*release)(struct dmem_cg *cg);
	bool offline;
};

/* ---- cgroups ---------------------------------------------------------- */

/*
 * dmem_cg_init() - initialise @cg as a child of @parent (NULL for the root)
 * and take a reference on @parent.  @release is called (from any context,
 * never under the core lock) when the last reference is dropped, after the
 * cgroup's pools are gone; it frees the glue's object.
 */
void dmem_cg_init(struct dmem_cg *cg, struct dmem_cg *parent,
		  void (*release)(struct dmem_cg *cg));
void dmem_cg_get(struct dmem_cg *cg);
void dmem_cg_put(struct dmem_cg *cg);

/*
 * dmem_cg_offline() - the cgroup was removed (rmdir): reset every pool's
 * min/low to 0 and max to max.  Charges stay until their buffers are freed.
 * The pools are unlinked (dmem_pool_find() finds none, dmem_pool_get()
 * returns -ENODEV, dmem_show() prints defaults); call it once, before the
 * glue's final dmem_cg_put().  Pools hold references on their cgroup, so
 * @release runs only after the last charge of the cgroup is gone.
 */
void dmem_cg_offline(struct dmem_cg *cg);

/* ---- regions ---------------------------------------------------------- */

/*
 * dmem_region_register() - add a region (shown by every dmem.* file, in
 * registration order).  @name must be 1..DMEM_REGION_NAME_MAX-1 printable
 * characters without white space.  Returns ERR_PTR(-EEXIST) for a name in
 * use, -EINVAL for a bad name, -ENOMEM.  @priv is the glue's cookie.
 * May sleep.
 */
struct dmem_region *dmem_region_register(const char *name, u64 size,
					 void *priv);

/*
 * dmem_region_unregister() - remove a region.  It disappears from every
 * file at once and cannot be charged any more; pools with outstanding
 * charges stay valid until the last uncharge, then the region and its
 * pools are freed.  Safe against concurrent readers and writers (a write
 * racing with it fails with -ENODEV).  May sleep.
 */
void dmem_region_unregister(struct dmem_region *region);

const char *dmem_region_name(const struct dmem_region *region);
u64 dmem_region_size(const struct dmem_region *region);
void *dmem_region_priv(const struct dmem_region *region);

/* ---- pools ------------------------------------------------------------ */

/*
 * dmem_pool_get() - the pool of (@cg, @region), created with its ancestors'
 * pools if missing (O(depth) at any depth, no recursion).  Returns a
 * referenced pool, ERR_PTR(-ENODEV) if the region is unregistered,
 * ERR_PTR(-ENOMEM).  May sleep.
 */
struct dmem_pool *dmem_pool_get(struct dmem_cg *cg, struct dmem_region *region);

/* dmem_pool_find() - like dmem_pool_get() but never creates; NULL if none. */
struct dmem_pool *dmem_pool_find(struct dmem_cg *cg,
				 struct dmem_region *region);

void dmem_pool_put(struct dmem_pool *pool);
struct dmem_cg *dmem_pool_cg(const struct dmem_pool *pool);
struct dmem_region *dmem_pool_region(const struct dmem_pool *pool);
struct dmem_pool *dmem_pool_parent(const struct dmem_pool *pool);

/*
 * dmem_pool_try_charge() - charge @size bytes to @pool and its ancestors.
 * Returns 0, or -EAGAIN when a max would be exceeded; then nothing is
 * charged and, if @limit_pool is not NULL, *@limit_pool is the referenced
 * pool whose max was hit (drop it with dmem_pool_put()).  Returns -ENODEV
 * (nothing charged, no limit pool) if @pool is dead: its region was
 * unregistered or its cgroup went offline.  A successful charge keeps
 * @pool alive until the matching uncharge (without a reference count
 * operation per charge).  Lock-free, does not sleep.
 */
int dmem_pool_try_charge(struct dmem_pool *pool, u64 size,
			 struct dmem_pool **limit_pool);

/*
 * dmem_pool_uncharge() - undo a successful charge of @size.  Lock-free,
 * does not sleep, may free @pool (and, after an unregister or offline, its
 * ancestors) when this was the last charge: do not touch @pool afterwards
 * unless you hold your own reference.
 */
void dmem_pool_uncharge(struct dmem_pool *pool, u64 size);

/* ---- protection (mainline 6.14 + 7.3 semantics, O(depth)) ------------- */

/*
 * dmem_evict_valuable() - may a buffer charged to @test be evicted for an
 * allocation limited by @limit (NULL: no limit pool, the top-level
 * ancestor is used)?  Rules as upstream dmem_cgroup_state_evict_valuable().
 * Sets *@hit_low when the answer is no only because of low protection.
 */
bool dmem_evict_valuable(struct dmem_pool *limit, struct dmem_pool *test,
			 bool ignore_low, bool *hit_low);
bool dmem_below_min(struct dmem_pool *root, struct dmem_pool *pool);
bool dmem_below_low(struct dmem_pool *root, struct dmem_pool *pool);
/*
 * dmem_may_evict() - dmem_evict_valuable() with the root of the protection
 * computation chosen as TTM needs it: the limit pool if the allocation hit
 * a dmem.max, else the common ancestor of @evictor and @evictee (7.3); an
 * ancestor that is the root pool means "relative to the root" (documented
 * deviation: 7.3 would make every buffer of another top-level cgroup
 * evictable).
 */
bool dmem_may_evict(struct dmem_pool *limit, struct dmem_pool *evictor,
		    struct dmem_pool *evictee, bool ignore_low, bool *hit_low);

/*
 * What an allocation that found no room in its preferred placement may
 * evict before it falls back to the next one (7.3 aggressive protection):
 * nothing, only unprotected buffers (its cgroup is within its effective
 * low), or as a forced allocation would (within its effective min).
 */
enum dmem_alloc_evict {
	DMEM_ALLOC_EVICT_NONE,
	DMEM_ALLOC_EVICT_UNPROTECTED,
	DMEM_ALLOC_EVICT_ANY,
};

enum dmem_alloc_evict dmem_alloc_evict_before_fallback(struct dmem_pool *pool);
/*
 * dmem_common_ancestor() - nearest pool that is @a, @b or an ancestor of
 * both (7.3 dmem_cgroup_get_common_ancestor()).  NOT referenced (unlike
 * upstream): it is an ancestor of both, so it stays valid as long as the
 * caller holds @a or @b.  NULL if either is NULL or the regions differ.
 * Never allocates or sleeps.
 */
struct dmem_pool *dmem_common_ancestor(struct dmem_pool *a,
				       struct dmem_pool *b);
/*
 * Effective protection of @pool relative to @root (an ancestor, NULL: the
 * topmost).  0 when @pool == @root, @root is not an ancestor, or @pool has
 * no usage.  Does not sleep.  Total: any counter values (a child's usage
 * above its parent's in the middle of a charge included) give a result,
 * saturated at U64_MAX where the exact one does not fit in 64 bits;
 * bit-identical to upstream's unsigned long arithmetic wherever that does
 * not wrap.  O(depth) at any depth, fixed stack, no allocation.
 * below_min/below_low are false for @root itself and for top-level pools,
 * as upstream.
 */
u64 dmem_effective_min(struct dmem_pool *root, struct dmem_pool *pool);
u64 dmem_effective_low(struct dmem_pool *root, struct dmem_pool *pool);

/* ---- services for the dmem.* file table (src/dmem_files.c) ----------- */

/**
 * dmem_walk_regions() - call @fn for every registered region, in
 * registration order.
 * @fn: called under rcu_read_lock(): must not sleep; @region stays valid
 *	during the call only.
 * @arg: passed to @fn.
 *
 * Return: nothing.
 */
void dmem_walk_regions(void (*fn)(struct dmem_region *region, void *arg),
		       void *arg);

/**
 * dmem_region_get_by_name() - the registered region named by @len bytes
 * of @name.
 * @name: the name, not necessarily NUL-terminated.
 * @len: its length.
 *
 * Return: a referenced region (drop it with dmem_region_put()), or NULL if
 * no registered region has that name.
 */
struct dmem_region *dmem_region_get_by_name(const char *name, size_t len);

/**
 * dmem_region_put() - drop a reference taken by dmem_region_get_by_name().
 * @region: the region; freed (after RCU) with its last reference.
 *
 * Return: nothing.
 */
void dmem_region_put(struct dmem_region *region);

/**
 * dmem_pool_lookup() - the existing pool of (@cg, @region), not referenced.
 * @cg: the cgroup.
 * @region: the region.
 *
 * The caller holds rcu_read_lock() (the pool stays valid until it drops
 * it); dmem_pool_find() is the referenced variant.
 *
 * Return: the pool, or NULL if @cg has none for @region.
 */
struct dmem_pool *dmem_pool_lookup(struct dmem_cg *cg,
				   struct dmem_region *region);

/**
 * enum dmem_pool_value - the values a pool keeps, for dmem_pool_value().
 * @DMEM_POOL_CURRENT: bytes charged to the pool and its descendants.
 * @DMEM_POOL_MIN: configured min (a limit: dmem_apply_limits() sets it).
 * @DMEM_POOL_LOW: configured low (a limit).
 * @DMEM_POOL_MAX: configured max (a limit).
 * @DMEM_POOL_PEAK: high-water mark of @DMEM_POOL_CURRENT.
 */
enum dmem_pool_value {
	DMEM_POOL_CURRENT,
	DMEM_POOL_MIN,
	DMEM_POOL_LOW,
	DMEM_POOL_MAX,
	DMEM_POOL_PEAK,
};

/**
 * dmem_pool_value() - read one value of @pool.
 * @pool: the pool.
 * @value: which value.
 *
 * Lock-free, does not sleep.
 *
 * Return: the value in bytes (>= DMEM_COUNTER_MAX means "max").
 */
u64 dmem_pool_value(const struct dmem_pool *pool, enum dmem_pool_value value);

/**
 * struct dmem_limit_req - one limit to set, for dmem_apply_limits().
 * @region: the region (referenced by the caller).
 * @pool: the pool of the cgroup in @region (referenced by the caller).
 * @value: the new limit in bytes (clamped to DMEM_COUNTER_MAX).
 */
struct dmem_limit_req {
	struct dmem_region *region;
	struct dmem_pool *pool;
	u64 value;
};

/**
 * dmem_apply_limits() - set one limit in several pools, all or nothing.
 * @limit: DMEM_POOL_MIN, DMEM_POOL_LOW or DMEM_POOL_MAX (others change
 *	nothing).
 * @reqs: the requests.
 * @n: how many.
 *
 * Under the core lock, so that no region can be unregistered half-way.
 * Does not sleep.
 *
 * Return: 0, or -ENODEV (nothing changed) if a region of @reqs was
 * unregistered.
 */
int dmem_apply_limits(enum dmem_pool_value limit,
		      const struct dmem_limit_req *reqs, size_t n);

/*
 * dmem_core_exit() - free everything at module unload (no users left):
 * unregisters regions the glue left registered (their pointers are dead
 * afterwards) and waits for deferred frees.
 */
void dmem_core_exit(void);

#endif /* DMEM_CORE_H */
