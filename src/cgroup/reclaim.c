// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: reclaim when a limit is lowered below usage (the reviewed
 * semantics of upstream's reclaim-callback series, seed 000, v4).
 *
 * The write stores the new limit first (the core, dmem_write_limits()):
 * concurrent allocations in the subtree are limited by it at once.  Then
 * the writing task evicts the subtree's charged VRAM buffers, region by
 * region as named in the write, until usage <= the limit (dmem.max, and
 * dmem.high the same way: lowering high reclaims like max, but high never
 * fails an allocation): a pass that made
 * progress is followed by another, DMEM_RECLAIM_RETRIES passes in a row
 * without progress end it, a pending signal ends it, and the write
 * succeeds whatever the outcome (as memory.max).  A write with O_NONBLOCK
 * does not get here (src/cgroup/cftypes.c).
 *
 * Protection inside the subtree (decided with the series' review and
 * upstream's TTM reclaim, ttm_bo_evict_cgroup(), which evicts with the
 * reclaimed pool as the limit pool): the written cgroup's own min/low do
 * not protect it against its own max; dmem.min of the cgroups below it is
 * never crossed; their dmem.low is respected until a pass finds only
 * low-protected buffers, then that pass is repeated ignoring low.
 *
 * Termination: while usage is above the limit no charge in the subtree
 * can succeed (the limit is stored), so every pass with progress removes
 * a buffer for good; passes without progress are bounded, and so is the
 * whole loop.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>

#include "cgroup/reclaim.h"
#include "ttm/reclaim.h"

/**
 * struct dmem_reclaim_stats - what one region's reclaim did.
 * @passes: passes run
 * @idle: passes in a row without progress (at the end)
 * @reclaimed: bytes by which usage went down
 * @why: why it stopped
 */
struct dmem_reclaim_stats {
	unsigned int passes;
	unsigned int idle;
	u64 reclaimed;
	const char *why;
};

/**
 * dmem_reclaim_pool() - bring @pool's usage down to its limit @limit.
 * @pool: the pool (referenced by the caller)
 * @limit: which limit (DMEM_POOL_MAX or DMEM_POOL_HIGH)
 * @st: filled in
 */
static void dmem_reclaim_pool(struct dmem_pool *pool,
			      enum dmem_pool_value limit,
			      struct dmem_reclaim_stats *st)
{
	u64 start = dmem_pool_value(pool, DMEM_POOL_CURRENT);
	u64 usage = start, max, after;
	s64 ret;

	for (;;) {
		max = dmem_pool_value(pool, limit);
		if (usage <= max) {
			st->why = "usage within the limit";
			break;
		}
		if (signal_pending(current)) {
			st->why = "signal";
			break;
		}
		ret = dmem_ttm_reclaim_pass(pool, usage - max);
		st->passes++;
		after = dmem_pool_value(pool, DMEM_POOL_CURRENT);
		if (ret < 0 && ret != -EBUSY) {
			st->why = signal_pending(current) ? "signal" :
				  "stopped by the TTM side";
			usage = after;
			break;
		}
		if (ret > 0 || after < usage) {
			st->idle = 0;
		} else if (++st->idle >= DMEM_RECLAIM_RETRIES) {
			st->why = "no progress";
			usage = after;
			break;
		}
		usage = after;
		cond_resched();
	}
	st->reclaimed = start > usage ? start - usage : 0;
}

/* Does dmem.<file> reclaim when written?  Which limit? */
static bool dmem_reclaim_limit_of(enum dmem_file file,
				  enum dmem_pool_value *limit)
{
	switch (file) {
	case DMEM_FILE_MAX:
		*limit = DMEM_POOL_MAX;
		return true;
	case DMEM_FILE_HIGH:	/* same reclaim; high never fails a charge */
		*limit = DMEM_POOL_HIGH;
		return true;
	default:
		return false;
	}
}

static bool dmem_reclaim_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
	       c == '\f' || c == '\r';
}

/**
 * dmem_reclaim_region() - reclaim the region named by @name in @cg.
 * @cg: the cgroup
 * @name: the region's name (@len bytes)
 * @len: length of @name
 * @limit: which limit
 */
static void dmem_reclaim_region(struct dmem_cg *cg, const char *name,
				size_t len, enum dmem_pool_value limit)
{
	struct dmem_reclaim_stats st = { .why = "no pool" };
	struct dmem_region *region;
	struct dmem_pool *pool;
	ktime_t t0 = ktime_get();

	region = dmem_ttm_reclaim_region(name, len);
	if (!region)
		return;
	/* found by (cg, region): the pool keeps the region valid */
	pool = dmem_pool_find(cg, region);
	if (!pool)
		return;
	dmem_reclaim_pool(pool, limit, &st);
	pr_debug("reclaim %s: %llu bytes in %u passes, %lld us, usage %llu, limit %llu (%s)\n",
		 dmem_region_name(region), st.reclaimed, st.passes,
		 ktime_us_delta(ktime_get(), t0),
		 dmem_pool_value(pool, DMEM_POOL_CURRENT),
		 dmem_pool_value(pool, limit), st.why);
	dmem_pool_put(pool);
}

void dmem_reclaim_after_write(struct dmem_cg *cg, enum dmem_file file,
			      const char *buf, size_t len)
{
	enum dmem_pool_value limit;
	size_t i = 0, name;

	if (!dmem_reclaim_limit_of(file, &limit))
		return;
	/* as the core parsed it: a NUL ends the input, one line per request */
	len = strnlen(buf, len);
	while (i < len && !signal_pending(current)) {
		while (i < len && dmem_reclaim_blank(buf[i]))
			i++;
		name = i;
		while (i < len && buf[i] != ' ' && buf[i] != '\t' &&
		       buf[i] != '\n')
			i++;
		if (i > name)
			dmem_reclaim_region(cg, buf + name, i - name, limit);
		while (i < len && buf[i] != '\n')
			i++;
	}
}
