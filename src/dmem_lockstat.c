// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: contention count of the hot-path spinlocks, and the
 * read-only counter parameters (see dmem_lockstat.h).
 */
#include <linux/atomic.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "dmem_lockstat.h"

static atomic_long_t dmem_lock_contended = ATOMIC_LONG_INIT(0);

void dmem_lock_contended_inc(void)
{
	atomic_long_inc(&dmem_lock_contended);
}

static int dmem_counter_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(kp->arg));
}

const struct kernel_param_ops dmem_counter_param_ops = {
	.get = dmem_counter_param_get,
};

module_param_cb(lock_contended, &dmem_counter_param_ops, &dmem_lock_contended,
		0444);
MODULE_PARM_DESC(lock_contended,
		 "Acquisitions of the hot-path spinlocks that had to wait (read-only)");
