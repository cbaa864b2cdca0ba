/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: contention count of the module's hot-path spinlocks.
 *
 * dmem_spin_lock() tries the lock first and counts the acquisitions that
 * had to wait; the total is the read-only module parameter
 * /sys/module/dmem_backport/parameters/lock_contended (the in-guest stress
 * benchmark reads it; Debian kernels have no CONFIG_LOCK_STAT).  An
 * uncontended acquisition costs what spin_lock() costs; only a contended
 * one writes the shared counter.
 */
#ifndef DMEM_LOCKSTAT_H
#define DMEM_LOCKSTAT_H

#include <linux/moduleparam.h>
#include <linux/spinlock.h>

/*
 * dmem_counter_param_ops: the ops of a read-only module parameter showing
 * an atomic_long_t counter, passed as the parameter's argument:
 * module_param_cb(name, &dmem_counter_param_ops, &counter, 0444).
 */
extern const struct kernel_param_ops dmem_counter_param_ops;

/**
 * dmem_lock_contended_inc() - count one contended acquisition.
 */
void dmem_lock_contended_inc(void);

/**
 * dmem_spin_lock() - spin_lock(), counting a wait in lock_contended.
 * @lock: the spinlock
 */
#define dmem_spin_lock(lock)				\
	do {						\
		spinlock_t *__dmem_l = (lock);		\
							\
		if (!spin_trylock(__dmem_l)) {		\
			dmem_lock_contended_inc();	\
			spin_lock(__dmem_l);		\
		}					\
	} while (0)

#endif /* DMEM_LOCKSTAT_H */
