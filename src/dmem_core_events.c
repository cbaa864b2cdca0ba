// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the pure core: event counters (dmem.events and
 * dmem.events.local) and the queue of cgroups whose counters changed.
 *
 * Counting, as memcg's memcg_memory_event(): an event in pool P adds to
 * P's local counter and to the hierarchical counter of P and of each of
 * its ancestors, at once.  So a parent's dmem.events keeps what happened
 * in a child that was removed since, and an event in a pool that is
 * already dead (a buffer of a removed cgroup evicted later) still counts
 * in its ancestors.  Counters are 64-bit, saturating at U64_MAX (a
 * compare-and-exchange loop: no wrap, no overflow).
 *
 * Notification: the core never calls into the kernel's cgroup code.  A
 * cgroup whose counters changed is put on a queue (once, with a
 * reference, its pending bits or-ed in) and the glue's kick is called;
 * the glue pops the queue from process context and wakes the readers of
 * the files (src/cgroup/events.c).  Without a kick nothing is queued.
 */
#include "dmem_core_internal.h"

static DEFINE_SPINLOCK(dmem_events_lock);
/* cgroups with pending notifications, through dmem_cg.events_node */
static LIST_HEAD(dmem_events_queue);
typedef void (*dmem_events_kick_fn)(void);
static dmem_events_kick_fn dmem_events_kick;

/* Add @n to @ctr, saturating at U64_MAX. */
static void dmem_event_add(atomic64_t *ctr, u64 n)
{
	s64 old = atomic64_read(ctr);
	u64 sum;

	do {
		sum = (u64)old + n;
		if (sum < (u64)old)
			sum = U64_MAX;
		if (sum == (u64)old)
			return;
	} while (!atomic64_try_cmpxchg(ctr, &old, (s64)sum));
}

/* Queue @cg for notification of @what; see dmem_events_pop(). */
static void dmem_events_queue_cg(struct dmem_cg *cg, unsigned int what)
{
	dmem_events_kick_fn kick = READ_ONCE(dmem_events_kick);
	bool added = false;

	if (!kick)
		return;
	/*
	 * Already queued for @what: the pop clears the bits before the glue
	 * wakes anybody, and our counts were added before this read.
	 */
	if ((READ_ONCE(cg->events_pending) & what) == what)
		return;
	spin_lock(&dmem_events_lock);
	if (!cg->events_pending) {
		/* a pool found under RCU may belong to a cgroup being freed */
		if (refcount_inc_not_zero(&cg->ref)) {
			list_add_tail(&cg->events_node, &dmem_events_queue);
			WRITE_ONCE(cg->events_pending, what);
			added = true;
		}
	} else {
		WRITE_ONCE(cg->events_pending, cg->events_pending | what);
	}
	spin_unlock(&dmem_events_lock);
	if (added)
		kick();
}

u64 dmem_pool_event(const struct dmem_pool *pool, enum dmem_event event,
		    bool local)
{
	if ((unsigned int)event >= DMEM_EVENT_COUNT)
		return 0;
	return (u64)atomic64_read(local ? &pool->events_local[event] :
					  &pool->events[event]);
}

/* Count @n[] in @pool (local) and along its ancestry (hierarchical). */
static void dmem_events_add_path(struct dmem_pool *pool,
				 const u64 n[DMEM_EVENT_COUNT])
{
	struct dmem_pool *p;
	unsigned int e;

	for (e = 0; e < DMEM_EVENT_COUNT; e++)
		if (n[e])
			dmem_event_add(&pool->events_local[e], n[e]);
	for (p = pool; p; p = p->parent)
		for (e = 0; e < DMEM_EVENT_COUNT; e++)
			if (n[e])
				dmem_event_add(&p->events[e], n[e]);
	dmem_events_queue_cg(pool->cg,
			     DMEM_EVENTS_NOTIFY_LOCAL | DMEM_EVENTS_NOTIFY_TREE);
}

void dmem_pool_count_event(struct dmem_pool *pool, enum dmem_event event,
			   u64 n)
{
	u64 counts[DMEM_EVENT_COUNT] = { 0 };

	if (!pool || (unsigned int)event >= DMEM_EVENT_COUNT || !n)
		return;
	counts[event] = n;
	dmem_events_add_path(pool, counts);
}

void dmem_pool_count_eviction(struct dmem_pool *limit,
			      struct dmem_pool *evictor,
			      struct dmem_pool *evictee, bool ignore_low,
			      u64 bytes)
{
	u64 counts[DMEM_EVENT_COUNT] = { 0 };

	if (!evictee)
		return;
	counts[DMEM_EVENT_EVICTED] = bytes;
	/* the retry differs from the first pass only by ignoring low */
	if (ignore_low &&
	    !dmem_may_evict(limit, evictor, evictee, false, NULL))
		counts[DMEM_EVENT_LOW] = 1;
	if (counts[DMEM_EVENT_EVICTED] || counts[DMEM_EVENT_LOW])
		dmem_events_add_path(evictee, counts);
}

/*
 * One walk whatever the number of levels above their high: a level's
 * hierarchical count grows by the number of levels at or below it (on
 * the charged path) that are above theirs.  The lowest such level wakes
 * the whole chain's dmem.events; each one its own dmem.events.local.
 */
void dmem_events_count_high(struct dmem_pool *pool)
{
	struct dmem_pool *p, *lowest = NULL;
	u64 above = 0;

	for (p = pool; p; p = p->parent) {
		if ((u64)atomic64_read(&p->usage) > dmem_pool_high_limit(p)) {
			dmem_event_add(&p->events_local[DMEM_EVENT_HIGH], 1);
			dmem_events_queue_cg(p->cg, DMEM_EVENTS_NOTIFY_LOCAL);
			if (!above++)
				lowest = p;
		}
		if (above)
			dmem_event_add(&p->events[DMEM_EVENT_HIGH], above);
	}
	/* after the whole chain's counts, for its readers */
	if (lowest)
		dmem_events_queue_cg(lowest->cg, DMEM_EVENTS_NOTIFY_TREE);
}

void dmem_events_set_kick(void (*kick)(void))
{
	WRITE_ONCE(dmem_events_kick, kick);
}

struct dmem_cg *dmem_events_pop(unsigned int *what)
{
	struct dmem_cg *cg = NULL;

	*what = 0;
	spin_lock(&dmem_events_lock);
	if (!list_empty(&dmem_events_queue)) {
		cg = list_first_entry(&dmem_events_queue, struct dmem_cg,
				      events_node);
		list_del_init(&cg->events_node);
		*what = cg->events_pending;
		WRITE_ONCE(cg->events_pending, 0);
	}
	spin_unlock(&dmem_events_lock);
	/*
	 * Clear, then let the caller wake the readers: pairs with the full
	 * barrier between a counter update and the pending test in
	 * dmem_events_queue_cg(); a counter update either sees the bits
	 * cleared and queues again, or is seen by the readers we wake.
	 */
	smp_mb();
	return cg;
}
