/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: entry points of the TTM side, as seen by dmem_main.c.
 *
 * dmem_ttm_init() runs last in module init (after the core, the hook layer
 * and the cgroupfs files are up) and discovers regions / installs the TTM
 * hooks; dmem_ttm_exit() runs first at unload.  Both live in src/ttm_dmem.c.
 */
#ifndef DMEM_TTM_H
#define DMEM_TTM_H

int dmem_ttm_init(void);
void dmem_ttm_exit(void);

#endif /* DMEM_TTM_H */
