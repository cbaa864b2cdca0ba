// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: module entry points.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/init.h>

static int __init dmem_backport_init(void)
{
	pr_info("loaded\n");
	return 0;
}

static void __exit dmem_backport_exit(void)
{
	pr_info("unloaded\n");
}

module_init(dmem_backport_init);
module_exit(dmem_backport_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dmem cgroup controller backport for LTS kernels");
