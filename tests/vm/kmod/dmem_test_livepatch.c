// SPDX-License-Identifier: GPL-2.0
/*
 * Test livepatch for tests/vm/tests/admin_livepatch.sh (never packaged).
 *
 * target=fini: replaces ttm_resource_fini() with an identical copy.
 * dmem_backport only observes that function (no FTRACE_OPS_FL_IPMODIFY),
 * so the patch must apply while it is loaded.
 *
 * target=valuable: replaces ttm_bo_eviction_valuable().  dmem_backport
 * redirects that one, so klp_enable_patch() must fail with -EBUSY while it
 * is loaded.  The copy cannot call the non-exported
 * ttm_resource_intersects(); it returns true instead, which is what that
 * returns for a range manager placement without fpfn/lpfn (qxl's VRAM).
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/version.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_resource.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#include <drm/ttm/ttm_bo_api.h>
#else
#include <drm/ttm/ttm_bo.h>
#endif

static char *target = "fini";
module_param(target, charp, 0444);
MODULE_PARM_DESC(target, "fini or valuable");

static void lp_ttm_resource_fini(struct ttm_resource_manager *man,
				 struct ttm_resource *res)
{
	struct ttm_device *bdev = man->bdev;

	spin_lock(&bdev->lru_lock);
	/* 6.12: the LRU entry became struct ttm_lru_item (6.11.11: list_head) */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	list_del_init(&res->lru);
#else
	list_del_init(&res->lru.link);
#endif
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	man->usage -= res->num_pages << PAGE_SHIFT;
#else
	man->usage -= res->size;
#endif
	spin_unlock(&bdev->lru_lock);
}

static bool lp_ttm_bo_eviction_valuable(struct ttm_buffer_object *bo,
					const struct ttm_place *place)
{
	dma_resv_assert_held(bo->base.resv);
	return true;
}

static struct klp_func lp_funcs_fini[] = {
	{ .old_name = "ttm_resource_fini", .new_func = lp_ttm_resource_fini },
	{ }
};

static struct klp_func lp_funcs_valuable[] = {
	{
		.old_name = "ttm_bo_eviction_valuable",
		.new_func = lp_ttm_bo_eviction_valuable,
	},
	{ }
};

static struct klp_object lp_objs[] = {
	{ .name = "ttm" },
	{ }
};

static struct klp_patch lp_patch = {
	.mod = THIS_MODULE,
	.objs = lp_objs,
};

static int __init lp_init(void)
{
	if (!strcmp(target, "fini"))
		lp_objs[0].funcs = lp_funcs_fini;
	else if (!strcmp(target, "valuable"))
		lp_objs[0].funcs = lp_funcs_valuable;
	else
		return -EINVAL;
	return klp_enable_patch(&lp_patch);
}

static void __exit lp_exit(void)
{
}

module_init(lp_init);
module_exit(lp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dmem-backport test livepatch (in-guest tests only)");
MODULE_INFO(livepatch, "Y");
