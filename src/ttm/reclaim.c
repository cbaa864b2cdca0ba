// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: reclaim, TTM side.
 *
 * A pass installs a per-task context in "reclaim subtree S" mode: the
 * limit pool and the charge pool are S's pool, so our
 * ttm_bo_eviction_valuable() replacement (src/ttm_dmem_evict.c) admits
 * exactly what upstream's reclaim callback admits with S as the limit
 * pool: buffers charged to S or below it, dmem.min of the cgroups below S
 * never crossed, dmem.low only on the retry.  Uncharged buffers (allocated
 * before the module loaded) and buffers outside S are never admitted.
 * The pass itself is TTM's own eviction of the era
 * (ttm_compat_reclaim_pass(), src/compat/ttm_evict_compat.c): buffers move
 * to the driver's eviction placement with their contents.
 *
 * Lifetimes: the region is found in the device registry and its entry
 * referenced (the region stays registered).  The device itself is kept
 * alive by dmem_ttm_reclaim_sem: a pass holds it for reading and checks
 * that the entry is still listed; ttm_device_fini()'s replacement removes
 * the entry, then takes the semaphore for writing (dmem_ttm_reclaim_fence())
 * before the device goes away.  Unload sets dmem_ttm_reclaim_stopped under
 * the write side, so that no pass starts after it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/sched/signal.h>

#include "ttm/reclaim.h"
#include "ttm/context.h"
#include "ttm/regions.h"
#include "ttm/charge_map.h"

static DECLARE_RWSEM(dmem_ttm_reclaim_sem);
static bool dmem_ttm_reclaim_stopped = true;	/* under the semaphore */

/**
 * dmem_ttm_reclaim_evict() - one eviction call in reclaim mode.
 * @dev: the region's registry entry (listed, semaphore held for reading)
 * @pool: S's pool
 * @target: bytes above the limit
 * @ignore_low: the retry that may take low-protected buffers
 * @hit_low: set if a buffer was skipped only because of low
 *
 * Return: as ttm_compat_reclaim_pass(), or -EBUSY if the task already has
 * an allocation context (never, from a cgroup file write).
 */
static s64 dmem_ttm_reclaim_evict(struct dmem_ttm_dev *dev,
				  struct dmem_pool *pool, u64 target,
				  bool ignore_low, bool *hit_low)
{
	struct ttm_operation_ctx octx = { .interruptible = true };
	struct dmem_pool *limit, *charge;
	struct dmem_ttm_ctx ctx;
	s64 ret;

	limit = dmem_pool_find(dmem_pool_cg(pool), dmem_pool_region(pool));
	if (!limit)
		return -ENODEV;		/* cgroup removed: limits were reset */
	charge = dmem_pool_find(dmem_pool_cg(pool), dmem_pool_region(pool));
	if (!charge) {
		dmem_pool_put(limit);
		return -ENODEV;
	}
	if (!dmem_ttm_ctx_enter(&ctx)) {
		dmem_pool_put(charge);
		dmem_pool_put(limit);
		return -EBUSY;
	}
	dmem_ttm_ctx_set_pools(&ctx, charge, limit);
	ctx.man = dmem_ttm_dev_man(dev);
	ctx.evicting = true;
	ctx.ignore_low = ignore_low;
	/* progress in bytes from 6.12, in buffers before: never above S64_MAX */
	ret = ttm_compat_reclaim_pass(dmem_ttm_dev_bdev(dev), ctx.man, &octx,
				      min_t(u64, target, S64_MAX));
	*hit_low = ctx.hit_low;
	dmem_ttm_ctx_leave(&ctx);
	return ret;
}

bool dmem_ttm_reclaim_admits(struct ttm_buffer_object *bo)
{
	struct dmem_ttm_ctx *ctx = dmem_ttm_ctx_current();
	struct dmem_pool *test;
	bool hit_low = false;
	bool ok = false;

	if (!ctx || !ctx->evicting || !ctx->limit_pool || !bo->resource)
		return false;
	dmem_ttm_track_lock();
	test = dmem_ttm_res_pool_locked(bo->resource);
	/* not ours (uncharged), or another region: never */
	if (test && dmem_pool_region(test) == dmem_pool_region(ctx->limit_pool))
		ok = dmem_may_evict(ctx->limit_pool, ctx->charge_pool, test,
				    ctx->ignore_low, &hit_low);
	/* dmem.events, as our eviction_valuable() replacement counts */
	if (ok)
		dmem_pool_count_eviction(ctx->limit_pool, ctx->charge_pool,
					 test, ctx->ignore_low, bo->base.size);
	dmem_ttm_track_unlock();
	if (hit_low)
		ctx->hit_low = true;
	return ok;
}

s64 dmem_ttm_reclaim_pass(struct dmem_pool *pool, u64 target)
{
	struct dmem_region *region = dmem_pool_region(pool);
	const char *name = dmem_region_name(region);
	struct dmem_ttm_dev *dev;
	bool hit_low = false;
	s64 ret;

	dev = dmem_ttm_dev_get_by_name(name, strlen(name));
	if (!dev)
		return -ENODEV;
	if (dmem_ttm_dev_region(dev) != region) {
		dmem_ttm_dev_put(dev);
		return -ENODEV;
	}
	if (down_read_interruptible(&dmem_ttm_reclaim_sem)) {
		dmem_ttm_dev_put(dev);
		return -EINTR;
	}
	if (dmem_ttm_reclaim_stopped || !dmem_ttm_dev_listed(dev)) {
		ret = dmem_ttm_reclaim_stopped ? -EOPNOTSUPP : -ENODEV;
		goto out;
	}
	ret = dmem_ttm_reclaim_evict(dev, pool, target, false, &hit_low);
	if (ret == 0 && hit_low)
		ret = dmem_ttm_reclaim_evict(dev, pool, target, true, &hit_low);
out:
	up_read(&dmem_ttm_reclaim_sem);
	dmem_ttm_dev_put(dev);
	return ret;
}

struct dmem_region *dmem_ttm_reclaim_region(const char *name, size_t len)
{
	struct dmem_ttm_dev *dev = dmem_ttm_dev_get_by_name(name, len);
	struct dmem_region *region;

	if (!dev)
		return NULL;
	region = dmem_ttm_dev_region(dev);
	dmem_ttm_dev_put(dev);
	return region;
}

void dmem_ttm_reclaim_fence(void)
{
	down_write(&dmem_ttm_reclaim_sem);
	up_write(&dmem_ttm_reclaim_sem);
}

int dmem_ttm_reclaim_init(void)
{
	int ret = ttm_compat_reclaim_init();

	if (ret == -ENOENT) {
		pr_info("this kernel's TTM cannot be reached for reclaim: lowering dmem.max below usage only stores the limit\n");
		return 0;
	}
	if (ret)
		return ret;
	down_write(&dmem_ttm_reclaim_sem);
	dmem_ttm_reclaim_stopped = false;
	up_write(&dmem_ttm_reclaim_sem);
	return 0;
}

void dmem_ttm_reclaim_exit(void)
{
	/* waits for the passes running now; later ones see the flag */
	down_write(&dmem_ttm_reclaim_sem);
	dmem_ttm_reclaim_stopped = true;
	up_write(&dmem_ttm_reclaim_sem);
	ttm_compat_reclaim_exit();
}
