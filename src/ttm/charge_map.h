/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: the map from TTM resources to their charges
 * (src/ttm/charge_map.c).
 *
 * A charge is remembered per resource, not per buffer object: a pipelined
 * move hands a resource to a ghost object.  The charging hook adds a
 * record (src/ttm/charge.c), ttm_resource_fini() takes it out again, and
 * the eviction (src/ttm_dmem_evict.c) looks up the pool a candidate's
 * resource is charged to.
 */
#ifndef DMEM_TTM_CHARGE_MAP_H
#define DMEM_TTM_CHARGE_MAP_H

#include <linux/list.h>
#include "dmem_core.h"
#include "ttm/dmem_charge.h"
#include "compat/ttm_compat.h"

/**
 * struct dmem_ttm_charge - one charged resource.
 * @node: entry in the map, keyed by @res
 * @res: the resource
 * @charge: its charge (kept: see dmem_charge_keep())
 */
struct dmem_ttm_charge {
	struct hlist_node node;
	struct ttm_resource *res;
	struct dmem_charge charge;
};

/**
 * dmem_ttm_charge_map_init() - set up the map (its record cache).
 *
 * One fault-injectable init step (dmem_init_step()).
 *
 * Return: 0, or a negative errno (printed once).
 */
int dmem_ttm_charge_map_init(void);

/**
 * dmem_ttm_charge_map_exit() - free what dmem_ttm_charge_map_init() set
 * up; the map must be empty (dmem_ttm_untrack_all()).  No-op if it was not
 * set up.
 */
void dmem_ttm_charge_map_exit(void);

/**
 * dmem_ttm_charge_alloc() - a new, untracked record.  May sleep.
 *
 * Return: the record (free with dmem_ttm_charge_free() unless tracked),
 * or NULL.
 */
struct dmem_ttm_charge *dmem_ttm_charge_alloc(void);

/**
 * dmem_ttm_charge_free() - free a record that is not tracked (any more).
 * @c: the record.  Any context.
 *
 * Freed at once: every reader of the map holds the bucket lock.
 */
void dmem_ttm_charge_free(struct dmem_ttm_charge *c);

/**
 * dmem_ttm_track() - add a filled-in record to the map.
 * @c: the record; @c->res must not be tracked already.  Any context.
 */
void dmem_ttm_track(struct dmem_ttm_charge *c);

/**
 * dmem_ttm_untrack() - take the record of @res out of the map.
 * @res: a resource.  Any context.
 *
 * Return: the record (now the caller's), or NULL if @res is not charged.
 */
struct dmem_ttm_charge *dmem_ttm_untrack(struct ttm_resource *res);

/**
 * dmem_ttm_untrack_all() - empty the map (unload, failed load).
 * @release: called for every record once it is out of the map, outside
 *	the map's lock; it owns the record.
 */
void dmem_ttm_untrack_all(void (*release)(struct dmem_ttm_charge *c));

/**
 * dmem_ttm_track_lock() - start reading the map (dmem_ttm_res_pool_locked()).
 *
 * An RCU read-side section (each lookup takes its bucket's lock for the
 * walk only): the caller must not sleep until dmem_ttm_track_unlock().
 */
void dmem_ttm_track_lock(void);

/** dmem_ttm_track_unlock() - end what dmem_ttm_track_lock() started. */
void dmem_ttm_track_unlock(void);

/**
 * dmem_ttm_res_pool_locked() - the pool @res is charged to.
 * @res: a resource
 *
 * Caller is between dmem_ttm_track_lock() and dmem_ttm_track_unlock().
 * The answer may be stale at once (a concurrent free may uncharge @res),
 * but the pool's memory stays readable until dmem_ttm_track_unlock():
 * pools are freed an RCU grace period after their last reference.  Take
 * no reference on it and keep no pointer to it past the unlock.
 *
 * Return: the pool, or NULL if @res is not charged.
 */
struct dmem_pool *dmem_ttm_res_pool_locked(struct ttm_resource *res);

#endif /* DMEM_TTM_CHARGE_MAP_H */
