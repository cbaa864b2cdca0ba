// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the per-task context of a TTM allocation (see
 * src/ttm/context.h).
 *
 * A table keyed by task with one lock per bucket, each bucket on its own
 * cache line: tasks whose pointers hash to different buckets never touch
 * the same lock or line, so parallel submitters do not serialise here.
 * Entries live on their task's stack, so a reader must hold the bucket
 * lock (no RCU walk: a frame may be gone right after its task removed
 * it); only the owning task adds or removes its entry.  Process context
 * only (TTM allocation and eviction paths): a plain spinlock is enough.
 * Every walk is bounded by the number of tasks inside an allocation entry
 * point at that moment, at most one entry per task.
 */
#include <linux/cache.h>
#include <linux/hash.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "ttm/context.h"
#include "dmem_lockstat.h"

#define DMEM_TTM_CTX_BITS	6

/**
 * struct dmem_ttm_ctx_bucket - one bucket of the per-task table.
 * @lock: protects @head and every entry on it
 * @head: the entries whose task hashes here
 */
struct dmem_ttm_ctx_bucket {
	spinlock_t lock;	/* guards @head (see above) */
	struct hlist_head head;
} ____cacheline_aligned_in_smp;

static struct dmem_ttm_ctx_bucket dmem_ttm_ctx_buckets[1 << DMEM_TTM_CTX_BITS] = {
	[0 ... (1 << DMEM_TTM_CTX_BITS) - 1] = {
		.lock = __SPIN_LOCK_UNLOCKED(dmem_ttm_ctx_buckets.lock),
	},
};

static struct dmem_ttm_ctx_bucket *dmem_ttm_ctx_bucket(void)
{
	return &dmem_ttm_ctx_buckets[hash_ptr(current, DMEM_TTM_CTX_BITS)];
}

static struct dmem_ttm_ctx *dmem_ttm_ctx_find_locked(struct dmem_ttm_ctx_bucket *b)
{
	struct dmem_ttm_ctx *ctx;

	hlist_for_each_entry(ctx, &b->head, node)
		if (ctx->task == current)
			return ctx;
	return NULL;
}

struct dmem_ttm_ctx *dmem_ttm_ctx_current(void)
{
	struct dmem_ttm_ctx_bucket *b = dmem_ttm_ctx_bucket();
	struct dmem_ttm_ctx *ctx;

	dmem_spin_lock(&b->lock);
	ctx = dmem_ttm_ctx_find_locked(b);
	spin_unlock(&b->lock);
	return ctx;
}

bool dmem_ttm_ctx_enter(struct dmem_ttm_ctx *ctx)
{
	struct dmem_ttm_ctx_bucket *b = dmem_ttm_ctx_bucket();
	bool mine = false;

	/* member by member: memset() is an out-of-line call here */
	*ctx = (struct dmem_ttm_ctx){ .task = current };
	dmem_spin_lock(&b->lock);
	if (!dmem_ttm_ctx_find_locked(b)) {
		hlist_add_head(&ctx->node, &b->head);
		mine = true;
	}
	spin_unlock(&b->lock);
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
	struct dmem_ttm_ctx_bucket *b = dmem_ttm_ctx_bucket();

	dmem_spin_lock(&b->lock);
	hlist_del(&ctx->node);
	spin_unlock(&b->lock);
	dmem_ttm_ctx_set_pools(ctx, NULL, NULL);
}
