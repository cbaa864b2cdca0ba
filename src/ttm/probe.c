// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the allocation entry points ttm_bo_validate() and
 * ttm_bo_mem_space(): the per-task context of an allocation, and the
 * probe of 7.3's aggressive protection (dmem_ttm_probe_prepare()).
 */
#include <linux/module.h>

#include "ttm/context.h"
#include "ttm/regions.h"
#include "hook/hook.h"
#include "compat/ftrace_compat.h"

static bool dmem_ttm_bo_validate_entry(struct pt_regs *regs);
static bool dmem_ttm_bo_mem_space_entry(struct pt_regs *regs);

/*
 * The originals are run through orig_<id>() (our stub, redirected past
 * the kernel function's ftrace site): a replacement never comes back
 * through the site it was redirected from.
 */
DMEM_HOOK_DEFINE_ORIG(ttm_bo_validate, "ttm:ttm_bo_validate",
		      dmem_ttm_bo_validate_entry, int, -EINVAL,
		      (bo, placement, octx),
		      struct ttm_buffer_object *bo,
		      struct ttm_placement *placement,
		      struct ttm_operation_ctx *octx);
DMEM_HOOK_DEFINE_ORIG(ttm_bo_mem_space, "ttm:ttm_bo_mem_space",
		      dmem_ttm_bo_mem_space_entry, int, -ENOSPC,
		      (bo, placement, mem, octx),
		      struct ttm_buffer_object *bo,
		      struct ttm_placement *placement,
		      struct ttm_resource **mem,
		      struct ttm_operation_ctx *octx);

/**
 * dmem_ttm_bo_validate_entry() - which ttm_bo_validate() calls we take.
 * @regs: registers of the call ttm_bo_validate(bo, placement, octx)
 *
 * The submit path validates every buffer of a job, every frame; nearly
 * all of them are resident already.  Left to the kernel unchanged (one
 * ftrace handler run, no lock, nothing written): a buffer whose resource
 * already satisfies the placement (ttm_bo_validate() returns at once for
 * it, so there is nothing to charge, probe or evict), and a placement
 * without VRAM (nothing to charge or probe; TTM evicts VRAM only for a
 * VRAM place).  The caller holds @bo's reservation: its resource cannot
 * change under us.  While no limit is set anywhere (dmem_any_limit_set()
 * false: no charge can fail for a limit, nothing is protected or above its
 * high) every call is left to the kernel: the allocation is charged all
 * the same by ttm_resource_alloc()'s hook, and an eviction it needs is
 * TTM's own, which is what the eviction hooks would decide anyway.  An
 * allocation already past this filter when the first limit is written
 * runs to its end without a context, as if it had started before the
 * write: its evictions, if any, are TTM's (nobody was protected when it
 * started); one failing to charge over the new dmem.max makes TTM evict
 * the whole manager's LRU for nothing, as an allocation without the
 * module would when VRAM is full.  Runs in the ftrace handler (must not
 * sleep).
 *
 * Up to 6.9 (ttm_compat_validate_allocates() false) the hook is not
 * installed at all (src/hook/hook_table.h), as no call would be taken:
 * there ttm_bo_validate() allocates only through ttm_bo_mem_space()
 * (ttm_bo_move_buffer(), including a bounce), whose hook scopes the
 * context and runs the probe, and the evictions of such an allocation run
 * inside ttm_bo_mem_space() too: the scope of ttm_bo_validate() would add
 * two ftrace entries and a context to every allocation and nothing else,
 * and even its filter one ftrace entry to every validate.
 *
 * Return: true to redirect the call into dmem_ttm_bo_validate().
 */
static bool dmem_ttm_bo_validate_entry(struct pt_regs *regs)
{
	struct ttm_buffer_object *bo = (void *)dmem_ftrace_arg(regs, 0);
	struct ttm_placement *placement = (void *)dmem_ftrace_arg(regs, 1);

	if (!dmem_any_limit_set() || !bo || !placement)
		return false;
	if (!ttm_compat_placement_has_type(placement, DMEM_TTM_VRAM))
		return false;
	return !ttm_compat_bo_fits(bo, placement);
}

/**
 * dmem_ttm_bo_mem_space_entry() - which ttm_bo_mem_space() calls we take.
 * @regs: registers of the call ttm_bo_mem_space(bo, placement, mem, octx)
 *
 * Only a placement with VRAM can be charged or probed, and only while
 * some limit is set does the allocation need a context (see
 * dmem_ttm_bo_validate_entry()).  Runs in the ftrace handler (must not
 * sleep).
 *
 * Return: true to redirect the call into dmem_ttm_bo_mem_space().
 */
static bool dmem_ttm_bo_mem_space_entry(struct pt_regs *regs)
{
	struct ttm_placement *placement = (void *)dmem_ftrace_arg(regs, 1);

	return dmem_any_limit_set() && placement &&
	       ttm_compat_placement_has_type(placement, DMEM_TTM_VRAM);
}

/**
 * dmem_ttm_probe_prepare() - should this allocation run the probe first?
 * @ctx: the task's context if the caller has it, else NULL (looked up)
 * @bo: the buffer object
 * @placement: where it may go
 * @probe: filled with the probe placement
 *
 * 7.3 "aggressive protection": TTM's first pass tries each placement
 * without evicting and moves on (VRAM -> GTT) when one is full.  Upstream
 * lets an allocation whose cgroup is within its low evict at VRAM in that
 * first pass.  We cannot reach inside TTM's static loop, so the same
 * thing is done from outside: the caller's first pass up to VRAM is run
 * as a placement of its own whose only evicting place is VRAM (the
 * "probe"); the allocation hook records what the cgroup may evict there
 * and the eviction hooks obey it.  If the probe finds no room the
 * original placement runs as usual.
 *
 * Return: the context to probe with, or NULL: no probe.
 */
static struct dmem_ttm_ctx *dmem_ttm_probe_prepare(struct dmem_ttm_ctx *ctx,
						   struct ttm_buffer_object *bo,
						   struct ttm_placement *placement,
						   struct ttm_compat_probe *probe)
{
	struct ttm_resource_manager *man;

	/* cheapest first: most placements have nothing to probe */
	if (!ttm_compat_vram_probe(placement, probe))
		return NULL;
	if (!ctx)
		ctx = dmem_ttm_ctx_current();
	if (!ctx || ctx->probing || ctx->evicting)
		return NULL;
	man = ttm_compat_vram_manager(bo->bdev);
	if (!man || !dmem_ttm_is_region(bo->bdev, man))
		return NULL;
	return ctx;
}

static void dmem_ttm_probe_begin(struct dmem_ttm_ctx *ctx)
{
	ctx->probing = true;
	ctx->probe_evict = DMEM_ALLOC_EVICT_NONE;
}

/* Return: true if the probe's result @ret means "run the original". */
static bool dmem_ttm_probe_end(struct dmem_ttm_ctx *ctx, int ret)
{
	ctx->probing = false;
	return ret == -ENOSPC || ret == -ENOMEM || ret == -EBUSY;
}

/**
 * dmem_ttm_bo_validate() - replacement of ttm_bo_validate().
 * @bo: the buffer object
 * @placement: where it may go
 * @octx: TTM operation context
 *
 * Scopes the per-task context over the whole allocation, evictions
 * included.  Where ttm_bo_validate() allocates by itself (6.10+), also
 * runs the aggressive-protection probe; a buffer already in one of the
 * placement's memory types may not need to move at all and is left to
 * TTM (upstream only applies the rule to an actual allocation).
 *
 * Return: as ttm_bo_validate().
 */
static int dmem_ttm_bo_validate(struct ttm_buffer_object *bo,
				struct ttm_placement *placement,
				struct ttm_operation_ctx *octx)
{
	struct dmem_ttm_ctx ctx;
	bool mine;
	int ret;

	mine = dmem_ttm_ctx_enter(&ctx);
	if (ttm_compat_validate_allocates() && mine && !bo->pin_count &&
	    !(bo->resource &&
	      ttm_compat_placement_has_type(placement, bo->resource->mem_type))) {
		struct ttm_compat_probe probe;

		if (dmem_ttm_probe_prepare(&ctx, bo, placement, &probe)) {
			dmem_ttm_probe_begin(&ctx);
			ret = orig_ttm_bo_validate(bo, &probe.placement, octx);
			if (!dmem_ttm_probe_end(&ctx, ret))
				goto out;
		}
	}
	ret = orig_ttm_bo_validate(bo, placement, octx);
out:
	if (mine)
		dmem_ttm_ctx_leave(&ctx);
	return ret;
}

/**
 * dmem_ttm_bo_mem_space() - replacement of ttm_bo_mem_space().
 * @bo: the buffer object
 * @placement: where it may go
 * @mem: the new resource
 * @octx: TTM operation context
 *
 * Runs the aggressive-protection probe first (see
 * dmem_ttm_probe_prepare()); up to 6.8 every allocation of
 * ttm_bo_validate() comes through here.
 *
 * Return: as ttm_bo_mem_space().
 */
static int dmem_ttm_bo_mem_space(struct ttm_buffer_object *bo,
				 struct ttm_placement *placement,
				 struct ttm_resource **mem,
				 struct ttm_operation_ctx *octx)
{
	struct ttm_compat_probe probe;
	struct dmem_ttm_ctx ctx, *cur;
	bool mine;
	int ret;

	mine = dmem_ttm_ctx_enter(&ctx);
	cur = dmem_ttm_probe_prepare(mine ? &ctx : NULL, bo, placement, &probe);
	if (cur) {
		dmem_ttm_probe_begin(cur);
		ret = orig_ttm_bo_mem_space(bo, &probe.placement, mem, octx);
		if (!dmem_ttm_probe_end(cur, ret))
			goto out;
	}
	ret = orig_ttm_bo_mem_space(bo, placement, mem, octx);
out:
	if (mine)
		dmem_ttm_ctx_leave(&ctx);
	return ret;
}
