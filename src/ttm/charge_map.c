// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the map from TTM resources to their charges (see
 * src/ttm/charge_map.h).
 *
 * A hash table keyed by resource with one lock per bucket, each bucket on
 * its own cache line: an allocation, a free and a lookup take the lock of
 * their resource's bucket only, so parallel allocators and freers do not
 * serialise here.  As every walk of a bucket holds its lock, a record is
 * freed as soon as it left the map (no RCU grace period: call_rcu() and
 * its batch cost an allocation and a free ~150 instructions on 6.12).  The
 * pool a record names is freed an RCU grace period after its last
 * reference (the core frees pools with kfree_rcu()), so a reader that
 * looked it up under rcu_read_lock() may read it until its
 * rcu_read_unlock().  Records come from their own cache, through a small
 * per-CPU stash of free records (a record is taken and given back with
 * interrupts off on one CPU: no lock, no shared line; the slab's fast
 * paths and the zeroing of init_on_alloc cost ~200 instructions per
 * allocation and free on 6.12).  Every operation is safe in atomic
 * context: ttm_resource_fini()'s hook runs in an ftrace handler.  A walk
 * under a bucket lock is bounded by the number of charged resources in
 * that bucket.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/hash.h>
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "ttm/charge_map.h"
#include "hook/hook.h"
#include "dmem_lockstat.h"

#define DMEM_TTM_CHARGE_BITS	10

/**
 * struct dmem_ttm_charge_bucket - one bucket of the map.
 * @lock: serialises every walk and change of @head
 * @head: the records whose resource hashes here
 */
struct dmem_ttm_charge_bucket {
	spinlock_t lock;	/* guards @head (see above) */
	struct hlist_head head;
} ____cacheline_aligned_in_smp;

static struct kmem_cache *dmem_ttm_charge_cache;
static struct dmem_ttm_charge_bucket dmem_ttm_charge_buckets[1 << DMEM_TTM_CHARGE_BITS];

#define DMEM_TTM_STASH_SIZE	16

/**
 * struct dmem_ttm_charge_stash - free records kept by one CPU.
 * @n: how many of @rec are filled
 * @rec: the records, each one free and untracked
 */
struct dmem_ttm_charge_stash {
	unsigned int n;
	struct dmem_ttm_charge *rec[DMEM_TTM_STASH_SIZE];
};

static DEFINE_PER_CPU(struct dmem_ttm_charge_stash, dmem_ttm_charge_stashes);

/*
 * KASAN catches a use after free of a record only if every free reaches
 * the slab: debug kernels bypass the stash.
 */
static bool dmem_ttm_stash_used(void)
{
	return !IS_ENABLED(CONFIG_KASAN);
}

/* A record from this CPU's stash, or NULL if it is empty. */
static struct dmem_ttm_charge *dmem_ttm_stash_take(void)
{
	struct dmem_ttm_charge_stash *st;
	struct dmem_ttm_charge *c = NULL;
	unsigned long flags;

	local_irq_save(flags);
	st = this_cpu_ptr(&dmem_ttm_charge_stashes);
	if (st->n)
		c = st->rec[--st->n];
	local_irq_restore(flags);
	return c;
}

/* Keep @c in this CPU's stash. Return: false if the stash is full. */
static bool dmem_ttm_stash_give(struct dmem_ttm_charge *c)
{
	struct dmem_ttm_charge_stash *st;
	unsigned long flags;
	bool kept = false;

	local_irq_save(flags);
	st = this_cpu_ptr(&dmem_ttm_charge_stashes);
	if (st->n < DMEM_TTM_STASH_SIZE) {
		st->rec[st->n++] = c;
		kept = true;
	}
	local_irq_restore(flags);
	return kept;
}

/* Give every stashed record back to the cache; no hook runs any more. */
static void dmem_ttm_stash_drain(void)
{
	struct dmem_ttm_charge_stash *st;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		st = per_cpu_ptr(&dmem_ttm_charge_stashes, cpu);
		while (st->n)
			kmem_cache_free(dmem_ttm_charge_cache, st->rec[--st->n]);
	}
}

static struct dmem_ttm_charge_bucket *dmem_ttm_charge_bucket(const struct ttm_resource *res)
{
	return &dmem_ttm_charge_buckets[hash_ptr(res, DMEM_TTM_CHARGE_BITS)];
}

int dmem_ttm_charge_map_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(dmem_ttm_charge_buckets); i++) {
		spin_lock_init(&dmem_ttm_charge_buckets[i].lock);
		INIT_HLIST_HEAD(&dmem_ttm_charge_buckets[i].head);
	}
	ret = dmem_init_step("charge record cache");
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
	if (!dmem_ttm_charge_cache)
		return;
	dmem_ttm_stash_drain();
	kmem_cache_destroy(dmem_ttm_charge_cache);
	dmem_ttm_charge_cache = NULL;
}

struct dmem_ttm_charge *dmem_ttm_charge_alloc(void)
{
	struct dmem_ttm_charge *c = NULL;

	if (dmem_ttm_stash_used())
		c = dmem_ttm_stash_take();
	if (!c)
		c = kmem_cache_alloc(dmem_ttm_charge_cache, GFP_KERNEL);
	return c;
}

void dmem_ttm_charge_free(struct dmem_ttm_charge *c)
{
	/* no reader can reach it: lookups hold the bucket lock */
	if (!dmem_ttm_stash_used() || !dmem_ttm_stash_give(c))
		kmem_cache_free(dmem_ttm_charge_cache, c);
}

void dmem_ttm_track_lock(void)
	__acquires(RCU)
{
	rcu_read_lock();
}

void dmem_ttm_track_unlock(void)
	__releases(RCU)
{
	rcu_read_unlock();
}

struct dmem_pool *dmem_ttm_res_pool_locked(struct ttm_resource *res)
{
	struct dmem_ttm_charge_bucket *b = dmem_ttm_charge_bucket(res);
	struct dmem_pool *pool = NULL;
	struct dmem_ttm_charge *c;

	dmem_spin_lock(&b->lock);
	hlist_for_each_entry(c, &b->head, node) {
		if (c->res == res) {
			pool = c->charge.pool;
			break;
		}
	}
	spin_unlock(&b->lock);
	return pool;
}

void dmem_ttm_track(struct dmem_ttm_charge *c)
{
	struct dmem_ttm_charge_bucket *b = dmem_ttm_charge_bucket(c->res);

	dmem_spin_lock(&b->lock);
	hlist_add_head(&c->node, &b->head);
	spin_unlock(&b->lock);
}

struct dmem_ttm_charge *dmem_ttm_untrack(struct ttm_resource *res)
{
	struct dmem_ttm_charge_bucket *b = dmem_ttm_charge_bucket(res);
	struct dmem_ttm_charge *c, *found = NULL;

	dmem_spin_lock(&b->lock);
	hlist_for_each_entry(c, &b->head, node) {
		if (c->res == res) {
			hlist_del(&c->node);
			found = c;
			break;
		}
	}
	spin_unlock(&b->lock);
	return found;
}

/* Take every record of @b out of the map, onto @dropped. */
static void dmem_ttm_untrack_bucket(struct dmem_ttm_charge_bucket *b,
				    struct hlist_head *dropped)
{
	struct dmem_ttm_charge *c;
	struct hlist_node *tmp;

	dmem_spin_lock(&b->lock);
	hlist_for_each_entry_safe(c, tmp, &b->head, node) {
		hlist_del(&c->node);
		hlist_add_head(&c->node, dropped);
	}
	spin_unlock(&b->lock);
}

void dmem_ttm_untrack_all(void (*release)(struct dmem_ttm_charge *c))
{
	struct dmem_ttm_charge *c;
	struct hlist_node *tmp;
	unsigned int i;
	HLIST_HEAD(dropped);

	/*
	 * Called once no hook can run any more (unload, failed load): no
	 * reader walks the map any more.
	 * Without the record cache nothing was ever tracked.
	 */
	if (!dmem_ttm_charge_cache)
		return;
	for (i = 0; i < ARRAY_SIZE(dmem_ttm_charge_buckets); i++)
		dmem_ttm_untrack_bucket(&dmem_ttm_charge_buckets[i], &dropped);
	hlist_for_each_entry_safe(c, tmp, &dropped, node)
		release(c);
}
