/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: struct module differences between the supported kernels.
 */
#ifndef DMEM_COMPAT_MODULE_COMPAT_H
#define DMEM_COMPAT_MODULE_COMPAT_H

#include <linux/module.h>
#include <linux/version.h>

/**
 * dmem_compat_module_text() - where this module's core text is.
 * @base: set to its start address
 * @size: set to its size in bytes
 *
 * Mainline 6.4 replaced struct module's core_layout (base, text_size) by
 * mem[MOD_TEXT].
 */
static inline void dmem_compat_module_text(unsigned long *base,
					   unsigned long *size)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	*base = (unsigned long)THIS_MODULE->mem[MOD_TEXT].base;
	*size = THIS_MODULE->mem[MOD_TEXT].size;
#else
	*base = (unsigned long)THIS_MODULE->core_layout.base;
	*size = THIS_MODULE->core_layout.text_size;
#endif
}

#endif /* DMEM_COMPAT_MODULE_COMPAT_H */
