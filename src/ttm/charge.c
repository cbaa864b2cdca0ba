// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: charging TTM VRAM allocations.
 *
 * ttm_resource_alloc() is redirected into dmem_ttm_resource_alloc(), which
 * charges bo->base.size to the allocating task's pool before calling the
 * original.  The charge is remembered per resource (src/ttm/charge_map.c)
 * and dropped in ttm_resource_fini(), which every manager's free calls.
 * Resources that were not charged by us (allocated before the module
 * loaded, or in another manager) are never uncharged.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <drm/drm_gem.h>

#include "ttm/charge.h"
#include "ttm/charge_map.h"
#include "ttm/dmem_charge.h"
#include "ttm/context.h"
#include "ttm/regions.h"
#include "cgroup/cgroupfs.h"
#include "compat/ftrace_compat.h"
#include "hook/hook.h"

static bool dmem_ttm_resource_alloc_entry(struct pt_regs *regs);

/* orig_ttm_resource_alloc() runs the kernel's function (not exported). */
DMEM_HOOK_DEFINE_ORIG(ttm_resource_alloc, "ttm:ttm_resource_alloc",
		      dmem_ttm_resource_alloc_entry, int, -ENOSPC,
		      (bo, place, res_ptr),
		      struct ttm_buffer_object *bo,
		      const struct ttm_place *place,
		      struct ttm_resource **res_ptr);

void dmem_ttm_uncharge(struct dmem_ttm_charge *c)
{
	dmem_charge_release(&c->charge);
	dmem_ttm_charge_free(c);
}

/**
 * dmem_ttm_alloc_failed() - remember a failed VRAM allocation for the
 * eviction that follows.
 * @ctx: the current task's context, or NULL
 * @man: the VRAM manager
 * @pool: the allocating cgroup's pool (reference passed in)
 * @limit: the pool whose dmem.max was hit (reference passed in), or NULL:
 *	no limit hit, the eviction uses the common ancestor
 * @evict: what the probe of aggressive protection may evict now
 *
 * Only failures need the context.
 */
static void dmem_ttm_alloc_failed(struct dmem_ttm_ctx *ctx,
				  struct ttm_resource_manager *man,
				  struct dmem_pool *pool,
				  struct dmem_pool *limit,
				  enum dmem_alloc_evict evict)
{
	if (!ctx) {
		dmem_pool_put(pool);
		if (limit)
			dmem_pool_put(limit);
		return;
	}
	if (ctx->probing)
		ctx->probe_evict = evict;
	ctx->man = man;
	dmem_ttm_ctx_set_pools(ctx, pool, limit);
}

/*
 * Test facility (root, at load only, like test_create_delay_ms): sleep this
 * long between a VRAM charge and the kernel's allocator, a window in which
 * a test moves the task and removes its cgroup
 * (tests/vm/tests/ttm_alloc_rmdir_race.sh).  At most 60 s per allocation.
 */
static unsigned int test_alloc_delay_ms;
module_param(test_alloc_delay_ms, uint, 0);
MODULE_PARM_DESC(test_alloc_delay_ms,
		 "Test facility: sleep N ms (at most 60000) between a VRAM charge and the allocator; 0 = off");

/*
 * Charge @bo to the current task's pool in @man's region.  The pool is
 * looked up under RCU, with no lock and no reference on the device entry;
 * only a task's first charge in a region (or one racing with the pool's
 * death) takes the slow path, which holds the entry while it creates the
 * pool and registers the device's region if it is new.  Return: as
 * dmem_charge_try(); -ENODEV: @man is no region, or is going away.
 */
static int dmem_ttm_charge_current(struct ttm_buffer_object *bo,
				   struct ttm_resource_manager *man,
				   struct dmem_charge *charge,
				   struct dmem_pool **limit)
{
	u64 size = ttm_compat_bo_bytes(bo);
	struct dmem_region *region;
	struct dmem_pool *pool = NULL;
	struct dmem_ttm_dev *dev;
	int ret;

	rcu_read_lock();
	region = dmem_ttm_region_rcu(bo->bdev, man);
	if (region)
		pool = dmem_pool_of_current_rcu(region);
	rcu_read_unlock();
	if (pool) {
		ret = dmem_charge_try_pool(pool, size, charge, limit);
		if (ret != -ENODEV)
			return ret;
	}

	dev = dmem_ttm_dev_get(bo->bdev, man);
	if (!dev) {
		dmem_ttm_discover(bo, man);
		dev = dmem_ttm_dev_get(bo->bdev, man);
		if (!dev)
			return -ENODEV;
	}
	ret = dmem_charge_try(dmem_ttm_dev_region(dev), size, charge, limit);
	dmem_ttm_dev_put(dev);
	return ret;
}

/**
 * dmem_ttm_resource_alloc() - replacement of ttm_resource_alloc().
 * @bo: the buffer object
 * @place: where to allocate
 * @res_ptr: the new resource
 *
 * For a VRAM-region manager: charge, then allocate.  A charge over a
 * dmem.max fails with -ENOSPC (TTM then evicts or falls back, as upstream)
 * and remembers the limit pool for the eviction that follows.  A manager
 * that is no region, or a region going away (the charge says -ENODEV),
 * allocates uncharged (never -ENOSPC: that would make TTM evict for
 * nothing).  The charge keeps its pool, and so the region's memory, alive
 * until the uncharge, even if ttm_device_fini() runs meanwhile.
 *
 * Return: as ttm_resource_alloc().
 */
static int dmem_ttm_resource_alloc(struct ttm_buffer_object *bo,
				   const struct ttm_place *place,
				   struct ttm_resource **res_ptr)
{
	struct ttm_resource_manager *man = ttm_manager_type(bo->bdev,
							    place->mem_type);
	struct dmem_ttm_charge *rec;
	struct dmem_ttm_ctx *ctx;
	struct dmem_charge charge;
	struct dmem_pool *limit;
	int ret;

	if (!man || place->mem_type != DMEM_TTM_VRAM)
		return orig_ttm_resource_alloc(bo, place, res_ptr);
	ret = dmem_ttm_charge_current(bo, man, &charge, &limit);
	if (ret) {
		if (ret == -ENODEV)
			return orig_ttm_resource_alloc(bo, place, res_ptr);
		if (ret == -ENOSPC)
			/* 7.3: a charge failure never evicts before falling back */
			dmem_ttm_alloc_failed(dmem_ttm_ctx_current(), man,
					      charge.pool, limit,
					      DMEM_ALLOC_EVICT_NONE);
		return ret;
	}
	rec = dmem_ttm_charge_alloc();
	if (!rec) {
		dmem_pool_put(dmem_charge_cancel(&charge));
		return -ENOMEM;
	}

	if (unlikely(test_alloc_delay_ms))
		msleep(min(test_alloc_delay_ms, 60000U));
	ret = orig_ttm_resource_alloc(bo, place, res_ptr);
	if (ret) {
		enum dmem_alloc_evict evict = DMEM_ALLOC_EVICT_NONE;

		dmem_ttm_charge_free(rec);
		ctx = dmem_ttm_ctx_current();
		/* 7.3 decides with the new buffer still charged */
		if (ret == -ENOSPC && ctx && ctx->probing)
			evict = dmem_alloc_evict_before_fallback(charge.pool);
		dmem_ttm_alloc_failed(ctx, man, dmem_charge_cancel(&charge),
				      NULL, evict);
		return ret;
	}
	dmem_charge_keep(&charge);
	rec->res = *res_ptr;
	rec->charge = charge;
	dmem_ttm_track(rec);
	return 0;
}

/**
 * dmem_ttm_resource_alloc_entry() - which ttm_resource_alloc() calls we take.
 * @regs: registers of the call ttm_resource_alloc(bo, place, res_ptr)
 *
 * Only VRAM placements can be charged: every other allocation runs the
 * kernel's function directly, without entering our replacement.  Runs in
 * the ftrace handler (must not sleep).
 *
 * Return: true to redirect the call into dmem_ttm_resource_alloc().
 */
static bool dmem_ttm_resource_alloc_entry(struct pt_regs *regs)
{
	const struct ttm_place *place = (void *)dmem_ftrace_arg(regs, 1);

	return place && place->mem_type == DMEM_TTM_VRAM;
}

/**
 * dmem_ttm_resource_fini_entry() - uncharge at entry of ttm_resource_fini().
 * @regs: registers of the call ttm_resource_fini(man, res)
 *
 * Uncharges the resource if (and only if) we charged it; the kernel's
 * function then runs unchanged (no redirection: this is the cheapest hook).
 * Runs in the ftrace handler, so nothing here sleeps: the table lock is a
 * spinlock, and the core's uncharge, cgroup_put() and the cache free are
 * all safe in atomic context.
 *
 * Return: false (never redirected).
 */
static bool dmem_ttm_resource_fini_entry(struct pt_regs *regs)
{
	struct ttm_resource *res = (void *)dmem_ftrace_arg(regs, 1);
	struct dmem_ttm_charge *c;

	/* We only charge VRAM allocations: skip the table for the rest. */
	if (!res || res->mem_type != DMEM_TTM_VRAM)
		return false;
	c = dmem_ttm_untrack(res);
	if (c)
		dmem_ttm_uncharge(c);
	return false;
}

DMEM_HOOK_DEFINE_OBSERVER(ttm_resource_fini, "ttm:ttm_resource_fini",
			  dmem_ttm_resource_fini_entry);
