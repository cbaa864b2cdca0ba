// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: per-cgroup state of the cgroup glue and its lifecycle.
 *
 * One struct dmem_cgstate (embedding the core's struct dmem_cg) per
 * struct cgroup that has a dmem css, in a hash table keyed by the struct
 * cgroup *, looked up under RCU, created on first charge, limit write or
 * "+dmem" (its parent, which enables dmem, has state already: no walk, no
 * recursion).
 *
 * Its lifecycle is observed through two hooks (src/hook/, group
 * CGROUP_LIFECYCLE), not through the cgroup_rmdir/cgroup_release
 * tracepoints: while a probe is attached to those, the kernel builds the
 * removed cgroup's path for every removal (TRACE_CGROUP_PATH), O(depth)
 * each with interrupts off, O(depth^2) for a deep subtree.  Neither hook
 * builds anything:
 *  - the host controller's css_offline callback (mem_cgroup_css_offline()
 *    or blkcg_css_offline(), reached by cgroup core through a pointer, so
 *    never inlined): the host css of a removed cgroup goes offline, where
 *    upstream's dmem css would; its limits are reset.  The host is enabled
 *    wherever dmem is, so every cgroup that can have state has one;
 *  - css_release_work_fn() (kernel/cgroup/cgroup.c, a work function)
 *    entered for the cgroup's own css: the struct cgroup is freed an RCU
 *    grace period later; its state leaves the table (and goes offline
 *    then at the latest).
 * Both only observe the call (no redirection, the functions stay
 * livepatchable), run in the ftrace handler (atomic context) and defer
 * their work to our workqueue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/cgroup-defs.h>
#include <linux/delay.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <asm/ibt.h>

#include "cgroup/state.h"
#include "dmem_lockstat.h"
#include "compat/ftrace_compat.h"
#include "hook/hooks.h"

struct cgroup_subsys *dmem_host;

#define DMEM_CGSTATE_HASH_BITS	8
static DEFINE_HASHTABLE(dmem_cgstates, DMEM_CGSTATE_HASH_BITS);
/* writers of dmem_cgstates, the children lists and subtree_on */
DEFINE_SPINLOCK(dmem_cgstate_lock);
static DEFINE_MUTEX(dmem_cgstate_create_lock);
static struct workqueue_struct *dmem_wq;

struct dmem_cg dmem_empty_cg;

static void dmem_cgstate_free(struct dmem_cg *cg)
{
	kfree_rcu(to_dmem_cgstate(cg), rcu);
}

/* Caller holds rcu_read_lock() or dmem_cgstate_lock. */
struct dmem_cgstate *dmem_cgstate_lookup(struct cgroup *cgrp)
{
	struct dmem_cgstate *dc;

	hash_for_each_possible_rcu(dmem_cgstates, dc, node, (unsigned long)cgrp)
		if (dc->cgrp == cgrp)
			return dc;
	return NULL;
}

/**
 * dmem_cgstate_find() - referenced state of @cgrp, or NULL if it has none.
 * @cgrp: the cgroup.
 *
 * The hash table's reference is dropped an RCU grace period after the
 * object left the table, so an object found under rcu_read_lock() still
 * has it and can be referenced.  Any context.
 *
 * Return: the referenced state, or NULL.
 */
struct dmem_cgstate *dmem_cgstate_find(struct cgroup *cgrp)
{
	struct dmem_cgstate *dc;

	rcu_read_lock();
	dc = dmem_cgstate_lookup(cgrp);
	if (dc)
		dmem_cg_get(&dc->cg);
	rcu_read_unlock();
	return dc;
}

/*
 * Does @cgrp list "dmem" in its cgroup.subtree_control?  Caller holds
 * rcu_read_lock() or dmem_cgstate_lock.
 */
bool dmem_subtree_enabled(struct cgroup *cgrp)
{
	struct dmem_cgstate *dc = dmem_cgstate_lookup(cgrp);

	return dc && READ_ONCE(dc->subtree_on);
}

/*
 * Would upstream give @cgrp a dmem css: is it the root, or does its parent
 * enable dmem?  Then the dmem.* files "exist" there and charges of its
 * tasks stay there.  Caller holds rcu_read_lock() or dmem_cgstate_lock.
 */
bool dmem_has_css(struct cgroup *cgrp)
{
	struct cgroup *parent = cgroup_parent(cgrp);

	return !parent || dmem_subtree_enabled(parent);
}

/*
 * States that went offline since load (read-only parameter).  A removed
 * cgroup's limits are reset asynchronously (upstream's css_offline runs
 * from a workqueue too), after rmdir has returned; a test that depends on
 * the reset waits for this count to move (tests/vm/guest/lib.sh,
 * wait_offlined).
 */
static atomic_long_t dmem_cgstates_offlined = ATOMIC_LONG_INIT(0);

module_param_cb(cgroups_offlined, &dmem_counter_param_ops,
		&dmem_cgstates_offlined, 0444);
MODULE_PARM_DESC(cgroups_offlined,
		 "Cgroup states whose limits were reset at removal since load (read-only)");

/* Reset the limits and unlink the pools of @dc, once. */
static void dmem_cgstate_offline(struct dmem_cgstate *dc)
{
	if (atomic_xchg(&dc->offlined, 1))
		return;
	dmem_cg_offline(&dc->cg);
	atomic_long_inc(&dmem_cgstates_offlined);
}

static void dmem_cgstate_offline_fn(struct work_struct *work)
{
	struct dmem_cgstate *dc = container_of(work, struct dmem_cgstate,
					      offline_work);

	dmem_cgstate_offline(dc);
	dmem_cg_put(&dc->cg);
}

static void dmem_cgstate_release_fn(struct work_struct *work)
{
	struct dmem_cgstate *dc = container_of(to_rcu_work(work),
					      struct dmem_cgstate, release_work);

	dmem_cg_put(&dc->cg);
}

bool dmem_cgroup_online(struct cgroup *cgrp)
{
	return READ_ONCE(cgrp->self.flags) & CSS_ONLINE;
}

/*
 * Create the state of @cgrp, which must have a dmem css: the root, or a
 * cgroup whose parent enables dmem (and so has state).  Constant work and
 * stack whatever the depth.  Called with dmem_cgstate_create_lock held;
 * the caller keeps @cgrp alive, and a live cgroup keeps its ancestors
 * alive.
 *
 * If @cgrp was removed already (a write or a charge racing with rmdir),
 * the state is created offline: the removal hook may have run before the
 * state could be found, and nothing else would ever offline it.
 *
 * Return: the referenced state, ERR_PTR(-EAGAIN) if @cgrp has no dmem css
 * (any more), ERR_PTR(-ENOMEM).
 */
static struct dmem_cgstate *dmem_cgstate_create(struct cgroup *cgrp)
{
	struct cgroup *parent_cgrp = cgroup_parent(cgrp);
	struct dmem_cgstate *dc, *parent = NULL;
	bool css_ok;

	lockdep_assert_held(&dmem_cgstate_create_lock);
	dc = dmem_cgstate_find(cgrp);
	if (dc)
		return dc;
	if (parent_cgrp) {
		parent = dmem_cgstate_find(parent_cgrp);
		if (!parent)
			return ERR_PTR(-EAGAIN);
	}
	dc = kzalloc(sizeof(*dc), GFP_KERNEL);
	if (!dc) {
		if (parent)
			dmem_cg_put(&parent->cg);
		return ERR_PTR(-ENOMEM);
	}
	/* the initial reference belongs to the hash table */
	dmem_cg_init(&dc->cg, parent ? &parent->cg : NULL, dmem_cgstate_free);
	dc->cgrp = cgrp;
	INIT_LIST_HEAD(&dc->children);
	INIT_LIST_HEAD(&dc->sibling);
	INIT_WORK(&dc->offline_work, dmem_cgstate_offline_fn);
	INIT_RCU_WORK(&dc->release_work, dmem_cgstate_release_fn);

	spin_lock(&dmem_cgstate_lock);
	css_ok = !parent || READ_ONCE(parent->subtree_on);
	if (css_ok) {
		hash_add_rcu(dmem_cgstates, &dc->node, (unsigned long)cgrp);
		if (parent)
			list_add_tail(&dc->sibling, &parent->children);
		dmem_cg_get(&dc->cg);		/* the caller's */
	}
	spin_unlock(&dmem_cgstate_lock);
	if (parent)
		dmem_cg_put(&parent->cg);	/* the child holds its own */
	if (!css_ok) {
		dmem_cg_put(&dc->cg);		/* frees it */
		return ERR_PTR(-EAGAIN);
	}
	/* hashed before the test; pairs with dmem_cgstate_removed() */
	smp_mb();
	if (!dmem_cgroup_online(cgrp))
		dmem_cgstate_offline(dc);
	return dc;
}

/*
 * Test facility (root, at load only, like fail_init_step): sleep this long
 * before creating the state of a non-root cgroup, a window in which a test
 * removes the cgroup (tests/vm/tests/cgroupfs_rmdir_charge_race.sh).
 */
static unsigned int test_create_delay_ms;
module_param(test_create_delay_ms, uint, 0);
MODULE_PARM_DESC(test_create_delay_ms,
		 "Test facility: sleep N ms before creating a cgroup's state (an rmdir race window); 0 = off");

struct dmem_cgstate *dmem_cgstate_find_or_create(struct cgroup *cgrp)
{
	struct dmem_cgstate *dc = dmem_cgstate_find(cgrp);

	if (dc)
		return dc;
	if (unlikely(test_create_delay_ms) && cgroup_parent(cgrp))
		msleep(test_create_delay_ms);
	mutex_lock(&dmem_cgstate_create_lock);
	dc = dmem_cgstate_create(cgrp);
	mutex_unlock(&dmem_cgstate_create_lock);
	return dc;
}

struct dmem_cgstate *dmem_cgstate_get(struct cgroup *cgrp)
{
	struct dmem_cgstate *dc = dmem_cgstate_find_or_create(cgrp);

	if (dc == ERR_PTR(-EAGAIN))
		dc = ERR_PTR(-ENODEV);
	return dc;
}

/* Does @child count for "-dmem" EBUSY in its parent?  Lock held. */
static bool dmem_cgstate_enables_dmem(struct dmem_cgstate *child)
{
	/*
	 * A state is in its parent's list until its cgroup's release (our
	 * hook at css_release_work_fn() takes it out under this lock) or
	 * its parent's "-dmem", and the struct cgroup is freed only after
	 * that: ->cgrp is valid here.
	 */
	return child->subtree_on && dmem_cgroup_online(child->cgrp);
}

bool dmem_cgstate_child_enables_dmem(struct dmem_cgstate *dc)
{
	struct dmem_cgstate *child;

	lockdep_assert_held(&dmem_cgstate_lock);
	list_for_each_entry(child, &dc->children, sibling)
		if (dmem_cgstate_enables_dmem(child))
			return true;
	return false;
}

/*
 * "-dmem" in @dc's cgroup.subtree_control: upstream destroys the dmem css
 * of every child.  Their states leave the table (new ones start from
 * defaults), their limits are reset and their pools unlinked; charges stay
 * with the old pools until freed (removed children: see below).  Return:
 * false (-EBUSY) if a live child enables dmem itself.
 */
bool dmem_cgstate_disable_subtree(struct dmem_cgstate *dc)
{
	struct dmem_cgstate *child, *tmp;
	LIST_HEAD(gone);

	spin_lock(&dmem_cgstate_lock);
	if (dmem_cgstate_child_enables_dmem(dc)) {
		spin_unlock(&dmem_cgstate_lock);
		return false;
	}
	WRITE_ONCE(dc->subtree_on, false);
	list_for_each_entry_safe(child, tmp, &dc->children, sibling) {
		/*
		 * A removed child is left to its removal hook (which queued
		 * its offline) and its release hook (which takes it out of
		 * the table), as upstream's "-dmem" only kills the css of
		 * live descendants: a removed cgroup's is dying already.
		 */
		if (!dmem_cgroup_online(child->cgrp))
			continue;
		hash_del_rcu(&child->node);
		list_move_tail(&child->sibling, &gone);
	}
	spin_unlock(&dmem_cgstate_lock);

	list_for_each_entry_safe(child, tmp, &gone, sibling) {
		list_del_init(&child->sibling);
		dmem_cgstate_offline(child);
		/* drop the table's reference once RCU readers cannot find it */
		queue_rcu_work(dmem_wq, &child->release_work);
	}
	return true;
}

/*
 * @cgrp was removed (its CSS_ONLINE is clear): reset the limits of its
 * state, if it has one.  Atomic context.
 */
static void dmem_cgstate_removed(struct cgroup *cgrp)
{
	struct dmem_cgstate *dc;

	/* CSS_ONLINE was cleared before; pairs with dmem_cgstate_create() */
	smp_mb();
	spin_lock(&dmem_cgstate_lock);
	dc = dmem_cgstate_lookup(cgrp);
	if (dc) {
		/* a removed child does not keep its parent from "-dmem" */
		WRITE_ONCE(dc->subtree_on, false);
		dmem_cg_get(&dc->cg);
	}
	spin_unlock(&dmem_cgstate_lock);
	if (dc && !queue_work(dmem_wq, &dc->offline_work))
		dmem_cg_put(&dc->cg);	/* already queued with a reference */
}

/*
 * The struct cgroup @cgrp is about to be freed (an RCU grace period
 * later): its state leaves the table, and goes offline if nothing did that
 * yet (a cgroup whose host css was gone before its removal).  Atomic
 * context.
 */
static void dmem_cgstate_released(struct cgroup *cgrp)
{
	struct dmem_cgstate *dc;
	bool offline = false;

	spin_lock(&dmem_cgstate_lock);
	dc = dmem_cgstate_lookup(cgrp);
	if (dc) {
		hash_del_rcu(&dc->node);
		list_del_init(&dc->sibling);
		offline = !atomic_read(&dc->offlined);
		if (offline)
			dmem_cg_get(&dc->cg);
	}
	spin_unlock(&dmem_cgstate_lock);
	if (!dc)
		return;
	if (offline && !queue_work(dmem_wq, &dc->offline_work))
		dmem_cg_put(&dc->cg);	/* already queued with a reference */
	/* drop the table's reference once RCU readers cannot find it */
	queue_rcu_work(dmem_wq, &dc->release_work);
}

/* ---- observing cgroup removal and release ----------------------------- */

/*
 * Entry of the host controller's css_offline(css) (ftrace handler):
 * cgroup core offlines the host css of a removed cgroup, or of a cgroup
 * whose parent disabled the host (the cgroup stays online: ignored).
 */
static bool dmem_host_css_offline_entry(struct pt_regs *regs)
{
	struct cgroup_subsys_state *css = (void *)dmem_ftrace_arg(regs, 0);

	if (css && css->ss == dmem_host && !dmem_cgroup_online(css->cgroup))
		dmem_cgstate_removed(css->cgroup);
	return false;
}

/*
 * Entry of css_release_work_fn(work) (ftrace handler): the last reference
 * of a css is gone; for a cgroup's own css (no subsystem) the struct
 * cgroup is freed after the next RCU grace period.
 */
static bool dmem_css_release_entry(struct pt_regs *regs)
{
	struct work_struct *work = (void *)dmem_ftrace_arg(regs, 0);
	struct cgroup_subsys_state *css;

	if (!work)
		return false;
	css = container_of(work, struct cgroup_subsys_state, destroy_work);
	if (!css->ss)
		dmem_cgstate_released(css->cgroup);
	return false;
}

/* The name of the host's css_offline callback, found at init. */
static char dmem_host_offline_sym[128];

DMEM_HOOK_DEFINE_OBSERVER(host_css_offline, dmem_host_offline_sym,
			  dmem_host_css_offline_entry);
DMEM_HOOK_DEFINE_OBSERVER(css_release_work_fn, "css_release_work_fn",
			  dmem_css_release_entry);

/*
 * Name the host's css_offline callback for the hook, from the pointer in
 * the host's struct cgroup_subsys (read, never called), and check that
 * the name leads back to that very function.
 * Return: 0 or -ENOENT (one pr_err).
 */
static int dmem_host_offline_find(void)
{
	unsigned long cb = (unsigned long)dmem_host->css_offline, addr;
	int n;

	if (!cb) {
		pr_err("host controller %s has no css_offline callback to observe\n",
		       dmem_host->name);
		return -ENOENT;
	}
	n = snprintf(dmem_host_offline_sym, sizeof(dmem_host_offline_sym),
		     "%ps", (void *)cb);
	addr = n < sizeof(dmem_host_offline_sym) ?
	       dmem_hook_lookup(dmem_host_offline_sym) : 0;
	/* a kprobe's address is past the ENDBR of an IBT kernel */
	if (addr != cb && addr != cb + ENDBR_INSN_SIZE) {
		pr_err("host controller %s: its css_offline callback %pS cannot be found by name\n",
		       dmem_host->name, (void *)cb);
		return -ENOENT;
	}
	return 0;
}

/* Module unload: nothing can look up or create state any more. */
static void dmem_cgstates_drop_all(void)
{
	struct dmem_cgstate *dc;
	struct hlist_node *tmp;
	LIST_HEAD(dead);
	int bkt;

	spin_lock(&dmem_cgstate_lock);
	hash_for_each_safe(dmem_cgstates, bkt, tmp, dc, node) {
		hash_del_rcu(&dc->node);
		list_del(&dc->sibling);
		list_add_tail(&dc->sibling, &dead);
	}
	spin_unlock(&dmem_cgstate_lock);
	synchronize_rcu();
	while (!list_empty(&dead)) {
		dc = list_first_entry(&dead, struct dmem_cgstate, sibling);
		list_del(&dc->sibling);
		dmem_cg_put(&dc->cg);
	}
}

int dmem_cgstate_init(void)
{
	int err;

	dmem_cg_init(&dmem_empty_cg, NULL, NULL);
	dmem_wq = alloc_workqueue("dmem_cgroup", 0, 0);
	if (!dmem_wq)
		return -ENOMEM;
	err = dmem_host_offline_find() ?:
	      dmem_hooks_install(DMEM_HOOKS_CGROUP_LIFECYCLE);
	if (err)
		destroy_workqueue(dmem_wq);
	return err;
}

void dmem_cgstate_exit(void)
{
	/* no handler runs any more once this returns */
	dmem_hooks_remove(DMEM_HOOKS_CGROUP_LIFECYCLE);
	/* pending release works are queued after a grace period */
	rcu_barrier();
	destroy_workqueue(dmem_wq);
	dmem_cgstates_drop_all();
}
