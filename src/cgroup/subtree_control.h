/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: "dmem" in cgroup.controllers and cgroup.subtree_control
 * (src/cgroup/subtree_control.c).
 */
#ifndef DMEM_CGROUP_SUBTREE_CONTROL_H
#define DMEM_CGROUP_SUBTREE_CONTROL_H

/**
 * dmem_subtree_control_init() - start showing "dmem" in cgroup.controllers
 * and cgroup.subtree_control and handling "+dmem"/"-dmem" writes.
 *
 * Needs dmem_host, the per-cgroup state and the dmem.* files.  On failure
 * prints one pr_err and undoes everything.  May sleep.
 *
 * Return: 0 or a negative errno.
 */
int dmem_subtree_control_init(void);

/**
 * dmem_subtree_control_exit() - stop, waiting for the callers inside our
 * replacements.
 *
 * May sleep.
 *
 * Return: nothing.
 */
void dmem_subtree_control_exit(void);

#endif /* DMEM_CGROUP_SUBTREE_CONTROL_H */
