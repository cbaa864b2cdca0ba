/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: entry points of the TTM side, as seen by dmem_main.c.
 *
 * dmem_ttm_init() runs last in module init (after the core, the hook layer
 * and the cgroupfs files are up) and discovers regions / installs the TTM
 * hooks; dmem_ttm_exit() runs first at unload.  Until src/ttm_dmem.c exists
 * the Makefile defines DMEM_TTM_STUB and these do nothing.
 */
#ifndef DMEM_TTM_H
#define DMEM_TTM_H

#ifdef DMEM_TTM_STUB
static inline int dmem_ttm_init(void)
{
	return 0;
}

static inline void dmem_ttm_exit(void)
{
}
#else
int dmem_ttm_init(void);
void dmem_ttm_exit(void);
#endif

#endif /* DMEM_TTM_H */
