/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: TTM side (regions, charging, eviction), internal interface.
 */
#ifndef DMEM_TTM_DMEM_H
#define DMEM_TTM_DMEM_H

#include "dmem_core.h"
#include "compat/ttm_compat.h"

/**
 * struct dmem_ttm_ctx - per-task allocation/eviction context.
 * @node: entry in the per-task table (keyed by @task)
 * @task: the owning task; only it reads or writes the other members
 * @man: VRAM manager of the last charge attempt (NULL: none yet)
 * @charge_pool: the allocating cgroup's pool for @man's region (ref)
 * @limit_pool: pool whose dmem.max the last charge hit (ref), or NULL
 * @evicting: inside one of our eviction hooks
 * @ignore_low: this eviction pass may take low-protected buffers
 * @hit_low: a buffer was skipped only because of low protection
 * @probing: running the 7.3 first pass up to VRAM (aggressive protection)
 * @probe_evict: what that pass may evict, set by the last VRAM attempt
 *
 * Set up by the outermost allocation entry point (ttm_bo_validate(),
 * ttm_bo_mem_space()) on its stack and removed when it returns.
 */
struct dmem_ttm_ctx {
	struct hlist_node node;
	struct task_struct *task;
	struct ttm_resource_manager *man;
	struct dmem_pool *charge_pool;
	struct dmem_pool *limit_pool;
	bool evicting;
	bool ignore_low;
	bool hit_low;
	bool probing;
	enum dmem_alloc_evict probe_evict;
};

struct dmem_ttm_ctx *dmem_ttm_ctx_current(void);
struct dmem_pool *dmem_ttm_res_pool_locked(struct ttm_resource *res);
void dmem_ttm_track_lock(void);
void dmem_ttm_track_unlock(void);

#endif /* DMEM_TTM_DMEM_H */
