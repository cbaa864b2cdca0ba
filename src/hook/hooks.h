/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: installing the module's hooks, group by group.
 *
 * The table of every hook is src/hook/hook_table.h: one row per hook,
 * DMEM_HOOK_ROW(group, id), naming the record dmem_hook_<id> that
 * DMEM_HOOK_DEFINE*(id, ...) (src/hook/hook.h) defines where the hook's
 * replacement lives.  Adding a hook touches those two places.
 *
 * Rows are in install order.  A group is installed as a whole by the part
 * of the module that owns it (dmem_hooks_install()), at its point of
 * module init; the groups follow each other in that order too, so that
 * the row order here is the order in which the module's hooks come up:
 *  - the cgroup glue's groups (the lifecycle of its per-cgroup state,
 *    dmem.* file helpers, then the cgroup.controllers / subtree_control
 *    protocol) come first;
 *  - TTM_TRACK: everything that undoes or scopes a charge (uncharge in
 *    ttm_resource_fini(), region removal in ttm_device_fini(), the
 *    per-task context of the allocation entry points), before anything is
 *    charged;
 *  - TTM_EVICT: the protection-aware eviction;
 *  - TTM_WALK: installed only for the duration of the load-time walk over
 *    the TTM devices present (src/ttm/device_walk.c), then removed;
 *  - TTM_CHARGE: ttm_resource_alloc(), the charge, last of all: nothing
 *    is charged until every hook that frees, evicts or removes a charged
 *    thing is in place (a failed install has nothing to undo but hooks).
 * Removal runs in reverse (dmem_hooks_remove() of each group, last group
 * first), so the charge goes first.
 *
 * The eviction hook ttm_evict is the kernel's ttm_mem_evict_first() up to
 * 6.11 and ttm_lru_walk_for_evict() from 6.12; ttm_enum_device is the
 * per-device function called by ttm_global_swapout() (src/compat/).
 */
#ifndef DMEM_HOOK_HOOKS_H
#define DMEM_HOOK_HOOKS_H

#include "hook/hook.h"
#include "compat/ttm_compat.h"	/* the era of some rows of the table */

/**
 * enum dmem_hook_group - hooks installed and removed together.
 * @DMEM_HOOKS_CGROUP_LIFECYCLE: cgroup removal and release (per-cgroup state)
 * @DMEM_HOOKS_CGROUP_FILES: what the cgroup glue needs to add its files
 * @DMEM_HOOKS_CGROUP_PROTOCOL: cgroup.controllers and subtree_control
 * @DMEM_HOOKS_TTM_TRACK: uncharge, region removal, allocation scopes
 * @DMEM_HOOKS_TTM_EVICT: protection-aware eviction
 * @DMEM_HOOKS_TTM_WALK: the load-time device walk (temporary)
 * @DMEM_HOOKS_TTM_CHARGE: the charge in ttm_resource_alloc()
 * @DMEM_HOOK_NGROUPS: number of groups
 */
enum dmem_hook_group {
	DMEM_HOOKS_CGROUP_LIFECYCLE,
	DMEM_HOOKS_CGROUP_FILES,
	DMEM_HOOKS_CGROUP_PROTOCOL,
	DMEM_HOOKS_TTM_TRACK,
	DMEM_HOOKS_TTM_EVICT,
	DMEM_HOOKS_TTM_WALK,
	DMEM_HOOKS_TTM_CHARGE,
	DMEM_HOOK_NGROUPS
};

/*
 * The records, declared from the table; the inline function names each
 * hook's group (and ends each row's expansion without a stray semicolon).
 */
#define DMEM_HOOK_ROW(grp, id)						\
	extern struct dmem_hook dmem_hook_##id;				\
	static inline enum dmem_hook_group dmem_hook_group_of_##id(void) \
	{								\
		return DMEM_HOOKS_##grp;				\
	}
#include "hook/hook_table.h"
#undef DMEM_HOOK_ROW

/**
 * dmem_hooks_install() - install every hook of @group, in table order.
 * @group: the group
 *
 * All or nothing: on failure the group's hooks installed so far are
 * removed again (the failing install printed why).  May sleep.
 *
 * Return: 0 or a negative errno.
 */
int dmem_hooks_install(enum dmem_hook_group group);

/**
 * dmem_hooks_remove() - remove every installed hook of @group, in reverse
 * table order.
 * @group: the group (hooks of it that are not installed are skipped)
 *
 * Waits for the callers inside each replacement (dmem_hook_remove()).
 * May sleep.
 */
void dmem_hooks_remove(enum dmem_hook_group group);

#endif /* DMEM_HOOK_HOOKS_H */
