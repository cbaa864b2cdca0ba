// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: module entry points.
 *
 * Init order: the hook layer (refuses to load if ftrace is disabled), the
 * cgroupfs interface (dmem.* files, cgroup.controllers/subtree_control
 * protocol, per-cgroup state), then the TTM side (regions, eviction and,
 * last of all, charging), which uses all of the former.  Exit runs in
 * reverse.  Any failure undoes everything that was set up and makes the
 * load fail with one pr_err, printed by the part that failed.  Every step
 * can be made to fail on purpose for tests (fail_init_step=N, see
 * dmem_init_step() in src/hook/hook.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/init.h>

#include "dmem_core.h"
#include "dmem_cgroupfs.h"
#include "ttm/init.h"
#include "hook/hook.h"
#include "compat/native_dmem.h"

#ifndef DMEM_VERSION
#define DMEM_VERSION "unknown"
#endif

static int __init dmem_backport_init(void)
{
	const char *native = dmem_compat_native_dmem();
	int err;

	if (native) {
		pr_err("the running kernel has its own dmem cgroup controller (%s): not loading\n",
		       native);
		return -EEXIST;
	}

	err = dmem_hooks_init();
	if (err)
		goto fail;
	err = dmem_cgroupfs_init();
	if (err)
		goto fail_hooks;
	err = dmem_ttm_init();
	if (err)
		goto fail_cgroupfs;
	dmem_init_steps_done();
	pr_info("version %s loaded\n", DMEM_VERSION);
	return 0;

fail_cgroupfs:
	dmem_cgroupfs_exit();
fail_hooks:
	/* let the last callers leave hooks that were installed for a while */
	dmem_hook_sync();
fail:
	dmem_init_steps_done();
	dmem_core_exit();
	return err;
}

static void __exit dmem_backport_exit(void)
{
	dmem_ttm_exit();
	dmem_cgroupfs_exit();
	/* every hook is removed: let the last callers leave our code */
	dmem_hook_sync();
	dmem_core_exit();
	pr_info("unloaded\n");
}

module_init(dmem_backport_init);
module_exit(dmem_backport_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(DMEM_VERSION);
MODULE_DESCRIPTION("dmem cgroup controller (GPU device-memory limits) backport for LTS kernels");
MODULE_AUTHOR("dmem-backport developers");
