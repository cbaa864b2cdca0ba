// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the pure core: cgroups, regions and the counters.
 *
 * Hierarchical byte counters with min/low/high/max/peak (charge, uncharge,
 * protected usage propagated into the parent's children sums), the
 * region list and the core's per-cgroup nodes.  The rest of the core:
 * src/dmem_core_pool.c (pool lifetime) and src/dmem_core_protect.c
 * (effective protection, eviction decisions); lifetime and locking rules
 * in src/dmem_core_internal.h; the list of the core's files in
 * src/core.mk.
 *
 * Semantics follow upstream kernel/cgroup/dmem.c (6.14, plus the 7.3
 * protection helpers) and mm/page_counter.c (6.11+, recursive protection);
 * the code is our own.  The public functions are documented in
 * include/dmem_core.h.
 */
#include "dmem_core_internal.h"

DEFINE_SPINLOCK(dmem_lock);
LIST_HEAD(dmem_regions);
/* Pools times limits set away from their default (see dmem_any_limit_set()). */
atomic_t dmem_limits_set;

/* ---- cgroups ----------------------------------------------------------- */

void dmem_cg_init(struct dmem_cg *cg, struct dmem_cg *parent,
		  void (*release)(struct dmem_cg *cg))
{
	cg->parent = parent;
	INIT_LIST_HEAD(&cg->pools);
	refcount_set(&cg->ref, 1);
	cg->release = release;
	cg->offline = false;
	INIT_LIST_HEAD(&cg->events_node);
	cg->events_pending = 0;
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
struct dmem_region *dmem_region_lookup(const char *name, size_t len)
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

/*
 * Keep @pool's above_high flag equal to (usage > high), and its region's
 * count of such pools equal to the number of flags set.  Same scheme as
 * dmem_propagate_one(): every writer of usage or high checks after its
 * write (fully ordered), a flag transition is one exchange that changed
 * the flag, paired with one change of the count, and the loop re-reads both values after each
 * transition, so at rest the flag and the count are exact.  Between two
 * writers the count may lag (a charge racing an uncharge): eviction only
 * uses it to skip a pass that could take nothing.
 */
static void dmem_pool_sync_high(struct dmem_pool *pool)
{
	int want, have;

	for (;;) {
		want = (u64)atomic64_read(&pool->usage) > READ_ONCE(pool->high);
		have = atomic_read(&pool->above_high);
		if (want == have)
			return;
		if (atomic_xchg(&pool->above_high, want) == want)
			continue;	/* a racing writer made that change */
		if (want)
			atomic_inc(&pool->region->nr_above_high);
		else
			atomic_dec(&pool->region->nr_above_high);
	}
}

/* The hot-path check: two plain loads unless the flag must change. */
static inline void dmem_check_high(struct dmem_pool *pool, u64 usage)
{
	bool above = usage > READ_ONCE(pool->high);

	if (above != !!atomic_read(&pool->above_high))
		dmem_pool_sync_high(pool);
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
	dmem_check_high(pool, usage);
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
	if (!dmem_level_uncharge(pool, size) || !READ_ONCE(pool->dead))
		return;
	/*
	 * Usage was zero when we subtracted, but a charge may have come in
	 * since and succeeded before "dead" was set (it read the flag before
	 * we did).  Drop the list reference only if usage is still zero now
	 * that we have seen "dead"; otherwise that charge's own last uncharge
	 * drops it.  Pairs with the fully ordered add of the charge paths.
	 */
	smp_mb();
	if (!atomic64_read(&pool->usage))
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
	bool above_high = false;
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
			dmem_pool_count_event(c, DMEM_EVENT_MAX, 1);
			if (limit_pool) {
				dmem_pool_get_ref(c);
				*limit_pool = c;
			}
			return -EAGAIN;
		}
		dmem_propagate_protected(c, usage);
		dmem_check_high(c, usage);
		if ((u64)usage > (u64)atomic64_read(&c->peak))
			atomic64_set(&c->peak, usage);
		above_high |= (u64)usage > dmem_pool_high_limit(c);
	}
	if (unlikely(above_high))
		dmem_events_count_high(pool);
	return 0;
}

void dmem_pool_uncharge(struct dmem_pool *pool, u64 size)
{
	if (!pool || !size)
		return;
	if (size > DMEM_COUNTER_MAX)
		size = DMEM_COUNTER_MAX;
	/*
	 * The caller holds no pool reference (only its usage kept the pool):
	 * once our subtraction is in, a racing uncharge or unlink may drop
	 * the dead pool's last reference while we still update its
	 * protection and high state.  Pools are freed with kfree_rcu().
	 */
	rcu_read_lock();
	dmem_uncharge_levels(pool, NULL, size);
	rcu_read_unlock();
}

/*
 * Keep dmem_limits_set: @bit of @pool->limits_set says whether that limit
 * of @pool is away from its default.  Setters run under dmem_lock (or in
 * a single-threaded test), so the pool's bits need no atomics.
 */
static void dmem_pool_note_limit(struct dmem_pool *pool, u8 bit, bool set)
{
	if (set == !!(pool->limits_set & bit))
		return;
	pool->limits_set ^= bit;
	if (set)
		atomic_inc(&dmem_limits_set);
	else
		atomic_dec(&dmem_limits_set);
}

void dmem_pool_forget_limits(struct dmem_pool *pool)
{
	while (pool->limits_set) {
		pool->limits_set &= pool->limits_set - 1;	/* lowest bit */
		atomic_dec(&dmem_limits_set);
	}
}

void dmem_pool_set_min(struct dmem_pool *pool, u64 val)
{
	WRITE_ONCE(pool->min, dmem_clamp(val));
	dmem_pool_note_limit(pool, DMEM_LIMIT_SET_MIN, val != 0);
	dmem_propagate_protected(pool, atomic64_read(&pool->usage));
}

void dmem_pool_set_low(struct dmem_pool *pool, u64 val)
{
	WRITE_ONCE(pool->low, dmem_clamp(val));
	dmem_pool_note_limit(pool, DMEM_LIMIT_SET_LOW, val != 0);
	dmem_propagate_protected(pool, atomic64_read(&pool->usage));
}

/*
 * dmem.max below the current usage: as upstream 7.3 (and memory.max), the
 * new max is stored at once and the write succeeds; further charges fail
 * until usage drops.  Asking the driver to reclaim down to the new max is
 * the glue's business (it knows the region's TTM manager), not the core's.
 * Up to 7.2 upstream silently kept the old max instead.
 */
void dmem_pool_set_max(struct dmem_pool *pool, u64 val)
{
	WRITE_ONCE(pool->max, dmem_clamp(val));
	dmem_pool_note_limit(pool, DMEM_LIMIT_SET_MAX,
			     dmem_clamp(val) != DMEM_COUNTER_MAX);
}

/*
 * dmem.high is a soft limit: it never fails a charge and nothing sleeps
 * for it.  Pools above it are taken first when their region is short of
 * room (dmem_may_evict_round()); the count of such pools lets eviction
 * skip that first pass when there are none.
 */
void dmem_pool_set_high(struct dmem_pool *pool, u64 val)
{
	WRITE_ONCE(pool->high, dmem_clamp(val));
	dmem_pool_note_limit(pool, DMEM_LIMIT_SET_HIGH,
			     dmem_clamp(val) != DMEM_COUNTER_MAX);
	smp_mb();	/* high before usage; pairs with the charge paths */
	dmem_pool_sync_high(pool);
}

void dmem_pool_reset_limits(struct dmem_pool *pool)
{
	dmem_pool_set_min(pool, 0);
	dmem_pool_set_low(pool, 0);
	dmem_pool_set_high(pool, DMEM_COUNTER_MAX);
	dmem_pool_set_max(pool, DMEM_COUNTER_MAX);
}

bool dmem_region_any_above_high(const struct dmem_region *region)
{
	return atomic_read(&region->nr_above_high) > 0;
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
	case DMEM_POOL_HIGH:
		return READ_ONCE(pool->high);
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
	case DMEM_POOL_HIGH:
		dmem_pool_set_high(pool, value);
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
