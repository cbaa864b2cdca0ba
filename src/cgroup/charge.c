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

/*
 * The state of the cgroup the current task charges to, referenced, with
 * that cgroup pinned (the css reference taken to find it is kept: the
 * cgroup cannot be released while the caller creates a pool, which may
 * sleep).  May sleep.  Return: the state, or an ERR_PTR (nothing held).
 */
static struct dmem_cgstate *dmem_cgstate_of_current_pinned(void)
{
	struct dmem_cgstate *dc;
	struct cgroup *cgrp;

	do {
		cgrp = dmem_charge_cgroup_get();
		dc = dmem_cgstate_find_or_create(cgrp);
		if (IS_ERR(dc))
			cgroup_put(cgrp);
		/* -EAGAIN: dmem was disabled above us meanwhile; look again */
	} while (dc == ERR_PTR(-EAGAIN));
	return dc;
}

struct dmem_pool *dmem_pool_of_current_rcu(struct dmem_region *region)
{
	struct dmem_pool *pool;
	struct dmem_cgstate *dc;
	struct cgroup *cgrp;

	/*
	 * Under the caller's RCU read section the task's css (so its cgroup
	 * and their ancestors) cannot be freed, our state of that cgroup is
	 * freed only a grace period after it left the hash table, and the
	 * core's pool lookup is RCU-safe itself.  But the task may have been
	 * moved out and the cgroup removed and released meanwhile: only a
	 * css_tryget() that succeeds here, inside the section, makes the
	 * cgroup safe to use after it (never a reference taken later).
	 */
	if (!dmem_host)
		return NULL;
	cgrp = dmem_css_cgroup(task_css(current, dmem_host->id)->cgroup);
	dc = dmem_cgstate_lookup(cgrp);
	if (!dc || !css_tryget(&cgrp->self))
		return NULL;
	pool = dmem_pool_find_rcu(&dc->cg, region);
	if (!pool)
		cgroup_put(cgrp);
	return pool;
}

struct dmem_pool *dmem_pool_of_current(struct dmem_region *region)
{
	struct dmem_cgstate *dc;
	struct dmem_pool *pool;

	/*
	 * The slow path: the caller's lock-free lookup
	 * (dmem_pool_of_current_rcu()) found nothing or a dying pool, so no
	 * second one here; dmem_pool_get() finds an existing pool itself.
	 */
	if (!dmem_host)
		return ERR_PTR(-ENODEV);
	dc = dmem_cgstate_of_current_pinned();
	if (IS_ERR(dc))
		return ERR_CAST(dc);
	pool = dmem_pool_get(&dc->cg, region);
	if (IS_ERR(pool))
		cgroup_put(dc->cgrp);
	dmem_cg_put(&dc->cg);
	return pool;
}

void dmem_cg_unpin(struct dmem_cg *cg)
{
	cgroup_put(to_dmem_cgstate(cg)->cgrp);
}
