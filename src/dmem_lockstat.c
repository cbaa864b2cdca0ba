// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: contention count of the hot-path spinlocks (see
 * dmem_lockstat.h).
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

static int dmem_lock_contended_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&dmem_lock_contended));
}

static const struct kernel_param_ops dmem_lock_contended_ops = {
	.get = dmem_lock_contended_get,
};

module_param_cb(lock_contended, &dmem_lock_contended_ops, NULL, 0444);
MODULE_PARM_DESC(lock_contended,
		 "Acquisitions of the hot-path spinlocks that had to wait (read-only)");
