/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: a deliberately naive model of upstream dmem protection,
 * used as the reference in differential tests and benchmarks.  See
 * naive_ref.c.
 */
#ifndef DMEM_NAIVE_REF_H
#define DMEM_NAIVE_REF_H

#include <stdint.h>
#include <stdbool.h>

#define NAIVE_MAX_NODES 16384
#define NAIVE_COUNTER_MAX ((uint64_t)INT64_MAX / 4096)

struct naive_node {
	int parent;		/* -1 for the root */
	uint64_t own;		/* bytes charged directly here */
	uint64_t min, low, max;
	uint64_t emin, elow;	/* persist between walks, like page_counter */
};

struct naive_tree {
	int n;
	struct naive_node node[NAIVE_MAX_NODES];
};

void naive_init(struct naive_tree *t);
int naive_add(struct naive_tree *t, int parent);
uint64_t naive_usage(const struct naive_tree *t, int i);
/* -1 on success, else the index of the node whose max was hit */
int naive_try_charge(struct naive_tree *t, int i, uint64_t size);
void naive_uncharge(struct naive_tree *t, int i, uint64_t size);
void naive_calc_protection(struct naive_tree *t, int root, int test);
bool naive_evict_valuable(struct naive_tree *t, int limit, int test,
			  bool ignore_low, bool *hit_low);
bool naive_below(struct naive_tree *t, int root, int test, bool low);
int naive_top(const struct naive_tree *t, int i);
bool naive_is_ancestor(const struct naive_tree *t, int anc, int i);

#endif
