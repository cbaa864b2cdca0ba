/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: cgroupfs interface and per-cgroup state.
 *
 * The dmem.* files are added to an existing controller (module parameter
 * "host": memory, or io) because a module cannot register a controller.
 * "dmem" is enabled per cgroup in cgroup.subtree_control with upstream's
 * rules, in state of our own.  Per-cgroup state is a struct dmem_cg (core)
 * per struct cgroup with a dmem css, created on first use (charge, limit
 * write, "+dmem").
 */
#ifndef DMEM_CGROUPFS_H
#define DMEM_CGROUPFS_H

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
 */
void dmem_cg_pin(struct dmem_cg *cg);

/** dmem_cg_unpin() - drop a pin taken with dmem_cg_pin(). Any context. */
void dmem_cg_unpin(struct dmem_cg *cg);

int dmem_cgroupfs_init(void);
void dmem_cgroupfs_exit(void);

#endif /* DMEM_CGROUPFS_H */
