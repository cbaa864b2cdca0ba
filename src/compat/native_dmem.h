/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: refuse kernels that have the dmem controller themselves.
 *
 * Mainline 6.14 added the dmem cgroup controller (CONFIG_CGROUP_DMEM,
 * kernel/cgroup/dmem.c) and made TTM charge it (ttm_resource_alloc() got
 * a fourth argument).  Some vendor kernels older than that carry it as a
 * backport (deepin-community/kernel 6.6.y in some revisions).  On such a
 * kernel this module would register dmem.* files under the same names as
 * the native controller and charge every buffer a second time: the kbuild
 * Makefile stops the build, this header stops a build that bypassed it,
 * and dmem_compat_native_dmem() makes a forced load refuse.
 */
#ifndef DMEM_COMPAT_NATIVE_DMEM_H
#define DMEM_COMPAT_NATIVE_DMEM_H

#include <linux/module.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0) || IS_ENABLED(CONFIG_CGROUP_DMEM)
#error "dmem-backport: the kernel has its own dmem controller (6.14+ or CONFIG_CGROUP_DMEM)"
#endif

/* Functions kernel/cgroup/dmem.c exports (EXPORT_SYMBOL_GPL) in 6.14. */
static const char * const dmem_compat_native_symbols[] = {
	"dmem_cgroup_register_region",
	"dmem_cgroup_try_charge",
};

/**
 * dmem_compat_native_dmem() - does the running kernel have dmem itself?
 *
 * Looks up, by name, the functions the native controller exports.  Only
 * reached if the build-time checks were bypassed (headers that do not
 * match the running kernel).
 *
 * Return: the name of the symbol found, or NULL if there is none.
 */
static inline const char *dmem_compat_native_dmem(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dmem_compat_native_symbols); i++) {
		const char *name = dmem_compat_native_symbols[i];

		if (__symbol_get(name)) {
			__symbol_put(name);
			return name;
		}
	}
	return NULL;
}

#endif /* DMEM_COMPAT_NATIVE_DMEM_H */
