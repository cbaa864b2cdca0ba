/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in: what mm/page_counter.c needs from the kernel. */
#ifndef KUSER_LINUX_KERNEL_H
#define KUSER_LINUX_KERNEL_H
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long long u64;
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define min(a, b) ({ typeof(a) _a = (a); typeof(b) _b = (b); _a < _b ? _a : _b; })
/* single-threaded here: no data race to annotate */
#define data_race(x) (x)
#define xchg(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define cond_resched() do { } while (0)
/* a kernel warning fails the run (see scripts/kunit-diff-user.sh) */
#define WARN_ONCE(c, ...) ({					\
	int __w = !!(c);						\
	if (__w) {							\
		printf("WARNING: " __VA_ARGS__);			\
		abort();						\
	}								\
	__w;								\
})
static inline unsigned long long memparse(const char *p, char **end)
{
	return strtoull(p, end, 0);
}
#endif
