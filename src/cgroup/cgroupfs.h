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
 * dmem_cg_of_current() - the dmem state charges of the current task go to.
 *
 * That is the cgroup upstream's dmem css of the task belongs to: the
 * task's own cgroup if its parent enables dmem, else the nearest ancestor
 * whose parent does, else the root.  May sleep (first use allocates).
 *
 * Return: a referenced struct dmem_cg (drop with dmem_cg_put()), or
 * ERR_PTR(-ENOMEM) / ERR_PTR(-ENODEV) (host controller not usable).
 */
struct dmem_cg *dmem_cg_of_current(void);

/**
 * dmem_pool_of_current_rcu() - the current task's existing pool in
 * @region, found without a lock and without writing any shared line but
 * the pool's reference count.
 * @region: the region; the caller holds rcu_read_lock(), which keeps
 *	@region's memory valid (see dmem_ttm_region_rcu())
 *
 * The hot path of every charge.  Does not sleep.
 *
 * Return: a referenced pool (drop with dmem_pool_put()), or NULL if the
 * cgroup has no state or no pool for @region yet, or is going away (then
 * dmem_pool_of_current() creates or finds it).
 */
struct dmem_pool *dmem_pool_of_current_rcu(struct dmem_region *region);

/**
 * dmem_pool_of_current() - the pool charges of the current task go to in
 * @region (the cgroup chosen as by dmem_cg_of_current()).
 * @region: the region
 *
 * An existing pool is found under RCU without reference count operations
 * on the cgroup; a missing one is created with its ancestors.  May sleep.
 *
 * Return: a referenced pool (drop with dmem_pool_put()), or an ERR_PTR:
 * -ENODEV (region unregistered, cgroup going away, host controller not
 * usable) or -ENOMEM.
 */
struct dmem_pool *dmem_pool_of_current(struct dmem_region *region);

/**
 * dmem_cg_pin() - keep @cg's cgroup from being released while a charge
 * made to it is outstanding (a reference on the cgroup's css).
 * @cg: a dmem_cg from dmem_cg_of_current() or a pool of it.
 *
 * Every dmem_cg_pin() needs one dmem_cg_unpin().  Any context.
 *
 * Return: nothing.
 */
void dmem_cg_pin(struct dmem_cg *cg);

/**
 * dmem_cg_unpin() - drop a pin taken with dmem_cg_pin().
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
