// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: set-up and teardown of the TTM side.
 *
 * Order (src/hook/hook_table.h): the charge map, the hooks that undo and
 * scope charges, the eviction hooks, the walk over the devices present,
 * and the charging hook last of all.  Teardown runs in reverse.
 */
#include <linux/module.h>

#include "ttm/init.h"
#include "ttm/charge.h"
#include "ttm/charge_map.h"
#include "ttm/regions.h"
#include "ttm/reclaim.h"
#include "hook/hooks.h"

static void dmem_ttm_remove_hooks(void)
{
	dmem_hooks_remove(DMEM_HOOKS_TTM_CHARGE);
	dmem_hooks_remove(DMEM_HOOKS_TTM_EVICT);
	dmem_hooks_remove(DMEM_HOOKS_TTM_TRACK);
}

/*
 * Undo everything dmem_ttm_init() may have done (each part is a no-op if
 * it was not done): hooks, then (once no CPU can be in them) charges,
 * regions and the record cache.  The buffers stay allocated and are
 * simply no longer accounted.
 */
static void dmem_ttm_teardown(void)
{
	dmem_ttm_reclaim_exit();
	dmem_ttm_remove_hooks();
	dmem_hook_sync();
	dmem_ttm_untrack_all(dmem_ttm_uncharge);
	dmem_ttm_remove_all_devices();
	dmem_ttm_charge_map_exit();
}

int dmem_ttm_init(void)
{
	int ret;

	ttm_compat_build_checks();
	ret = dmem_ttm_charge_map_init();
	if (ret)
		return ret;
	ret = dmem_hooks_install(DMEM_HOOKS_TTM_TRACK);
	if (ret)
		goto fail;
	ret = dmem_hooks_install(DMEM_HOOKS_TTM_EVICT);
	if (ret)
		goto fail;
	ret = dmem_ttm_reclaim_init();
	if (ret)
		goto fail;
	ret = dmem_ttm_discover_present();
	if (ret)
		goto fail;
	ret = dmem_hooks_install(DMEM_HOOKS_TTM_CHARGE);
	if (ret)
		goto fail;
	return 0;

fail:
	dmem_ttm_teardown();
	return ret;
}

void dmem_ttm_exit(void)
{
	dmem_ttm_teardown();
}
