// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport userspace tests, events: dmem.events and dmem.events.local
 * (hierarchical vs local counts, max hits, evictions and low breaches,
 * saturation, removal of a child, the file format, the notification
 * queue).  Part of tests/user/main.c (one translation unit with the core).
 */

/* ---- events ------------------------------------------------------------ */

static u64 ev(struct dmem_pool *p, enum dmem_event e, bool local)
{
	return dmem_pool_event(p, e, local);
}

/* A failed charge counts "max" on the pool whose max was hit. */
static void test_events_max_on_limit_pool(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root), *b = new_cg(a);
	struct dmem_region *r = dmem_region_register("evm", 100 * M, NULL);
	struct dmem_pool *pa = pool_of(a, r), *pb = pool_of(b, r);
	struct dmem_pool *proot = pool_of(root, r);

	CHECK_EQ(writef(a, DMEM_FILE_MAX, "evm 4M"), 0);
	charge_ok(pb, 3 * M);
	CHECK_EQ(dmem_pool_try_charge(pb, 2 * M, NULL), -EAGAIN);
	CHECK_EQ(dmem_pool_try_charge(pb, 2 * M, NULL), -EAGAIN);
	CHECK_EQ(ev(pa, DMEM_EVENT_MAX, true), 2);
	CHECK_EQ(ev(pa, DMEM_EVENT_MAX, false), 2);
	CHECK_EQ(ev(pb, DMEM_EVENT_MAX, true), 0);
	CHECK_EQ(ev(pb, DMEM_EVENT_MAX, false), 0);
	CHECK_EQ(ev(proot, DMEM_EVENT_MAX, false), 2);
	CHECK_EQ(ev(proot, DMEM_EVENT_MAX, true), 0);
	/* b's own max: local in b, hierarchical in b and a */
	CHECK_EQ(writef(b, DMEM_FILE_MAX, "evm 3M"), 0);
	CHECK_EQ(dmem_pool_try_charge(pb, 1, NULL), -EAGAIN);
	CHECK_EQ(ev(pb, DMEM_EVENT_MAX, true), 1);
	CHECK_EQ(ev(pb, DMEM_EVENT_MAX, false), 1);
	CHECK_EQ(ev(pa, DMEM_EVENT_MAX, true), 2);
	CHECK_EQ(ev(pa, DMEM_EVENT_MAX, false), 3);
	CHECK_STR(show(a, DMEM_FILE_EVENTS),
		  "evm low=0 high=0 max=3 evicted=0\n");
	CHECK_STR(show(a, DMEM_FILE_EVENTS_LOCAL),
		  "evm low=0 high=0 max=2 evicted=0\n");
	/* a successful charge counts nothing */
	dmem_pool_uncharge(pb, 3 * M);
	charge_ok(pb, 3 * M);
	CHECK_EQ(ev(pa, DMEM_EVENT_MAX, false), 3);
	dmem_pool_uncharge(pb, 3 * M);
	dmem_region_unregister(r);
	del_cg(b); del_cg(a); del_cg(root);
}

/* Evicted bytes always; "low" only when the retry took a protected buffer. */
static void test_events_eviction_and_low_breach(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root), *b = new_cg(root);
	struct dmem_region *r = dmem_region_register("evl", 100 * M, NULL);
	struct dmem_pool *pa = pool_of(a, r), *pb = pool_of(b, r);

	CHECK_EQ(writef(a, DMEM_FILE_LOW, "evl 10M"), 0);
	charge_ok(pa, 4 * M);
	charge_ok(pb, 4 * M);
	/* unprotected b, on either pass: evicted bytes, no low */
	dmem_pool_count_eviction(NULL, pa, pb, false, M);
	dmem_pool_count_eviction(NULL, pa, pb, true, M);
	CHECK_EQ(ev(pb, DMEM_EVENT_EVICTED, true), 2 * M);
	CHECK_EQ(ev(pb, DMEM_EVENT_LOW, true), 0);
	/* a within its low, taken on the retry: one low event */
	CHECK(!dmem_may_evict(NULL, pb, pa, false, NULL));
	dmem_pool_count_eviction(NULL, pb, pa, true, 4096);
	CHECK_EQ(ev(pa, DMEM_EVENT_EVICTED, true), 4096);
	CHECK_EQ(ev(pa, DMEM_EVENT_LOW, true), 1);
	CHECK_EQ(ev(pa, DMEM_EVENT_LOW, false), 1);
	CHECK_EQ(ev(pool_of(root, r), DMEM_EVENT_EVICTED, false),
		 2 * M + 4096);
	CHECK_EQ(ev(pool_of(root, r), DMEM_EVENT_LOW, false), 1);
	CHECK_STR(show(a, DMEM_FILE_EVENTS),
		  "evl low=1 high=0 max=0 evicted=4096\n");
	/* nothing for a NULL evictee or zero bytes outside the low retry */
	dmem_pool_count_eviction(NULL, pa, NULL, true, M);
	dmem_pool_count_eviction(NULL, pa, pb, false, 0);
	dmem_pool_count_event(pb, DMEM_EVENT_COUNT, 1);
	dmem_pool_count_event(pb, DMEM_EVENT_MAX, 0);
	CHECK_STR(show(b, DMEM_FILE_EVENTS),
		  "evl low=0 high=0 max=0 evicted=2097152\n");
	CHECK_EQ(dmem_pool_event(pb, DMEM_EVENT_COUNT, false), 0);
	CHECK_EQ(dmem_pool_read(pb, DMEM_FILE_EVENTS), 2 * M);
	dmem_pool_uncharge(pa, 4 * M);
	dmem_pool_uncharge(pb, 4 * M);
	dmem_region_unregister(r);
	del_cg(b); del_cg(a); del_cg(root);
}

/* 64-bit counters saturate at U64_MAX, at every level. */
static void test_events_saturate(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root), *b = new_cg(a);
	struct dmem_region *r = dmem_region_register("evs", 100 * M, NULL);
	struct dmem_pool *pa = pool_of(a, r), *pb = pool_of(b, r);

	atomic64_set(&pa->events[DMEM_EVENT_EVICTED], (s64)(U64_MAX - 10));
	atomic64_set(&pb->events_local[DMEM_EVENT_MAX], (s64)(U64_MAX - 1));
	dmem_pool_count_event(pb, DMEM_EVENT_EVICTED, 7);
	CHECK_EQ(ev(pa, DMEM_EVENT_EVICTED, false), U64_MAX - 3);
	dmem_pool_count_event(pb, DMEM_EVENT_EVICTED, U64_MAX);
	CHECK_EQ(ev(pa, DMEM_EVENT_EVICTED, false), U64_MAX);
	CHECK_EQ(ev(pb, DMEM_EVENT_EVICTED, false), U64_MAX);
	CHECK_EQ(ev(pb, DMEM_EVENT_EVICTED, true), U64_MAX);
	dmem_pool_count_event(pb, DMEM_EVENT_EVICTED, 1);
	CHECK_EQ(ev(pa, DMEM_EVENT_EVICTED, false), U64_MAX);
	dmem_pool_count_event(pb, DMEM_EVENT_MAX, 1);
	dmem_pool_count_event(pb, DMEM_EVENT_MAX, 1);
	CHECK_EQ(ev(pb, DMEM_EVENT_MAX, true), U64_MAX);
	CHECK_EQ(ev(pa, DMEM_EVENT_MAX, false), 2);
	CHECK_STR(show(b, DMEM_FILE_EVENTS_LOCAL),
		  "evs low=0 high=0 max=18446744073709551615 evicted=18446744073709551615\n");
	dmem_region_unregister(r);
	del_cg(b); del_cg(a); del_cg(root);
}

/*
 * A removed child's past events stay in its parent's hierarchical counts
 * (as memcg); events of its buffers after the removal too.
 */
static void test_events_survive_child_removal(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root), *b = new_cg(a);
	struct dmem_region *r = dmem_region_register("evr", 100 * M, NULL);
	struct dmem_pool *pb = pool_of(b, r), *pa = pool_of(a, r);

	CHECK_EQ(writef(b, DMEM_FILE_MAX, "evr 1M"), 0);
	charge_ok(pb, M);
	CHECK_EQ(dmem_pool_try_charge(pb, 1, NULL), -EAGAIN);
	dmem_cg_offline(b);
	CHECK_STR(show(b, DMEM_FILE_EVENTS),
		  "evr low=0 high=0 max=0 evicted=0\n");
	CHECK_STR(show(a, DMEM_FILE_EVENTS),
		  "evr low=0 high=0 max=1 evicted=0\n");
	CHECK_STR(show(a, DMEM_FILE_EVENTS_LOCAL),
		  "evr low=0 high=0 max=0 evicted=0\n");
	/* b's buffer evicted after rmdir: its dead pool still counts up */
	dmem_pool_count_eviction(NULL, NULL, pb, false, M);
	CHECK_STR(show(a, DMEM_FILE_EVENTS),
		  "evr low=0 high=0 max=1 evicted=1048576\n");
	CHECK_EQ(ev(pa, DMEM_EVENT_EVICTED, true), 0);
	dmem_pool_uncharge(pb, M);
	dmem_region_unregister(r);
	del_cg(b); del_cg(a); del_cg(root);
}

/* Every region gets a line, zeros where the cgroup has no pool. */
static void test_events_format_regions_without_pool(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r1 = dmem_region_register("evf1", M, NULL);
	struct dmem_region *r2 = dmem_region_register("evf2", M, NULL);

	CHECK_STR(show(a, DMEM_FILE_EVENTS),
		  "evf1 low=0 high=0 max=0 evicted=0\n"
		  "evf2 low=0 high=0 max=0 evicted=0\n");
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "evf2 0"), 0);
	CHECK_EQ(dmem_pool_try_charge(pool_of(a, r2), 1, NULL), -EAGAIN);
	CHECK_STR(show(a, DMEM_FILE_EVENTS_LOCAL),
		  "evf1 low=0 high=0 max=0 evicted=0\n"
		  "evf2 low=0 high=0 max=1 evicted=0\n");
	/* read-only, as memory.events */
	CHECK_EQ(writef(a, DMEM_FILE_EVENTS, "evf1 1"), -EINVAL);
	CHECK_EQ(writef(a, DMEM_FILE_EVENTS_LOCAL, "evf1 1"), -EINVAL);
	CHECK(dmem_file_types[DMEM_FILE_EVENTS].where == DMEM_FILE_NOT_ROOT);
	dmem_region_unregister(r1);
	dmem_region_unregister(r2);
	del_cg(a); del_cg(root);
}

static int ev_kicks;

static void ev_kick(void)
{
	ev_kicks++;
}

/* The queue: one entry per cgroup until popped, bits or-ed, a reference. */
static void test_events_notify_queue(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root), *b = new_cg(a);
	struct dmem_region *r = dmem_region_register("evq", 100 * M, NULL);
	struct dmem_pool *pa = pool_of(a, r), *pb = pool_of(b, r);
	struct dmem_cg *cg;
	unsigned int what;
	int released;

	/* no kick: nothing queued */
	dmem_pool_count_event(pb, DMEM_EVENT_MAX, 1);
	CHECK(dmem_events_pop(&what) == NULL);
	CHECK_EQ(what, 0);

	ev_kicks = 0;
	dmem_events_set_kick(ev_kick);
	dmem_pool_count_event(pb, DMEM_EVENT_MAX, 1);
	dmem_pool_count_event(pb, DMEM_EVENT_EVICTED, 10);
	dmem_pool_count_event(pa, DMEM_EVENT_MAX, 1);
	CHECK_EQ(ev_kicks, 2);
	cg = dmem_events_pop(&what);
	CHECK(cg == b);
	CHECK_EQ(what, DMEM_EVENTS_NOTIFY_LOCAL | DMEM_EVENTS_NOTIFY_TREE);
	/* b is queued again after it was popped */
	dmem_pool_count_event(pb, DMEM_EVENT_MAX, 1);
	CHECK_EQ(ev_kicks, 3);
	dmem_cg_put(cg);
	cg = dmem_events_pop(&what);
	CHECK(cg == a);
	dmem_cg_put(cg);
	cg = dmem_events_pop(&what);
	CHECK(cg == b);
	dmem_cg_put(cg);
	CHECK(dmem_events_pop(&what) == NULL);

	/* a queued cgroup is released only after it was popped */
	dmem_pool_count_event(pb, DMEM_EVENT_MAX, 1);
	released = nreleased();
	dmem_region_unregister(r);
	del_cg(b);
	CHECK_EQ(nreleased(), released);
	cg = dmem_events_pop(&what);
	CHECK(cg == b);
	dmem_cg_put(cg);
	CHECK_EQ(nreleased(), released + 1);
	dmem_events_set_kick(NULL);
	del_cg(a); del_cg(root);
}

/*
 * "high": every successful charge that leaves a level above its dmem.high
 * counts one there (local); each level's hierarchical count grows by the
 * number of levels at or below it that went above.  A failed charge
 * counts no high.  The lowest level above high wakes the whole chain.
 */
static void test_events_high_per_level(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_cg *b = new_cg(a), *c = new_cg(b);
	struct dmem_region *r = dmem_region_register("evh", 100 * M, NULL);
	struct dmem_pool *pa = pool_of(a, r), *pb = pool_of(b, r);
	struct dmem_pool *pc = pool_of(c, r), *proot = pool_of(root, r);
	struct dmem_cg *q1, *q2;
	unsigned int w1, w2;

	CHECK_EQ(writef(a, DMEM_FILE_HIGH, "evh 4M"), 0);
	CHECK_EQ(writef(b, DMEM_FILE_HIGH, "evh 2M"), 0);
	charge_ok(pc, 2 * M);		/* at b's high, not above */
	CHECK_EQ(ev(pb, DMEM_EVENT_HIGH, true), 0);
	charge_ok(pc, M);		/* b above (3M > 2M) */
	CHECK_EQ(ev(pb, DMEM_EVENT_HIGH, true), 1);
	CHECK_EQ(ev(pa, DMEM_EVENT_HIGH, true), 0);
	CHECK_EQ(ev(pa, DMEM_EVENT_HIGH, false), 1);
	CHECK_EQ(ev(pc, DMEM_EVENT_HIGH, false), 0);
	ev_kicks = 0;
	dmem_events_set_kick(ev_kick);
	charge_ok(pc, 2 * M);		/* b and a above */
	CHECK_EQ(ev(pb, DMEM_EVENT_HIGH, true), 2);
	CHECK_EQ(ev(pb, DMEM_EVENT_HIGH, false), 2);
	CHECK_EQ(ev(pa, DMEM_EVENT_HIGH, true), 1);
	CHECK_EQ(ev(pa, DMEM_EVENT_HIGH, false), 3);
	CHECK_EQ(ev(proot, DMEM_EVENT_HIGH, false), 3);
	q1 = dmem_events_pop(&w1);
	q2 = dmem_events_pop(&w2);
	CHECK(q1 == b && q2 == a);
	CHECK_EQ(w1, DMEM_EVENTS_NOTIFY_LOCAL | DMEM_EVENTS_NOTIFY_TREE);
	CHECK_EQ(w2, DMEM_EVENTS_NOTIFY_LOCAL);
	dmem_cg_put(q1);
	dmem_cg_put(q2);
	dmem_events_set_kick(NULL);
	/* a charge that fails on a max counts max, not high */
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "evh 6M"), 0);
	CHECK_EQ(dmem_pool_try_charge(pc, 2 * M, NULL), -EAGAIN);
	CHECK_EQ(ev(pa, DMEM_EVENT_HIGH, false), 3);
	CHECK_EQ(ev(pa, DMEM_EVENT_MAX, true), 1);
	CHECK_STR(show(a, DMEM_FILE_EVENTS),
		  "evh low=0 high=3 max=1 evicted=0\n");
	CHECK_STR(show(b, DMEM_FILE_EVENTS_LOCAL),
		  "evh low=0 high=2 max=0 evicted=0\n");
	dmem_pool_uncharge(pc, 5 * M);
	dmem_region_unregister(r);
	del_cg(c); del_cg(b); del_cg(a); del_cg(root);
}

static const struct harness_test events_tests[] = {
	{ "max_counted_on_the_limit_pool_local_and_hierarchical",
	  test_events_max_on_limit_pool },
	{ "eviction_counts_bytes_and_low_breaches",
	  test_events_eviction_and_low_breach },
	{ "counters_saturate_at_u64_max", test_events_saturate },
	{ "parent_keeps_removed_child_events",
	  test_events_survive_child_removal },
	{ "format_one_line_per_region_zeros_without_pool",
	  test_events_format_regions_without_pool },
	{ "notify_queue_coalesces_and_holds_a_reference",
	  test_events_notify_queue },
	{ "high_counted_per_level_above_high", test_events_high_per_level },
};
