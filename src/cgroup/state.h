/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: per-cgroup state of the cgroup glue (src/cgroup/), shared
 * by its parts: state.c (the state and its lifecycle), charge.c (the state
 * a task charges to), cftypes.c (the dmem.* files) and subtree_control.c
 * (enabling dmem per cgroup).
 *
 * Three different things are called "cgroup" here: struct cgroup (the
 * kernel's), struct dmem_cg (the core's view of one cgroup, see
 * include/dmem_core.h) and struct dmem_cgstate (ours, below), which embeds
 * a struct dmem_cg and exists for a struct cgroup that has a dmem css.
 */
#ifndef DMEM_CGROUP_STATE_H
#define DMEM_CGROUP_STATE_H

#include <linux/cgroup.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "dmem_core.h"

/**
 * struct dmem_cgstate - our state for one struct cgroup that has a dmem css.
 * @cg: the core's per-cgroup state; its reference count owns this object.
 * @cgrp: the cgroup (not referenced: the hook on its release tells us
 *	when it goes away, and we drop the object then).
 * @node: entry in the hash table of states, while hashed.
 * @children: states of the child cgroups (@sibling), while hashed.
 * @sibling: entry in the parent's @children.
 * @subtree_on: "dmem" is in this cgroup's cgroup.subtree_control.
 * @offlined: dmem_cg_offline() was called (it runs once).
 * @offline_work: resets the limits after rmdir.
 * @release_work: drops the hash table's reference after release.
 * @rcu: frees the object after RCU readers are done.
 *
 * @children, @sibling and @subtree_on change under dmem_cgstate_lock;
 * @subtree_on is also read under RCU.
 */
struct dmem_cgstate {
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

/**
 * to_dmem_cgstate() - the state that embeds @cg.
 * @cg: a struct dmem_cg of a struct dmem_cgstate (not &dmem_empty_cg).
 *
 * Return: the state.
 */
static inline struct dmem_cgstate *to_dmem_cgstate(struct dmem_cg *cg)
{
	return container_of(cg, struct dmem_cgstate, cg);
}

/*
 * The host controller chosen at load time (its directories carry the
 * dmem.* files); NULL while the glue is not initialised.
 */
extern struct cgroup_subsys *dmem_host;

/* Writers of the states' hash table, children lists and @subtree_on. */
extern spinlock_t dmem_cgstate_lock;

/*
 * Shown for cgroups that have no state yet: no pools, so every file prints
 * its default.  Never charged, never written.
 */
extern struct dmem_cg dmem_empty_cg;

/**
 * dmem_cgstate_lookup() - the state of @cgrp, not referenced.
 * @cgrp: the cgroup.
 *
 * Caller holds rcu_read_lock() or dmem_cgstate_lock.
 *
 * Return: the state, or NULL if @cgrp has none.
 */
struct dmem_cgstate *dmem_cgstate_lookup(struct cgroup *cgrp);

/**
 * dmem_cgstate_find() - the state of @cgrp, referenced.
 * @cgrp: the cgroup.
 *
 * Any context.  Drop the reference with dmem_cg_put(&state->cg).
 *
 * Return: the referenced state, or NULL if @cgrp has none.
 */
struct dmem_cgstate *dmem_cgstate_find(struct cgroup *cgrp);

/**
 * dmem_cgstate_find_or_create() - the state of @cgrp, created if missing.
 * @cgrp: the cgroup, kept alive by the caller.
 *
 * Constant work and stack whatever the depth (the parent of a cgroup with
 * a dmem css enables dmem, and so has state already).  If @cgrp was
 * removed already, the state is created offline.  May sleep.
 *
 * Return: the referenced state, ERR_PTR(-EAGAIN) if @cgrp has no dmem css
 * (any more; dmem was disabled above it), ERR_PTR(-ENOMEM).
 */
struct dmem_cgstate *dmem_cgstate_find_or_create(struct cgroup *cgrp);

/**
 * dmem_cgstate_get() - the state of @cgrp, created if missing.
 * @cgrp: the cgroup, kept alive by the caller.
 *
 * May sleep.
 *
 * Return: the referenced state, ERR_PTR(-ENODEV) if @cgrp has no dmem css,
 * ERR_PTR(-ENOMEM).
 */
struct dmem_cgstate *dmem_cgstate_get(struct cgroup *cgrp);

/**
 * dmem_subtree_enabled() - does @cgrp list "dmem" in its
 * cgroup.subtree_control?
 * @cgrp: the cgroup.
 *
 * Caller holds rcu_read_lock() or dmem_cgstate_lock.
 *
 * Return: true if it does.
 */
bool dmem_subtree_enabled(struct cgroup *cgrp);

/**
 * dmem_has_css() - would upstream give @cgrp a dmem css?
 * @cgrp: the cgroup.
 *
 * It would for the root and where the parent enables dmem: then the
 * dmem.* files "exist" there and charges of its tasks stay there.  Caller
 * holds rcu_read_lock() or dmem_cgstate_lock.
 *
 * Return: true if @cgrp has a dmem css.
 */
bool dmem_has_css(struct cgroup *cgrp);

/**
 * dmem_cgroup_online() - is @cgrp still online (not removed)?
 * @cgrp: the cgroup.
 *
 * Return: true while @cgrp has not been removed.
 */
bool dmem_cgroup_online(struct cgroup *cgrp);

/**
 * dmem_cgstate_child_enables_dmem() - would "-dmem" in @dc's cgroup fail
 * with -EBUSY?
 * @dc: the state of the cgroup.
 *
 * As upstream's check of live children only: true if a child of @dc's
 * cgroup enables dmem in its cgroup.subtree_control and was not removed
 * (a removed child's state goes offline asynchronously, some time after
 * rmdir returned).  Caller holds dmem_cgstate_lock.
 *
 * Return: true if such a child exists.
 */
bool dmem_cgstate_child_enables_dmem(struct dmem_cgstate *dc);

/**
 * dmem_cgstate_disable_subtree() - "-dmem" in @dc's cgroup.subtree_control.
 * @dc: the state of the cgroup.
 *
 * Upstream destroys the dmem css of every child: their states leave the
 * table (new ones start from defaults), their limits are reset and their
 * pools unlinked; charges stay with the old pools until freed.  As
 * upstream only does that to live children, the state of a child that
 * was removed already is left to its removal and release hooks.
 *
 * Return: false (-EBUSY) if a child enables dmem itself (see
 * dmem_cgstate_child_enables_dmem()), true when done.
 */
bool dmem_cgstate_disable_subtree(struct dmem_cgstate *dc);

/**
 * dmem_cgstate_init() - set up the per-cgroup state and its lifecycle
 * (workqueue, the hooks that observe cgroup removal and release).
 *
 * Return: 0 or a negative errno (one pr_err; nothing left to undo).
 */
int dmem_cgstate_init(void);

/**
 * dmem_cgstate_exit() - remove the lifecycle hooks and drop every state.
 *
 * Called at unload after the dmem.* files and the hooks are gone, or on
 * an init failure after dmem_cgstate_init() succeeded.  May sleep.
 *
 * Return: nothing.
 */
void dmem_cgstate_exit(void);

#endif /* DMEM_CGROUP_STATE_H */
