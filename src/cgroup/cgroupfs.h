/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: the cgroup glue, as the rest of the module sees it.
 *
 * The dmem.* files are added to an existing controller (module parameter
 * "host": memory, or io) because a module cannot register a controller.
 * "dmem" is enabled per cgroup in cgroup.subtree_control with upstream's
 * rules, in state of our own.  Per-cgroup state is a struct dmem_cgstate
 * (embedding the core's struct dmem_cg) per struct cgroup with a dmem css,
 * created on first use (charge, limit write, "+dmem").
 *
 * The parts, in src/cgroup/: state.c (per-cgroup state, its lifecycle and
 * the cgroup tracepoint probes), charge.c (the state and pool a task
 * charges to: the functions below), cftypes.c (the dmem.* files, built
 * from the core's table in src/dmem_files.c), subtree_control.c
 * (cgroup.controllers and cgroup.subtree_control, the owner of the files
 * of a delegated subtree, the choice of the host controller) and
 * cgroupfs.c (init and exit).
 */
#ifndef DMEM_CGROUP_CGROUPFS_H
#define DMEM_CGROUP_CGROUPFS_H

#include "dmem_core.h"

/**
 * dmem_pool_of_current_rcu() - the current task's existing pool in
 * @region, found without a lock, its cgroup pinned.
 * @region: the region; the caller holds rcu_read_lock(), which keeps
 *	@region's memory valid (see dmem_ttm_region_rcu())
 *
 * The hot path of every charge.  The pool is that of the cgroup upstream's
 * dmem css of the task belongs to: the task's own cgroup if its parent
 * enables dmem, else the nearest ancestor whose parent does, else the
 * root.  The cgroup is pinned (a css reference) inside the caller's read
 * section, so it cannot be released once the task is moved out and the
 * cgroup removed, whatever the caller does next.  Does not sleep.
 *
 * Return: a referenced pool with its cgroup pinned (drop with
 * dmem_cg_unpin() and dmem_pool_put()), or NULL if the cgroup has no state
 * or no pool for @region yet, or is being released (then
 * dmem_pool_of_current() creates or finds it).
 */
struct dmem_pool *dmem_pool_of_current_rcu(struct dmem_region *region);

/**
 * dmem_pool_of_current() - the pool charges of the current task go to in
 * @region, created with its ancestors if missing.
 * @region: the region
 *
 * The slow path of a charge, after dmem_pool_of_current_rcu() found no
 * pool (or a dying one): finds or creates the cgroup's state and pool,
 * with the cgroup pinned throughout (creating may sleep).  May sleep.
 *
 * Return: a referenced pool with its cgroup pinned (drop with
 * dmem_cg_unpin() and dmem_pool_put()), or an ERR_PTR (nothing held):
 * -ENODEV (region unregistered, cgroup going away, host controller not
 * usable) or -ENOMEM.
 */
struct dmem_pool *dmem_pool_of_current(struct dmem_region *region);

/**
 * dmem_cg_unpin() - drop the pin of a cgroup taken by
 * dmem_pool_of_current() or dmem_pool_of_current_rcu().
 * @cg: the pinned dmem_cg.
 *
 * Any context.
 *
 * Return: nothing.
 */
void dmem_cg_unpin(struct dmem_cg *cg);

/**
 * dmem_cgroupfs_init() - pick the host controller, add the dmem.* files to
 * it and start managing "dmem" in cgroup.subtree_control.
 *
 * Nothing is enabled at load, whatever the host's state.  On failure
 * prints one pr_err and undoes everything.  May sleep.
 *
 * Return: 0 or a negative errno.
 */
int dmem_cgroupfs_init(void);

/**
 * dmem_cgroupfs_exit() - undo dmem_cgroupfs_init(): remove the files (and
 * wait for their readers and writers), the hooks and every state.
 *
 * May sleep.
 *
 * Return: nothing.
 */
void dmem_cgroupfs_exit(void);

#endif /* DMEM_CGROUP_CGROUPFS_H */
