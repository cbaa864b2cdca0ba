/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: TTM devices as dmem regions (the device registry,
 * src/ttm/regions.c).
 */
#ifndef DMEM_TTM_REGIONS_H
#define DMEM_TTM_REGIONS_H

#include "dmem_core.h"
#include "compat/ttm_compat.h"

struct dmem_ttm_dev;

/**
 * dmem_ttm_dev_get() - the registry entry of @man, if it is a region.
 * @bdev: the TTM device
 * @man: a manager of @bdev
 *
 * Return: the entry with a reference (drop it with dmem_ttm_dev_put();
 * its region stays registered until then), or NULL.
 */
struct dmem_ttm_dev *dmem_ttm_dev_get(struct ttm_device *bdev,
				      struct ttm_resource_manager *man);

/**
 * dmem_ttm_dev_put() - drop a reference from dmem_ttm_dev_get().
 * @dev: the entry
 *
 * The last reference unregisters the region and frees the entry.  May
 * sleep.
 */
void dmem_ttm_dev_put(struct dmem_ttm_dev *dev);

/**
 * dmem_ttm_dev_region() - the region of a registry entry.
 * @dev: an entry the caller holds a reference to
 *
 * Return: the region (registered while the reference is held).
 */
struct dmem_region *dmem_ttm_dev_region(const struct dmem_ttm_dev *dev);

/**
 * dmem_ttm_region_rcu() - the region of @man, if it is one, without a
 * reference.
 * @bdev: the TTM device
 * @man: a manager of @bdev
 *
 * Caller holds rcu_read_lock().  Writes nothing.
 *
 * Return: the region, whose memory stays valid until rcu_read_unlock()
 * (it may be unregistered meanwhile), or NULL.
 */
struct dmem_region *dmem_ttm_region_rcu(struct ttm_device *bdev,
					struct ttm_resource_manager *man);

/**
 * dmem_ttm_dev_get_by_name() - the registry entry of the region @name.
 * @name: a region name, not necessarily NUL-terminated
 * @len: its length
 *
 * Return: the entry with a reference (dmem_ttm_dev_put()), or NULL.
 */
struct dmem_ttm_dev *dmem_ttm_dev_get_by_name(const char *name, size_t len);

/**
 * dmem_ttm_dev_listed() - is @dev still in the registry?
 * @dev: an entry the caller holds a reference to
 *
 * ttm_device_fini() removes the entry before the device goes away.
 *
 * Return: true while listed.
 */
bool dmem_ttm_dev_listed(const struct dmem_ttm_dev *dev);

/**
 * dmem_ttm_dev_bdev() - the TTM device of a registry entry.
 * @dev: an entry the caller holds a reference to
 *
 * The reference does not keep the device alive: dereference it only while
 * the entry is known to be listed (see src/ttm/reclaim.c).
 *
 * Return: the device.
 */
struct ttm_device *dmem_ttm_dev_bdev(const struct dmem_ttm_dev *dev);

/**
 * dmem_ttm_dev_man() - the VRAM manager of a registry entry.
 * @dev: an entry the caller holds a reference to
 *
 * Return: the manager (same lifetime rule as dmem_ttm_dev_bdev()).
 */
struct ttm_resource_manager *dmem_ttm_dev_man(const struct dmem_ttm_dev *dev);

/**
 * dmem_ttm_is_region() - whether @man is a known VRAM manager.
 * @bdev: the TTM device
 * @man: a manager of @bdev
 *
 * Return: true if it is (the answer may be stale at once).
 */
bool dmem_ttm_is_region(struct ttm_device *bdev,
			struct ttm_resource_manager *man);

/**
 * dmem_ttm_discover() - make @bo's device a region if it is not one yet.
 * @bo: a buffer being placed in @man
 * @man: the manager of the placement
 *
 * Lazy discovery for devices that appear after the module loaded.  May
 * sleep.
 */
void dmem_ttm_discover(struct ttm_buffer_object *bo,
		       struct ttm_resource_manager *man);

/**
 * dmem_ttm_discover_present() - register the devices present at load.
 *
 * Holds the registry's mutex across the walk: a ttm_device_fini() that
 * starts meanwhile waits in our hook (installed before) until the walk is
 * over.  At most DMEM_TTM_MAX_DEVICES devices are registered here; more
 * are reported and become regions at their first VRAM allocation.
 *
 * Return: 0, or a negative error if the walk could not be done (printed).
 */
int dmem_ttm_discover_present(void);

/**
 * dmem_ttm_remove_all_devices() - unregister every region (unload, or a
 * failed load).  Call after the hooks are gone.  May sleep.
 */
void dmem_ttm_remove_all_devices(void);

/* Devices seen by the load-time walk; more are found lazily. */
#define DMEM_TTM_MAX_DEVICES	32

/**
 * dmem_ttm_walk_devices() - call @fn for every TTM device.
 * @fn: callback, runs under ttm_global_mutex (must not take locks that
 *	are held while calling into TTM device init/fini)
 * @arg: passed to @fn
 *
 * A device on the list whose manager 0 has use_tt set (every device: the
 * system manager) is visited at least once; @fn may see a device twice.
 * Our placeholder device is on the list during the walk (it has no VRAM
 * manager).  In src/ttm/device_walk.c.
 *
 * Return: 0, or a negative error if the walk could not be set up (printed
 * once).
 */
int dmem_ttm_walk_devices(void (*fn)(struct ttm_device *bdev, void *arg),
			  void *arg);

#endif /* DMEM_TTM_REGIONS_H */
