/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: per-era access to TTM structures.
 *
 * Every TTM difference between the kernels we support lives here, each with
 * the mainline version that changed it.  The module is always built against
 * the headers of the kernel it loads into (DKMS), so the layouts below are
 * the running kernel's own; the static assertions make a build fail loudly
 * if a field we rely on changed type or disappeared.
 *
 * The kernel version is tested once per TTM API change, in the
 * DMEM_TTM_ERA_* predicates below (1 from the mainline version that made
 * the change, else 0); everything else here is written in terms of them,
 * and nothing outside src/compat/ tests them or the version: the rest of
 * the module calls the functions of this header.
 */
#ifndef DMEM_TTM_COMPAT_H
#define DMEM_TTM_COMPAT_H

#include <linux/version.h>
#include <linux/build_bug.h>
#include <linux/device.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_resource.h>
#include <drm/ttm/ttm_placement.h>

/* ---- the TTM API eras ------------------------------------------------ */

/* 6.2: ttm_resource.num_pages (pages) became .size (bytes). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define DMEM_TTM_ERA_RES_SIZE		1
#else
#define DMEM_TTM_ERA_RES_SIZE		0
#endif

/*
 * 6.3: ttm_bo_api.h and ttm_bo_driver.h merged into ttm_bo.h (6.2.1 has
 * both, 6.3.8 only ttm_bo.h).  A version test, not __has_include: sparse
 * does not know the latter.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define DMEM_TTM_ERA_BO_H		1
#else
#define DMEM_TTM_ERA_BO_H		0
#endif

/*
 * 6.9: struct ttm_placement lost busy_placement[]; one placement[] whose
 * entries carry TTM_PL_FLAG_DESIRED / TTM_PL_FLAG_FALLBACK.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define DMEM_TTM_ERA_PLACE_FLAGS	1
#else
#define DMEM_TTM_ERA_PLACE_FLAGS	0
#endif

/*
 * 6.10: ttm_bo_validate() runs both placement passes itself through the
 * static ttm_bo_alloc_resource() instead of calling the exported
 * ttm_bo_mem_space().
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define DMEM_TTM_ERA_VALIDATE_ALLOCATES	1
#else
#define DMEM_TTM_ERA_VALIDATE_ALLOCATES	0
#endif

/*
 * 6.12: the LRU walker.  ttm_resource.lru became a struct ttm_lru_item
 * (LRU hitches for restartable walks; 6.11.11 still has the list_head),
 * eviction runs ttm_lru_walk_for_evict() instead of ttm_mem_evict_first(),
 * and ttm_bo_swapout() takes the device (Debian's 6.12 inlines
 * ttm_device_swapout() into ttm_global_swapout()).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define DMEM_TTM_ERA_LRU_WALK		1
#else
#define DMEM_TTM_ERA_LRU_WALK		0
#endif

/* 6.13: ttm_device.pinned was renamed .unevictable. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define DMEM_TTM_ERA_UNEVICTABLE	1
#else
#define DMEM_TTM_ERA_UNEVICTABLE	0
#endif

#if DMEM_TTM_ERA_BO_H
#include <drm/ttm/ttm_bo.h>
#else
#include <drm/ttm/ttm_bo_api.h>
#include <drm/ttm/ttm_bo_driver.h>
#endif

/*
 * The feature the 6.9 era stands for, tested apart from the version: a
 * kernel whose placement flags do not match its version (a vendor
 * backport) would be handled as the wrong era, so it is refused.
 */
#ifdef TTM_PL_FLAG_FALLBACK
#define DMEM_TTM_HAS_PLACE_FLAGS	1
#else
#define DMEM_TTM_HAS_PLACE_FLAGS	0
#endif
#if DMEM_TTM_HAS_PLACE_FLAGS != DMEM_TTM_ERA_PLACE_FLAGS
#error "dmem-backport: TTM placement flags do not match the kernel version (6.9 vendor backport?)"
#endif

/* The only TTM manager type that becomes a dmem region. */
#define DMEM_TTM_VRAM	TTM_PL_VRAM

/**
 * ttm_compat_bo_bytes() - the size upstream charges for a buffer object.
 * @bo: the buffer object
 *
 * Return: bo->base.size (the same in every era).
 */
static inline u64 ttm_compat_bo_bytes(const struct ttm_buffer_object *bo)
{
	return bo->base.size;
}

/**
 * ttm_compat_vram_manager() - the VRAM manager of @bdev, or NULL.
 * @bdev: the TTM device
 *
 * Only a manager that is in use counts (drivers set use_type last).
 *
 * Return: the manager, or NULL.
 */
static inline struct ttm_resource_manager *
ttm_compat_vram_manager(struct ttm_device *bdev)
{
	struct ttm_resource_manager *man = READ_ONCE(bdev->man_drv[DMEM_TTM_VRAM]);

	if (!man || !READ_ONCE(man->use_type))
		return NULL;
	return man;
}

/**
 * ttm_compat_place_is_fallback() - whether @place is only a fallback.
 * @place: the placement
 *
 * Up to mainline 6.8 struct ttm_placement had separate placement and
 * busy_placement arrays; 6.9 replaced them by one array whose entries carry
 * TTM_PL_FLAG_DESIRED / TTM_PL_FLAG_FALLBACK.  Before 6.9 no single place
 * knows whether it is a fallback, so this says no.
 *
 * Return: true if @place is tried only in the second (evicting) pass.
 */
static inline bool ttm_compat_place_is_fallback(const struct ttm_place *place)
{
#if DMEM_TTM_ERA_PLACE_FLAGS
	return place->flags & TTM_PL_FLAG_FALLBACK;
#else
	return false;
#endif
}

/*
 * Aggressive protection (7.3) needs "the first pass, up to the VRAM
 * placement": the placements an allocation tries without evicting, in
 * order, ending with VRAM, where it may evict.  Expressed per era:
 * - up to mainline 6.8, ttm_placement has placement[] (tried without
 *   eviction) and busy_placement[] (tried with eviction): the prefix of
 *   placement[] up to VRAM, and busy_placement[] = that VRAM place;
 * - from 6.9 one array with TTM_PL_FLAG_DESIRED (first pass only) and
 *   TTM_PL_FLAG_FALLBACK (second pass only): the first-pass places before
 *   VRAM marked DESIRED, then VRAM with neither flag.
 */
#define TTM_COMPAT_PROBE_MAX	8

/**
 * struct ttm_compat_probe - the first pass of a placement, up to VRAM.
 * @placement: what to pass to TTM (points into @places)
 * @places: its places
 */
struct ttm_compat_probe {
	struct ttm_placement placement;
	struct ttm_place places[TTM_COMPAT_PROBE_MAX];
};

/**
 * ttm_compat_placement_has_type() - does any place of @pl use @mem_type?
 * @pl: a placement
 * @mem_type: TTM memory type
 *
 * Up to mainline 6.8 (before the 6.9 placement change) the busy places
 * are searched too.
 *
 * Return: true if one does.
 */
static inline bool ttm_compat_placement_has_type(const struct ttm_placement *pl,
						 u32 mem_type)
{
	unsigned int i;

	for (i = 0; i < pl->num_placement; i++)
		if (pl->placement[i].mem_type == mem_type)
			return true;
#if !DMEM_TTM_ERA_PLACE_FLAGS
	for (i = 0; i < pl->num_busy_placement; i++)
		if (pl->busy_placement[i].mem_type == mem_type)
			return true;
#endif
	return false;
}

/**
 * ttm_compat_places_fit() - does one of @n places accept @res as it is?
 * @bdev: @res's device
 * @res: a resource
 * @places: the places
 * @n: how many
 *
 * TTM's own check (ttm_resource_compat(), ttm_resource_compatible()) is
 * not exported from 6.3 on; this one never calls into the manager: a
 * place with a page range (fpfn/lpfn) only counts for a manager without a
 * compatible() callback (without a range, the range managers accept every
 * resource of their type).  Up to 6.8 every place counts, from 6.9 not a
 * TTM_PL_FLAG_FALLBACK one (ttm_bo_validate()'s first check).
 *
 * Return: true if a place accepts @res; false also when unsure.
 */
static inline bool ttm_compat_places_fit(struct ttm_device *bdev,
					 const struct ttm_resource *res,
					 const struct ttm_place *places,
					 unsigned int n)
{
	struct ttm_resource_manager *man;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct ttm_place *place = &places[i];

		if (place->mem_type != res->mem_type ||
		    ttm_compat_place_is_fallback(place))
			continue;
		if ((place->flags & TTM_PL_FLAG_CONTIGUOUS) &&
		    !(res->placement & TTM_PL_FLAG_CONTIGUOUS))
			continue;
		if (place->fpfn || place->lpfn) {
			man = ttm_manager_type(bdev, res->mem_type);
			if (!man || man->func->compatible)
				continue;
		}
		return true;
	}
	return false;
}

/**
 * ttm_compat_bo_fits() - would ttm_bo_validate() leave @bo where it is?
 * @bo: a buffer object, reserved by the caller
 * @placement: the placement asked for
 *
 * True only where ttm_bo_validate() returns at its first check without
 * allocating anything (see ttm_compat_places_fit()); false when unsure
 * (the caller then takes the full path).  Reads only, takes no lock: safe
 * in an ftrace handler.
 *
 * Return: true if @bo's resource already satisfies @placement.
 */
static inline bool ttm_compat_bo_fits(struct ttm_buffer_object *bo,
				      struct ttm_placement *placement)
{
	struct ttm_resource *res = bo->resource;

	if (!res || (res->placement & TTM_PL_FLAG_TEMPORARY))
		return false;
	if (ttm_compat_places_fit(bo->bdev, res, placement->placement,
				  placement->num_placement))
		return true;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 9, 0)
	return ttm_compat_places_fit(bo->bdev, res, placement->busy_placement,
				     placement->num_busy_placement);
#else
	return false;
#endif
}

/**
 * ttm_compat_placement_only_type() - does every place of @pl use @mem_type?
 * @pl: a placement
 * @mem_type: TTM memory type
 *
 * Up to mainline 6.8 (before the 6.9 placement change) the busy places
 * are searched too.
 *
 * Return: true if all do (also for an empty placement).
 */
static inline bool ttm_compat_placement_only_type(const struct ttm_placement *pl,
						  u32 mem_type)
{
	unsigned int i;

	for (i = 0; i < pl->num_placement; i++)
		if (pl->placement[i].mem_type != mem_type)
			return false;
#if !DMEM_TTM_ERA_PLACE_FLAGS
	for (i = 0; i < pl->num_busy_placement; i++)
		if (pl->busy_placement[i].mem_type != mem_type)
			return false;
#endif
	return true;
}

/**
 * ttm_compat_vram_probe() - build the first pass of @full up to VRAM.
 * @full: the caller's placement
 * @p: filled in; p->placement is what to pass to TTM
 *
 * Return: false if there is nothing to probe: no VRAM place in the first
 * pass, only VRAM places (TTM evicts there anyway), or too many places.
 */
static inline bool ttm_compat_vram_probe(const struct ttm_placement *full,
					 struct ttm_compat_probe *p)
{
	unsigned int i, n = 0;

	if (ttm_compat_placement_only_type(full, DMEM_TTM_VRAM))
		return false;
	for (i = 0; i < full->num_placement; i++) {
		struct ttm_place *place = &p->places[n];

		if (ttm_compat_place_is_fallback(&full->placement[i]))
			continue;
		if (n == TTM_COMPAT_PROBE_MAX)
			return false;
		*place = full->placement[i];
		n++;
		if (place->mem_type == DMEM_TTM_VRAM)
			break;
#if DMEM_TTM_ERA_PLACE_FLAGS
		place->flags |= TTM_PL_FLAG_DESIRED;
#endif
	}
	if (!n || p->places[n - 1].mem_type != DMEM_TTM_VRAM)
		return false;
	p->placement.placement = p->places;
	p->placement.num_placement = n;
#if !DMEM_TTM_ERA_PLACE_FLAGS
	p->placement.busy_placement = &p->places[n - 1];
	p->placement.num_busy_placement = 1;
#else
	p->places[n - 1].flags &= ~(TTM_PL_FLAG_DESIRED | TTM_PL_FLAG_FALLBACK);
#endif
	return true;
}

/**
 * ttm_compat_validate_allocates() - does ttm_bo_validate() allocate by
 * itself?
 *
 * From mainline 6.10 it runs both passes through the static
 * ttm_bo_alloc_resource() instead of calling the exported
 * ttm_bo_mem_space(), so the probe must wrap ttm_bo_validate() too.  Up to
 * 6.9 ttm_bo_validate() reaches ttm_bo_mem_space() (ttm_bo_move_buffer()),
 * whose hook runs the probe: wrapping both there would probe twice.
 *
 * Return: true from 6.10.
 */
static inline bool ttm_compat_validate_allocates(void)
{
	return DMEM_TTM_ERA_VALIDATE_ALLOCATES;
}

/*
 * The eviction function differs per era (its hook, with the era's
 * prototype, is in src/compat/ttm_evict_compat.c; the body both eras share
 * is dmem_ttm_evict_passes(), src/ttm_dmem_evict.c):
 * - up to mainline 6.11, ttm_mem_evict_first(bdev, man, place, ctx, ticket)
 *   evicts one buffer per call and returns -EBUSY when it found none
 *   (same signature in 6.1, 6.6, 6.9, 6.10.0 and 6.11.11);
 * - from 6.12 (LRU walker, struct ttm_lru_walk)
 *   ttm_lru_walk_for_evict(walk, bdev, man, target) returns the progress
 *   made (0: nothing evicted).
 */
struct ttm_compat_evict;

/**
 * ttm_compat_evict_orig() - run the kernel's eviction function once, with
 * the arguments of the hooked call @call.
 * @call: the hooked call (from the era's hook)
 *
 * Return: the kernel function's result.
 */
s64 ttm_compat_evict_orig(struct ttm_compat_evict *call);

/**
 * ttm_compat_evict_nothing() - the result of an eviction that found
 * nothing to evict.
 *
 * Return: -EBUSY up to 6.11, 0 (no progress) from 6.12.
 */
static inline s64 ttm_compat_evict_nothing(void)
{
#if DMEM_TTM_ERA_LRU_WALK
	return 0;
#else
	return -EBUSY;
#endif
}

/**
 * ttm_compat_reclaim_pass() - evict buffers of @man for reclaim.
 * @bdev: the device
 * @man: its VRAM manager
 * @octx: TTM operation context (interruptible)
 * @target: bytes to evict; from 6.12 the walk stops once it evicted that
 *	much; up to 6.11 one buffer is evicted per call
 *	(ttm_mem_evict_first() does not say which, nor its size)
 *
 * The caller's per-task context says which buffers are admissible (our
 * ttm_bo_eviction_valuable() replacement).  Only trylocks (no ticket, no
 * reservation held), as TTM's own callers without a ww transaction.
 *
 * Return: progress (bytes from 6.12, buffers up to 6.11; 0: nothing
 * admissible could be evicted), or a negative errno (-ERESTARTSYS,
 * -EINTR on a signal).
 */
s64 ttm_compat_reclaim_pass(struct ttm_device *bdev,
			    struct ttm_resource_manager *man,
			    struct ttm_operation_ctx *octx, s64 target);

/**
 * ttm_compat_reclaim_init() - install what reclaim needs in this era.
 *
 * From 6.12 the stub of the static ttm_bo_evict() (optional).
 *
 * Return: 0, -ENOENT if this kernel cannot reclaim, or another negative
 * errno (printed).
 */
int ttm_compat_reclaim_init(void);

/** ttm_compat_reclaim_exit() - undo ttm_compat_reclaim_init(). */
void ttm_compat_reclaim_exit(void);

/*
 * Enumeration of the devices on ttm_glob.device_list, under TTM's own
 * (static) ttm_global_mutex: ttm_global_swapout() takes it and calls, for
 * each device, ttm_device_swapout(bdev, ...).  We redirect a function
 * whose first argument is the device and that runs without lru_lock:
 * - up to mainline 6.11, ttm_device_swapout() itself (a real call in
 *   every build); the ttm_bo_swapout() it calls takes a buffer object
 *   (bo, ctx, gfp) and runs under bdev->lru_lock: redirecting that one
 *   would run our callback on a bo as if it were a device, lock held;
 * - from 6.12, ttm_bo_swapout(bdev, ctx, man, gfp, target) (Debian's 6.12
 *   inlines ttm_device_swapout() into ttm_global_swapout()); 6.13.7 is
 *   the same.
 */
#if DMEM_TTM_ERA_LRU_WALK
#define DMEM_TTM_ENUM_SYMBOL	"ttm_bo_swapout"
#else
#define DMEM_TTM_ENUM_SYMBOL	"ttm_device_swapout"
#endif

/**
 * ttm_compat_link_to_res() - the resource an LRU list node belongs to.
 * @pos: a node of a manager LRU list or of the device's pinned list
 *
 * 6.12 (LRU walk era) linked struct ttm_lru_item, which may be a hitch.
 *
 * Return: the resource, or NULL for an LRU hitch (a cursor placeholder,
 * not a resource).
 */
static inline struct ttm_resource *ttm_compat_link_to_res(struct list_head *pos)
{
#if DMEM_TTM_ERA_LRU_WALK
	struct ttm_lru_item *item = list_entry(pos, struct ttm_lru_item, link);

	return ttm_lru_item_is_res(item) ? ttm_lru_item_to_res(item) : NULL;
#else
	return list_entry(pos, struct ttm_resource, lru);
#endif
}

/**
 * ttm_compat_unevictable() - the device's list of pinned resources.
 * @bdev: the TTM device
 *
 * Mainline 6.13 renamed ttm_device.pinned to .unevictable.
 *
 * Return: the list head (walk it under bdev->lru_lock).
 */
static inline struct list_head *ttm_compat_unevictable(struct ttm_device *bdev)
{
#if DMEM_TTM_ERA_UNEVICTABLE
	return &bdev->unevictable;
#else
	return &bdev->pinned;
#endif
}

/**
 * ttm_compat_any_drm() - the DRM device of any buffer in @man or pinned.
 * @bdev: the TTM device (caller holds bdev->lru_lock)
 * @man: its VRAM manager
 *
 * struct ttm_device does not point to its DRM device (qxl even passes a
 * NULL struct device to ttm_device_init()), but every buffer does.
 *
 * Return: the DRM device, or NULL if @bdev has no buffer at all.
 */
static inline struct drm_device *
ttm_compat_any_drm(struct ttm_device *bdev, struct ttm_resource_manager *man)
{
	struct ttm_resource *res;
	struct list_head *pos;
	unsigned int i;

	lockdep_assert_held(&bdev->lru_lock);
	for (i = 0; i < TTM_MAX_BO_PRIORITY; i++) {
		list_for_each(pos, &man->lru[i]) {
			res = ttm_compat_link_to_res(pos);
			if (res && res->bo)
				return res->bo->base.dev;
		}
	}
	list_for_each(pos, ttm_compat_unevictable(bdev)) {
		res = ttm_compat_link_to_res(pos);
		if (res && res->bo)
			return res->bo->base.dev;
	}
	return NULL;
}

/**
 * ttm_compat_build_checks() - build-time checks of the fields this module
 * reads (no code: the build fails if one changed type).
 */
static inline void ttm_compat_build_checks(void)
{
	struct ttm_resource_manager *man = NULL;
	struct ttm_resource *res = NULL;
	struct ttm_device *bdev = NULL;

	BUILD_BUG_ON(!__same_type(man->size, u64));
	BUILD_BUG_ON(!__same_type(man->bdev, struct ttm_device *));
	BUILD_BUG_ON(!__same_type(man->use_type, bool));
	BUILD_BUG_ON(!__same_type(res->mem_type, u32));
	BUILD_BUG_ON(!__same_type(res->bo, struct ttm_buffer_object *));
	BUILD_BUG_ON(!__same_type(bdev->pool.dev, struct device *));
	BUILD_BUG_ON(!__same_type(bdev->device_list, struct list_head));
	BUILD_BUG_ON(DMEM_TTM_VRAM >= TTM_NUM_MEM_TYPES);
#if DMEM_TTM_ERA_RES_SIZE
	BUILD_BUG_ON(!__same_type(res->size, size_t));
#else
	BUILD_BUG_ON(!__same_type(res->num_pages, unsigned long));
#endif
#if DMEM_TTM_ERA_LRU_WALK
	BUILD_BUG_ON(!__same_type(res->lru, struct ttm_lru_item));
#else
	BUILD_BUG_ON(!__same_type(res->lru, struct list_head));
#endif
}

#endif /* DMEM_TTM_COMPAT_H */
