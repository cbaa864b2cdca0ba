// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: which cgroup's state and pool a charge of the current
 * task goes to, for the TTM glue (src/cgroup/cgroupfs.h).
 *
 * Upstream charges a task's allocation to its dmem css: its own cgroup if
 * the parent enables dmem, else the nearest ancestor that has a dmem css
 * (the root always has one).  The task's host css is at or below that
 * cgroup (dmem is only enabled where the host controller is), so the walk
 * starts there.
 */
#include <linux/cgroup.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "cgroup/cgroupfs.h"
#include "cgroup/state.h"

/*
 * The cgroup whose dmem css upstream charges for a task of @cgrp: @cgrp or
 * its nearest ancestor with a dmem css (the root has one).  One lookup per
 * level, no recursion.  Caller holds rcu_read_lock(); @cgrp is alive, and
 * so are its ancestors.
 */
static struct cgroup *dmem_css_cgroup(struct cgroup *cgrp)
{
	while (!dmem_has_css(cgrp))
		cgrp = cgroup_parent(cgrp);
	return cgrp;
}

/*
 * The cgroup the current task charges to (see dmem_css_cgroup()),
 * referenced; starts from the task's host css, which is at or below it
 * (dmem is only enabled where the host is).
 */
static struct cgroup *dmem_charge_cgroup_get(void)
{
	struct cgroup *cgrp;

	for (;;) {
		rcu_read_lock();
		cgrp = dmem_css_cgroup(task_css(current, dmem_host->id)->cgroup);
		if (css_tryget(&cgrp->self)) {
			rcu_read_unlock();
			return cgrp;
		}
		rcu_read_unlock();
		cond_resched();		/* the task is being migrated */
	}
}

struct dmem_cg *dmem_cg_of_current(void)
{
	struct dmem_cgstate *dc;
	struct cgroup *cgrp;

	if (!dmem_host)
		return ERR_PTR(-ENODEV);
	do {
		cgrp = dmem_charge_cgroup_get();
		dc = dmem_cgstate_find_or_create(cgrp);
		cgroup_put(cgrp);
		/* -EAGAIN: dmem was disabled above us meanwhile; look again */
	} while (dc == ERR_PTR(-EAGAIN));
	if (IS_ERR(dc))
		return ERR_CAST(dc);
	return &dc->cg;
}

struct dmem_pool *dmem_pool_of_current_rcu(struct dmem_region *region)
{
	struct dmem_cgstate *dc;
	struct cgroup *cgrp;

	/*
	 * No reference on the css or on our per-cgroup state: under the
	 * caller's RCU read section the task's css (so its cgroup and their
	 * ancestors) cannot be freed, our state of that cgroup is freed only
	 * a grace period after it left the hash table, and the core's pool
	 * lookup is RCU-safe itself; only the pool found gets a reference.
	 */
	if (!dmem_host)
		return NULL;
	cgrp = dmem_css_cgroup(task_css(current, dmem_host->id)->cgroup);
	dc = dmem_cgstate_lookup(cgrp);
	return dc ? dmem_pool_find_rcu(&dc->cg, region) : NULL;
}

struct dmem_pool *dmem_pool_of_current(struct dmem_region *region)
{
	struct dmem_pool *pool;
	struct dmem_cg *cg;

	if (!dmem_host)
		return ERR_PTR(-ENODEV);
	rcu_read_lock();
	pool = dmem_pool_of_current_rcu(region);
	rcu_read_unlock();
	if (pool)
		return pool;
	cg = dmem_cg_of_current();
	if (IS_ERR(cg))
		return ERR_CAST(cg);
	pool = dmem_pool_get(cg, region);
	dmem_cg_put(cg);
	return pool;
}

void dmem_cg_pin(struct dmem_cg *cg)
{
	cgroup_get(to_dmem_cgstate(cg)->cgrp);
}

void dmem_cg_unpin(struct dmem_cg *cg)
{
	cgroup_put(to_dmem_cgstate(cg)->cgrp);
}
