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
#include <linux/sched/signal.h>

#include "compat/ttm_compat.h"
#include "ttm/evict.h"
#include "ttm/reclaim.h"
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

/*
 * Reclaim (src/ttm/reclaim.c), 6.12+: ttm_bo_evict() is static in
 * ttm_bo.c (a real function in Debian's 6.12.117 ttm.ko); its stub is
 * installed by ttm_compat_reclaim_init(), optional: a kernel that inlined
 * it has no reclaim.
 */
DMEM_HOOK_DEFINE_STUB(ttm_bo_evict, "ttm:ttm_bo_evict", int, -EBUSY,
		      struct ttm_buffer_object *bo,
		      struct ttm_operation_ctx *octx);

/**
 * ttm_compat_reclaim_bo() - process_bo of the reclaim walk (6.12+).
 * @walk: the walk (ttm_compat_reclaim_pass())
 * @bo: a buffer of the manager, locked and referenced by the walker
 *
 * As TTM's own eviction callback (ttm_bo_evict_cb()): pinned buffers stay,
 * only buffers charged inside the subtree being reclaimed are candidates
 * (dmem_ttm_reclaim_admits(), asked last as it counts the eviction in
 * dmem.events: the driver's eviction_valuable(), called from here, is not
 * redirected into our replacement), the driver's eviction_valuable() has
 * its say first, then ttm_bo_evict() moves the buffer to
 * the driver's eviction placement, contents kept.  Buffers already
 * deleted are left to TTM's delayed destruction; a pending signal ends
 * the walk.
 *
 * Return: the bytes evicted, 0 (skipped), or a negative errno (-EBUSY:
 * skipped; others end the walk).
 */
static s64 ttm_compat_reclaim_bo(struct ttm_lru_walk *walk,
				 struct ttm_buffer_object *bo)
{
	struct ttm_place place = { .mem_type = bo->resource->mem_type };
	int ret;

	if (signal_pending(current))
		return -EINTR;
	if (bo->pin_count || bo->deleted ||
	    !bo->bdev->funcs->eviction_valuable(bo, &place) ||
	    !dmem_ttm_reclaim_admits(bo))
		return 0;
	ret = orig_ttm_bo_evict(bo, walk->ctx);
	if (ret)
		return ret;
	return ttm_compat_bo_bytes(bo);
}

static const struct ttm_lru_walk_ops ttm_compat_reclaim_ops = {
	.process_bo = ttm_compat_reclaim_bo,
};

s64 ttm_compat_reclaim_pass(struct ttm_device *bdev,
			    struct ttm_resource_manager *man,
			    struct ttm_operation_ctx *octx, s64 target)
{
	struct ttm_lru_walk walk = {
		.ops = &ttm_compat_reclaim_ops,
		.ctx = octx,
		.trylock_only = true,	/* no ticket: we hold no reservation */
	};

	return orig_ttm_evict(&walk, bdev, man, target);
}

int ttm_compat_reclaim_init(void)
{
	dmem_hook_ttm_bo_evict.optional = true;
	return dmem_hook_install(&dmem_hook_ttm_bo_evict);
}

void ttm_compat_reclaim_exit(void)
{
	dmem_hook_remove(&dmem_hook_ttm_bo_evict);
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

/*
 * Reclaim (src/ttm/reclaim.c), up to 6.11: one ttm_mem_evict_first() call
 * evicts the first admissible buffer of the manager's LRU (the driver's
 * eviction_valuable(), which ends in our replacement, admits only buffers
 * charged inside the subtree being reclaimed).  Without a ticket it only
 * trylocks, as ttm_resource_manager_evict_all() calls it.
 */
s64 ttm_compat_reclaim_pass(struct ttm_device *bdev,
			    struct ttm_resource_manager *man,
			    struct ttm_operation_ctx *octx, s64 target)
{
	const struct ttm_place place = { .mem_type = DMEM_TTM_VRAM };
	int ret;

	/* one buffer per call (the caller reads the usage again) */
	ret = orig_ttm_evict(bdev, man, &place, octx, NULL);
	if (ret == -EBUSY)
		return 0;
	return ret ? ret : 1;
}

int ttm_compat_reclaim_init(void)
{
	return 0;
}

void ttm_compat_reclaim_exit(void)
{
}

#endif /* DMEM_TTM_ERA_LRU_WALK */
