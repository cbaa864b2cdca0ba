/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: the pure core.
 *
 * Hierarchical device-memory counters, effective protection, regions,
 * per-cgroup pools and the dmem.* file formats.  Nothing in here knows
 * about kernel versions, TTM or cgroupfs: the same sources build into the
 * module and into the userspace test library (see include/dmem_port.h).
 * The sources are listed in src/core.mk.
 *
 * Three objects, named after upstream's kernel/cgroup/dmem.c:
 *  - struct dmem_region (upstream struct dmem_cgroup_region): one device
 *    memory region, e.g. a VRAM manager, registered by the TTM glue;
 *  - struct dmem_cg (upstream struct dmemcg_state without its css): the
 *    core's node for one cgroup, embedded in the cgroup glue's own
 *    per-cgroup object;
 *  - struct dmem_pool (upstream struct dmem_cgroup_pool_state): the
 *    counters of one (cgroup, region) pair, created on first use.
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

/**
 * DMEM_COUNTER_MAX - the largest counter value; means "no limit".
 *
 * Same value as the kernel's PAGE_COUNTER_MAX on 64-bit with 4 KiB pages.
 * Limits are clamped to it and print as "max".
 */
#define DMEM_COUNTER_MAX	((u64)LONG_MAX / 4096)

/**
 * DMEM_REGION_NAME_MAX - size of a region name, terminating NUL included.
 */
#define DMEM_REGION_NAME_MAX	64

struct dmem_region;
struct dmem_pool;

/**
 * struct dmem_cg - the core's node for one cgroup.
 * @parent: node of the parent cgroup, NULL for the root.  The glue may
 *	read it; the other members are the core's.
 * @pools: the cgroup's linked pools (struct dmem_pool, RCU).
 * @ref: reference count: the glue's own, one per child node, one per pool.
 * @release: frees the glue's object when @ref drops to zero.
 * @offline: dmem_cg_offline() ran: no new pools.
 * @events_node: entry in the core's queue of cgroups whose dmem.events
 *	changed (see dmem_events_pop()).
 * @events_pending: DMEM_EVENTS_NOTIFY_* bits waiting for the glue, under
 *	the core's events lock; non-zero while queued (with a reference).
 *
 * Three different things, not to be confused:
 *  - struct cgroup is the kernel's cgroup; the core never sees it.
 *  - The cgroup glue keeps its per-cgroup state (struct dmem_cgstate in
 *    src/cgroup/state.h, one per struct cgroup that has dmem state) and
 *    embeds one struct dmem_cg in it, initialised with dmem_cg_init() and
 *    a @release that frees the glue's object; container_of() leads from
 *    the node back to it.  Upstream's equivalent is struct dmemcg_state,
 *    which embeds the css instead.
 *  - struct dmem_cg is that embedded node, all the core knows of a
 *    cgroup: its parent, its pools, a reference count.  The core's
 *    functions take and return struct dmem_cg, never the glue's type.
 *
 * A node holds a reference on its parent node, and each pool on its node,
 * so a node (and the glue object around it) outlives its children and
 * every charge made to it.
 */
struct dmem_cg {
	struct dmem_cg *parent;
	/* the rest is the core's: the glue never touches it */
	struct list_head pools;
	refcount_t ref;
	void (*release)(struct dmem_cg *cg);
	bool offline;
	struct list_head events_node;
	unsigned int events_pending;
};

/* ---- cgroups ---------------------------------------------------------- */

/**
 * dmem_cg_init() - initialise a cgroup node.
 * @cg: the node, embedded in the glue's per-cgroup object.
 * @parent: the parent cgroup's node, NULL for the root.
 * @release: called when the last reference is dropped, after the
 *	cgroup's pools are gone (from any context, never under the core's
 *	lock); frees the glue's object.  May be NULL.
 *
 * The node starts with one reference (the glue's) and takes one on
 * @parent.  Does not sleep.
 */
void dmem_cg_init(struct dmem_cg *cg, struct dmem_cg *parent,
		  void (*release)(struct dmem_cg *cg));

/**
 * dmem_cg_get() - take a reference on a cgroup node.
 * @cg: a node the caller already holds a reference on.
 */
void dmem_cg_get(struct dmem_cg *cg);

/**
 * dmem_cg_put() - drop a reference on a cgroup node.
 * @cg: the node, or NULL (nothing happens).
 *
 * The last reference calls @cg's release function and drops the
 * reference on the parent, iteratively (no recursion at any depth).
 * Any context.
 */
void dmem_cg_put(struct dmem_cg *cg);

/**
 * dmem_cg_offline() - the cgroup was removed (rmdir).
 * @cg: the cgroup's node.
 *
 * Resets every pool's min/low to 0 and high/max to max.  Charges stay until
 * their buffers are freed.  The pools are unlinked (dmem_pool_find() finds
 * none, dmem_pool_get() returns -ENODEV, dmem_show() prints defaults);
 * call it once, before the glue's final dmem_cg_put().  Pools hold
 * references on their cgroup, so its release function runs only after
 * the last charge of the cgroup is gone.  Does not sleep.
 */
void dmem_cg_offline(struct dmem_cg *cg);

/* ---- regions ---------------------------------------------------------- */

/**
 * dmem_region_register() - add a region.
 * @name: 1..DMEM_REGION_NAME_MAX-1 printable characters without white
 *	space (copied).
 * @size: capacity in bytes (dmem.capacity).
 * @priv: the glue's cookie, returned by dmem_region_priv().
 *
 * The region appears in every dmem.* file, in registration order.
 * May sleep.
 *
 * Return: the region, ERR_PTR(-EEXIST) for a name in use,
 * ERR_PTR(-EINVAL) for a bad name, or ERR_PTR(-ENOMEM).
 */
struct dmem_region *dmem_region_register(const char *name, u64 size,
					 void *priv);

/**
 * dmem_region_unregister() - remove a region.
 * @region: a region from dmem_region_register(); NULL, an ERR_PTR and a
 *	second call are ignored.
 *
 * The region disappears from every file at once and cannot be charged
 * any more; pools with outstanding charges stay valid until their last
 * uncharge, then the region and its pools are freed.  Safe against
 * concurrent readers and writers (a write racing with it fails with
 * -ENODEV).  May sleep.
 */
void dmem_region_unregister(struct dmem_region *region);

/**
 * dmem_region_name() - the name a region was registered with.
 * @region: the region.
 *
 * Return: the NUL-terminated name, valid as long as @region is.
 */
const char *dmem_region_name(const struct dmem_region *region);

/**
 * dmem_region_size() - the capacity a region was registered with.
 * @region: the region.
 *
 * Return: the size in bytes.
 */
u64 dmem_region_size(const struct dmem_region *region);

/**
 * dmem_region_priv() - the glue's cookie of a region.
 * @region: the region.
 *
 * Return: the @priv given to dmem_region_register().
 */
void *dmem_region_priv(const struct dmem_region *region);

/* ---- pools ------------------------------------------------------------ */

/**
 * dmem_pool_get() - the pool of a (cgroup, region) pair, created if missing.
 * @cg: the cgroup's node (the caller holds a reference).
 * @region: the region (registered, or the call fails).
 *
 * A missing pool is created with its ancestors' missing pools: O(depth)
 * at any depth, no recursion.  May sleep.
 *
 * Return: a referenced pool (drop it with dmem_pool_put()),
 * ERR_PTR(-ENODEV) if the region is unregistered or the cgroup offline,
 * or ERR_PTR(-ENOMEM).
 */
struct dmem_pool *dmem_pool_get(struct dmem_cg *cg, struct dmem_region *region);

/**
 * dmem_pool_find() - the pool of a (cgroup, region) pair, if it exists.
 * @cg: the cgroup's node.
 * @region: the region.
 *
 * Like dmem_pool_get() but never creates.  Lock-free, does not sleep.
 *
 * Return: a referenced pool (drop it with dmem_pool_put()), or NULL.
 */
struct dmem_pool *dmem_pool_find(struct dmem_cg *cg,
				 struct dmem_region *region);

/**
 * dmem_pool_find_rcu() - dmem_pool_find() for a caller inside an RCU
 * read-side section (no nested one: on preemptible-RCU kernels each is a
 * call in and a call out).
 * @cg: the cgroup's node.
 * @region: the region.
 *
 * Return: a referenced pool (drop it with dmem_pool_put()), or NULL.
 */
struct dmem_pool *dmem_pool_find_rcu(struct dmem_cg *cg,
				     struct dmem_region *region);

/**
 * dmem_pool_put() - drop a reference on a pool.
 * @pool: the pool, or NULL (nothing happens).
 *
 * The last reference frees the pool and drops its references on the
 * parent pool, the region and the cgroup node.  Any context.
 */
void dmem_pool_put(struct dmem_pool *pool);

/**
 * dmem_pool_cg() - the cgroup a pool counts for.
 * @pool: the pool.
 *
 * Return: the cgroup's node (not referenced: @pool holds a reference).
 */
struct dmem_cg *dmem_pool_cg(const struct dmem_pool *pool);

/**
 * dmem_pool_region() - the region a pool counts in.
 * @pool: the pool.
 *
 * Return: the region (not referenced: @pool holds a reference).
 */
struct dmem_region *dmem_pool_region(const struct dmem_pool *pool);

/**
 * dmem_pool_parent() - the pool of the parent cgroup in the same region.
 * @pool: the pool.
 *
 * Return: the parent pool (not referenced: @pool holds a reference), NULL
 * for the root cgroup's pool.
 */
struct dmem_pool *dmem_pool_parent(const struct dmem_pool *pool);

/**
 * dmem_pool_try_charge() - charge bytes to a pool and its ancestors.
 * @pool: the pool (the caller holds a reference during the call).
 * @size: bytes; 0 charges nothing, more than DMEM_COUNTER_MAX is clamped.
 * @limit_pool: NULL, or where to return the pool whose max was hit.
 *
 * On -EAGAIN nothing is charged and, if @limit_pool is not NULL,
 * *@limit_pool is the referenced pool whose max was hit (drop it with
 * dmem_pool_put()); otherwise *@limit_pool is set to NULL.  A successful
 * charge keeps @pool alive until the matching uncharge (without a
 * reference count operation per charge).  Lock-free, does not sleep.
 *
 * Return: 0; -EAGAIN when a max would be exceeded; -ENODEV (nothing
 * charged, no limit pool) if @pool is dead: its region was unregistered
 * or its cgroup went offline.
 */
int dmem_pool_try_charge(struct dmem_pool *pool, u64 size,
			 struct dmem_pool **limit_pool);

/**
 * dmem_pool_uncharge() - undo a successful charge.
 * @pool: the pool given to dmem_pool_try_charge(), or NULL (nothing
 *	happens).
 * @size: the same size.
 *
 * Lock-free, does not sleep, may free @pool (and, after an unregister or
 * offline, its ancestors) when this was the last charge: do not touch
 * @pool afterwards unless you hold your own reference.
 */
void dmem_pool_uncharge(struct dmem_pool *pool, u64 size);

/* ---- protection (mainline 6.14 + 7.3 semantics, O(depth)) ------------- */

/*
 * All of these take pools the caller holds (a reference, or a charge that
 * keeps them alive), never allocate or sleep, and are total: any counter
 * values (a child's usage above its parent's in the middle of a charge
 * included) give a result, computed in O(depth) at any depth with a fixed
 * stack.
 */

/**
 * dmem_evict_valuable() - may a buffer be evicted for an allocation?
 * @limit: the pool whose max the allocation hit, or NULL: no limit pool,
 *	protection is computed relative to @test's top-level ancestor.
 * @test: the pool the candidate buffer is charged to.
 * @ignore_low: the retry that may take low-protected buffers.
 * @hit_low: NULL, or set to true when the answer is no only because of
 *	low protection (never cleared).
 *
 * Rules as upstream dmem_cgroup_state_evict_valuable(): @limit itself is
 * always fair game; a limit in the root cgroup allows anything (before
 * protection is looked at, also when @test is protected); a pool outside
 * @limit's subtree is not a candidate; otherwise usage at or
 * below effective min protects, and so does effective low unless
 * @ignore_low.
 *
 * Return: true if the buffer may be evicted.
 */
bool dmem_evict_valuable(struct dmem_pool *limit, struct dmem_pool *test,
			 bool ignore_low, bool *hit_low);

/**
 * dmem_below_min() - is a pool's usage within its effective min?
 * @root: the root of the calculation (an ancestor of @pool), NULL for the
 *	topmost ancestor.
 * @pool: the pool, or NULL.
 *
 * Return: true if @pool's usage is at most its effective min relative to
 * @root; false for NULL, for @root itself and for top-level pools, as
 * upstream.
 */
bool dmem_below_min(struct dmem_pool *root, struct dmem_pool *pool);

/**
 * dmem_below_low() - is a pool's usage within its effective low?
 * @root: the root of the calculation (an ancestor of @pool), NULL for the
 *	topmost ancestor.
 * @pool: the pool, or NULL.
 *
 * Return: as dmem_below_min(), for low.
 */
bool dmem_below_low(struct dmem_pool *root, struct dmem_pool *pool);

/**
 * dmem_may_evict() - the whole dmem eviction decision for one buffer.
 * @limit: the pool whose dmem.max the allocation hit, or NULL.
 * @evictor: the allocating cgroup's pool, or NULL if unknown.
 * @evictee: the pool the candidate buffer is charged to.
 * @ignore_low: the retry that may take low-protected buffers.
 * @hit_low: NULL, or set to true when the answer is no only because of
 *	low protection.
 *
 * dmem_evict_valuable() with the root of the protection computation
 * chosen as TTM needs it: @limit if the allocation hit a dmem.max, else
 * the common ancestor of @evictor and @evictee (7.3).  An ancestor that
 * is the root pool means "relative to the root" rather than 7.3's
 * "always evictable" (documented deviation: otherwise dmem.low and
 * dmem.min could never protect one top-level cgroup from another).
 *
 * Return: true if the buffer may be evicted.
 */
bool dmem_may_evict(struct dmem_pool *limit, struct dmem_pool *evictor,
		    struct dmem_pool *evictee, bool ignore_low, bool *hit_low);

/**
 * enum dmem_alloc_evict - what an allocation may evict before falling back.
 * @DMEM_ALLOC_EVICT_NONE: nothing: try the next placement first.
 * @DMEM_ALLOC_EVICT_UNPROTECTED: only unprotected buffers (the cgroup is
 *	within its effective low).
 * @DMEM_ALLOC_EVICT_ANY: as a forced allocation would (the cgroup is
 *	within its effective min).
 *
 * For an allocation that found no room in its preferred placement (7.3
 * aggressive protection).
 */
enum dmem_alloc_evict {
	DMEM_ALLOC_EVICT_NONE,
	DMEM_ALLOC_EVICT_UNPROTECTED,
	DMEM_ALLOC_EVICT_ANY,
};

/**
 * dmem_alloc_evict_before_fallback() - 7.3 "aggressive protection".
 * @pool: the allocating cgroup's pool, with the new buffer charged.
 *
 * An allocation that finds no room in its preferred placement normally
 * tries the next placement (VRAM -> GTT) before evicting anything.  One
 * whose cgroup is within its effective min may evict as a forced
 * allocation would (low-protected buffers on the retry, never min); one
 * within its effective low may evict only unprotected buffers.
 *
 * Return: what the allocation may evict before it falls back to its next
 * placement (see enum dmem_alloc_evict).
 */
enum dmem_alloc_evict dmem_alloc_evict_before_fallback(struct dmem_pool *pool);

/* ---- is anything limited or protected? -------------------------------- */

/* Internal to the core: read through dmem_any_limit_set() only. */
extern atomic_t dmem_limits_set;

/**
 * dmem_any_limit_set() - is any limit of any pool away from its default?
 *
 * True while some pool, in any region, has a dmem.min or dmem.low above 0
 * or a dmem.high or dmem.max below "max" (a pool being freed counts until
 * it is freed).  While it is false no charge can fail for a limit and no
 * buffer is protected or above its high, so an allocation needs no
 * eviction context: the TTM glue skips the scope of its allocation entry
 * points.  One atomic read of a count that only limit writes and pool
 * frees change.
 *
 * Return: true if some limit is set.
 */
static inline bool dmem_any_limit_set(void)
{
	return atomic_read(&dmem_limits_set) != 0;
}

/* ---- dmem.high: preferential eviction (beyond upstream) --------------- */

/**
 * dmem_region_any_above_high() - is any pool of a region above its high?
 * @region: the region.
 *
 * One atomic read of a count that charge, uncharge and dmem.high writes
 * keep; exact when no charge or write is in flight, possibly stale by
 * one transition while one is.  Lets eviction skip its first pass
 * (buffers above high) at no cost when nobody is above high.
 *
 * Return: true if at least one pool's usage is above its dmem.high.
 */
bool dmem_region_any_above_high(const struct dmem_region *region);

/**
 * dmem_above_high() - is a pool, or an ancestor below a root, above its
 * high?
 * @root: the root of the eviction decision (the limit pool or the common
 *	ancestor, as dmem_may_evict() picks it), NULL for the topmost
 *	ancestor.  Ancestors from @root up are not looked at: being above
 *	their high does not set their candidates apart from each other.
 * @pool: the pool a buffer is charged to, or NULL.
 *
 * Hierarchical like memory.high: a buffer counts as above high when its
 * own cgroup (also when that is @root: a cgroup above its high that
 * evicts for itself puts its own buffers first) or any cgroup between it
 * and @root has usage > dmem.high.  O(depth), no allocation, lock-free.
 *
 * Return: true if @pool, or an ancestor of @pool strictly below @root, is
 * above its high; false for NULL.
 */
bool dmem_above_high(struct dmem_pool *root, struct dmem_pool *pool);

/**
 * enum dmem_evict_round - the passes of an eviction, in order.
 * @DMEM_EVICT_ROUND_HIGH: buffers above their high (dmem_above_high())
 *	that round @DMEM_EVICT_ROUND_UNPROTECTED would take too: it only
 *	reorders, it never takes a buffer that min or low protects.  Run
 *	only when dmem_region_any_above_high().
 * @DMEM_EVICT_ROUND_UNPROTECTED: buffers not protected by min or low.
 * @DMEM_EVICT_ROUND_LOW: the retry after a buffer was skipped only for
 *	low: low-protected buffers too.  dmem.min is never crossed.
 */
enum dmem_evict_round {
	DMEM_EVICT_ROUND_HIGH,
	DMEM_EVICT_ROUND_UNPROTECTED,
	DMEM_EVICT_ROUND_LOW,
};

/**
 * dmem_may_evict_round() - dmem_may_evict() for one round of the
 * three-round order.
 * @limit: the pool whose dmem.max the allocation hit, or NULL.
 * @evictor: the allocating cgroup's pool, or NULL if unknown.
 * @evictee: the pool the candidate buffer is charged to.
 * @round: the round (enum dmem_evict_round).
 * @hit_low: NULL, or set to true when the answer is no only because of
 *	low protection (never set in @DMEM_EVICT_ROUND_HIGH).
 *
 * Root of the decision as dmem_may_evict(); @DMEM_EVICT_ROUND_HIGH adds
 * dmem_above_high() relative to that root.
 *
 * Return: true if the buffer may be evicted in @round.
 */
bool dmem_may_evict_round(struct dmem_pool *limit, struct dmem_pool *evictor,
			  struct dmem_pool *evictee,
			  enum dmem_evict_round round, bool *hit_low);

/**
 * dmem_common_ancestor() - nearest pool that is @a, @b or an ancestor of
 * both.
 * @a: a pool.
 * @b: another pool, of the same region.
 *
 * As 7.3 dmem_cgroup_get_common_ancestor(), but the result is not
 * referenced: it is an ancestor of both, so it stays valid as long as the
 * caller holds @a or @b.
 *
 * Return: the common ancestor, or NULL if either is NULL or the regions
 * differ.
 */
struct dmem_pool *dmem_common_ancestor(struct dmem_pool *a,
				       struct dmem_pool *b);

/**
 * dmem_effective_min() - effective min of a pool relative to a root.
 * @root: an ancestor of @pool, NULL for the topmost ancestor.
 * @pool: the pool.
 *
 * Saturated at U64_MAX where the exact value does not fit in 64 bits;
 * bit-identical to upstream's unsigned long arithmetic wherever that does
 * not wrap.
 *
 * Return: the effective min in bytes; 0 when @pool is @root, @root is not
 * an ancestor of @pool, or @pool has no usage.
 */
u64 dmem_effective_min(struct dmem_pool *root, struct dmem_pool *pool);

/**
 * dmem_effective_low() - effective low of a pool relative to a root.
 * @root: an ancestor of @pool, NULL for the topmost ancestor.
 * @pool: the pool.
 *
 * Return: as dmem_effective_min(), for low.
 */
u64 dmem_effective_low(struct dmem_pool *root, struct dmem_pool *pool);

/* ---- events (dmem.events, dmem.events.local) -------------------------- */

/**
 * enum dmem_event - what dmem.events counts, per pool.
 * @DMEM_EVENT_LOW: a buffer of the pool was evicted although its usage was
 *	within its effective low (on the retry that ignores low).
 * @DMEM_EVENT_HIGH: a charge left the pool's usage above its dmem.high
 *	(counted for every such charge, as memcg counts MEMCG_HIGH).
 * @DMEM_EVENT_MAX: a charge failed on the pool's dmem.max (counted on the
 *	pool whose max was hit, as memcg counts MEMCG_MAX).
 * @DMEM_EVENT_EVICTED: bytes of the pool's buffers that eviction took.
 * @DMEM_EVENT_COUNT: number of events.
 *
 * Every event is counted in the pool where it happened ("local") and in
 * that pool and each of its ancestors ("hierarchical"), at the time it
 * happens: the hierarchical counts of a parent keep the events of a child
 * that was removed since.  Counters are 64-bit and saturate at U64_MAX.
 */
enum dmem_event {
	DMEM_EVENT_LOW,
	DMEM_EVENT_HIGH,
	DMEM_EVENT_MAX,
	DMEM_EVENT_EVICTED,
	DMEM_EVENT_COUNT
};

/* dmem_events_pop() bits: which files of a cgroup changed. */
#define DMEM_EVENTS_NOTIFY_LOCAL	0x1u	/* its dmem.events.local */
#define DMEM_EVENTS_NOTIFY_TREE		0x2u	/* its and its ancestors' dmem.events */

/**
 * dmem_pool_event() - read one event counter of a pool.
 * @pool: the pool.
 * @event: which event.
 * @local: the pool's own events only (dmem.events.local), else the
 *	pool's and its descendants' (dmem.events).
 *
 * Lock-free, does not sleep.
 *
 * Return: the count (bytes for DMEM_EVENT_EVICTED), 0 for a bad @event.
 */
u64 dmem_pool_event(const struct dmem_pool *pool, enum dmem_event event,
		    bool local);

/**
 * dmem_pool_count_event() - count @n occurrences of @event in @pool.
 * @pool: the pool the event happened in (the caller holds it: a
 *	reference, a charge, or an RCU read-side section on a pool found in
 *	the charge map).
 * @event: which event.
 * @n: how many (bytes for DMEM_EVENT_EVICTED); 0 counts nothing.
 *
 * Adds to @pool's local and hierarchical counters and to the hierarchical
 * counters of every ancestor (saturating), then queues @pool's cgroup for
 * notification.  O(depth), lock-free but for the queueing, does not sleep.
 *
 * Return: nothing.
 */
void dmem_pool_count_event(struct dmem_pool *pool, enum dmem_event event,
			   u64 n);

/**
 * dmem_pool_count_eviction() - count the eviction of one buffer.
 * @limit: the pool whose dmem.max the evicting allocation hit, or NULL.
 * @evictor: the evicting allocation's pool, or NULL.
 * @evictee: the pool the evicted buffer is charged to.
 * @ignore_low: the eviction happened on the retry that ignores low.
 * @bytes: the buffer's size.
 *
 * Counts @bytes as DMEM_EVENT_EVICTED in @evictee and, if @ignore_low and
 * dmem_may_evict() would have refused the buffer without it (its usage is
 * within its effective low), one DMEM_EVENT_LOW.  Same context rules as
 * dmem_pool_count_event().
 *
 * Return: nothing.
 */
void dmem_pool_count_eviction(struct dmem_pool *limit,
			      struct dmem_pool *evictor,
			      struct dmem_pool *evictee, bool ignore_low,
			      u64 bytes);

/**
 * dmem_events_set_kick() - who to tell that a cgroup was queued.
 * @kick: called (any context but hard IRQ, possibly under the caller's
 *	locks: it must only schedule work) when a cgroup enters the queue of
 *	dmem_events_pop(); NULL: nothing is queued any more.
 *
 * Without a kick (the default) events are counted but no cgroup is ever
 * queued.  The glue sets it at init and clears it at exit, when nothing
 * can count events any more, then drains the queue.
 *
 * Return: nothing.
 */
void dmem_events_set_kick(void (*kick)(void));

/**
 * dmem_events_pop() - take one cgroup off the notification queue.
 * @what: set to its DMEM_EVENTS_NOTIFY_* bits.
 *
 * A cgroup is queued once however many events it gets until it is
 * popped (coalesced); the queue holds a reference on it, which the
 * caller now owns (drop it with dmem_cg_put()).  Does not sleep.
 *
 * Return: the cgroup, or NULL if the queue is empty.
 */
struct dmem_cg *dmem_events_pop(unsigned int *what);

/* ---- pool values (the dmem.* files show them) ------------------------ */

/**
 * enum dmem_pool_value - the values a pool keeps, for dmem_pool_value().
 * @DMEM_POOL_CURRENT: bytes charged to the pool and its descendants.
 * @DMEM_POOL_MIN: configured min (a limit: dmem_apply_limits() sets it).
 * @DMEM_POOL_LOW: configured low (a limit).
 * @DMEM_POOL_MAX: configured max (a limit).
 * @DMEM_POOL_PEAK: high-water mark of @DMEM_POOL_CURRENT.
 * @DMEM_POOL_HIGH: configured high (a limit; soft: never fails a charge,
 *	makes the pool's buffers go first under pressure).
 */
enum dmem_pool_value {
	DMEM_POOL_CURRENT,
	DMEM_POOL_MIN,
	DMEM_POOL_LOW,
	DMEM_POOL_MAX,
	DMEM_POOL_PEAK,
	DMEM_POOL_HIGH,
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
 * dmem_core_exit() - free everything at module unload (no users left).
 *
 * Unregisters the regions the glue left registered (their pointers are
 * dead afterwards) and waits for deferred frees.  May sleep.
 */
void dmem_core_exit(void);

#endif /* DMEM_CORE_H */
