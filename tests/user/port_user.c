// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: runtime part of the userspace port (tests/user/port_user.h).
 *
 * RCU stand-in: readers bump a global counter; kfree_rcu() queues the object.
 * A flush takes the whole queue first and only then checks that no reader is
 * active: every queued object was unlinked before it was queued, so a reader
 * that could still see it would be counted.  If readers are active the queue
 * is put back for a later flush.
 */
#include "port_user.h"

long port_fail_alloc_after;
void (*port_before_refcount_inc)(refcount_t *r);
unsigned long port_warnings;

void port_warn(const char *file, int line, const char *cond, bool print)
{
	__atomic_add_fetch(&port_warnings, 1, __ATOMIC_SEQ_CST);
	if (print)
		fprintf(stderr, "WARNING: %s:%d %s\n", file, line, cond);
}

static int port_rcu_readers;
static struct rcu_head *port_rcu_pending;
static pthread_mutex_t port_rcu_lock = PTHREAD_MUTEX_INITIALIZER;

static void port_rcu_try_flush(void)
{
	struct rcu_head *list, *next, *tail;

	pthread_mutex_lock(&port_rcu_lock);
	list = port_rcu_pending;
	port_rcu_pending = NULL;
	if (list && __atomic_load_n(&port_rcu_readers, __ATOMIC_SEQ_CST)) {
		/* not quiescent: put the batch back */
		for (tail = list; tail->next; tail = tail->next)
			;
		tail->next = port_rcu_pending;
		port_rcu_pending = list;
		list = NULL;
	}
	pthread_mutex_unlock(&port_rcu_lock);

	for (; list; list = next) {
		next = list->next;
		free(list->obj);
	}
}

unsigned long port_rcu_sections;

void port_rcu_read_lock(void)
{
	__atomic_add_fetch(&port_rcu_sections, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&port_rcu_readers, 1, __ATOMIC_SEQ_CST);
}

void port_rcu_read_unlock(void)
{
	if (__atomic_sub_fetch(&port_rcu_readers, 1, __ATOMIC_SEQ_CST) == 0 &&
	    __atomic_load_n(&port_rcu_pending, __ATOMIC_RELAXED))
		port_rcu_try_flush();
}

void port_call_free(struct rcu_head *head, void *obj)
{
	head->obj = obj;
	pthread_mutex_lock(&port_rcu_lock);
	head->next = port_rcu_pending;
	port_rcu_pending = head;
	pthread_mutex_unlock(&port_rcu_lock);
	port_rcu_try_flush();
}

void port_rcu_quiesce(void)
{
	while (__atomic_load_n(&port_rcu_readers, __ATOMIC_SEQ_CST))
		sched_yield();
	port_rcu_try_flush();
}
