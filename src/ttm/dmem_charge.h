/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: charging the current task's cgroup in a region, as one
 * call with one handle (src/ttm/dmem_charge.c).
 *
 * The TTM side charges with dmem_charge_try() and then either keeps the
 * charge (dmem_charge_keep(), the allocation succeeded) or cancels it
 * (dmem_charge_cancel()); a kept charge is undone with
 * dmem_charge_release().  Built on the cgroup glue's
 * dmem_pool_of_current() (which pins the pool's cgroup) and
 * dmem_cg_unpin() and the core's pool counters.
 */
#ifndef DMEM_TTM_DMEM_CHARGE_H
#define DMEM_TTM_DMEM_CHARGE_H

#include "dmem_core.h"

/**
 * struct dmem_charge - a charge of the current task's pool in a region.
 * @pool: the pool charged.  Until dmem_charge_keep() the handle holds a
 *	reference to it; afterwards the charge itself keeps it alive (see
 *	dmem_region_unregister()).  The pool's cgroup is pinned while the
 *	charge exists.
 * @size: bytes charged
 */
struct dmem_charge {
	struct dmem_pool *pool;
	u64 size;
};

/**
 * dmem_charge_try() - charge @size bytes to the current task's pool in
 * @region.
 * @region: the region
 * @size: bytes
 * @charge: filled in
 * @limit: set to the pool whose dmem.max was hit (on -ENOSPC only)
 *
 * A pool that died under us (its cgroup went offline in a migration race,
 * or the region is being removed) is looked up once more; dead again, the
 * region is going away.  May sleep.
 *
 * Return: 0: charged; @charge holds the charge, the pin of the pool's
 * cgroup and a pool reference (end with dmem_charge_keep() or
 * dmem_charge_cancel()).  -ENOSPC: a dmem.max was hit; nothing is charged
 * or pinned, but @charge->pool and *@limit are references the caller must
 * hand on or drop with dmem_pool_put() (the eviction that follows needs
 * them).  -ENODEV: the region is going away; nothing is held (allocate
 * uncharged).  -ENOMEM: nothing is held.
 */
int dmem_charge_try(struct dmem_region *region, u64 size,
		    struct dmem_charge *charge, struct dmem_pool **limit);

/**
 * dmem_charge_try_pool() - charge @size bytes to @pool, a pool the
 * current task's charges go to, found by dmem_pool_of_current_rcu().
 * @pool: the pool; its reference and its cgroup's pin pass to this call
 * @size: bytes
 * @charge: filled in
 * @limit: as for dmem_charge_try()
 *
 * The lock-free path of a charge: no lookup, no sleep.
 *
 * Return: as dmem_charge_try(), except that -ENODEV means only that @pool
 * died under us (nothing is held): the caller looks the pool up again
 * with dmem_charge_try().
 */
int dmem_charge_try_pool(struct dmem_pool *pool, u64 size,
			 struct dmem_charge *charge, struct dmem_pool **limit);

/**
 * dmem_charge_keep() - the charge of dmem_charge_try() stays: drop the
 * handle's pool reference.
 * @charge: a charge from dmem_charge_try() that returned 0
 *
 * The charge and the pin stay until dmem_charge_release().
 */
void dmem_charge_keep(struct dmem_charge *charge);

/**
 * dmem_charge_cancel() - undo a charge that was not kept (the allocation
 * failed after all).
 * @charge: a charge from dmem_charge_try() that returned 0
 *
 * Uncharges and unpins.
 *
 * Return: the pool; the handle's reference to it is now the caller's.
 */
struct dmem_pool *dmem_charge_cancel(struct dmem_charge *charge);

/**
 * dmem_charge_release() - undo a kept charge: uncharge and unpin.
 * @charge: a charge passed to dmem_charge_keep()
 *
 * Any context (runs in an ftrace handler at ttm_resource_fini()).
 */
void dmem_charge_release(struct dmem_charge *charge);

#endif /* DMEM_TTM_DMEM_CHARGE_H */
