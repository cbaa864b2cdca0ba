/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: the per-task context of a TTM allocation
 * (src/ttm/context.c).
 *
 * The outermost allocation entry point (ttm_bo_validate(),
 * ttm_bo_mem_space(), src/ttm/probe.c) installs a context on its stack
 * for the current task; a failed charge records in it what the eviction
 * that follows needs (src/ttm/charge.c), and the eviction hooks
 * (src/ttm_dmem_evict.c) read it.
 */
#ifndef DMEM_TTM_CONTEXT_H
#define DMEM_TTM_CONTEXT_H

#include <linux/list.h>
#include "dmem_core.h"
#include "compat/ttm_compat.h"

struct task_struct;

/**
 * struct dmem_ttm_ctx - per-task allocation/eviction context.
 * @node: entry in the per-task table (keyed by @task)
 * @task: the owning task; only it reads or writes the other members
 * @man: VRAM manager of the last charge attempt (NULL: none yet)
 * @charge_pool: the allocating cgroup's pool for @man's region (ref)
 * @limit_pool: pool whose dmem.max the last charge hit (ref), or NULL
 * @evicting: inside one of our eviction hooks
 * @high_only: this eviction pass takes only buffers above dmem.high
 * @ignore_low: this eviction pass may take low-protected buffers
 * @hit_low: a buffer was skipped only because of low protection
 * @probing: running the 7.3 first pass up to VRAM (aggressive protection)
 * @probe_evict: what that pass may evict, set by the last VRAM attempt
 *
 * Set up by the outermost allocation entry point on its stack and removed
 * when it returns.
 */
struct dmem_ttm_ctx {
	struct hlist_node node;
	struct task_struct *task;
	struct ttm_resource_manager *man;
	struct dmem_pool *charge_pool;
	struct dmem_pool *limit_pool;
	bool evicting;
	bool high_only;
	bool ignore_low;
	bool hit_low;
	bool probing;
	enum dmem_alloc_evict probe_evict;
};

/**
 * dmem_ttm_ctx_current() - the context of the current task.
 *
 * Process context only.
 *
 * Return: the context, or NULL if the task is not inside an allocation
 * entry point.
 */
struct dmem_ttm_ctx *dmem_ttm_ctx_current(void);

/**
 * dmem_ttm_ctx_enter() - install @ctx for the current task.
 * @ctx: caller's (stack) context, initialised here
 *
 * Looks up and installs under one lock hold.
 *
 * Return: false if the task already has a context (nested entry point):
 * then @ctx is not used and must not be left.
 */
bool dmem_ttm_ctx_enter(struct dmem_ttm_ctx *ctx);

/**
 * dmem_ttm_ctx_leave() - remove @ctx, installed by dmem_ttm_ctx_enter(),
 * and drop the pool references it holds.
 * @ctx: the current task's context
 */
void dmem_ttm_ctx_leave(struct dmem_ttm_ctx *ctx);

/**
 * dmem_ttm_ctx_set_pools() - replace the pools @ctx remembers.
 * @ctx: the current task's context
 * @charge_pool: the new charge pool (reference passed in), or NULL
 * @limit_pool: the new limit pool (reference passed in), or NULL
 *
 * The references to the previous pools are dropped.
 */
void dmem_ttm_ctx_set_pools(struct dmem_ttm_ctx *ctx,
			    struct dmem_pool *charge_pool,
			    struct dmem_pool *limit_pool);

#endif /* DMEM_TTM_CONTEXT_H */
