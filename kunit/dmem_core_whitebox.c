// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the core as the in-tree KUnit build compiles it
 * (kunit/kunit.files), plus test-only access to its counters for the
 * differential suite (kunit/dmem_core_vs_page_counter.c).  Pulls in the
 * core's sources through src/dmem_core_unity.h like kunit/dmem_core_oot.c
 * does for the out-of-tree module; nothing here is built into
 * dmem_backport.ko.
 */
#include "../src/dmem_core_unity.h"
#include "dmem_core_whitebox.h"

void dmem_kunit_charge_levels(struct dmem_pool *pool, u64 size,
			      unsigned int levels)
{
	for (; pool && levels; pool = pool->parent, levels--)
		dmem_propagate_protected(pool,
					 atomic64_add_return((s64)size, &pool->usage));
}

void dmem_kunit_uncharge_levels(struct dmem_pool *pool, u64 size,
				unsigned int levels)
{
	for (; pool && levels; pool = pool->parent, levels--)
		dmem_level_uncharge(pool, size);
}
