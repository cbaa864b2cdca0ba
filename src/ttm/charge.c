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

#include <linux/module.h>
#include <linux/sched.h>
#include <drm/drm_gem.h>

#include "ttm/charge.h"
#include "ttm/charge_map.h"
#include "ttm/context.h"
#include "ttm/regions.h"
#include "compat/ftrace_compat.h"
#include "hook/hook.h"
#include "dmem_cgroupfs.h"

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
	struct dmem_cg *cg = dmem_pool_cg(c->pool);

	dmem_pool_uncharge(c->pool, c->size);
	dmem_cg_unpin(cg);
	dmem_ttm_charge_free(c);
}

/**
 * dmem_ttm_pool_of_current() - the current task's pool in @dev's region,
 * with its cgroup pinned.
 * @dev: the device entry (referenced by the caller)
 *
 * The pin is taken here, before anything can sleep: the cgroup stays
 * while the allocation is in flight, and the pin passes to the charge
 * record on success.
 *
 * Return: a referenced pool (release with dmem_ttm_pool_release()), or an
 * ERR_PTR from dmem_pool_of_current().
 */
static struct dmem_pool *dmem_ttm_pool_of_current(struct dmem_ttm_dev *dev)
{
	struct dmem_pool *pool = dmem_pool_of_current(dmem_ttm_dev_region(dev));

	if (!IS_ERR(pool))
		dmem_cg_pin(dmem_pool_cg(pool));
	return pool;
}

static void dmem_ttm_pool_release(struct dmem_pool *pool)
{
	dmem_cg_unpin(dmem_pool_cg(pool));
	dmem_pool_put(pool);
}

/**
 * dmem_ttm_charge_failed() - remember a failed charge for the eviction.
 * @man: the VRAM manager
 * @pool: the charged pool (reference and pin passed in)
 * @limit: the pool whose max was hit (reference passed in), or NULL
 */
static void dmem_ttm_charge_failed(struct ttm_resource_manager *man,
				   struct dmem_pool *pool,
				   struct dmem_pool *limit)
{
	/* Only failures need the context (for the eviction). */
	struct dmem_ttm_ctx *ctx = dmem_ttm_ctx_current();

	dmem_cg_unpin(dmem_pool_cg(pool));
	if (ctx) {
		/* 7.3: a charge failure never evicts before falling back */
		ctx->probe_evict = DMEM_ALLOC_EVICT_NONE;
		ctx->man = man;
		dmem_ttm_ctx_set_pools(ctx, pool, limit);
		return;
	}
	dmem_pool_put(pool);
	if (limit)
		dmem_pool_put(limit);
}

/**
 * dmem_ttm_alloc_failed() - the kernel's allocator failed after a charge.
 * @man: the VRAM manager
 * @pool: the charged pool (reference and pin passed in)
 * @size: bytes charged, uncharged here
 * @ret: the allocator's error
 */
static void dmem_ttm_alloc_failed(struct ttm_resource_manager *man,
				  struct dmem_pool *pool, u64 size, int ret)
{
	/* Only failures need the context (for the eviction). */
	struct dmem_ttm_ctx *ctx = dmem_ttm_ctx_current();

	/* 7.3 decides with the new buffer still charged */
	if (ctx && ctx->probing)
		ctx->probe_evict = ret == -ENOSPC ?
			dmem_alloc_evict_before_fallback(pool) :
			DMEM_ALLOC_EVICT_NONE;
	dmem_pool_uncharge(pool, size);
	dmem_cg_unpin(dmem_pool_cg(pool));
	if (ctx) {
		/* No limit hit: eviction uses the common ancestor. */
		ctx->man = man;
		dmem_ttm_ctx_set_pools(ctx, pool, NULL);
	} else {
		dmem_pool_put(pool);
	}
}

/**
 * dmem_ttm_charged_alloc() - charge @dev's region, then allocate.
 * @dev: the device entry of the VRAM manager (referenced by the caller)
 * @man: the VRAM manager
 * @bo: the buffer object
 * @place: where to allocate
 * @res_ptr: the new resource
 *
 * A pool that died under us (its cgroup went offline in a migration race,
 * or the region is being removed) is looked up once more; if it is dead
 * again the region is going away and the allocation runs uncharged, like
 * one in a manager that is no region (never -ENOSPC: that would make TTM
 * evict for nothing).
 *
 * Return: as ttm_resource_alloc().
 */
static int dmem_ttm_charged_alloc(struct dmem_ttm_dev *dev,
				  struct ttm_resource_manager *man,
				  struct ttm_buffer_object *bo,
				  const struct ttm_place *place,
				  struct ttm_resource **res_ptr)
{
	u64 size = ttm_compat_bo_bytes(bo);
	struct dmem_pool *pool, *limit;
	struct dmem_ttm_charge *charge;
	unsigned int tries = 0;
	int ret;

	charge = dmem_ttm_charge_alloc();
	if (!charge)
		return -ENOMEM;
	for (;;) {
		pool = dmem_ttm_pool_of_current(dev);
		if (IS_ERR(pool)) {
			dmem_ttm_charge_free(charge);
			/* Region going away, or no memory for the pool. */
			if (PTR_ERR(pool) == -ENOMEM)
				return -ENOMEM;
			return orig_ttm_resource_alloc(bo, place, res_ptr);
		}
		ret = dmem_pool_try_charge(pool, size, &limit);
		if (ret != -ENODEV)
			break;
		dmem_ttm_pool_release(pool);
		if (++tries == 2) {
			dmem_ttm_charge_free(charge);
			return orig_ttm_resource_alloc(bo, place, res_ptr);
		}
	}
	if (ret) {
		dmem_ttm_charge_free(charge);
		dmem_ttm_charge_failed(man, pool, limit);
		return -ENOSPC;
	}

	ret = orig_ttm_resource_alloc(bo, place, res_ptr);
	if (ret) {
		dmem_ttm_charge_free(charge);
		dmem_ttm_alloc_failed(man, pool, size, ret);
		return ret;
	}
	/*
	 * The record keeps the cgroup pin; the charge itself keeps the pool
	 * alive until it is uncharged (see dmem_region_unregister()).
	 */
	charge->res = *res_ptr;
	charge->pool = pool;
	charge->size = size;
	dmem_ttm_track(charge);
	dmem_pool_put(pool);
	return 0;
}

/**
 * dmem_ttm_resource_alloc() - replacement of ttm_resource_alloc().
 * @bo: the buffer object
 * @place: where to allocate
 * @res_ptr: the new resource
 *
 * For a VRAM-region manager: charge, then allocate.  A charge over a
 * dmem.max fails with -ENOSPC (TTM then evicts or falls back, as upstream)
 * and remembers the limit pool for the eviction that follows.
 *
 * Return: as ttm_resource_alloc().
 */
static int dmem_ttm_resource_alloc(struct ttm_buffer_object *bo,
				   const struct ttm_place *place,
				   struct ttm_resource **res_ptr)
{
	struct ttm_resource_manager *man = ttm_manager_type(bo->bdev,
							    place->mem_type);
	struct dmem_ttm_dev *dev = NULL;
	int ret;

	if (man && place->mem_type == DMEM_TTM_VRAM) {
		dev = dmem_ttm_dev_get(bo->bdev, man);
		if (!dev) {
			dmem_ttm_discover(bo, man);
			dev = dmem_ttm_dev_get(bo->bdev, man);
		}
	}
	if (dev) {
		ret = dmem_ttm_charged_alloc(dev, man, bo, place, res_ptr);
		dmem_ttm_dev_put(dev);
	} else {
		ret = orig_ttm_resource_alloc(bo, place, res_ptr);
	}
	return ret;
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
