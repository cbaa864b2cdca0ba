/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: entry points of the TTM side, as seen by dmem_main.c
 * (src/ttm/init.c).
 */
#ifndef DMEM_TTM_INIT_H
#define DMEM_TTM_INIT_H

/**
 * dmem_ttm_init() - discover devices and install the TTM hooks.
 *
 * Runs last in module init (after the core, the hook layer and the cgroup
 * glue are up).
 *
 * Return: 0, or a negative error (printed once) after which nothing is
 * left installed, registered or charged.
 */
int dmem_ttm_init(void);

/**
 * dmem_ttm_exit() - remove the TTM hooks, drop all charges and regions.
 *
 * Runs first at unload.
 */
void dmem_ttm_exit(void);

#endif /* DMEM_TTM_INIT_H */
