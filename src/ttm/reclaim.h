/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: reclaim, TTM side (src/ttm/reclaim.c): evict the VRAM
 * buffers charged inside one cgroup's subtree, for a lowered dmem.max.
 */
#ifndef DMEM_TTM_RECLAIM_H
#define DMEM_TTM_RECLAIM_H

#include "dmem_core.h"

/**
 * dmem_ttm_reclaim_pass() - one reclaim pass over the VRAM manager of
 * @pool's region.
 * @pool: the pool of the cgroup whose subtree is reclaimed (the caller
 *	holds a reference)
 * @target: bytes still above the limit
 *
 * Evicts, through TTM's own eviction, buffers charged to @pool or below
 * it; never a buffer charged elsewhere or not charged by us.  dmem.min
 * of the cgroups inside the subtree is never crossed; dmem.low is
 * respected unless only low-protected buffers were left (then the pass is
 * repeated ignoring low), as upstream's reclaim with @pool as the limit
 * pool.  Process context, may sleep; takes no lock of the caller.
 *
 * Return: progress (> 0), 0 if nothing admissible could be evicted,
 * -ENODEV if the region's device is gone or the module is unloading,
 * -EOPNOTSUPP if this kernel cannot reclaim, -EINTR/-ERESTARTSYS on a
 * signal, or another negative errno.
 */
s64 dmem_ttm_reclaim_pass(struct dmem_pool *pool, u64 target);

struct ttm_buffer_object;

/**
 * dmem_ttm_reclaim_admits() - may reclaim evict @bo?
 * @bo: a buffer of the manager being reclaimed, reserved by the caller
 *
 * For the era's eviction path when it asks from our own code (calls made
 * by the module are not redirected into our ttm_bo_eviction_valuable()
 * replacement, src/hook/hook.h): the same subtree decision, from the
 * current task's reclaim context.
 *
 * Return: true only inside a reclaim pass, for a buffer charged inside
 * the reclaimed subtree that its cgroups' protection lets go.
 */
bool dmem_ttm_reclaim_admits(struct ttm_buffer_object *bo);

/**
 * dmem_ttm_reclaim_region() - the region called @name, if it is one of
 * our TTM regions.
 * @name: the name, not necessarily NUL-terminated
 * @len: its length
 *
 * Return: the region, not referenced: compare it only (a caller holding a
 * pool of the region keeps it valid), or NULL.
 */
struct dmem_region *dmem_ttm_reclaim_region(const char *name, size_t len);

/**
 * dmem_ttm_reclaim_fence() - wait until no reclaim pass runs on a device
 * that left the registry.
 *
 * Called by ttm_device_fini()'s replacement after the device's entry is
 * removed and before the device goes away.  May sleep.
 */
void dmem_ttm_reclaim_fence(void);

/**
 * dmem_ttm_reclaim_init() - set up reclaim (the era's needs).
 *
 * A kernel that cannot reclaim is not an error: writes then only store
 * the limit (printed once).
 *
 * Return: 0 or a negative errno (printed).
 */
int dmem_ttm_reclaim_init(void);

/**
 * dmem_ttm_reclaim_exit() - stop reclaim for unload: running passes are
 * waited for, later ones fail with -ENODEV.  May sleep.
 */
void dmem_ttm_reclaim_exit(void);

#endif /* DMEM_TTM_RECLAIM_H */
