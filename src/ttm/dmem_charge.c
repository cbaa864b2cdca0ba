// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: charging the current task's cgroup in a region (see
 * src/ttm/dmem_charge.h).
 */
#include <linux/err.h>

#include "ttm/dmem_charge.h"
#include "cgroup/cgroupfs.h"

/*
 * The current task's pool in @region, its cgroup pinned: the pin is taken
 * before anything can sleep, so the cgroup stays while the allocation is
 * in flight; it passes to the charge on success.
 */
static struct dmem_pool *dmem_charge_pool_of_current(struct dmem_region *region)
{
	struct dmem_pool *pool = dmem_pool_of_current(region);

	if (!IS_ERR(pool))
		dmem_cg_pin(dmem_pool_cg(pool));
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
	dmem_cg_pin(dmem_pool_cg(pool));
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
