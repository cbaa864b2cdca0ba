// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: poll() and inotify wake-ups on dmem.events and
 * dmem.events.local, as on memory.events.
 *
 * memcg calls cgroup_file_notify(), which is not exported, on a
 * struct cgroup_file that cgroup core fills in only for a controller's own
 * cftypes.  The same wake-up is kernfs_notify() on the file's kernfs node
 * (exported; it bumps the open files' event count, wakes poll() with
 * POLLPRI and queues the fsnotify IN_MODIFY).  We find the node by name
 * under the cgroup's directory with kernfs_find_and_get() (exported, takes
 * kernfs_rwsem: sleeps).
 *
 * Events are counted in the charge and eviction paths, under TTM's locks
 * and RCU, so the core only queues the cgroup (src/dmem_core_events.c,
 * once until popped, with a reference on its node) and kicks our work
 * item, which runs in process context and pops the whole queue: for a
 * cgroup it wakes its dmem.events.local (DMEM_EVENTS_NOTIFY_LOCAL) and the
 * dmem.events of it and of every ancestor (DMEM_EVENTS_NOTIFY_TREE; the
 * root has no such file).  A burst of events costs one wake-up per file.
 *
 * Lifetime: the queued reference keeps the struct dmem_cgstate (and its
 * ancestors') alive, not its struct cgroup.  Before touching a cgroup the
 * work checks, under rcu_read_lock(), that the state is still in the
 * table: the cgroup_release probe removes it before the struct cgroup is
 * freed (an RCU grace period later at the earliest), so the cgroup and its
 * directory node are valid there, and we pin the node with kernfs_get()
 * before sleeping.  A removed cgroup (rmdir) is skipped or has no files
 * left to find.  Module unload stops the kicks, flushes the work and drops
 * what is still queued.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/kernfs.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include "cgroup/events.h"
#include "cgroup/state.h"
#include "dmem_files.h"

static struct workqueue_struct *dmem_events_wq;
static void dmem_events_workfn(struct work_struct *work);
static DECLARE_WORK(dmem_events_work, dmem_events_workfn);

/* The core's kick: any context but hard IRQ, maybe under TTM's locks. */
static void dmem_events_kick(void)
{
	queue_work(dmem_events_wq, &dmem_events_work);
}

/*
 * The directory of @dc's cgroup, referenced, or NULL if the cgroup was
 * released (its state left the table).
 */
static struct kernfs_node *dmem_events_cgroup_dir(struct dmem_cgstate *dc)
{
	struct kernfs_node *dir = NULL;

	rcu_read_lock();
	if (dmem_cgstate_lookup(dc->cgrp) == dc) {
		dir = dc->cgrp->kn;
		kernfs_get(dir);
	}
	rcu_read_unlock();
	return dir;
}

/* Wake the readers of @file of @cg's cgroup, if it still has the file. */
static void dmem_events_notify_file(struct dmem_cg *cg, enum dmem_file file)
{
	struct kernfs_node *dir, *kn;

	if (!cg->parent)
		return;		/* the root has no dmem.events */
	dir = dmem_events_cgroup_dir(to_dmem_cgstate(cg));
	if (!dir)
		return;
	kn = kernfs_find_and_get(dir, dmem_file_types[file].name);
	if (kn) {
		kernfs_notify(kn);
		kernfs_put(kn);
	}
	kernfs_put(dir);
}

/* One popped cgroup: its own file and, for TREE, every ancestor's. */
static void dmem_events_notify_cg(struct dmem_cg *cg, unsigned int what)
{
	struct dmem_cg *c;

	if (what & DMEM_EVENTS_NOTIFY_LOCAL)
		dmem_events_notify_file(cg, DMEM_FILE_EVENTS_LOCAL);
	if (!(what & DMEM_EVENTS_NOTIFY_TREE))
		return;
	/* each node holds its parent: the chain lives as long as @cg */
	for (c = cg; c; c = c->parent) {
		dmem_events_notify_file(c, DMEM_FILE_EVENTS);
		cond_resched();
	}
}

static void dmem_events_workfn(struct work_struct *work)
{
	unsigned int what;
	struct dmem_cg *cg;

	while ((cg = dmem_events_pop(&what))) {
		dmem_events_notify_cg(cg, what);
		dmem_cg_put(cg);
		cond_resched();
	}
}

int dmem_events_init(void)
{
	dmem_events_wq = alloc_workqueue("dmem_events", 0, 0);
	if (!dmem_events_wq) {
		pr_err("cannot allocate the dmem.events workqueue\n");
		return -ENOMEM;
	}
	dmem_events_set_kick(dmem_events_kick);
	return 0;
}

void dmem_events_exit(void)
{
	unsigned int what;
	struct dmem_cg *cg;

	dmem_events_set_kick(NULL);
	/* runs the work still queued and waits for it */
	destroy_workqueue(dmem_events_wq);
	dmem_events_wq = NULL;
	while ((cg = dmem_events_pop(&what)))
		dmem_cg_put(cg);
}
