/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: wakes the readers of dmem.events and dmem.events.local
 * (poll(), inotify) when the core's event counters change
 * (src/cgroup/events.c).
 */
#ifndef DMEM_CGROUP_EVENTS_H
#define DMEM_CGROUP_EVENTS_H

/**
 * dmem_events_init() - start notifying: the core queues the cgroups whose
 * counters change and kicks our work item.
 *
 * Return: 0 or -ENOMEM (one pr_err; nothing left to undo).
 */
int dmem_events_init(void);

/**
 * dmem_events_exit() - stop notifying and drain the queue.
 *
 * Called once nothing can count events any more (the TTM hooks and the
 * dmem.* files are gone), before the per-cgroup states are dropped.  May
 * sleep.
 *
 * Return: nothing.
 */
void dmem_events_exit(void);

#endif /* DMEM_CGROUP_EVENTS_H */
