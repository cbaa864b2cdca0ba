/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: private declarations shared by the pure core's sources
 * (src/core.mk).  Not for the glue: it sees only include/dmem_core.h.
 *
 * The core's files: src/dmem_core.c (cgroups, regions, counters),
 * src/dmem_core_pool.c (pool lifetime), src/dmem_core_protect.c
 * (effective protection, eviction decisions) and the dmem.* file code.
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
#ifndef DMEM_CORE_INTERNAL_H
#define DMEM_CORE_INTERNAL_H

#include "dmem_core.h"

/**
 * struct dmem_region - a device memory region (e.g. one VRAM manager).
 * @node: entry in dmem_regions (RCU).
 * @pools: every linked pool of this region (dmem_lock).
 * @ref: registration reference + one per pool + transient users.
 * @unregistered: set under dmem_lock by dmem_region_unregister().
 * @size: capacity in bytes.
 * @priv: the glue's cookie.
 * @nr_above_high: number of this region's pools whose usage is above
 *	their dmem.high (exact at rest, see dmem_pool_sync_high()).
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
	atomic_t nr_above_high;
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
 * @limits_set: DMEM_LIMIT_SET_* bits of the limits away from their
 *	default, as counted in dmem_limits_set (dmem_lock).
 * @list_ref_dropped: the list reference is gone (set once, atomically).
 * @usage: bytes charged here and below.
 * @min: configured dmem.min.
 * @low: configured dmem.low.
 * @max: configured dmem.max.
 * @high: configured dmem.high (soft limit: never fails a charge).
 * @above_high: 1 while counted in @region's @nr_above_high (usage > @high).
 * @peak: high-water mark of @usage.
 * @min_usage: this pool's protected usage, min(usage, min), as last
 *	propagated into the parent's @children_min_usage.
 * @low_usage: same for low.
 * @children_min_usage: sum of the children's @min_usage.
 * @children_low_usage: sum of the children's @low_usage.
 * @events: event counters of this pool and its descendants (enum
 *	dmem_event, saturating; src/dmem_core_events.c).
 * @events_local: event counters of this pool only.
 * @rcu: deferred freeing.
 */
struct dmem_pool {
	/* read by every charge, written when a limit changes (64 bytes) */
	struct dmem_cg *cg;
	struct dmem_region *region;
	struct dmem_pool *parent;
	bool dead;
	u8 limits_set;
	u64 min;
	u64 low;
	u64 max;
	u64 high;

	/* written by every charge and uncharge here or below (64 bytes) */
	atomic64_t usage;
	refcount_t ref;
	atomic_t list_ref_dropped;
	atomic_t above_high;
	atomic64_t peak;
	atomic64_t min_usage;
	atomic64_t low_usage;
	atomic64_t children_min_usage;
	atomic64_t children_low_usage;

	/* read by lookups, written when a pool is linked or unlinked */
	struct list_head cg_node;
	struct list_head region_node;
	struct rcu_head rcu;
	atomic64_t events[DMEM_EVENT_COUNT];
	atomic64_t events_local[DMEM_EVENT_COUNT];
};

/* Protects the region list and every pool list (see above). */
extern spinlock_t dmem_lock;
/* Every registered region, in registration order (RCU, dmem_lock). */
extern struct list_head dmem_regions;

/**
 * dmem_clamp() - a limit value as stored.
 * @val: bytes.
 *
 * Return: @val, at most DMEM_COUNTER_MAX ("max").
 */
static inline u64 dmem_clamp(u64 val)
{
	return min_t(u64, val, DMEM_COUNTER_MAX);
}

/**
 * dmem_pool_get_ref() - take a reference on a pool known to be alive.
 * @pool: a pool the caller holds a reference on, or a linked pool under
 *	dmem_lock.
 */
static inline void dmem_pool_get_ref(struct dmem_pool *pool)
{
	refcount_inc(&pool->ref);
}

/* ---- src/dmem_core.c -------------------------------------------------- */

/**
 * dmem_region_put() - drop a reference on @region.
 * @region: a referenced region; freed (after RCU) with the last reference.
 */
void dmem_region_put(struct dmem_region *region);

/**
 * dmem_region_lookup() - the registered region called @name.
 * @name: the name, not necessarily NUL-terminated.
 * @len: length of @name.
 *
 * Caller holds dmem_lock or rcu_read_lock().
 *
 * Return: the region (not referenced), or NULL.
 */
struct dmem_region *dmem_region_lookup(const char *name, size_t len);

/**
 * dmem_pool_set_min() - store dmem.min and propagate protected usage.
 * @pool: the pool.
 * @val: bytes, clamped to DMEM_COUNTER_MAX.
 */
void dmem_pool_set_min(struct dmem_pool *pool, u64 val);

/**
 * dmem_pool_set_low() - store dmem.low and propagate protected usage.
 * @pool: the pool.
 * @val: bytes, clamped to DMEM_COUNTER_MAX.
 */
void dmem_pool_set_low(struct dmem_pool *pool, u64 val);

/**
 * dmem_pool_set_max() - store dmem.max (may be below the usage).
 * @pool: the pool.
 * @val: bytes, clamped to DMEM_COUNTER_MAX.
 */
void dmem_pool_set_max(struct dmem_pool *pool, u64 val);

/**
 * dmem_pool_set_high() - store dmem.high (may be below the usage) and
 * update the region's count of pools above their high.
 * @pool: the pool.
 * @val: bytes, clamped to DMEM_COUNTER_MAX.
 */
void dmem_pool_set_high(struct dmem_pool *pool, u64 val);

/* Bits of struct dmem_pool's limits_set: that limit is not its default. */
#define DMEM_LIMIT_SET_MIN	0x1
#define DMEM_LIMIT_SET_LOW	0x2
#define DMEM_LIMIT_SET_HIGH	0x4
#define DMEM_LIMIT_SET_MAX	0x8

/**
 * dmem_pool_forget_limits() - take @pool's limits out of dmem_limits_set.
 * @pool: a pool being freed (no other reference left).
 */
void dmem_pool_forget_limits(struct dmem_pool *pool);

/**
 * dmem_pool_reset_limits() - min and low to 0, high and max to "max".
 * @pool: the pool.
 */
void dmem_pool_reset_limits(struct dmem_pool *pool);

/**
 * dmem_pool_high_limit() - the value above which a charge counts a
 * DMEM_EVENT_HIGH.
 * @pool: the pool.
 *
 * Return: the pool's dmem.high.
 */
static inline u64 dmem_pool_high_limit(const struct dmem_pool *pool)
{
	return READ_ONCE(pool->high);
}

/* ---- src/dmem_core_events.c ------------------------------------------- */

/**
 * dmem_events_count_high() - count DMEM_EVENT_HIGH after a charge.
 * @pool: the charged pool; every level whose usage is now above its
 *	dmem.high counts one, local and hierarchical.
 */
void dmem_events_count_high(struct dmem_pool *pool);

/* ---- src/dmem_core_pool.c --------------------------------------------- */

/**
 * dmem_pool_lookup() - the linked pool of (@cg, @region).
 * @cg: the cgroup.
 * @region: the region.
 *
 * Caller holds rcu_read_lock() or dmem_lock.
 *
 * Return: the pool (not referenced), or NULL.
 */
struct dmem_pool *dmem_pool_lookup(struct dmem_cg *cg,
				   struct dmem_region *region);

/**
 * dmem_pool_unlink() - first half of unlinking a pool, under dmem_lock.
 * @pool: a linked pool.
 * @dead: list that collects the unlinked pools (through @region_node).
 *
 * Marks @pool dead and moves it to @dead with a temporary reference;
 * finish with dmem_pool_release_unlinked() after dropping dmem_lock.
 */
void dmem_pool_unlink(struct dmem_pool *pool, struct list_head *dead);

/**
 * dmem_pool_release_unlinked() - second half of unlinking, no lock held.
 * @list: the pools collected by dmem_pool_unlink().
 */
void dmem_pool_release_unlinked(struct list_head *list);

/**
 * dmem_pool_drop_list_ref() - drop the list reference of a dead pool.
 * @pool: a dead pool; only the first call drops the reference.
 */
void dmem_pool_drop_list_ref(struct dmem_pool *pool);

/* ---- for the dmem.* file table (src/dmem_files.c) -------------------- */

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
 * @limit: DMEM_POOL_MIN, DMEM_POOL_LOW, DMEM_POOL_HIGH or DMEM_POOL_MAX
 *	(others change nothing).
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

#endif /* DMEM_CORE_INTERNAL_H */
