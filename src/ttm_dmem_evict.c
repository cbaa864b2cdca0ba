// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: protection-aware TTM eviction (mainline 6.14 + 7.3).
 *
 * Every in-tree driver's eviction_valuable callback ends in the exported
 * ttm_bo_eviction_valuable(): it is redirected into
 * dmem_ttm_eviction_valuable(), which asks the kernel's original first and
 * then applies the dmem decision for the task that is evicting.
 *
 * The per-era eviction loop (ttm_mem_evict_first() up to 6.11, the LRU walk
 * ttm_lru_walk_for_evict() from 6.12) is redirected to run up to three
 * passes, each the kernel's own loop over its LRU with a narrower or wider
 * dmem decision (enum dmem_evict_round of the core):
 *  1. only buffers whose cgroup is above its dmem.high (the cgroup of the
 *     buffer, the evicting cgroup's own included, or one between it and
 *     the root of the decision below: dmem_above_high()), and
 *     only those pass 2 would take too: this pass reorders, it never takes
 *     a buffer that min or low protects.  Skipped at the cost of one
 *     atomic read when no pool of the region is above its high;
 *  2. buffers not protected by dmem.min or dmem.low (upstream's pass);
 *  3. only if pass 2 skipped something because of low: low-protected
 *     buffers too (upstream's retry).
 * Each pass runs only if the previous one found nothing.  dmem.min is
 * never ignored.  dmem.high is the soft limit the maintainers asked for
 * instead of throttling (seed 001): going above it never fails or slows an
 * allocation; it only puts the cgroup's buffers first in line.
 *
 * Decision (dmem_may_evict() of the core) for a buffer charged to pool T
 * while the evicting task allocates from pool E:
 *  - the allocation hit dmem.max of pool L: only buffers below L are
 *    candidates, protection is computed relative to L;
 *  - otherwise (plain lack of VRAM) the common ancestor A of E and T is the
 *    root of the protection computation (7.3).  When A is the root cgroup's
 *    pool we compute protection relative to the root, like 6.14 did for a
 *    missing limit pool, rather than 7.3's shortcut that makes every buffer
 *    of another top-level cgroup evictable: otherwise dmem.low/min would
 *    never protect one top-level cgroup from another (the common case:
 *    app.slice against background.slice).
 * Buffers we did not charge (allocated before the module loaded) are
 * candidates as without the module, except for an allocation that hit a
 * dmem.max: it may only evict inside the limited subtree (as upstream,
 * where an uncharged buffer is outside every pool).
 *
 * Aggressive protection (7.3) is driven from src/ttm/probe.c: while it
 * runs the first pass up to the VRAM placement ("probing"), an eviction of
 * VRAM is refused outright, limited to unprotected buffers (no retry
 * ignoring low: passes 1 and 2 only), or run as usual, as
 * dmem_alloc_evict_before_fallback() said for the allocating cgroup.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "ttm/context.h"
#include "ttm/charge_map.h"
#include "ttm/evict.h"
#include "hook/hook.h"

DMEM_HOOK_DEFINE(ttm_bo_eviction_valuable, "ttm:ttm_bo_eviction_valuable",
		 NULL, bool, (bo, place), struct ttm_buffer_object *bo,
		 const struct ttm_place *place);

/**
 * dmem_ttm_evict_round() - the round of the pass @ctx is running.
 * @ctx: the evicting task's context
 *
 * Return: the core's name of the pass (see the top of this file).
 */
static enum dmem_evict_round dmem_ttm_evict_round(const struct dmem_ttm_ctx *ctx)
{
	if (ctx->high_only)
		return DMEM_EVICT_ROUND_HIGH;
	return ctx->ignore_low ? DMEM_EVICT_ROUND_LOW :
				 DMEM_EVICT_ROUND_UNPROTECTED;
}

/**
 * dmem_ttm_count_unscoped_eviction() - dmem.events of a buffer chosen by
 * an eviction that runs without our context.
 * @bo: the buffer, reserved by the caller
 * @res: its resource
 *
 * While no limit is set anywhere an allocation takes no context (see
 * dmem_any_limit_set()): nothing restricts what it evicts, but a buffer
 * we charged still counts as evicted (nothing else: without protection
 * no "low" event can happen).
 */
static void dmem_ttm_count_unscoped_eviction(struct ttm_buffer_object *bo,
					     struct ttm_resource *res)
{
	struct dmem_pool *test;

	if (res->mem_type != DMEM_TTM_VRAM || bo->deleted)
		return;
	dmem_ttm_track_lock();
	test = dmem_ttm_res_pool_locked(res);
	if (test)
		dmem_pool_count_eviction(NULL, NULL, test, false,
					 bo->base.size);
	dmem_ttm_track_unlock();
}

/**
 * dmem_ttm_evict_allowed() - the dmem part of the eviction decision.
 * @bo: candidate buffer, reserved by the caller
 *
 * Return: false if @bo must stay because of dmem limits or protection.
 */
static bool dmem_ttm_evict_allowed(struct ttm_buffer_object *bo)
{
	struct dmem_ttm_ctx *ctx = dmem_ttm_ctx_current();
	struct ttm_resource *res = bo->resource;
	struct dmem_pool *test;
	bool hit_low = false;
	bool ok = true;

	if (!res)
		return true;
	if (!ctx || !ctx->evicting) {
		dmem_ttm_count_unscoped_eviction(bo, res);
		return true;
	}

	dmem_ttm_track_lock();
	test = dmem_ttm_res_pool_locked(res);
	if (!test)
		/*
		 * Not ours: only a max-limited allocation must leave it, and
		 * it has no dmem.high (not taken in pass 1).
		 */
		ok = !ctx->limit_pool && !ctx->high_only;
	else if (ctx->charge_pool &&
		 dmem_pool_region(test) == dmem_pool_region(ctx->charge_pool))
		ok = dmem_may_evict_round(ctx->limit_pool, ctx->charge_pool,
					  test, dmem_ttm_evict_round(ctx),
					  &hit_low);
	else
		ok = !ctx->high_only;
	/* dmem.events: counted when chosen (see src/cgroup/events.c) */
	if (ok && test && !bo->deleted)
		dmem_pool_count_eviction(ctx->limit_pool, ctx->charge_pool,
					 test, ctx->ignore_low, bo->base.size);
	dmem_ttm_track_unlock();

	if (hit_low)
		ctx->hit_low = true;
	return ok;
}

/**
 * dmem_ttm_bo_eviction_valuable() - replacement of
 * ttm_bo_eviction_valuable().
 * @bo: candidate buffer
 * @place: the placement being made room for
 *
 * Return: the kernel's answer, narrowed by dmem protection and limits.
 */
static bool dmem_ttm_bo_eviction_valuable(struct ttm_buffer_object *bo,
					  const struct ttm_place *place)
{
	return ttm_bo_eviction_valuable(bo, place) &&
	       dmem_ttm_evict_allowed(bo);
}

/**
 * dmem_ttm_evict_pass_begin() - set up the first eviction pass.
 * @ctx: the evicting task's context
 * @man: the manager being evicted from
 *
 * Return: the previous value of @ctx->evicting (nesting).
 */
static bool dmem_ttm_evict_pass_begin(struct dmem_ttm_ctx *ctx,
				      struct ttm_resource_manager *man)
{
	bool was = ctx->evicting;

	ctx->evicting = ctx->man == man;
	ctx->high_only = false;
	ctx->hit_low = false;
	ctx->ignore_low = false;
	return was;
}

/**
 * dmem_ttm_evict_high_first() - start pass 1 (buffers above dmem.high)?
 * @ctx: the evicting task's context, after dmem_ttm_evict_pass_begin()
 *
 * Only when this is our eviction of the allocating cgroup's region and a
 * pool of that region is above its high (one atomic read otherwise).
 *
 * Return: true if pass 1 must run (@ctx->high_only is then set).
 */
static bool dmem_ttm_evict_high_first(struct dmem_ttm_ctx *ctx)
{
	ctx->high_only = ctx->evicting && ctx->charge_pool &&
		dmem_region_any_above_high(dmem_pool_region(ctx->charge_pool));
	return ctx->high_only;
}

/* Pass 1 is over: pass 2 starts from a clean slate. */
static void dmem_ttm_evict_high_done(struct dmem_ttm_ctx *ctx)
{
	ctx->high_only = false;
	ctx->hit_low = false;
}

/**
 * dmem_ttm_evict_refused() - must this eviction not even start?
 * @ctx: the evicting task's context
 * @man: the manager to evict from
 *
 * Only while probing (aggressive protection): an allocating cgroup that
 * is not within its low may not evict before falling back.
 *
 * Return: true if the eviction must report that it found nothing.
 */
static bool dmem_ttm_evict_refused(struct dmem_ttm_ctx *ctx,
				   struct ttm_resource_manager *man)
{
	return ctx->probing && ctx->man == man &&
	       ctx->probe_evict == DMEM_ALLOC_EVICT_NONE;
}

static bool dmem_ttm_evict_retry_ignoring_low(struct dmem_ttm_ctx *ctx)
{
	if (!ctx->evicting || ctx->ignore_low || !ctx->hit_low)
		return false;
	/* within low only (not min): unprotected buffers only */
	if (ctx->probing && ctx->probe_evict == DMEM_ALLOC_EVICT_UNPROTECTED)
		return false;
	ctx->ignore_low = true;
	ctx->hit_low = false;
	return true;
}

static void dmem_ttm_evict_pass_end(struct dmem_ttm_ctx *ctx, bool was)
{
	ctx->evicting = was;
	ctx->high_only = false;
	ctx->ignore_low = false;
	ctx->hit_low = false;
}

s64 dmem_ttm_evict_passes(struct ttm_resource_manager *man,
			  struct ttm_compat_evict *call)
{
	struct dmem_ttm_ctx *ctx = dmem_ttm_ctx_current();
	bool was;
	s64 ret;

	if (!ctx)
		return ttm_compat_evict_orig(call);
	if (dmem_ttm_evict_refused(ctx, man))
		return ttm_compat_evict_nothing();
	was = dmem_ttm_evict_pass_begin(ctx, man);
	ret = ttm_compat_evict_nothing();
	if (dmem_ttm_evict_high_first(ctx)) {
		ret = ttm_compat_evict_orig(call);
		dmem_ttm_evict_high_done(ctx);
	}
	if (ret == ttm_compat_evict_nothing())
		ret = ttm_compat_evict_orig(call);
	if (ret == ttm_compat_evict_nothing() &&
	    dmem_ttm_evict_retry_ignoring_low(ctx))
		ret = ttm_compat_evict_orig(call);
	dmem_ttm_evict_pass_end(ctx, was);
	return ret;
}
