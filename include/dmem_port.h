/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: the few primitives the pure core needs, from the kernel
 * or from the userspace test library (tests/user/port_user.h).
 */
#ifndef DMEM_PORT_H
#define DMEM_PORT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/err.h>
#include <linux/ctype.h>
#include <linux/rcupdate.h>
#include <linux/math64.h>
#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/overflow.h>
#else
#include "port_user.h"
#endif

#endif /* DMEM_PORT_H */
