// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: charging the current task's cgroup in a region (see
 * src/ttm/dmem_charge.h).
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/module.h>

#include "ttm/dmem_charge.h"
#include "cgroup/cgroupfs.h"

/*
 * Test facility (root, at load only, like test_alloc_delay_ms): sleep this
 * long between finding the current task's pool and charging it, a window
 * in which a test moves the task and removes its cgroup
 * (tests/vm/tests/ttm_lookup_rmdir_race.sh).  At most 60 s per charge.
 */
static unsigned int test_lookup_delay_ms;
module_param(test_lookup_delay_ms, uint, 0);
MODULE_PARM_DESC(test_lookup_delay_ms,
		 "Test facility: sleep N ms (at most 60000) between finding the task's pool and charging it; 0 = off");

static void dmem_charge_test_delay(void)
{
	if (unlikely(test_lookup_delay_ms))
		msleep(min(test_lookup_delay_ms, 60000U));
}

/*
 * The current task's pool in @region, its cgroup pinned by the lookup
 * itself: the cgroup stays while the allocation is in flight, even if the
 * task is moved out and the cgroup removed; the pin passes to the charge
 * on success.
 */
static struct dmem_pool *dmem_charge_pool_of_current(struct dmem_region *region)
{
	struct dmem_pool *pool = dmem_pool_of_current(region);

	dmem_charge_test_delay();
	return pool;
}

static void dmem_charge_pool_release(struct dmem_pool *pool)
{
	dmem_cg_unpin(dmem_pool_cg(pool));
	dmem_pool_put(pool);
}

/*
 * Charge @pool (referenced, its cgroup pinned).  -ENODEV: the pool died
 * under us; both are dropped.  Otherwise as dmem_charge_try().
 */
static int dmem_charge_pinned(struct dmem_pool *pool, u64 size,
			      struct dmem_charge *charge,
			      struct dmem_pool **limit)
{
	int ret = dmem_pool_try_charge(pool, size, limit);

	if (ret == -ENODEV) {
		dmem_charge_pool_release(pool);
		return -ENODEV;
	}
	charge->pool = pool;
	charge->size = size;
	if (ret) {
		/* over a max: the references go to the caller, the pin not */
		dmem_cg_unpin(dmem_pool_cg(pool));
		return -ENOSPC;
	}
	return 0;
}

int dmem_charge_try(struct dmem_region *region, u64 size,
		    struct dmem_charge *charge, struct dmem_pool **limit)
{
	struct dmem_pool *pool;
	unsigned int tries;
	int ret = -ENODEV;

	for (tries = 0; tries < 2 && ret == -ENODEV; tries++) {
		pool = dmem_charge_pool_of_current(region);
		if (IS_ERR(pool))
			/* region going away, or no memory for the pool */
			return PTR_ERR(pool) == -ENOMEM ? -ENOMEM : -ENODEV;
		ret = dmem_charge_pinned(pool, size, charge, limit);
	}
	return ret;
}

int dmem_charge_try_pool(struct dmem_pool *pool, u64 size,
			 struct dmem_charge *charge, struct dmem_pool **limit)
{
	dmem_charge_test_delay();
	return dmem_charge_pinned(pool, size, charge, limit);
}

void dmem_charge_keep(struct dmem_charge *charge)
{
	dmem_pool_put(charge->pool);
}

struct dmem_pool *dmem_charge_cancel(struct dmem_charge *charge)
{
	dmem_pool_uncharge(charge->pool, charge->size);
	dmem_cg_unpin(dmem_pool_cg(charge->pool));
	return charge->pool;
}

void dmem_charge_release(struct dmem_charge *charge)
{
	struct dmem_cg *cg = dmem_pool_cg(charge->pool);

	dmem_pool_uncharge(charge->pool, charge->size);
	dmem_cg_unpin(cg);
}
