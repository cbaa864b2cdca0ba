/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: the dmem.* files in cgroupfs (src/cgroup/cftypes.c).
 */
#ifndef DMEM_CGROUP_CFTYPES_H
#define DMEM_CGROUP_CFTYPES_H

/**
 * dmem_cftypes_init() - build the cftypes from the core's table of dmem.*
 * files and add them to the host controller.
 *
 * Needs dmem_host and the per-cgroup state (dmem_cgstate_init()).  On
 * failure prints one pr_err and undoes everything.  May sleep.
 *
 * Return: 0 or a negative errno.
 */
int dmem_cftypes_init(void);

/**
 * dmem_cftypes_exit() - remove the dmem.* files, waiting for their readers
 * and writers.
 *
 * May sleep.
 *
 * Return: nothing.
 */
void dmem_cftypes_exit(void);

#endif /* DMEM_CGROUP_CFTYPES_H */
