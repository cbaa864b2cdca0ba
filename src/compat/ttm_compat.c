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
 * function.  Both are ftrace IP rewrites (RET, not an indirect call).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <drm/drm_device.h>

#include "compat/ttm_compat.h"
#include "compat/hook.h"

static struct task_struct *dmem_ttm_enum_task;
static void (*dmem_ttm_enum_fn)(struct ttm_device *bdev, void *arg);
static void *dmem_ttm_enum_arg;
static DEFINE_MUTEX(dmem_ttm_enum_mutex);

/*
 * Same return convention as ttm_device_swapout() (int) and ttm_bo_swapout()
 * (s64): 0 means "nothing swapped, go on with the next device".
 */
static noinline long dmem_ttm_enum_one(struct ttm_device *bdev)
{
	dmem_ttm_enum_fn(bdev, dmem_ttm_enum_arg);
	return 0;
}

static void notrace dmem_ttm_enum_handler(unsigned long ip,
					  unsigned long parent_ip,
					  struct ftrace_ops *ops,
					  struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && READ_ONCE(dmem_ttm_enum_task) == current)
		regs->ip = (unsigned long)dmem_ttm_enum_one;
}

/* Runs the kernel's ttm_global_swapout() while its hook is installed. */
static DMEM_HOOK_STUB int orig_ttm_global_swapout(struct ttm_operation_ctx *octx,
						  gfp_t gfp_flags)
{
	return -ENOENT;
}

static struct dmem_hook dmem_ttm_hook_global_swapout = {
	.name = "ttm:ttm_global_swapout",
	DMEM_HOOK_ORIG(orig_ttm_global_swapout),
};

static struct ftrace_ops dmem_ttm_enum_ops = {
	.func = dmem_ttm_enum_handler,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

/**
 * ttm_compat_enum_devices() - call @fn for every TTM device.
 * @fn: callback, runs under ttm_global_mutex (must not take locks that
 *	are held while calling into TTM device init/fini)
 * @arg: passed to @fn
 *
 * A device on the list whose manager 0 has use_tt set (every device: the
 * system manager) is visited at least once; @fn may see a device twice.
 *
 * Return: 0, or a negative error if the walk could not be set up.
 */
int ttm_compat_enum_devices(void (*fn)(struct ttm_device *bdev, void *arg),
			    void *arg)
{
	struct ttm_operation_ctx octx = { .interruptible = false };
	char sym[] = DMEM_TTM_ENUM_SYMBOL;
	int ret;

	/*
	 * Once the last TTM device is gone, ttm_global_release() zeroes
	 * ttm_glob, device_list included, and ttm_global_swapout() would walk
	 * a NULL list.  No device, nothing to find.  (A last device going
	 * away during this very call is a window we cannot close without
	 * ttm_global_mutex.)
	 */
	if (!READ_ONCE(ttm_glob.device_list.next) ||
	    list_empty(&ttm_glob.device_list))
		return 0;

	mutex_lock(&dmem_ttm_enum_mutex);
	ret = dmem_hook_install(&dmem_ttm_hook_global_swapout);
	if (ret)
		goto out;
	ret = ftrace_set_filter(&dmem_ttm_enum_ops, sym, strlen(sym), 1);
	if (ret)
		goto out_hook;
	ret = register_ftrace_function(&dmem_ttm_enum_ops);
	if (ret)
		goto out_filter;

	dmem_ttm_enum_fn = fn;
	dmem_ttm_enum_arg = arg;
	WRITE_ONCE(dmem_ttm_enum_task, current);
	ret = orig_ttm_global_swapout(&octx, GFP_KERNEL);
	WRITE_ONCE(dmem_ttm_enum_task, NULL);
	if (ret > 0)
		ret = 0;

	unregister_ftrace_function(&dmem_ttm_enum_ops);
out_filter:
	ftrace_set_filter(&dmem_ttm_enum_ops, NULL, 0, 1);
out_hook:
	dmem_hook_remove(&dmem_ttm_hook_global_swapout);
out:
	mutex_unlock(&dmem_ttm_enum_mutex);
	return ret;
}
