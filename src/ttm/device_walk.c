// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: walking ttm_glob.device_list safely.
 *
 * The list is protected by ttm_global_mutex, which is static in ttm.ko.
 * ttm_global_swapout() (exported up to 6.11, not in Debian's 6.12) takes
 * that mutex and, for every
 * device on the list, calls DMEM_TTM_ENUM_SYMBOL with the device as first
 * argument.  For the duration of one such call made by us, an IPMODIFY
 * ftrace handler on that symbol sends *our* task (and only it) to
 * dmem_ttm_enum_one() instead: we see every device under TTM's own lock,
 * nothing is swapped out, and every other task runs the original.
 *
 * IBT: ttm_global_swapout() is called through a stub of ours that the
 * hook layer redirects into it; our redirection returns into our own
 * function.  Both are ftrace IP rewrites (RET, not an indirect call), both
 * done by the hook layer (src/hook/hook.c), the only user of ftrace.
 *
 * ttm_glob race: once the last TTM device is gone, ttm_global_release()
 * zeroes ttm_glob (device_list included, under ttm_global_mutex, which we
 * cannot take), and ttm_global_swapout() would then follow a NULL list.
 * A check before the call cannot close that window, so for the duration
 * of the walk we own a TTM device ourselves: an empty placeholder
 * (ttm_device_init(), exported) that keeps ttm_glob's use count above
 * zero.  It has no VRAM manager, so the walk does not report it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <drm/drm_device.h>
#include <drm/drm_vma_manager.h>

#include "ttm/regions.h"
#include "hook/hooks.h"

static struct task_struct *dmem_ttm_enum_task;
static void (*dmem_ttm_enum_fn)(struct ttm_device *bdev, void *arg);
static void *dmem_ttm_enum_arg;
static DEFINE_MUTEX(dmem_ttm_enum_mutex);

/* Only our walking task is redirected; everyone else swaps out as usual. */
static bool dmem_ttm_enum_entry(struct pt_regs *regs)
{
	return READ_ONCE(dmem_ttm_enum_task) == current;
}

/*
 * Same return convention as ttm_device_swapout() (int) and ttm_bo_swapout()
 * (s64): 0 means "nothing swapped, go on with the next device".  Only the
 * first argument (the device) is declared and used.
 */
DMEM_HOOK_DEFINE(ttm_enum_device, "ttm:" DMEM_TTM_ENUM_SYMBOL,
		 dmem_ttm_enum_entry, long, (bdev), struct ttm_device *bdev);

static long dmem_ttm_enum_device(struct ttm_device *bdev)
{
	dmem_ttm_enum_fn(bdev, dmem_ttm_enum_arg);
	return 0;
}

/* orig_ttm_global_swapout() runs the kernel's function while installed. */
DMEM_HOOK_DEFINE_STUB(ttm_global_swapout, "ttm:ttm_global_swapout", int,
		      -ENOENT, struct ttm_operation_ctx *octx, gfp_t gfp_flags);

static struct ttm_device dmem_ttm_placeholder;
static struct drm_vma_offset_manager dmem_ttm_placeholder_vma;
static struct ttm_device_funcs dmem_ttm_placeholder_funcs;

/* Our own empty TTM device: ttm_glob stays initialised while it exists. */
static int dmem_ttm_placeholder_init(void)
{
	int ret;

	memset(&dmem_ttm_placeholder, 0, sizeof(dmem_ttm_placeholder));
	drm_vma_offset_manager_init(&dmem_ttm_placeholder_vma, 1, 1);
	ret = ttm_device_init(&dmem_ttm_placeholder,
			      &dmem_ttm_placeholder_funcs, NULL, NULL,
			      &dmem_ttm_placeholder_vma, false, false);
	if (ret) {
		drm_vma_offset_manager_destroy(&dmem_ttm_placeholder_vma);
		pr_err("cannot create a placeholder TTM device for the device walk (%d)\n",
		       ret);
	}
	return ret;
}

static void dmem_ttm_placeholder_fini(void)
{
	ttm_device_fini(&dmem_ttm_placeholder);
	drm_vma_offset_manager_destroy(&dmem_ttm_placeholder_vma);
}

/*
 * Test facility (root, at load only, like test_create_delay_ms): sleep this
 * long in the load-time walk, before TTM's list is walked, a window in
 * which a test makes the last TTM device go away
 * (tests/vm/tests/ttm_walk_last_device_race.sh).  At most 60 s.
 */
static unsigned int test_walk_delay_ms;
module_param(test_walk_delay_ms, uint, 0);
MODULE_PARM_DESC(test_walk_delay_ms,
		 "Test facility: sleep N ms (at most 60000) in the load-time TTM device walk; 0 = off");

/* Documented in src/ttm/regions.h. */
int dmem_ttm_walk_devices(void (*fn)(struct ttm_device *bdev, void *arg),
			  void *arg)
{
	struct ttm_operation_ctx octx = { .interruptible = false };
	int ret;

	mutex_lock(&dmem_ttm_enum_mutex);
	ret = dmem_init_step("placeholder TTM device") ?:
	      dmem_ttm_placeholder_init();
	if (ret)
		goto out;
	ret = dmem_hooks_install(DMEM_HOOKS_TTM_WALK);
	if (ret)
		goto out_placeholder;

	if (unlikely(test_walk_delay_ms))
		msleep(min(test_walk_delay_ms, 60000U));
	dmem_ttm_enum_fn = fn;
	dmem_ttm_enum_arg = arg;
	WRITE_ONCE(dmem_ttm_enum_task, current);
	ret = orig_ttm_global_swapout(&octx, GFP_KERNEL);
	WRITE_ONCE(dmem_ttm_enum_task, NULL);
	if (ret > 0)
		ret = 0;

	dmem_hooks_remove(DMEM_HOOKS_TTM_WALK);
out_placeholder:
	dmem_ttm_placeholder_fini();
out:
	mutex_unlock(&dmem_ttm_enum_mutex);
	return ret;
}
