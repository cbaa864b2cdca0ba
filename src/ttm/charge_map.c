// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the map from TTM resources to their charges (see
 * src/ttm/charge_map.h).
 *
 * A hash table keyed by resource under one spinlock,
 * dmem_ttm_charges_lock; records come from their own cache.  Every
 * operation is safe in atomic context: ttm_resource_fini()'s hook runs in
 * an ftrace handler.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "ttm/charge_map.h"
#include "hook/hook.h"
#include "dmem_lockstat.h"

static struct kmem_cache *dmem_ttm_charge_cache;
static DEFINE_HASHTABLE(dmem_ttm_charges, 10);
static DEFINE_SPINLOCK(dmem_ttm_charges_lock);

int dmem_ttm_charge_map_init(void)
{
	int ret = dmem_init_step("charge record cache");

	if (ret)
		return ret;
	/* named after the struct: tests look for it in /proc/slabinfo */
	dmem_ttm_charge_cache = KMEM_CACHE(dmem_ttm_charge, 0);
	if (!dmem_ttm_charge_cache) {
		pr_err("cannot create the charge record cache\n");
		return -ENOMEM;
	}
	return 0;
}

void dmem_ttm_charge_map_exit(void)
{
	kmem_cache_destroy(dmem_ttm_charge_cache);
	dmem_ttm_charge_cache = NULL;
}

struct dmem_ttm_charge *dmem_ttm_charge_alloc(void)
{
	return kmem_cache_alloc(dmem_ttm_charge_cache, GFP_KERNEL);
}

void dmem_ttm_charge_free(struct dmem_ttm_charge *c)
{
	kmem_cache_free(dmem_ttm_charge_cache, c);
}

void dmem_ttm_track_lock(void)
	__acquires(&dmem_ttm_charges_lock)
{
	dmem_spin_lock(&dmem_ttm_charges_lock);
}

void dmem_ttm_track_unlock(void)
	__releases(&dmem_ttm_charges_lock)
{
	spin_unlock(&dmem_ttm_charges_lock);
}

static struct dmem_ttm_charge *dmem_ttm_charge_find_locked(struct ttm_resource *res)
{
	struct dmem_ttm_charge *c;

	hash_for_each_possible(dmem_ttm_charges, c, node, (unsigned long)res)
		if (c->res == res)
			return c;
	return NULL;
}

struct dmem_pool *dmem_ttm_res_pool_locked(struct ttm_resource *res)
{
	struct dmem_ttm_charge *c = dmem_ttm_charge_find_locked(res);

	return c ? c->pool : NULL;
}

void dmem_ttm_track(struct dmem_ttm_charge *c)
{
	dmem_spin_lock(&dmem_ttm_charges_lock);
	hash_add(dmem_ttm_charges, &c->node, (unsigned long)c->res);
	spin_unlock(&dmem_ttm_charges_lock);
}

struct dmem_ttm_charge *dmem_ttm_untrack(struct ttm_resource *res)
{
	struct dmem_ttm_charge *c;

	dmem_spin_lock(&dmem_ttm_charges_lock);
	c = dmem_ttm_charge_find_locked(res);
	if (c)
		hash_del(&c->node);
	spin_unlock(&dmem_ttm_charges_lock);
	return c;
}

void dmem_ttm_untrack_all(void (*release)(struct dmem_ttm_charge *c))
{
	struct dmem_ttm_charge *c;
	struct hlist_node *tmp;
	unsigned int bkt;
	HLIST_HEAD(dropped);

	dmem_spin_lock(&dmem_ttm_charges_lock);
	hash_for_each_safe(dmem_ttm_charges, bkt, tmp, c, node) {
		hash_del(&c->node);
		hlist_add_head(&c->node, &dropped);
	}
	spin_unlock(&dmem_ttm_charges_lock);
	hlist_for_each_entry_safe(c, tmp, &dropped, node)
		release(c);
}
