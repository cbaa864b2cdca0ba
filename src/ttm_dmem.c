// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: TTM regions and charging.
 *
 * Every TTM device's VRAM manager (TTM_PL_VRAM) becomes the region
 * "drm/<drm unique>/<name>".  Devices present at load are found by walking
 * ttm_glob.device_list under TTM's own lock (see ttm_compat_enum_devices());
 * later ones when they first allocate VRAM.  ttm_device_fini() removes the
 * region.
 *
 * Charging: ttm_resource_alloc() is redirected into
 * dmem_ttm_resource_alloc(), which charges bo->base.size to the allocating
 * task's pool before calling the original.  The charge is remembered per
 * resource (a pipelined move hands a resource to a ghost object) and
 * dropped in ttm_resource_fini(), which every manager's free calls.
 * Resources that were not charged by us (allocated before the module
 * loaded, or in another manager) are never uncharged.
 *
 * Region names (drm/<unique>/<name>), where upstream has no name we chose
 * "vram0"; manager sizes are in pages except where noted:
 *	amdgpu		vram	(upstream name; manager size in bytes)
 *	xe		vram0	(upstream name; manager size in bytes)
 *	i915		vram0	(manager size in bytes)
 *	any other	vram0	(qxl, radeon, vmwgfx, bochs, nouveau, ...)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>

#include "ttm_dmem.h"
#include "dmem_ttm.h"
#include "compat/ftrace_compat.h"
#include "compat/hook.h"
#include "dmem_cgroupfs.h"
#include "dmem_lockstat.h"

/**
 * struct dmem_ttm_dev - a TTM device whose VRAM manager is a region.
 * @node: entry in dmem_ttm_devs
 * @bdev: the TTM device (only compared, never dereferenced after fini)
 * @man: its VRAM manager
 * @region: the registered region
 * @ref: one for the list, one per user of @region (dmem_ttm_dev_get());
 *	the last put unregisters @region, so a region found by an
 *	allocation stays registered while that allocation uses it, even if
 *	ttm_device_fini() runs meanwhile
 */
struct dmem_ttm_dev {
	struct list_head node;
	struct ttm_device *bdev;
	struct ttm_resource_manager *man;
	struct dmem_region *region;
	refcount_t ref;
};

/**
 * struct dmem_ttm_charge - one charged resource.
 * @node: entry in dmem_ttm_charges, keyed by @res
 * @res: the resource
 * @pool: the pool charged (the charge holds a pool reference)
 * @size: bytes charged
 */
struct dmem_ttm_charge {
	struct hlist_node node;
	struct ttm_resource *res;
	struct dmem_pool *pool;
	u64 size;
};

static LIST_HEAD(dmem_ttm_devs);
static DEFINE_MUTEX(dmem_ttm_devs_mutex);	/* register/unregister */
static DEFINE_SPINLOCK(dmem_ttm_devs_lock);	/* the list itself */

static struct kmem_cache *dmem_ttm_charge_cache;
static DEFINE_HASHTABLE(dmem_ttm_charges, 10);
static DEFINE_SPINLOCK(dmem_ttm_charges_lock);

static DEFINE_HASHTABLE(dmem_ttm_ctxs, 6);
static DEFINE_SPINLOCK(dmem_ttm_ctxs_lock);

/* ---- regions ---------------------------------------------------------- */

struct dmem_ttm_driver_info {
	const char *driver;
	const char *region;
	bool size_in_bytes;
};

static const struct dmem_ttm_driver_info dmem_ttm_drivers[] = {
	{ "amdgpu", "vram", true },
	{ "xe", "vram0", true },
	{ "i915", "vram0", true },
};

static const struct dmem_ttm_driver_info dmem_ttm_default_driver = {
	NULL, "vram0", false
};

static const struct dmem_ttm_driver_info *
dmem_ttm_driver_info(const struct drm_device *drm)
{
	const char *name = drm->driver ? drm->driver->name : NULL;
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(dmem_ttm_drivers); i++)
		if (!strcmp(name, dmem_ttm_drivers[i].driver))
			return &dmem_ttm_drivers[i];
	return &dmem_ttm_default_driver;
}

/**
 * struct dmem_ttm_found - what is needed to register a device's region.
 * @bdev: the TTM device
 * @man: its VRAM manager
 * @name: region name
 * @size: capacity in bytes
 */
struct dmem_ttm_found {
	struct ttm_device *bdev;
	struct ttm_resource_manager *man;
	char name[DMEM_REGION_NAME_MAX];
	u64 size;
};

/**
 * dmem_ttm_describe() - fill @f for @bdev's VRAM manager from @drm.
 * @f: filled in
 * @bdev: the TTM device
 * @man: its VRAM manager
 * @drm: the DRM device owning @bdev (reached through one of its buffers)
 *
 * Return: true if @f names a usable region.
 */
static bool dmem_ttm_describe(struct dmem_ttm_found *f, struct ttm_device *bdev,
			      struct ttm_resource_manager *man,
			      const struct drm_device *drm)
{
	const struct dmem_ttm_driver_info *info;
	int len;

	if (!drm || !drm->unique)
		return false;
	info = dmem_ttm_driver_info(drm);
	len = snprintf(f->name, sizeof(f->name), "drm/%s/%s", drm->unique,
		       info->region);
	if (len <= 0 || len >= sizeof(f->name))
		return false;
	f->bdev = bdev;
	f->man = man;
	f->size = READ_ONCE(man->size);
	if (!info->size_in_bytes)
		f->size <<= PAGE_SHIFT;
	return true;
}

static struct dmem_ttm_dev *dmem_ttm_dev_find_locked(struct ttm_device *bdev)
{
	struct dmem_ttm_dev *dev;

	list_for_each_entry(dev, &dmem_ttm_devs, node)
		if (dev->bdev == bdev)
			return dev;
	return NULL;
}

/**
 * dmem_ttm_dev_get() - the device entry of @man, if it is a region.
 * @bdev: the TTM device
 * @man: a manager of @bdev
 *
 * Return: the entry with a reference (drop it with dmem_ttm_dev_put();
 * its region stays registered until then), or NULL.
 */
static struct dmem_ttm_dev *dmem_ttm_dev_get(struct ttm_device *bdev,
					     struct ttm_resource_manager *man)
{
	struct dmem_ttm_dev *dev;

	dmem_spin_lock(&dmem_ttm_devs_lock);
	dev = dmem_ttm_dev_find_locked(bdev);
	if (dev && dev->man == man)
		refcount_inc(&dev->ref);
	else
		dev = NULL;
	spin_unlock(&dmem_ttm_devs_lock);
	return dev;
}

/**
 * dmem_ttm_dev_put() - drop a reference; the last one unregisters the
 * region and frees the entry.  May sleep.
 * @dev: the entry
 */
static void dmem_ttm_dev_put(struct dmem_ttm_dev *dev)
{
	if (!refcount_dec_and_test(&dev->ref))
		return;
	dmem_region_unregister(dev->region);
	kfree(dev);
}

/**
 * dmem_ttm_is_region() - whether @man is a known VRAM manager.
 * @bdev: the TTM device
 * @man: a manager of @bdev
 *
 * Return: true if it is (the answer may be stale at once).
 */
static bool dmem_ttm_is_region(struct ttm_device *bdev,
			       struct ttm_resource_manager *man)
{
	struct dmem_ttm_dev *dev;
	bool found;

	dmem_spin_lock(&dmem_ttm_devs_lock);
	dev = dmem_ttm_dev_find_locked(bdev);
	found = dev && dev->man == man;
	spin_unlock(&dmem_ttm_devs_lock);
	return found;
}

/**
 * dmem_ttm_add_device() - register the region described by @f.
 * @f: the device
 *
 * Called with dmem_ttm_devs_mutex held.  A device already known is left
 * alone.  Failures are logged once and leave the device unaccounted.
 */
static void dmem_ttm_add_device(const struct dmem_ttm_found *f)
{
	struct dmem_region *region;
	struct dmem_ttm_dev *dev;

	lockdep_assert_held(&dmem_ttm_devs_mutex);
	dmem_spin_lock(&dmem_ttm_devs_lock);
	dev = dmem_ttm_dev_find_locked(f->bdev);
	spin_unlock(&dmem_ttm_devs_lock);
	if (dev)
		return;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return;
	region = dmem_region_register(f->name, f->size, f->bdev);
	if (IS_ERR(region)) {
		pr_warn("cannot register region %s: %ld\n", f->name,
			PTR_ERR(region));
		kfree(dev);
		return;
	}
	dev->bdev = f->bdev;
	dev->man = f->man;
	dev->region = region;
	refcount_set(&dev->ref, 1);
	dmem_spin_lock(&dmem_ttm_devs_lock);
	list_add_tail(&dev->node, &dmem_ttm_devs);
	spin_unlock(&dmem_ttm_devs_lock);
	pr_info("region %s, %llu bytes\n", f->name, f->size);
}

/**
 * dmem_ttm_discover() - make @bo's device a region if it is not one yet.
 * @bo: a buffer being placed in @man
 * @man: the manager of the placement
 *
 * Lazy discovery for devices that appear after the module loaded.
 * May sleep.
 */
static void dmem_ttm_discover(struct ttm_buffer_object *bo,
			      struct ttm_resource_manager *man)
{
	struct dmem_ttm_found f;

	if (man != ttm_compat_vram_manager(bo->bdev))
		return;
	if (!dmem_ttm_describe(&f, bo->bdev, man, bo->base.dev))
		return;
	mutex_lock(&dmem_ttm_devs_mutex);
	dmem_ttm_add_device(&f);
	mutex_unlock(&dmem_ttm_devs_mutex);
}

/**
 * dmem_ttm_remove_device() - unregister @bdev's region, if any.
 * @bdev: a TTM device going away
 *
 * Outstanding charges stay valid: the core keeps pools alive until their
 * last uncharge.
 */
static void dmem_ttm_remove_device(struct ttm_device *bdev)
{
	struct dmem_ttm_dev *dev;

	mutex_lock(&dmem_ttm_devs_mutex);
	dmem_spin_lock(&dmem_ttm_devs_lock);
	dev = dmem_ttm_dev_find_locked(bdev);
	if (dev)
		list_del(&dev->node);
	spin_unlock(&dmem_ttm_devs_lock);
	if (dev) {
		pr_info("region %s removed\n", dmem_region_name(dev->region));
		dmem_ttm_dev_put(dev);
	}
	mutex_unlock(&dmem_ttm_devs_mutex);
}

/**
 * struct dmem_ttm_walk - devices seen by the load-time walk.
 * @n: entries used in @found
 * @missed: devices that did not fit (found later, lazily)
 * @found: the devices
 */
struct dmem_ttm_walk {
	unsigned int n;
	unsigned int missed;
	struct dmem_ttm_found found[DMEM_TTM_MAX_DEVICES];
};

/**
 * dmem_ttm_found_device() - callback of ttm_compat_enum_devices().
 * @bdev: a device on ttm_glob.device_list
 * @arg: the struct dmem_ttm_walk
 *
 * Runs under ttm_global_mutex: only look, never sleep on our locks.
 */
static void dmem_ttm_found_device(struct ttm_device *bdev, void *arg)
{
	struct dmem_ttm_walk *walk = arg;
	struct ttm_resource_manager *man = ttm_compat_vram_manager(bdev);
	struct drm_device *drm;

	if (!man)
		return;
	if (walk->n == ARRAY_SIZE(walk->found)) {
		walk->missed++;
		return;
	}
	spin_lock(&bdev->lru_lock);
	drm = ttm_compat_any_drm(bdev, man);
	if (dmem_ttm_describe(&walk->found[walk->n], bdev, man, drm))
		walk->n++;
	spin_unlock(&bdev->lru_lock);
}

/**
 * dmem_ttm_discover_present() - register the devices present at load.
 *
 * Holds dmem_ttm_devs_mutex across the walk: a ttm_device_fini() that
 * starts meanwhile waits in our hook (installed before) until the walk is
 * over.  At most DMEM_TTM_MAX_DEVICES devices are registered here; more
 * are reported and become regions at their first VRAM allocation.
 *
 * Return: 0, or a negative error if the walk could not be done (printed).
 */
static int dmem_ttm_discover_present(void)
{
	struct dmem_ttm_walk *walk;
	unsigned int i;
	int ret;

	ret = dmem_init_step("allocate the device walk");
	if (ret)
		return ret;
	walk = kzalloc(sizeof(*walk), GFP_KERNEL);
	if (!walk) {
		pr_err("no memory to list TTM devices\n");
		return -ENOMEM;
	}
	mutex_lock(&dmem_ttm_devs_mutex);
	ret = ttm_compat_enum_devices(dmem_ttm_found_device, walk);
	for (i = 0; !ret && i < walk->n; i++)
		dmem_ttm_add_device(&walk->found[i]);
	mutex_unlock(&dmem_ttm_devs_mutex);
	if (walk->missed)
		pr_info("%u TTM devices beyond the first %zu become regions at their first VRAM allocation\n",
			walk->missed, ARRAY_SIZE(walk->found));
	kfree(walk);
	return ret;
}

/* ---- per-task context ------------------------------------------------- */

/*
 * The table is only used from process context (TTM allocation and eviction
 * paths), so a plain spinlock is enough.  Entries live on their task's
 * stack: readers must hold the lock (no RCU walk), but only the owning
 * task adds or removes its entry.
 */
static struct dmem_ttm_ctx *dmem_ttm_ctx_find_locked(void)
{
	struct dmem_ttm_ctx *ctx;

	hash_for_each_possible(dmem_ttm_ctxs, ctx, node, (unsigned long)current)
		if (ctx->task == current)
			return ctx;
	return NULL;
}

/**
 * dmem_ttm_ctx_current() - the context of the current task, or NULL.
 */
struct dmem_ttm_ctx *dmem_ttm_ctx_current(void)
{
	struct dmem_ttm_ctx *ctx;

	dmem_spin_lock(&dmem_ttm_ctxs_lock);
	ctx = dmem_ttm_ctx_find_locked();
	spin_unlock(&dmem_ttm_ctxs_lock);
	return ctx;
}

/**
 * dmem_ttm_ctx_enter() - install @ctx for the current task.
 * @ctx: caller's (stack) context
 *
 * Looks up and installs under one lock hold.
 *
 * Return: false if the task already has a context (nested entry point):
 * then @ctx is not used and must not be left.
 */
static bool dmem_ttm_ctx_enter(struct dmem_ttm_ctx *ctx)
{
	bool mine = false;

	memset(ctx, 0, sizeof(*ctx));
	ctx->task = current;
	dmem_spin_lock(&dmem_ttm_ctxs_lock);
	if (!dmem_ttm_ctx_find_locked()) {
		hash_add(dmem_ttm_ctxs, &ctx->node, (unsigned long)current);
		mine = true;
	}
	spin_unlock(&dmem_ttm_ctxs_lock);
	return mine;
}

static void dmem_ttm_ctx_set_pools(struct dmem_ttm_ctx *ctx,
				   struct dmem_pool *charge_pool,
				   struct dmem_pool *limit_pool)
{
	if (ctx->charge_pool)
		dmem_pool_put(ctx->charge_pool);
	if (ctx->limit_pool)
		dmem_pool_put(ctx->limit_pool);
	ctx->charge_pool = charge_pool;
	ctx->limit_pool = limit_pool;
}

static void dmem_ttm_ctx_leave(struct dmem_ttm_ctx *ctx)
{
	dmem_spin_lock(&dmem_ttm_ctxs_lock);
	hash_del(&ctx->node);
	spin_unlock(&dmem_ttm_ctxs_lock);
	dmem_ttm_ctx_set_pools(ctx, NULL, NULL);
}

/* ---- charge tracking -------------------------------------------------- */

void dmem_ttm_track_lock(void)
	__acquires(&dmem_ttm_charges_lock)
{
	dmem_spin_lock(&dmem_ttm_charges_lock);
}

void dmem_ttm_track_unlock(void)
	__releases(&dmem_ttm_charges_lock)
{
	spin_unlock(&dmem_ttm_charges_lock);
}

static struct dmem_ttm_charge *dmem_ttm_charge_find_locked(struct ttm_resource *res)
{
	struct dmem_ttm_charge *c;

	hash_for_each_possible(dmem_ttm_charges, c, node, (unsigned long)res)
		if (c->res == res)
			return c;
	return NULL;
}

/**
 * dmem_ttm_res_pool_locked() - the pool @res is charged to, or NULL.
 * @res: a resource
 *
 * Caller holds dmem_ttm_track_lock(); the pool stays valid while it does.
 */
struct dmem_pool *dmem_ttm_res_pool_locked(struct ttm_resource *res)
{
	struct dmem_ttm_charge *c = dmem_ttm_charge_find_locked(res);

	return c ? c->pool : NULL;
}

static void dmem_ttm_track(struct dmem_ttm_charge *c)
{
	dmem_spin_lock(&dmem_ttm_charges_lock);
	hash_add(dmem_ttm_charges, &c->node, (unsigned long)c->res);
	spin_unlock(&dmem_ttm_charges_lock);
}

static struct dmem_ttm_charge *dmem_ttm_untrack(struct ttm_resource *res)
{
	struct dmem_ttm_charge *c;

	dmem_spin_lock(&dmem_ttm_charges_lock);
	c = dmem_ttm_charge_find_locked(res);
	if (c)
		hash_del(&c->node);
	spin_unlock(&dmem_ttm_charges_lock);
	return c;
}

/**
 * dmem_ttm_uncharge() - undo a tracked charge and free its record.
 * @c: the record, already removed from the table
 */
static void dmem_ttm_uncharge(struct dmem_ttm_charge *c)
{
	struct dmem_cg *cg = dmem_pool_cg(c->pool);

	dmem_pool_uncharge(c->pool, c->size);
	dmem_cg_unpin(cg);
	kmem_cache_free(dmem_ttm_charge_cache, c);
}

/* ---- hooks ------------------------------------------------------------ */

static struct dmem_hook dmem_ttm_hook_alloc;
static struct dmem_hook dmem_ttm_hook_fini;
static struct dmem_hook dmem_ttm_hook_device_fini;
static struct dmem_hook dmem_ttm_hook_validate;
static struct dmem_hook dmem_ttm_hook_mem_space;

/* Runs the kernel's ttm_resource_alloc() (not exported). */
static DMEM_HOOK_STUB int orig_ttm_resource_alloc(struct ttm_buffer_object *bo,
						  const struct ttm_place *place,
						  struct ttm_resource **res_ptr)
{
	return -ENOSPC;
}

/**
 * dmem_ttm_pool_of_current() - the current task's pool in @dev's region,
 * with its cgroup pinned.
 * @dev: the device entry (referenced by the caller)
 *
 * The pin is taken here, before anything can sleep: the cgroup stays
 * while the allocation is in flight, and the pin passes to the charge
 * record on success.
 *
 * Return: a referenced pool (release with dmem_ttm_pool_release()), or an
 * ERR_PTR from dmem_pool_of_current().
 */
static struct dmem_pool *dmem_ttm_pool_of_current(struct dmem_ttm_dev *dev)
{
	struct dmem_pool *pool = dmem_pool_of_current(dev->region);

	if (!IS_ERR(pool))
		dmem_cg_pin(dmem_pool_cg(pool));
	return pool;
}

static void dmem_ttm_pool_release(struct dmem_pool *pool)
{
	dmem_cg_unpin(dmem_pool_cg(pool));
	dmem_pool_put(pool);
}

/**
 * dmem_ttm_charge_failed() - remember a failed charge for the eviction.
 * @man: the VRAM manager
 * @pool: the charged pool (reference and pin passed in)
 * @limit: the pool whose max was hit (reference passed in), or NULL
 */
static void dmem_ttm_charge_failed(struct ttm_resource_manager *man,
				   struct dmem_pool *pool,
				   struct dmem_pool *limit)
{
	/* Only failures need the context (for the eviction). */
	struct dmem_ttm_ctx *ctx = dmem_ttm_ctx_current();

	dmem_cg_unpin(dmem_pool_cg(pool));
	if (ctx) {
		/* 7.3: a charge failure never evicts before falling back */
		ctx->probe_evict = DMEM_ALLOC_EVICT_NONE;
		ctx->man = man;
		dmem_ttm_ctx_set_pools(ctx, pool, limit);
		return;
	}
	dmem_pool_put(pool);
	if (limit)
		dmem_pool_put(limit);
}

/**
 * dmem_ttm_alloc_failed() - the kernel's allocator failed after a charge.
 * @man: the VRAM manager
 * @pool: the charged pool (reference and pin passed in)
 * @size: bytes charged, uncharged here
 * @ret: the allocator's error
 */
static void dmem_ttm_alloc_failed(struct ttm_resource_manager *man,
				  struct dmem_pool *pool, u64 size, int ret)
{
	/* Only failures need the context (for the eviction). */
	struct dmem_ttm_ctx *ctx = dmem_ttm_ctx_current();

	/* 7.3 decides with the new buffer still charged */
	if (ctx && ctx->probing)
		ctx->probe_evict = ret == -ENOSPC ?
			dmem_alloc_evict_before_fallback(pool) :
			DMEM_ALLOC_EVICT_NONE;
	dmem_pool_uncharge(pool, size);
	dmem_cg_unpin(dmem_pool_cg(pool));
	if (ctx) {
		/* No limit hit: eviction uses the common ancestor. */
		ctx->man = man;
		dmem_ttm_ctx_set_pools(ctx, pool, NULL);
	} else {
		dmem_pool_put(pool);
	}
}

/**
 * dmem_ttm_charged_alloc() - charge @dev's region, then allocate.
 * @dev: the device entry of the VRAM manager (referenced by the caller)
 * @man: the VRAM manager
 * @bo: the buffer object
 * @place: where to allocate
 * @res_ptr: the new resource
 *
 * A pool that died under us (its cgroup went offline in a migration race,
 * or the region is being removed) is looked up once more; if it is dead
 * again the region is going away and the allocation runs uncharged, like
 * one in a manager that is no region (never -ENOSPC: that would make TTM
 * evict for nothing).
 *
 * Return: as ttm_resource_alloc().
 */
static int dmem_ttm_charged_alloc(struct dmem_ttm_dev *dev,
				  struct ttm_resource_manager *man,
				  struct ttm_buffer_object *bo,
				  const struct ttm_place *place,
				  struct ttm_resource **res_ptr)
{
	u64 size = ttm_compat_bo_bytes(bo);
	struct dmem_pool *pool, *limit;
	struct dmem_ttm_charge *charge;
	unsigned int tries = 0;
	int ret;

	charge = kmem_cache_alloc(dmem_ttm_charge_cache, GFP_KERNEL);
	if (!charge)
		return -ENOMEM;
	for (;;) {
		pool = dmem_ttm_pool_of_current(dev);
		if (IS_ERR(pool)) {
			kmem_cache_free(dmem_ttm_charge_cache, charge);
			/* Region going away, or no memory for the pool. */
			if (PTR_ERR(pool) == -ENOMEM)
				return -ENOMEM;
			return orig_ttm_resource_alloc(bo, place, res_ptr);
		}
		ret = dmem_pool_try_charge(pool, size, &limit);
		if (ret != -ENODEV)
			break;
		dmem_ttm_pool_release(pool);
		if (++tries == 2) {
			kmem_cache_free(dmem_ttm_charge_cache, charge);
			return orig_ttm_resource_alloc(bo, place, res_ptr);
		}
	}
	if (ret) {
		kmem_cache_free(dmem_ttm_charge_cache, charge);
		dmem_ttm_charge_failed(man, pool, limit);
		return -ENOSPC;
	}

	ret = orig_ttm_resource_alloc(bo, place, res_ptr);
	if (ret) {
		kmem_cache_free(dmem_ttm_charge_cache, charge);
		dmem_ttm_alloc_failed(man, pool, size, ret);
		return ret;
	}
	/*
	 * The record keeps the cgroup pin; the charge itself keeps the pool
	 * alive until it is uncharged (see dmem_region_unregister()).
	 */
	charge->res = *res_ptr;
	charge->pool = pool;
	charge->size = size;
	dmem_ttm_track(charge);
	dmem_pool_put(pool);
	return 0;
}

/**
 * dmem_ttm_resource_alloc() - replacement of ttm_resource_alloc().
 * @bo: the buffer object
 * @place: where to allocate
 * @res_ptr: the new resource
 *
 * For a VRAM-region manager: charge, then allocate.  A charge over a
 * dmem.max fails with -ENOSPC (TTM then evicts or falls back, as upstream)
 * and remembers the limit pool for the eviction that follows.
 *
 * Return: as ttm_resource_alloc().
 */
static int dmem_ttm_resource_alloc(struct ttm_buffer_object *bo,
				   const struct ttm_place *place,
				   struct ttm_resource **res_ptr)
{
	struct ttm_resource_manager *man = ttm_manager_type(bo->bdev,
							    place->mem_type);
	struct dmem_ttm_dev *dev = NULL;
	int ret;

	if (man && place->mem_type == DMEM_TTM_VRAM) {
		dev = dmem_ttm_dev_get(bo->bdev, man);
		if (!dev) {
			dmem_ttm_discover(bo, man);
			dev = dmem_ttm_dev_get(bo->bdev, man);
		}
	}
	if (dev) {
		ret = dmem_ttm_charged_alloc(dev, man, bo, place, res_ptr);
		dmem_ttm_dev_put(dev);
	} else {
		ret = orig_ttm_resource_alloc(bo, place, res_ptr);
	}
	dmem_hook_exit(&dmem_ttm_hook_alloc);
	return ret;
}

/**
 * dmem_ttm_resource_alloc_entry() - which ttm_resource_alloc() calls we take.
 * @regs: registers of the call ttm_resource_alloc(bo, place, res_ptr)
 *
 * Only VRAM placements can be charged: every other allocation runs the
 * kernel's function directly, without entering our replacement.  Runs in
 * the ftrace handler (must not sleep).
 *
 * Return: true to redirect the call into dmem_ttm_resource_alloc().
 */
static bool dmem_ttm_resource_alloc_entry(struct pt_regs *regs)
{
	const struct ttm_place *place = (void *)dmem_ftrace_arg(regs, 1);

	return place && place->mem_type == DMEM_TTM_VRAM;
}

/**
 * dmem_ttm_resource_fini_entry() - uncharge at entry of ttm_resource_fini().
 * @regs: registers of the call ttm_resource_fini(man, res)
 *
 * Uncharges the resource if (and only if) we charged it; the kernel's
 * function then runs unchanged (no redirection: this is the cheapest hook).
 * Runs in the ftrace handler, so nothing here sleeps: the table lock is a
 * spinlock, and the core's uncharge, cgroup_put() and the cache free are
 * all safe in atomic context.
 *
 * Return: false (never redirected).
 */
static bool dmem_ttm_resource_fini_entry(struct pt_regs *regs)
{
	struct ttm_resource *res = (void *)dmem_ftrace_arg(regs, 1);
	struct dmem_ttm_charge *c;

	/* We only charge VRAM allocations: skip the table for the rest. */
	if (!res || res->mem_type != DMEM_TTM_VRAM)
		return false;
	c = dmem_ttm_untrack(res);
	if (c)
		dmem_ttm_uncharge(c);
	return false;
}

/**
 * dmem_ttm_device_fini() - replacement of ttm_device_fini().
 * @bdev: the device going away
 */
static void dmem_ttm_device_fini(struct ttm_device *bdev)
{
	dmem_ttm_remove_device(bdev);
	ttm_device_fini(bdev);
	dmem_hook_exit(&dmem_ttm_hook_device_fini);
}

/**
 * dmem_ttm_probe_prepare() - should this allocation run the probe first?
 * @ctx: the task's context if the caller has it, else NULL (looked up)
 * @bo: the buffer object
 * @placement: where it may go
 * @probe: filled with the probe placement
 *
 * 7.3 "aggressive protection": TTM's first pass tries each placement
 * without evicting and moves on (VRAM -> GTT) when one is full.  Upstream
 * lets an allocation whose cgroup is within its low evict at VRAM in that
 * first pass.  We cannot reach inside TTM's static loop, so the same
 * thing is done from outside: the caller's first pass up to VRAM is run
 * as a placement of its own whose only evicting place is VRAM (the
 * "probe"); the allocation hook records what the cgroup may evict there
 * and the eviction hooks obey it.  If the probe finds no room the
 * original placement runs as usual.
 *
 * Return: the context to probe with, or NULL: no probe.
 */
static struct dmem_ttm_ctx *dmem_ttm_probe_prepare(struct dmem_ttm_ctx *ctx,
						   struct ttm_buffer_object *bo,
						   struct ttm_placement *placement,
						   struct ttm_compat_probe *probe)
{
	struct ttm_resource_manager *man;

	/* cheapest first: most placements have nothing to probe */
	if (!ttm_compat_vram_probe(placement, probe))
		return NULL;
	if (!ctx)
		ctx = dmem_ttm_ctx_current();
	if (!ctx || ctx->probing || ctx->evicting)
		return NULL;
	man = ttm_compat_vram_manager(bo->bdev);
	if (!man || !dmem_ttm_is_region(bo->bdev, man))
		return NULL;
	return ctx;
}

static void dmem_ttm_probe_begin(struct dmem_ttm_ctx *ctx)
{
	ctx->probing = true;
	ctx->probe_evict = DMEM_ALLOC_EVICT_NONE;
}

/* Return: true if the probe's result @ret means "run the original". */
static bool dmem_ttm_probe_end(struct dmem_ttm_ctx *ctx, int ret)
{
	ctx->probing = false;
	return ret == -ENOSPC || ret == -ENOMEM || ret == -EBUSY;
}

/**
 * dmem_ttm_bo_validate() - replacement of ttm_bo_validate().
 * @bo: the buffer object
 * @placement: where it may go
 * @octx: TTM operation context
 *
 * Scopes the per-task context over the whole allocation, evictions
 * included.  Where ttm_bo_validate() allocates by itself (6.10+), also
 * runs the aggressive-protection probe; a buffer already in one of the
 * placement's memory types may not need to move at all and is left to
 * TTM (upstream only applies the rule to an actual allocation).
 *
 * Return: as ttm_bo_validate().
 */
static int dmem_ttm_bo_validate(struct ttm_buffer_object *bo,
				struct ttm_placement *placement,
				struct ttm_operation_ctx *octx)
{
	struct dmem_ttm_ctx ctx;
	bool mine;
	int ret;

	mine = dmem_ttm_ctx_enter(&ctx);
#ifdef DMEM_TTM_VALIDATE_ALLOCATES
	if (mine && !bo->pin_count &&
	    !(bo->resource &&
	      ttm_compat_placement_has_type(placement, bo->resource->mem_type))) {
		struct ttm_compat_probe probe;

		if (dmem_ttm_probe_prepare(&ctx, bo, placement, &probe)) {
			dmem_ttm_probe_begin(&ctx);
			ret = ttm_bo_validate(bo, &probe.placement, octx);
			if (!dmem_ttm_probe_end(&ctx, ret))
				goto out;
		}
	}
#endif
	ret = ttm_bo_validate(bo, placement, octx);
#ifdef DMEM_TTM_VALIDATE_ALLOCATES
out:
#endif
	if (mine)
		dmem_ttm_ctx_leave(&ctx);
	dmem_hook_exit(&dmem_ttm_hook_validate);
	return ret;
}

/**
 * dmem_ttm_bo_mem_space() - replacement of ttm_bo_mem_space().
 * @bo: the buffer object
 * @placement: where it may go
 * @mem: the new resource
 * @octx: TTM operation context
 *
 * Runs the aggressive-protection probe first (see
 * dmem_ttm_probe_prepare()); up to 6.8 every allocation of
 * ttm_bo_validate() comes through here.
 *
 * Return: as ttm_bo_mem_space().
 */
static int dmem_ttm_bo_mem_space(struct ttm_buffer_object *bo,
				 struct ttm_placement *placement,
				 struct ttm_resource **mem,
				 struct ttm_operation_ctx *octx)
{
	struct ttm_compat_probe probe;
	struct dmem_ttm_ctx ctx, *cur;
	bool mine;
	int ret;

	mine = dmem_ttm_ctx_enter(&ctx);
	cur = dmem_ttm_probe_prepare(mine ? &ctx : NULL, bo, placement, &probe);
	if (cur) {
		dmem_ttm_probe_begin(cur);
		ret = ttm_bo_mem_space(bo, &probe.placement, mem, octx);
		if (!dmem_ttm_probe_end(cur, ret))
			goto out;
	}
	ret = ttm_bo_mem_space(bo, placement, mem, octx);
out:
	if (mine)
		dmem_ttm_ctx_leave(&ctx);
	dmem_hook_exit(&dmem_ttm_hook_mem_space);
	return ret;
}

static struct dmem_hook dmem_ttm_hook_alloc = {
	.name = "ttm:ttm_resource_alloc",
	DMEM_HOOK_ENTRY(dmem_ttm_resource_alloc_entry),
	DMEM_HOOK_REPLACE(dmem_ttm_resource_alloc),
	DMEM_HOOK_ORIG(orig_ttm_resource_alloc),
};

static struct dmem_hook dmem_ttm_hook_fini = {
	.name = "ttm:ttm_resource_fini",
	DMEM_HOOK_ENTRY(dmem_ttm_resource_fini_entry),
};

static struct dmem_hook dmem_ttm_hook_device_fini = {
	.name = "ttm:ttm_device_fini",
	DMEM_HOOK_REPLACE(dmem_ttm_device_fini),
};

static struct dmem_hook dmem_ttm_hook_validate = {
	.name = "ttm:ttm_bo_validate",
	DMEM_HOOK_REPLACE(dmem_ttm_bo_validate),
};

static struct dmem_hook dmem_ttm_hook_mem_space = {
	.name = "ttm:ttm_bo_mem_space",
	DMEM_HOOK_REPLACE(dmem_ttm_bo_mem_space),
};

/*
 * Install order: everything that observes or undoes first, the charge
 * last, so that nothing is charged until every hook that frees, evicts or
 * removes a charged thing is in place (a failed install then has nothing
 * to undo but hooks).  Removal runs in reverse: the charge goes first.
 *  1. ttm_resource_fini (uncharge) and ttm_device_fini (region removal);
 *  2. the eviction hooks (ttm_dmem_evict.c) and the allocation scopes;
 *  3. (the load-time device walk, between 2 and 3 in dmem_ttm_init());
 *  4. ttm_resource_alloc (charge).
 */
static struct dmem_hook *dmem_ttm_hooks_early[] = {
	&dmem_ttm_hook_fini,
	&dmem_ttm_hook_device_fini,
	&dmem_ttm_hook_validate,
	&dmem_ttm_hook_mem_space,
};

/* ---- init / exit ------------------------------------------------------ */

/**
 * dmem_ttm_drop_charges() - forget every charge (module unload).
 *
 * Called after the hooks are gone: the buffers stay allocated and are
 * simply no longer accounted.
 */
static void dmem_ttm_drop_charges(void)
{
	struct dmem_ttm_charge *c;
	struct hlist_node *tmp;
	unsigned int bkt;
	HLIST_HEAD(dropped);

	dmem_spin_lock(&dmem_ttm_charges_lock);
	hash_for_each_safe(dmem_ttm_charges, bkt, tmp, c, node) {
		hash_del(&c->node);
		hlist_add_head(&c->node, &dropped);
	}
	spin_unlock(&dmem_ttm_charges_lock);
	hlist_for_each_entry_safe(c, tmp, &dropped, node)
		dmem_ttm_uncharge(c);
}

static void dmem_ttm_remove_all_devices(void)
{
	struct dmem_ttm_dev *dev, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&dmem_ttm_devs_mutex);
	dmem_spin_lock(&dmem_ttm_devs_lock);
	list_splice_init(&dmem_ttm_devs, &gone);
	spin_unlock(&dmem_ttm_devs_lock);
	list_for_each_entry_safe(dev, tmp, &gone, node)
		dmem_ttm_dev_put(dev);
	mutex_unlock(&dmem_ttm_devs_mutex);
}

static void dmem_ttm_remove_hooks(void)
{
	dmem_hook_remove(&dmem_ttm_hook_alloc);
	dmem_hook_remove_all(dmem_ttm_evict_hooks, dmem_ttm_evict_nhooks);
	dmem_hook_remove_all(dmem_ttm_hooks_early,
			     ARRAY_SIZE(dmem_ttm_hooks_early));
}

/*
 * Undo everything dmem_ttm_init() may have done (each part is a no-op if
 * it was not done): hooks, then (once no CPU can be in them) charges,
 * regions and the record cache.
 */
static void dmem_ttm_teardown(void)
{
	dmem_ttm_remove_hooks();
	dmem_hook_sync();
	dmem_ttm_drop_charges();
	dmem_ttm_remove_all_devices();
	kmem_cache_destroy(dmem_ttm_charge_cache);
	dmem_ttm_charge_cache = NULL;
}

static int dmem_ttm_create_cache(void)
{
	int ret = dmem_init_step("charge record cache");

	if (ret)
		return ret;
	dmem_ttm_charge_cache = KMEM_CACHE(dmem_ttm_charge, 0);
	if (!dmem_ttm_charge_cache) {
		pr_err("cannot create the charge record cache\n");
		return -ENOMEM;
	}
	return 0;
}

/**
 * dmem_ttm_init() - discover devices and install the TTM hooks.
 *
 * Return: 0, or a negative error (printed once) after which nothing is
 * left installed, registered or charged.
 */
int dmem_ttm_init(void)
{
	int ret;

	ttm_compat_build_checks();
	ret = dmem_ttm_create_cache();
	if (ret)
		return ret;
	ret = dmem_hook_install_all(dmem_ttm_hooks_early,
				    ARRAY_SIZE(dmem_ttm_hooks_early));
	if (ret)
		goto fail;
	ret = dmem_hook_install_all(dmem_ttm_evict_hooks,
				    dmem_ttm_evict_nhooks);
	if (ret)
		goto fail;
	ret = dmem_ttm_discover_present();
	if (ret)
		goto fail;
	ret = dmem_hook_install(&dmem_ttm_hook_alloc);
	if (ret)
		goto fail;
	return 0;

fail:
	dmem_ttm_teardown();
	return ret;
}

/**
 * dmem_ttm_exit() - remove the hooks, drop all charges and regions.
 */
void dmem_ttm_exit(void)
{
	dmem_ttm_teardown();
}
