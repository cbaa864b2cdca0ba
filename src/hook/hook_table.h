/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: the table of every hook of the module, in install order
 * (groups and order: see src/hook/hooks.h).  One row per hook:
 * DMEM_HOOK_ROW(group, id) names the record dmem_hook_<id> defined by
 * DMEM_HOOK_DEFINE*(id, ...) in the file of the hook's replacement.
 *
 * Included only by src/hook/hooks.c, once per use of the rows: no include
 * guard on purpose.
 */

/* cgroup removal and release, for the per-cgroup state (no cgroup path built) */
DMEM_HOOK_ROW(CGROUP_LIFECYCLE, host_css_offline)	/* src/cgroup/state.c */
DMEM_HOOK_ROW(CGROUP_LIFECYCLE, css_release_work_fn)	/* src/cgroup/state.c */
/* calling cgroup core to add and remove the dmem.* files */
DMEM_HOOK_ROW(CGROUP_FILES, cgroup_add_dfl_cftypes)	/* src/cgroup/cftypes.c */
DMEM_HOOK_ROW(CGROUP_FILES, cgroup_rm_cftypes)		/* src/cgroup/cftypes.c */
/* "dmem" in cgroup.controllers and cgroup.subtree_control */
DMEM_HOOK_ROW(CGROUP_PROTOCOL, kernfs_setattr)		/* src/cgroup/subtree_control.c */
DMEM_HOOK_ROW(CGROUP_PROTOCOL, cgroup_controllers_show)	/* src/cgroup/subtree_control.c */
DMEM_HOOK_ROW(CGROUP_PROTOCOL, cgroup_subtree_control_show) /* src/cgroup/subtree_control.c */
DMEM_HOOK_ROW(CGROUP_PROTOCOL, cgroup_subtree_control_write) /* src/cgroup/subtree_control.c */

/* undo (uncharge, region removal) and allocation scopes */
DMEM_HOOK_ROW(TTM_TRACK, ttm_resource_fini)		/* src/ttm/charge.c */
DMEM_HOOK_ROW(TTM_TRACK, ttm_device_fini)		/* src/ttm/regions.c */
/* from 6.10 only: up to 6.9 it would take no call (src/ttm/probe.c) */
#if DMEM_TTM_ERA_VALIDATE_ALLOCATES
DMEM_HOOK_ROW(TTM_TRACK, ttm_bo_validate)		/* src/ttm/probe.c */
#endif
DMEM_HOOK_ROW(TTM_TRACK, ttm_bo_mem_space)		/* src/ttm/probe.c */
/* protection-aware eviction */
DMEM_HOOK_ROW(TTM_EVICT, ttm_bo_eviction_valuable)	/* src/ttm_dmem_evict.c */
DMEM_HOOK_ROW(TTM_EVICT, ttm_evict)			/* src/compat/ttm_evict_compat.c */
/* the load-time walk over the TTM devices present (temporary) */
DMEM_HOOK_ROW(TTM_WALK, ttm_global_swapout)		/* src/ttm/device_walk.c */
DMEM_HOOK_ROW(TTM_WALK, ttm_enum_device)		/* src/ttm/device_walk.c */
/* the charge, last of all */
DMEM_HOOK_ROW(TTM_CHARGE, ttm_resource_alloc)		/* src/ttm/charge.c */
