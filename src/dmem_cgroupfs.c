// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: cgroupfs interface and per-cgroup state.
 *
 * A module cannot register a cgroup controller, so the dmem.* files are
 * added to an existing one, the "host" (memory by default, or io): they
 * physically exist wherever the host controller is enabled.  "dmem" itself
 * behaves as its own controller, seen from userspace: a per-cgroup flag of
 * ours says whether "dmem" is in the cgroup's cgroup.subtree_control, with
 * upstream's rules ("+dmem" only where cgroup.controllers lists dmem, else
 * ENOENT; "-dmem" only where no child enables dmem, else EBUSY; the root
 * always lists it in cgroup.controllers; a cgroup lists it where its parent
 * enables it).  A cgroup has a "dmem css" where upstream would have one
 * (the root, and where the parent enables dmem): its dmem.* files open and
 * its tasks charge to it; elsewhere the files fail to open with ENOENT and
 * tasks charge to the nearest ancestor with a dmem css.  "-dmem" drops the
 * state of the children (limits reset, charges stay with the old pools
 * until freed), as upstream's css teardown.  The host controller is kept
 * enabled wherever dmem is: "+dmem" enables it, "-<host>" is ignored there.
 * Nothing is enabled at load, whatever the host's state.
 *
 * Kernel functions used that are not exported, all reached through
 * src/compat/hook.c (never through a function pointer):
 *  - cgroup_add_dfl_cftypes(), cgroup_rm_cftypes(), kernfs_setattr():
 *    called through redirected stubs;
 *  - cgroup_controllers_show(), cgroup_subtree_control_show(),
 *    cgroup_subtree_control_write() (static, reached by cgroup core through
 *    its cftype table): redirected into our wrappers, which call the
 *    originals through redirected stubs and edit their output or input.
 *
 * Per-cgroup state: struct dmem_cgroup (embedding the core's struct
 * dmem_cg) in a hash table keyed by struct cgroup *, looked up under RCU,
 * created for a cgroup with a dmem css on first charge, limit write or
 * "+dmem" (its parent, which enables dmem, has state already: no walk, no
 * recursion).  The cgroup_rmdir tracepoint resets its limits, the
 * cgroup_release tracepoint (the struct cgroup is about to be freed) drops
 * it.  Both probes run in atomic context and defer their work to our
 * workqueue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/kernfs.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "dmem_cgroupfs.h"
#include "dmem_files.h"
#include "compat/hook.h"

static char *host = "memory";
module_param(host, charp, 0444);
MODULE_PARM_DESC(host,
		 "cgroup controller whose cgroupfs directories carry the dmem.* files and whose enabling enables dmem: \"memory\" (default) or \"io\"");

/* The host controller chosen at load time. */
static struct cgroup_subsys *dmem_host;

/* ---- per-cgroup state -------------------------------------------------- */

/**
 * struct dmem_cgroup - our state for one struct cgroup that has a dmem css.
 * @cg: the core's per-cgroup state; its reference count owns this object.
 * @cgrp: the cgroup (not referenced: the release tracepoint tells us when
 *	it goes away, and we drop the object then).
 * @node: entry in dmem_cgroups, while hashed.
 * @children: states of the child cgroups (@sibling), while hashed.
 * @sibling: entry in the parent's @children.
 * @subtree_on: "dmem" is in this cgroup's cgroup.subtree_control.
 * @offlined: dmem_cg_offline() was called (it runs once).
 * @offline_work: resets the limits after rmdir.
 * @release_work: drops the hash table's reference after release.
 * @rcu: frees the object after RCU readers are done.
 *
 * @children, @sibling and @subtree_on change under dmem_cgroups_lock;
 * @subtree_on is also read under RCU.
 */
struct dmem_cgroup {
	struct dmem_cg cg;
	struct cgroup *cgrp;
	struct hlist_node node;
	struct list_head children;
	struct list_head sibling;
	bool subtree_on;
	atomic_t offlined;
	struct work_struct offline_work;
	struct rcu_work release_work;
	struct rcu_head rcu;
};

#define DMEM_CGROUP_HASH_BITS	8
static DEFINE_HASHTABLE(dmem_cgroups, DMEM_CGROUP_HASH_BITS);
/* writers of dmem_cgroups, the children lists and subtree_on */
static DEFINE_SPINLOCK(dmem_cgroups_lock);
static DEFINE_MUTEX(dmem_cgroups_create_lock);
static struct workqueue_struct *dmem_wq;

/*
 * Shown for cgroups that have no state yet: no pools, so every file prints
 * 0 (max for dmem.max), like upstream for a region without a pool.  Never
 * charged, never written.
 */
static struct dmem_cg dmem_empty_cg;

static struct dmem_cgroup *to_dmem_cgroup(struct dmem_cg *cg)
{
	return container_of(cg, struct dmem_cgroup, cg);
}

static void dmem_cgroup_free(struct dmem_cg *cg)
{
	kfree_rcu(to_dmem_cgroup(cg), rcu);
}

/* Caller holds rcu_read_lock() or dmem_cgroups_lock. */
static struct dmem_cgroup *dmem_cgroup_lookup(struct cgroup *cgrp)
{
	struct dmem_cgroup *dc;

	hash_for_each_possible_rcu(dmem_cgroups, dc, node, (unsigned long)cgrp)
		if (dc->cgrp == cgrp)
			return dc;
	return NULL;
}

/**
 * dmem_cgroup_find() - referenced state of @cgrp, or NULL if it has none.
 * @cgrp: the cgroup.
 *
 * The hash table's reference is dropped an RCU grace period after the
 * object left the table, so an object found under rcu_read_lock() still
 * has it and can be referenced.  Any context.
 */
static struct dmem_cgroup *dmem_cgroup_find(struct cgroup *cgrp)
{
	struct dmem_cgroup *dc;

	rcu_read_lock();
	dc = dmem_cgroup_lookup(cgrp);
	if (dc)
		dmem_cg_get(&dc->cg);
	rcu_read_unlock();
	return dc;
}

/*
 * Does @cgrp list "dmem" in its cgroup.subtree_control?  Caller holds
 * rcu_read_lock() or dmem_cgroups_lock.
 */
static bool dmem_subtree_enabled(struct cgroup *cgrp)
{
	struct dmem_cgroup *dc = dmem_cgroup_lookup(cgrp);

	return dc && READ_ONCE(dc->subtree_on);
}

/*
 * Would upstream give @cgrp a dmem css: is it the root, or does its parent
 * enable dmem?  Then the dmem.* files "exist" there and charges of its
 * tasks stay there.  Caller holds rcu_read_lock() or dmem_cgroups_lock.
 */
static bool dmem_has_css(struct cgroup *cgrp)
{
	struct cgroup *parent = cgroup_parent(cgrp);

	return !parent || dmem_subtree_enabled(parent);
}

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

/* Reset the limits and unlink the pools of @dc, once. */
static void dmem_cgroup_offline(struct dmem_cgroup *dc)
{
	if (!atomic_xchg(&dc->offlined, 1))
		dmem_cg_offline(&dc->cg);
}

static void dmem_cgroup_offline_fn(struct work_struct *work)
{
	struct dmem_cgroup *dc = container_of(work, struct dmem_cgroup,
					      offline_work);

	dmem_cgroup_offline(dc);
	dmem_cg_put(&dc->cg);
}

static void dmem_cgroup_release_fn(struct work_struct *work)
{
	struct dmem_cgroup *dc = container_of(to_rcu_work(work),
					      struct dmem_cgroup, release_work);

	dmem_cg_put(&dc->cg);
}

static bool dmem_cgroup_online(struct cgroup *cgrp)
{
	return READ_ONCE(cgrp->self.flags) & CSS_ONLINE;
}

/*
 * Create the state of @cgrp, which must have a dmem css: the root, or a
 * cgroup whose parent enables dmem (and so has state).  Constant work and
 * stack whatever the depth.  Called with dmem_cgroups_create_lock held;
 * the caller keeps @cgrp alive, and a live cgroup keeps its ancestors
 * alive.
 *
 * If @cgrp was removed already (a write or a charge racing with rmdir),
 * the state is created offline: the rmdir probe may have run before the
 * state could be found, and nothing else would ever offline it.
 *
 * Return: the referenced state, ERR_PTR(-EAGAIN) if @cgrp has no dmem css
 * (any more), ERR_PTR(-ENOMEM).
 */
static struct dmem_cgroup *dmem_cgroup_create(struct cgroup *cgrp)
{
	struct cgroup *parent_cgrp = cgroup_parent(cgrp);
	struct dmem_cgroup *dc, *parent = NULL;
	bool css_ok;

	lockdep_assert_held(&dmem_cgroups_create_lock);
	dc = dmem_cgroup_find(cgrp);
	if (dc)
		return dc;
	if (parent_cgrp) {
		parent = dmem_cgroup_find(parent_cgrp);
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
	dmem_cg_init(&dc->cg, parent ? &parent->cg : NULL, dmem_cgroup_free);
	dc->cgrp = cgrp;
	INIT_LIST_HEAD(&dc->children);
	INIT_LIST_HEAD(&dc->sibling);
	INIT_WORK(&dc->offline_work, dmem_cgroup_offline_fn);
	INIT_RCU_WORK(&dc->release_work, dmem_cgroup_release_fn);

	spin_lock(&dmem_cgroups_lock);
	css_ok = !parent || READ_ONCE(parent->subtree_on);
	if (css_ok) {
		hash_add_rcu(dmem_cgroups, &dc->node, (unsigned long)cgrp);
		if (parent)
			list_add_tail(&dc->sibling, &parent->children);
		dmem_cg_get(&dc->cg);		/* the caller's */
	}
	spin_unlock(&dmem_cgroups_lock);
	if (parent)
		dmem_cg_put(&parent->cg);	/* the child holds its own */
	if (!css_ok) {
		dmem_cg_put(&dc->cg);		/* frees it */
		return ERR_PTR(-EAGAIN);
	}
	/* hashed before the test; pairs with dmem_probe_cgroup_rmdir() */
	smp_mb();
	if (!dmem_cgroup_online(cgrp))
		dmem_cgroup_offline(dc);
	return dc;
}

/*
 * Referenced state of @cgrp, created if missing; ERR_PTR(-ENODEV) if @cgrp
 * has no dmem css.  May sleep.
 */
static struct dmem_cgroup *dmem_cgroup_get(struct cgroup *cgrp)
{
	struct dmem_cgroup *dc = dmem_cgroup_find(cgrp);

	if (dc)
		return dc;
	mutex_lock(&dmem_cgroups_create_lock);
	dc = dmem_cgroup_create(cgrp);
	mutex_unlock(&dmem_cgroups_create_lock);
	if (dc == ERR_PTR(-EAGAIN))
		dc = ERR_PTR(-ENODEV);
	return dc;
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
	struct dmem_cgroup *dc;
	struct cgroup *cgrp;

	if (!dmem_host)
		return ERR_PTR(-ENODEV);
	do {
		cgrp = dmem_charge_cgroup_get();
		dc = dmem_cgroup_find(cgrp);
		if (!dc) {
			mutex_lock(&dmem_cgroups_create_lock);
			dc = dmem_cgroup_create(cgrp);
			mutex_unlock(&dmem_cgroups_create_lock);
		}
		cgroup_put(cgrp);
		/* -EAGAIN: dmem was disabled above us meanwhile; look again */
	} while (dc == ERR_PTR(-EAGAIN));
	if (IS_ERR(dc))
		return ERR_CAST(dc);
	return &dc->cg;
}

/**
 * dmem_pool_of_current_fast() - the current task's existing pool in @region.
 * @region: the region
 *
 * The hot path of every charge: no reference is taken on the css or on our
 * per-cgroup state.  Under rcu_read_lock() the task's css (and so its
 * cgroup and their ancestors) cannot be freed, our state of that cgroup is
 * freed only an RCU grace period after it left the hash table, and the
 * core's pool lookup is RCU-safe itself; only the pool found gets a
 * reference.
 *
 * Return: a referenced pool, or NULL if the cgroup has no state or no pool
 * for @region yet (or is going away): the caller takes the slow path.
 */
static struct dmem_pool *dmem_pool_of_current_fast(struct dmem_region *region)
{
	struct dmem_pool *pool = NULL;
	struct dmem_cgroup *dc;
	struct cgroup *cgrp;

	rcu_read_lock();
	cgrp = dmem_css_cgroup(task_css(current, dmem_host->id)->cgroup);
	dc = dmem_cgroup_lookup(cgrp);
	if (dc)
		pool = dmem_pool_find(&dc->cg, region);
	rcu_read_unlock();
	return pool;
}

struct dmem_pool *dmem_pool_of_current(struct dmem_region *region)
{
	struct dmem_pool *pool;
	struct dmem_cg *cg;

	if (!dmem_host)
		return ERR_PTR(-ENODEV);
	pool = dmem_pool_of_current_fast(region);
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
	cgroup_get(to_dmem_cgroup(cg)->cgrp);
}

void dmem_cg_unpin(struct dmem_cg *cg)
{
	cgroup_put(to_dmem_cgroup(cg)->cgrp);
}

/*
 * "-dmem" in @dc's cgroup.subtree_control: upstream destroys the dmem css
 * of every child.  Their states leave the table (new ones start from
 * defaults), their limits are reset and their pools unlinked; charges stay
 * with the old pools until freed.  Return: false (-EBUSY) if a child
 * enables dmem itself.
 */
static bool dmem_cgroup_disable_subtree(struct dmem_cgroup *dc)
{
	struct dmem_cgroup *child, *tmp;
	LIST_HEAD(gone);

	spin_lock(&dmem_cgroups_lock);
	list_for_each_entry(child, &dc->children, sibling) {
		if (child->subtree_on) {
			spin_unlock(&dmem_cgroups_lock);
			return false;
		}
	}
	WRITE_ONCE(dc->subtree_on, false);
	list_for_each_entry_safe(child, tmp, &dc->children, sibling) {
		hash_del_rcu(&child->node);
		list_move_tail(&child->sibling, &gone);
	}
	spin_unlock(&dmem_cgroups_lock);

	list_for_each_entry_safe(child, tmp, &gone, sibling) {
		list_del_init(&child->sibling);
		dmem_cgroup_offline(child);
		/* drop the table's reference once RCU readers cannot find it */
		queue_rcu_work(dmem_wq, &child->release_work);
	}
	return true;
}

/* cgroup_rmdir tracepoint: atomic context. */
static void dmem_probe_cgroup_rmdir(void *data, struct cgroup *cgrp,
				    const char *path)
{
	struct dmem_cgroup *dc;

	/* CSS_ONLINE was cleared before; pairs with dmem_cgroup_create() */
	smp_mb();
	spin_lock(&dmem_cgroups_lock);
	dc = dmem_cgroup_lookup(cgrp);
	if (dc) {
		/* a removed child does not keep its parent from "-dmem" */
		WRITE_ONCE(dc->subtree_on, false);
		dmem_cg_get(&dc->cg);
	}
	spin_unlock(&dmem_cgroups_lock);
	if (dc && !queue_work(dmem_wq, &dc->offline_work))
		dmem_cg_put(&dc->cg);	/* already queued with a reference */
}

/* cgroup_release tracepoint: the struct cgroup is about to be freed. */
static void dmem_probe_cgroup_release(void *data, struct cgroup *cgrp,
				      const char *path)
{
	struct dmem_cgroup *dc;

	spin_lock(&dmem_cgroups_lock);
	dc = dmem_cgroup_lookup(cgrp);
	if (dc) {
		hash_del_rcu(&dc->node);
		list_del_init(&dc->sibling);
	}
	spin_unlock(&dmem_cgroups_lock);
	/* drop the table's reference once RCU readers cannot find it */
	if (dc)
		queue_rcu_work(dmem_wq, &dc->release_work);
}

/* Module unload: nothing can look up or create state any more. */
static void dmem_cgroups_drop_all(void)
{
	struct dmem_cgroup *dc;
	struct hlist_node *tmp;
	LIST_HEAD(dead);
	int bkt;

	spin_lock(&dmem_cgroups_lock);
	hash_for_each_safe(dmem_cgroups, bkt, tmp, dc, node) {
		hash_del_rcu(&dc->node);
		list_del(&dc->sibling);
		list_add_tail(&dc->sibling, &dead);
	}
	spin_unlock(&dmem_cgroups_lock);
	synchronize_rcu();
	while (!list_empty(&dead)) {
		dc = list_first_entry(&dead, struct dmem_cgroup, sibling);
		list_del(&dc->sibling);
		dmem_cg_put(&dc->cg);
	}
}

/* ---- cgroup tracepoints ------------------------------------------------ */

struct dmem_tracepoint {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	bool registered;
};

static struct dmem_tracepoint dmem_tracepoints[] = {
	{ .name = "cgroup_rmdir", .probe = dmem_probe_cgroup_rmdir },
	{ .name = "cgroup_release", .probe = dmem_probe_cgroup_release },
};

static void dmem_tracepoint_match(struct tracepoint *tp, void *priv)
{
	struct dmem_tracepoint *dt = priv;

	if (!strcmp(tp->name, dt->name))
		dt->tp = tp;
}

static void dmem_tracepoints_unregister(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dmem_tracepoints); i++) {
		struct dmem_tracepoint *dt = &dmem_tracepoints[i];

		if (dt->registered)
			tracepoint_probe_unregister(dt->tp, dt->probe, NULL);
		dt->registered = false;
	}
	tracepoint_synchronize_unregister();
}

static int dmem_tracepoints_register(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(dmem_tracepoints); i++) {
		struct dmem_tracepoint *dt = &dmem_tracepoints[i];

		dt->tp = NULL;
		for_each_kernel_tracepoint(dmem_tracepoint_match, dt);
		if (!dt->tp) {
			pr_err("tracepoint %s not found\n", dt->name);
			err = -ENOENT;
			goto fail;
		}
		err = tracepoint_probe_register(dt->tp, dt->probe, NULL);
		if (err) {
			pr_err("cannot attach to tracepoint %s (%d)\n",
			       dt->name, err);
			goto fail;
		}
		dt->registered = true;
	}
	return 0;

fail:
	dmem_tracepoints_unregister();
	return err;
}

/* ---- dmem.* files ------------------------------------------------------ */

struct dmem_seq_printer {
	struct dmem_printer p;
	struct seq_file *sf;
};

static void dmem_seq_puts(struct dmem_printer *p, const char *s)
{
	seq_puts(container_of(p, struct dmem_seq_printer, p)->sf, s);
}

/*
 * The dmem.* files exist wherever the host controller is enabled, but
 * upstream has them only where the cgroup has a dmem css.  Elsewhere
 * open() fails with ENOENT as for a missing file, and an fd opened before
 * "-dmem" fails with ENODEV as one of a removed file.
 */
static bool dmem_file_cgroup_has_css(struct cgroup *cgrp)
{
	bool ret;

	rcu_read_lock();
	ret = dmem_has_css(cgrp);
	rcu_read_unlock();
	return ret;
}

static int dmem_file_open(struct kernfs_open_file *of)
{
	return dmem_file_cgroup_has_css(of_css(of)->cgroup) ? 0 : -ENOENT;
}

static int dmem_file_show(struct seq_file *sf, void *v)
{
	struct dmem_seq_printer printer = {
		.p.puts = dmem_seq_puts,
		.sf = sf,
	};
	struct cgroup *cgrp = seq_css(sf)->cgroup;
	struct dmem_cgroup *dc;

	if (!dmem_file_cgroup_has_css(cgrp))
		return -ENODEV;
	dc = dmem_cgroup_find(cgrp);
	dmem_show(dc ? &dc->cg : &dmem_empty_cg, seq_cft(sf)->private,
		  &printer.p);
	if (dc)
		dmem_cg_put(&dc->cg);
	return 0;
}

static ssize_t dmem_file_write(struct kernfs_open_file *of, char *buf,
			       size_t nbytes, loff_t off)
{
	struct cgroup *cgrp = of_css(of)->cgroup;
	struct dmem_cgroup *dc;
	int err;

	if (!dmem_file_cgroup_has_css(cgrp))
		return -ENODEV;
	dc = dmem_cgroup_get(cgrp);
	if (IS_ERR(dc))
		return PTR_ERR(dc);
	err = dmem_write_limits(&dc->cg, of_cft(of)->private, buf, nbytes);
	dmem_cg_put(&dc->cg);
	return err ?: nbytes;
}

#define DMEM_FILE_FLAGS		CFTYPE_NO_PREFIX

static struct cftype dmem_files[] = {
	{
		.name = "dmem.capacity",
		.flags = DMEM_FILE_FLAGS | CFTYPE_ONLY_ON_ROOT,
		.private = DMEM_FILE_CAPACITY,
		.open = dmem_file_open,
		.seq_show = dmem_file_show,
	},
	{
		.name = "dmem.current",
		.flags = DMEM_FILE_FLAGS,
		.private = DMEM_FILE_CURRENT,
		.open = dmem_file_open,
		.seq_show = dmem_file_show,
	},
	{
		.name = "dmem.min",
		.flags = DMEM_FILE_FLAGS | CFTYPE_NOT_ON_ROOT,
		.private = DMEM_FILE_MIN,
		.open = dmem_file_open,
		.seq_show = dmem_file_show,
		.write = dmem_file_write,
	},
	{
		.name = "dmem.low",
		.flags = DMEM_FILE_FLAGS | CFTYPE_NOT_ON_ROOT,
		.private = DMEM_FILE_LOW,
		.open = dmem_file_open,
		.seq_show = dmem_file_show,
		.write = dmem_file_write,
	},
	{
		.name = "dmem.max",
		.flags = DMEM_FILE_FLAGS | CFTYPE_NOT_ON_ROOT,
		.private = DMEM_FILE_MAX,
		.open = dmem_file_open,
		.seq_show = dmem_file_show,
		.write = dmem_file_write,
	},
	{
		.name = "dmem.peak",
		.flags = DMEM_FILE_FLAGS | CFTYPE_NOT_ON_ROOT,
		.private = DMEM_FILE_PEAK,
		.open = dmem_file_open,
		.seq_show = dmem_file_show,
	},
	{ }	/* terminator */
};

/* ---- hooks: cgroup core functions -------------------------------------- */

/*
 * Stubs redirected into the kernel's functions.  Their bodies only run if
 * the redirection is missing, and then fail safely.
 */
static DMEM_HOOK_STUB int
dmem_orig_add_dfl_cftypes(struct cgroup_subsys *ss, struct cftype *cfts)
{
	return -EOPNOTSUPP;
}

static DMEM_HOOK_STUB int dmem_orig_rm_cftypes(struct cftype *cfts)
{
	return -EOPNOTSUPP;
}

static DMEM_HOOK_STUB int dmem_orig_controllers_show(struct seq_file *seq,
						     void *v)
{
	return -EOPNOTSUPP;
}

static DMEM_HOOK_STUB int dmem_orig_subtree_control_show(struct seq_file *seq,
							 void *v)
{
	return -EOPNOTSUPP;
}

static DMEM_HOOK_STUB ssize_t
dmem_orig_subtree_control_write(struct kernfs_open_file *of, char *buf,
				size_t nbytes, loff_t off)
{
	return -EOPNOTSUPP;
}

static DMEM_HOOK_STUB int dmem_orig_kernfs_setattr(struct kernfs_node *kn,
						   const struct iattr *iattr)
{
	return -EOPNOTSUPP;
}

static struct dmem_hook dmem_add_cftypes_hook = {
	.name = "cgroup_add_dfl_cftypes",
	DMEM_HOOK_ORIG(dmem_orig_add_dfl_cftypes),
};

static struct dmem_hook dmem_rm_cftypes_hook = {
	.name = "cgroup_rm_cftypes",
	DMEM_HOOK_ORIG(dmem_orig_rm_cftypes),
};

static struct dmem_hook dmem_setattr_hook = {
	.name = "kernfs_setattr",
	DMEM_HOOK_ORIG(dmem_orig_kernfs_setattr),
};

static struct dmem_hook dmem_controllers_hook;
static struct dmem_hook dmem_subtree_show_hook;
static struct dmem_hook dmem_subtree_write_hook;

static bool dmem_word_in(const char *s, size_t len, const char *word)
{
	size_t wlen = strlen(word), i = 0;

	while (i < len) {
		size_t start = i;

		while (i < len && s[i] != ' ' && s[i] != '\n')
			i++;
		if (i - start == wlen && !memcmp(s + start, word, wlen))
			return true;
		i++;
	}
	return false;
}

/*
 * Append "dmem" to the controller list just printed from @start.  cgroup
 * core prints "name name ...\n", or nothing for none; dmem goes last, where
 * upstream's subsystem order puts it.
 */
static void dmem_seq_add_dmem(struct seq_file *seq, size_t start)
{
	if (seq_has_overflowed(seq))
		return;
	if (seq->count > start) {
		if (seq->buf[seq->count - 1] != '\n' ||
		    dmem_word_in(seq->buf + start, seq->count - start, "dmem"))
			return;
		seq->count--;
		seq_putc(seq, ' ');
	}
	seq_puts(seq, "dmem\n");
}

static bool dmem_seq_lists_host(struct seq_file *seq, size_t start)
{
	return !seq_has_overflowed(seq) && seq->count > start &&
	       dmem_word_in(seq->buf + start, seq->count - start,
			    dmem_host->name);
}

/*
 * cgroup.controllers lists dmem at the root and where the parent enables
 * it, unless the cgroup cannot have the host controller (a threaded
 * cgroup: dmem, like memory and io, is a domain controller).
 */
static int dmem_controllers_show(struct seq_file *seq, void *v)
{
	struct cgroup *cgrp = seq_css(seq)->cgroup;
	size_t start = seq->count;
	int ret = dmem_orig_controllers_show(seq, v);
	bool add;

	if (!ret) {
		rcu_read_lock();
		add = !cgroup_parent(cgrp) ||
		      (dmem_has_css(cgrp) && dmem_seq_lists_host(seq, start));
		rcu_read_unlock();
		if (add)
			dmem_seq_add_dmem(seq, start);
	}
	dmem_hook_exit(&dmem_controllers_hook);
	return ret;
}

static int dmem_subtree_control_show(struct seq_file *seq, void *v)
{
	struct cgroup *cgrp = seq_css(seq)->cgroup;
	size_t start = seq->count;
	int ret = dmem_orig_subtree_control_show(seq, v);
	bool add;

	if (!ret) {
		rcu_read_lock();
		add = dmem_subtree_enabled(cgrp);
		rcu_read_unlock();
		if (add)
			dmem_seq_add_dmem(seq, start);
	}
	dmem_hook_exit(&dmem_subtree_show_hook);
	return ret;
}

/**
 * struct dmem_ctl_write - a write to cgroup.subtree_control, split up.
 * @dmem: the last dmem token: '+', '-' or 0 for none.
 * @host: the last token of the host controller: '+', '-' or 0.
 * @rest: every other token, in order, space-separated (for cgroup core).
 * @len: length of @rest.
 */
struct dmem_ctl_write {
	char dmem;
	char host;
	char *rest;
	size_t len;
};

static void dmem_ctl_append(struct dmem_ctl_write *w, char sign,
			    const char *name)
{
	size_t n = strlen(name);

	if (w->len)
		w->rest[w->len++] = ' ';
	if (sign)
		w->rest[w->len++] = sign;
	memcpy(w->rest + w->len, name, n);
	w->len += n;
	w->rest[w->len] = '\0';
}

/*
 * Split @buf (NUL-terminated, modified) like cgroup core's parser: tokens
 * separated by single spaces after stripping, empty tokens skipped, a
 * later token for the same controller overrides an earlier one.  A dmem
 * token needs its '+' or '-' (else -EINVAL, as upstream); other tokens are
 * left to cgroup core.  Return: 0, -EINVAL or -ENOMEM.
 */
static int dmem_ctl_parse(char *buf, struct dmem_ctl_write *w)
{
	size_t hostlen = strlen(dmem_host->name);
	char *s = strstrip(buf), *tok;

	w->dmem = 0;
	w->host = 0;
	w->len = 0;
	w->rest = kmalloc(strlen(s) + hostlen + 3, GFP_KERNEL);
	if (!w->rest)
		return -ENOMEM;
	w->rest[0] = '\0';
	while ((tok = strsep(&s, " "))) {
		bool signed_tok = tok[0] == '+' || tok[0] == '-';

		if (!tok[0])
			continue;
		if (!strcmp(tok + 1, "dmem")) {
			if (!signed_tok)
				goto inval;
			w->dmem = tok[0];
		} else if (signed_tok && !strcmp(tok + 1, dmem_host->name)) {
			w->host = tok[0];
		} else {
			dmem_ctl_append(w, 0, tok);
		}
	}
	return 0;

inval:
	kfree(w->rest);
	w->rest = NULL;
	return -EINVAL;
}

/*
 * Upstream's checks for the dmem part of a write to @cgrp's
 * cgroup.subtree_control, before anything is applied; "+dmem" also makes
 * sure @cgrp has state to keep the flag in.  Turns a no-op into 0.
 */
static int dmem_ctl_check(struct cgroup *cgrp, struct dmem_ctl_write *w)
{
	struct dmem_cgroup *dc, *child;
	bool on, has_css, busy = false;

	spin_lock(&dmem_cgroups_lock);
	dc = dmem_cgroup_lookup(cgrp);
	on = dc && dc->subtree_on;
	has_css = dmem_has_css(cgrp);
	if (dc && on && w->dmem == '-')
		list_for_each_entry(child, &dc->children, sibling)
			busy |= child->subtree_on;
	spin_unlock(&dmem_cgroups_lock);

	if (!dmem_cgroup_online(cgrp))
		return -ENODEV;
	if ((w->dmem == '+' && on) || (w->dmem == '-' && !on))
		w->dmem = 0;
	if (w->dmem == '+' && !has_css)
		return -ENOENT;
	if (busy)
		return -EBUSY;
	/* the host stays enabled wherever dmem is */
	if (w->host == '-' && (w->dmem == '+' || (on && w->dmem != '-')))
		w->host = 0;
	if (w->dmem == '+' &&
	    !(READ_ONCE(cgrp->subtree_control) & BIT(dmem_host->id)))
		w->host = '+';
	if (w->dmem == '+') {
		dc = dmem_cgroup_get(cgrp);
		if (IS_ERR(dc))
			return PTR_ERR(dc);
		dmem_cg_put(&dc->cg);
	}
	return 0;
}

/*
 * Upstream creates the dmem.* files of the children when "+dmem" creates
 * their css, owned by the writer (cgroup_kn_set_ugid(): root's files keep
 * the default, root).  Ours exist already, created with the host's files
 * (at module load, by root, for cgroups that existed then): give the
 * children's files that owner, so that a delegated user who enables dmem
 * can write the limits of its children as upstream.
 */
static void dmem_chown_files(struct cgroup *cgrp)
{
	static const char * const names[] = {
		"dmem.current", "dmem.min", "dmem.low", "dmem.max", "dmem.peak",
	};
	struct iattr iattr = {
		.ia_valid = ATTR_UID | ATTR_GID,
		.ia_uid = current_fsuid(),
		.ia_gid = current_fsgid(),
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		struct kernfs_node *kn = kernfs_find_and_get(cgrp->kn, names[i]);

		if (kn) {
			dmem_orig_kernfs_setattr(kn, &iattr);
			kernfs_put(kn);
		}
	}
}

/* Collect up to @max referenced online child host csses of @parent. */
static unsigned int dmem_host_children(struct cgroup_subsys_state *parent,
				       struct cgroup_subsys_state **kids,
				       unsigned int max)
{
	struct cgroup_subsys_state *pos;
	unsigned int n = 0;

	rcu_read_lock();
	css_for_each_descendant_pre(pos, parent) {
		if (pos->parent != parent)
			continue;
		if (kids && n < max && css_tryget_online(pos))
			kids[n++] = pos;
		else if (!kids)
			n++;
	}
	rcu_read_unlock();
	return n;
}

/* "+dmem" in @cgrp took effect: the children's dmem.* files get its owner. */
static void dmem_chown_children_files(struct cgroup *cgrp)
{
	struct cgroup_subsys_state *parent, **kids;
	unsigned int n, i;

	rcu_read_lock();
	parent = rcu_dereference(cgrp->subsys[dmem_host->id]);
	if (parent && !css_tryget(parent))
		parent = NULL;
	rcu_read_unlock();
	if (!parent)
		return;
	n = dmem_host_children(parent, NULL, 0);
	kids = n ? kvcalloc(n, sizeof(*kids), GFP_KERNEL) : NULL;
	if (kids) {
		n = dmem_host_children(parent, kids, n);
		for (i = 0; i < n; i++) {
			dmem_chown_files(kids[i]->cgroup);
			css_put(kids[i]);
		}
		kvfree(kids);
	}
	css_put(parent);
}

/* Apply a checked dmem token after cgroup core applied the rest. */
static int dmem_ctl_apply(struct cgroup *cgrp, char op)
{
	struct dmem_cgroup *dc;
	int err = 0;

	if (!op)
		return 0;
	dc = dmem_cgroup_find(cgrp);
	if (!dc)	/* removed, or dmem disabled above meanwhile */
		return op == '+' ? -ENOENT : 0;
	if (op == '+') {
		spin_lock(&dmem_cgroups_lock);
		if (!dmem_cgroup_online(cgrp))
			err = -ENODEV;
		else if (!dmem_has_css(cgrp))
			err = -ENOENT;
		else
			WRITE_ONCE(dc->subtree_on, true);
		spin_unlock(&dmem_cgroups_lock);
	} else if (!dmem_cgroup_disable_subtree(dc)) {
		err = -EBUSY;
	}
	dmem_cg_put(&dc->cg);
	if (!err && op == '+')
		dmem_chown_children_files(cgrp);
	return err;
}

/*
 * cgroup.subtree_control writes: dmem is enabled and disabled in our own
 * per-cgroup flag with upstream's rules (checked before anything is
 * applied), and the host controller is managed underneath: "+dmem"
 * enables the host where it is off, "-dmem" leaves it alone, and "-<host>"
 * is dropped where dmem stays enabled (the dmem.* files live in the
 * host's directories).  The other tokens go to cgroup core unchanged.
 *
 * Not under one lock with cgroup core (its cgroup_mutex drains the files
 * of removed cgroups, whose writers may wait for us): a write racing with
 * a conflicting one on a parent or child can fail after cgroup core
 * applied its own part.
 */
static ssize_t dmem_subtree_control_write(struct kernfs_open_file *of,
					  char *buf, size_t nbytes, loff_t off)
{
	struct cgroup *cgrp = of_css(of)->cgroup;
	struct dmem_ctl_write w;
	ssize_t ret;

	ret = dmem_ctl_parse(buf, &w);
	if (ret)
		goto out;
	ret = dmem_ctl_check(cgrp, &w);
	if (ret)
		goto out_free;
	if (w.host)
		dmem_ctl_append(&w, w.host, dmem_host->name);
	if (w.len) {
		ret = dmem_orig_subtree_control_write(of, w.rest, nbytes, off);
		if (ret < 0)
			goto out_free;
	}
	ret = dmem_ctl_apply(cgrp, w.dmem) ?: nbytes;
out_free:
	kfree(w.rest);
out:
	dmem_hook_exit(&dmem_subtree_write_hook);
	return ret;
}

static struct dmem_hook dmem_controllers_hook = {
	.name = "cgroup_controllers_show",
	DMEM_HOOK_REPLACE(dmem_controllers_show),
	DMEM_HOOK_ORIG(dmem_orig_controllers_show),
};

static struct dmem_hook dmem_subtree_show_hook = {
	.name = "cgroup_subtree_control_show",
	DMEM_HOOK_REPLACE(dmem_subtree_control_show),
	DMEM_HOOK_ORIG(dmem_orig_subtree_control_show),
};

static struct dmem_hook dmem_subtree_write_hook = {
	.name = "cgroup_subtree_control_write",
	DMEM_HOOK_REPLACE(dmem_subtree_control_write),
	DMEM_HOOK_ORIG(dmem_orig_subtree_control_write),
};

static struct dmem_hook *dmem_cftype_hooks[] = {
	&dmem_add_cftypes_hook,
	&dmem_rm_cftypes_hook,
	&dmem_setattr_hook,
};

static struct dmem_hook *dmem_protocol_hooks[] = {
	&dmem_controllers_hook,
	&dmem_subtree_show_hook,
	&dmem_subtree_write_hook,
};

/* ---- init / exit ------------------------------------------------------- */

/*
 * The host controller named by the "host" parameter, if it is built in,
 * enabled (not cgroup_disable=) and on the cgroup2 hierarchy.
 */
static struct cgroup_subsys *dmem_pick_host(void)
{
	if (!strcmp(host, "memory")) {
#ifdef CONFIG_MEMCG
		if (!cgroup_subsys_enabled(memory_cgrp_subsys)) {
			pr_err("host controller memory is disabled (cgroup_disable=memory)\n");
			return NULL;
		}
		if (!cgroup_subsys_on_dfl(memory_cgrp_subsys)) {
			pr_err("host controller memory is bound to a cgroup v1 hierarchy; dmem needs it on cgroup2\n");
			return NULL;
		}
		return &memory_cgrp_subsys;
#endif
	} else if (!strcmp(host, "io")) {
#ifdef CONFIG_BLK_CGROUP
		if (!cgroup_subsys_enabled(io_cgrp_subsys)) {
			pr_err("host controller io is disabled (cgroup_disable=io)\n");
			return NULL;
		}
		if (!cgroup_subsys_on_dfl(io_cgrp_subsys)) {
			pr_err("host controller io is bound to a cgroup v1 hierarchy; dmem needs it on cgroup2\n");
			return NULL;
		}
		return &io_cgrp_subsys;
#endif
	} else {
		pr_err("host=%s: must be memory or io\n", host);
		return NULL;
	}
	pr_err("host controller %s is not built into this kernel\n", host);
	return NULL;
}

int dmem_cgroupfs_init(void)
{
	int err;

	dmem_host = dmem_pick_host();
	if (!dmem_host)
		return -ENODEV;
	dmem_cg_init(&dmem_empty_cg, NULL, NULL);

	dmem_wq = alloc_workqueue("dmem_cgroup", 0, 0);
	if (!dmem_wq)
		return -ENOMEM;
	err = dmem_hook_install_all(dmem_cftype_hooks,
				    ARRAY_SIZE(dmem_cftype_hooks));
	if (err)
		goto fail_wq;
	err = dmem_tracepoints_register();
	if (err)
		goto fail_cftype_hooks;
	err = dmem_orig_add_dfl_cftypes(dmem_host, dmem_files);
	if (err) {
		pr_err("cannot add dmem.* files to the %s controller (%d)\n",
		       dmem_host->name, err);
		goto fail_tracepoints;
	}
	err = dmem_hook_install_all(dmem_protocol_hooks,
				    ARRAY_SIZE(dmem_protocol_hooks));
	if (err)
		goto fail_files;
	return 0;

fail_files:
	dmem_orig_rm_cftypes(dmem_files);
fail_tracepoints:
	dmem_tracepoints_unregister();
fail_cftype_hooks:
	dmem_hook_remove_all(dmem_cftype_hooks, ARRAY_SIZE(dmem_cftype_hooks));
fail_wq:
	rcu_barrier();
	destroy_workqueue(dmem_wq);
	dmem_cgroups_drop_all();
	dmem_host = NULL;
	return err;
}

void dmem_cgroupfs_exit(void)
{
	dmem_hook_remove_all(dmem_protocol_hooks,
			     ARRAY_SIZE(dmem_protocol_hooks));
	/* removes the files and waits for their readers and writers */
	dmem_orig_rm_cftypes(dmem_files);
	dmem_tracepoints_unregister();
	dmem_hook_remove_all(dmem_cftype_hooks, ARRAY_SIZE(dmem_cftype_hooks));
	/* pending release works are queued after a grace period */
	rcu_barrier();
	destroy_workqueue(dmem_wq);
	dmem_cgroups_drop_all();
	dmem_host = NULL;
}
