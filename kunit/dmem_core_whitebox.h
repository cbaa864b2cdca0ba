/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: test-only access to the core's counters for the in-tree
 * KUnit build (kunit/dmem_core_whitebox.c).  Not part of the module.
 */
#ifndef DMEM_CORE_WHITEBOX_H
#define DMEM_CORE_WHITEBOX_H

#include "dmem_core.h"

/**
 * dmem_kunit_charge_levels() - the state of a charge caught half-way.
 * @pool: pool the charge is made to.
 * @size: bytes.
 * @levels: how many pools, from @pool upwards, have added @size so far.
 *
 * Adds @size to the usage of @pool and its ancestors, @levels pools in
 * all, propagating protected usage at each as dmem_pool_try_charge() does,
 * without any limit check.  A concurrent reader of a real charge sees
 * exactly such a state (a child's usage may exceed its parent's).
 */
void dmem_kunit_charge_levels(struct dmem_pool *pool, u64 size,
			      unsigned int levels);

/**
 * dmem_kunit_uncharge_levels() - undo dmem_kunit_charge_levels().
 * @pool: pool given to dmem_kunit_charge_levels().
 * @size: bytes.
 * @levels: the same number of levels.
 */
void dmem_kunit_uncharge_levels(struct dmem_pool *pool, u64 size,
				unsigned int levels);

#endif /* DMEM_CORE_WHITEBOX_H */
