// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: TTM devices as dmem regions (the device registry).
 *
 * Every TTM device's VRAM manager (TTM_PL_VRAM) becomes the region
 * "drm/<drm unique>/<name>".  Devices present at load are found by walking
 * ttm_glob.device_list under TTM's own lock (see dmem_ttm_walk_devices());
 * later ones when they first allocate VRAM (dmem_ttm_discover()).
 * ttm_device_fini() removes the region (hook below).
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
#include <linux/rculist.h>
#include <linux/slab.h>
#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>

#include "ttm/regions.h"
#include "ttm/reclaim.h"
#include "hook/hook.h"
#include "dmem_lockstat.h"

/**
 * struct dmem_ttm_dev - a TTM device whose VRAM manager is a region.
 * @node: entry in dmem_ttm_devs
 * @bdev: the TTM device (only compared, never dereferenced after fini)
 * @man: its VRAM manager
 * @region: the registered region
 * @ref: one for the list, one per user of @region (dmem_ttm_dev_get():
 *	reclaim, and a task's first charge in the region while it creates
 *	its pool); the last put unregisters @region.  Charges found through
 *	dmem_ttm_region_rcu() take none: their pool keeps the region alive
 * @rcu: frees the entry after a grace period: allocations look entries up
 *	under RCU, without a lock
 */
struct dmem_ttm_dev {
	struct list_head node;
	struct ttm_device *bdev;
	struct ttm_resource_manager *man;
	struct dmem_region *region;
	refcount_t ref;
	struct rcu_head rcu;
};

static LIST_HEAD(dmem_ttm_devs);
static DEFINE_MUTEX(dmem_ttm_devs_mutex);	/* register/unregister */
/*
 * Changes of the list itself (rare: a device found, a device gone, unload);
 * readers (every VRAM allocation) walk it under RCU and take no lock.
 */
static DEFINE_SPINLOCK(dmem_ttm_devs_lock);

DMEM_HOOK_DEFINE_VOID(ttm_device_fini, "ttm:ttm_device_fini", NULL,
		      (bdev), struct ttm_device *bdev);

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

/* Under rcu_read_lock() or dmem_ttm_devs_lock. */
static struct dmem_ttm_dev *dmem_ttm_dev_find_rcu(struct ttm_device *bdev)
{
	struct dmem_ttm_dev *dev;

	list_for_each_entry_rcu(dev, &dmem_ttm_devs, node,
				lockdep_is_held(&dmem_ttm_devs_lock))
		if (dev->bdev == bdev)
			return dev;
	return NULL;
}

struct dmem_region *dmem_ttm_dev_region(const struct dmem_ttm_dev *dev)
{
	return dev->region;
}

struct dmem_ttm_dev *dmem_ttm_dev_get(struct ttm_device *bdev,
				      struct ttm_resource_manager *man)
{
	struct dmem_ttm_dev *dev;

	/*
	 * No lock and no shared write unless @man is a region: the entry's
	 * reference count is taken only if the entry is still alive (the
	 * last put may be running on another CPU; then the device is gone).
	 */
	rcu_read_lock();
	dev = dmem_ttm_dev_find_rcu(bdev);
	if (!dev || dev->man != man || !refcount_inc_not_zero(&dev->ref))
		dev = NULL;
	rcu_read_unlock();
	return dev;
}

void dmem_ttm_dev_put(struct dmem_ttm_dev *dev)
{
	if (!refcount_dec_and_test(&dev->ref))
		return;
	dmem_region_unregister(dev->region);
	kfree_rcu(dev, rcu);
}

struct dmem_ttm_dev *dmem_ttm_dev_get_by_name(const char *name, size_t len)
{
	struct dmem_ttm_dev *dev, *found = NULL;
	const char *n;

	rcu_read_lock();
	list_for_each_entry_rcu(dev, &dmem_ttm_devs, node) {
		n = dmem_region_name(dev->region);
		if (strlen(n) == len && !memcmp(n, name, len) &&
		    refcount_inc_not_zero(&dev->ref)) {
			found = dev;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

bool dmem_ttm_dev_listed(const struct dmem_ttm_dev *dev)
{
	bool listed;

	rcu_read_lock();
	listed = dmem_ttm_dev_find_rcu(dev->bdev) == dev;
	rcu_read_unlock();
	return listed;
}

struct ttm_device *dmem_ttm_dev_bdev(const struct dmem_ttm_dev *dev)
{
	return dev->bdev;
}

struct ttm_resource_manager *dmem_ttm_dev_man(const struct dmem_ttm_dev *dev)
{
	return dev->man;
}

struct dmem_region *dmem_ttm_region_rcu(struct ttm_device *bdev,
					struct ttm_resource_manager *man)
{
	struct dmem_ttm_dev *dev = dmem_ttm_dev_find_rcu(bdev);

	/*
	 * An entry seen on the list holds its region's registration
	 * reference until after it leaves the list, and the region is freed
	 * a grace period after its last reference: so the region's memory
	 * stays valid for the rest of the caller's read section, registered
	 * or not (the core refuses to charge an unregistered region).
	 */
	return dev && dev->man == man ? dev->region : NULL;
}

bool dmem_ttm_is_region(struct ttm_device *bdev,
			struct ttm_resource_manager *man)
{
	bool found;

	rcu_read_lock();
	found = dmem_ttm_region_rcu(bdev, man);
	rcu_read_unlock();
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
	rcu_read_lock();
	dev = dmem_ttm_dev_find_rcu(f->bdev);
	rcu_read_unlock();
	if (dev)	/* only compared: the mutex keeps the list as it is */
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
	list_add_tail_rcu(&dev->node, &dmem_ttm_devs);
	spin_unlock(&dmem_ttm_devs_lock);
	pr_info("region %s, %llu bytes\n", f->name, f->size);
}

void dmem_ttm_discover(struct ttm_buffer_object *bo,
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
	dev = dmem_ttm_dev_find_rcu(bdev);
	if (dev)
		list_del_rcu(&dev->node);
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
 * dmem_ttm_found_device() - callback of dmem_ttm_walk_devices().
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

int dmem_ttm_discover_present(void)
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
	ret = dmem_ttm_walk_devices(dmem_ttm_found_device, walk);
	for (i = 0; !ret && i < walk->n; i++)
		dmem_ttm_add_device(&walk->found[i]);
	mutex_unlock(&dmem_ttm_devs_mutex);
	if (walk->missed)
		pr_info("%u TTM devices beyond the first %zu become regions at their first VRAM allocation\n",
			walk->missed, ARRAY_SIZE(walk->found));
	kfree(walk);
	return ret;
}

/**
 * dmem_ttm_device_fini() - replacement of ttm_device_fini(): the device's
 * region goes first.
 * @bdev: the device going away
 */
static void dmem_ttm_device_fini(struct ttm_device *bdev)
{
	dmem_ttm_remove_device(bdev);
	dmem_ttm_reclaim_fence();
	ttm_device_fini(bdev);
}

void dmem_ttm_remove_all_devices(void)
{
	struct dmem_ttm_dev *dev;

	/*
	 * One entry at a time: readers under RCU may still be on an entry,
	 * so it cannot move to another list.  Each pass removes one entry;
	 * nothing adds entries while the mutex is held.
	 */
	mutex_lock(&dmem_ttm_devs_mutex);
	for (;;) {
		dmem_spin_lock(&dmem_ttm_devs_lock);
		dev = list_first_entry_or_null(&dmem_ttm_devs,
					       struct dmem_ttm_dev, node);
		if (dev)
			list_del_rcu(&dev->node);
		spin_unlock(&dmem_ttm_devs_lock);
		if (!dev)
			break;
		dmem_ttm_dev_put(dev);
	}
	mutex_unlock(&dmem_ttm_devs_mutex);
}
