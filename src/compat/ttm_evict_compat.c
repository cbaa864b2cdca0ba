// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the eviction hook of each TTM era.
 *
 * Up to mainline 6.11 TTM evicts one buffer per ttm_mem_evict_first()
 * call; from 6.12 (the LRU walker) ttm_lru_walk_for_evict() walks the LRU.
 * Each era's hook has that era's prototype and packs its arguments into a
 * struct ttm_compat_evict; the body both eras share is
 * dmem_ttm_evict_passes() (src/ttm_dmem_evict.c), which runs the kernel's
 * function through ttm_compat_evict_orig().
 */
#include <linux/module.h>

#include "compat/ttm_compat.h"
#include "ttm/evict.h"
#include "hook/hook.h"

#if DMEM_TTM_ERA_LRU_WALK

/**
 * struct ttm_compat_evict - one call of ttm_lru_walk_for_evict() (6.12+).
 * @walk: the walk (eviction or swapout)
 * @bdev: the device
 * @man: the manager whose LRU is walked
 * @target: progress wanted
 * @ticket: @walk's ticket at entry (a walk may drop it)
 */
struct ttm_compat_evict {
	struct ttm_lru_walk *walk;
	struct ttm_device *bdev;
	struct ttm_resource_manager *man;
	s64 target;
	struct ww_acquire_ctx *ticket;
};

/* orig_ttm_evict() runs the kernel's ttm_lru_walk_for_evict(). */
DMEM_HOOK_DEFINE_ORIG(ttm_evict, "ttm:ttm_lru_walk_for_evict", NULL, s64, 0,
		      (walk, bdev, man, target),
		      struct ttm_lru_walk *walk,
		      struct ttm_device *bdev,
		      struct ttm_resource_manager *man,
		      s64 target);

static s64 dmem_ttm_evict(struct ttm_lru_walk *walk, struct ttm_device *bdev,
			  struct ttm_resource_manager *man, s64 target)
{
	struct ttm_compat_evict call = {
		.walk = walk, .bdev = bdev, .man = man, .target = target,
		.ticket = walk->ticket,
	};

	return dmem_ttm_evict_passes(man, &call);
}

s64 ttm_compat_evict_orig(struct ttm_compat_evict *call)
{
	/* A walk that ran already may have dropped its ticket. */
	call->walk->ticket = call->ticket;
	return orig_ttm_evict(call->walk, call->bdev, call->man, call->target);
}

#else /* !DMEM_TTM_ERA_LRU_WALK */

/**
 * struct ttm_compat_evict - one call of ttm_mem_evict_first() (up to 6.11).
 * @bdev: the device
 * @man: the manager to evict from
 * @place: the placement being made room for
 * @octx: TTM operation context
 * @ticket: ww ticket of the evicting task
 */
struct ttm_compat_evict {
	struct ttm_device *bdev;
	struct ttm_resource_manager *man;
	const struct ttm_place *place;
	struct ttm_operation_ctx *octx;
	struct ww_acquire_ctx *ticket;
};

/* orig_ttm_evict() runs the kernel's ttm_mem_evict_first(). */
DMEM_HOOK_DEFINE_ORIG(ttm_evict, "ttm:ttm_mem_evict_first", NULL, int, -EBUSY,
		      (bdev, man, place, octx, ticket),
		      struct ttm_device *bdev,
		      struct ttm_resource_manager *man,
		      const struct ttm_place *place,
		      struct ttm_operation_ctx *octx,
		      struct ww_acquire_ctx *ticket);

static int dmem_ttm_evict(struct ttm_device *bdev,
			  struct ttm_resource_manager *man,
			  const struct ttm_place *place,
			  struct ttm_operation_ctx *octx,
			  struct ww_acquire_ctx *ticket)
{
	struct ttm_compat_evict call = {
		.bdev = bdev, .man = man, .place = place, .octx = octx,
		.ticket = ticket,
	};

	/* the result is an int errno or 0 (evicted one) */
	return dmem_ttm_evict_passes(man, &call);
}

s64 ttm_compat_evict_orig(struct ttm_compat_evict *call)
{
	return orig_ttm_evict(call->bdev, call->man, call->place, call->octx,
			      call->ticket);
}

#endif /* DMEM_TTM_ERA_LRU_WALK */
