/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in: the atomic_long_t operations mm/page_counter.c uses. */
#ifndef KUSER_LINUX_ATOMIC_H
#define KUSER_LINUX_ATOMIC_H
#include <linux/kernel.h>

struct kuser_atomic_long {
	long counter;
};

#define atomic_long_t struct kuser_atomic_long
#define ATOMIC_LONG_INIT(i) { (i) }
#define KUSER_SC __ATOMIC_SEQ_CST
static inline long atomic_long_read(const atomic_long_t *v)
{ return __atomic_load_n(&v->counter, KUSER_SC); }
static inline void atomic_long_set(atomic_long_t *v, long i)
{ __atomic_store_n(&v->counter, i, KUSER_SC); }
static inline void atomic_long_add(long i, atomic_long_t *v)
{ __atomic_add_fetch(&v->counter, i, KUSER_SC); }
static inline void atomic_long_sub(long i, atomic_long_t *v)
{ __atomic_sub_fetch(&v->counter, i, KUSER_SC); }
static inline long atomic_long_add_return(long i, atomic_long_t *v)
{ return __atomic_add_fetch(&v->counter, i, KUSER_SC); }
static inline long atomic_long_sub_return(long i, atomic_long_t *v)
{ return __atomic_sub_fetch(&v->counter, i, KUSER_SC); }
static inline long atomic_long_xchg(atomic_long_t *v, long i)
{ return __atomic_exchange_n(&v->counter, i, KUSER_SC); }
#endif
