// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the per-task context of a TTM allocation (see
 * src/ttm/context.h).
 *
 * A table keyed by task, under one spinlock: dmem_ttm_ctxs_lock.
 */
#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "ttm/context.h"
#include "dmem_lockstat.h"

static DEFINE_HASHTABLE(dmem_ttm_ctxs, 6);
static DEFINE_SPINLOCK(dmem_ttm_ctxs_lock);

/*
 * The table is only used from process context (TTM allocation and eviction
 * paths), so a plain spinlock is enough.  Entries live on their task's
 * stack: readers must hold the lock (no RCU walk), but only the owning
 * task adds or removes its entry.
 */
static struct dmem_ttm_ctx *dmem_ttm_ctx_find_locked(void)
{
	struct dmem_ttm_ctx *ctx;

	hash_for_each_possible(dmem_ttm_ctxs, ctx, node, (unsigned long)current)
		if (ctx->task == current)
			return ctx;
	return NULL;
}

struct dmem_ttm_ctx *dmem_ttm_ctx_current(void)
{
	struct dmem_ttm_ctx *ctx;

	dmem_spin_lock(&dmem_ttm_ctxs_lock);
	ctx = dmem_ttm_ctx_find_locked();
	spin_unlock(&dmem_ttm_ctxs_lock);
	return ctx;
}

bool dmem_ttm_ctx_enter(struct dmem_ttm_ctx *ctx)
{
	bool mine = false;

	memset(ctx, 0, sizeof(*ctx));
	ctx->task = current;
	dmem_spin_lock(&dmem_ttm_ctxs_lock);
	if (!dmem_ttm_ctx_find_locked()) {
		hash_add(dmem_ttm_ctxs, &ctx->node, (unsigned long)current);
		mine = true;
	}
	spin_unlock(&dmem_ttm_ctxs_lock);
	return mine;
}

void dmem_ttm_ctx_set_pools(struct dmem_ttm_ctx *ctx,
			    struct dmem_pool *charge_pool,
			    struct dmem_pool *limit_pool)
{
	if (ctx->charge_pool)
		dmem_pool_put(ctx->charge_pool);
	if (ctx->limit_pool)
		dmem_pool_put(ctx->limit_pool);
	ctx->charge_pool = charge_pool;
	ctx->limit_pool = limit_pool;
}

void dmem_ttm_ctx_leave(struct dmem_ttm_ctx *ctx)
{
	dmem_spin_lock(&dmem_ttm_ctxs_lock);
	hash_del(&ctx->node);
	spin_unlock(&dmem_ttm_ctxs_lock);
	dmem_ttm_ctx_set_pools(ctx, NULL, NULL);
}
