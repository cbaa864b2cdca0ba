/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: userspace stand-ins for the few kernel primitives the pure
 * core (src/core.mk) uses, so the very same source files build into a
 * test library.  Atomics map onto C11/GCC __atomic builtins (sequentially
 * consistent), locks onto pthreads, and RCU onto a reader counter with
 * deferred frees: a deferred object is freed only once the pending list was
 * taken while no reader was inside a read-side section (see port_rcu_*).
 */
#ifndef PORT_USER_H
#define PORT_USER_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sys/types.h>
#include <sched.h>

typedef uint64_t u64;
typedef int64_t s64;
typedef uint32_t u32;
typedef int32_t s32;
typedef uint8_t u8;

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define fallthrough	__attribute__((__fallthrough__))
#define static_assert(expr, ...) _Static_assert(expr, #expr)
#define __always_unused	__attribute__((unused))
#define __must_check	__attribute__((warn_unused_result))

#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)	((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define U64_MAX		UINT64_MAX
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * WARN semantics as in the kernel: the condition's value is returned, a
 * report is printed (WARN_ON_ONCE: only the first time per call site) and
 * execution goes on.  Every warning, printed or not, is counted in
 * port_warnings so that tests can fail on an unexpected one (the kernel
 * with panic_on_warn=1 would stop there).
 */
extern unsigned long port_warnings;
void port_warn(const char *file, int line, const char *cond, bool print);
#define WARN_ON(c) ({ bool __w = !!(c);					\
	if (unlikely(__w))						\
		port_warn(__FILE__, __LINE__, #c, true);		\
	__w; })
#define WARN_ON_ONCE(c) ({ static bool __warned; bool __w = !!(c);	\
	if (unlikely(__w)) {						\
		port_warn(__FILE__, __LINE__, #c,			\
			  !__atomic_exchange_n(&__warned, true,		\
					       __ATOMIC_RELAXED));	\
	}								\
	__w; })
#define pr_err(...)	fprintf(stderr, __VA_ARGS__)
#define pr_warn(...)	fprintf(stderr, __VA_ARGS__)
#define might_sleep()	do { } while (0)

/* ---- errors ------------------------------------------------------------ */
#define MAX_ERRNO	4095
#define IS_ERR_VALUE(x)	((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE(ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || IS_ERR_VALUE(ptr);
}

/* ---- memory ------------------------------------------------------------ */
typedef unsigned int gfp_t;
#define GFP_KERNEL	0u
#define GFP_ATOMIC	1u
#define __GFP_NOWARN	0u

/* Tests can make the n-th allocation from now fail (0: never). */
extern long port_fail_alloc_after;
static inline bool port_alloc_should_fail(void)
{
	long n = __atomic_load_n(&port_fail_alloc_after, __ATOMIC_RELAXED);

	if (n <= 0)
		return false;
	if (__atomic_sub_fetch(&port_fail_alloc_after, 1, __ATOMIC_RELAXED) == 0)
		return true;
	return false;
}
static inline void *kmalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return port_alloc_should_fail() ? NULL : malloc(size ? size : 1);
}
static inline void *kzalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return port_alloc_should_fail() ? NULL : calloc(1, size ? size : 1);
}
static inline void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	(void)gfp;
	return port_alloc_should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}
static inline void kfree(const void *p) { free((void *)p); }

/* ---- atomics ----------------------------------------------------------- */
typedef struct { s64 counter; } atomic64_t;
typedef struct { int counter; } atomic_t;
#define ATOMIC64_INIT(v) { (v) }

static inline s64 atomic64_read(const atomic64_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}
static inline void atomic64_set(atomic64_t *v, s64 i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);
}
static inline void atomic64_add(s64 i, atomic64_t *v)
{
	__atomic_add_fetch(&v->counter, i, __ATOMIC_RELAXED);
}
static inline void atomic64_sub(s64 i, atomic64_t *v)
{
	__atomic_sub_fetch(&v->counter, i, __ATOMIC_RELAXED);
}
static inline s64 atomic64_add_return(s64 i, atomic64_t *v)
{
	return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST);
}
static inline s64 atomic64_sub_return(s64 i, atomic64_t *v)
{
	return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST);
}
static inline s64 atomic64_xchg(atomic64_t *v, s64 i)
{
	return __atomic_exchange_n(&v->counter, i, __ATOMIC_SEQ_CST);
}
static inline bool atomic64_try_cmpxchg(atomic64_t *v, s64 *old, s64 new)
{
	return __atomic_compare_exchange_n(&v->counter, old, new, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}
static inline int atomic_read(const atomic_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}
static inline void atomic_set(atomic_t *v, int i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);
}
static inline int atomic_xchg(atomic_t *v, int i)
{
	return __atomic_exchange_n(&v->counter, i, __ATOMIC_SEQ_CST);
}
static inline void atomic_inc(atomic_t *v)
{
	__atomic_add_fetch(&v->counter, 1, __ATOMIC_SEQ_CST);
}
static inline void atomic_dec(atomic_t *v)
{
	__atomic_sub_fetch(&v->counter, 1, __ATOMIC_SEQ_CST);
}
static inline int atomic_inc_return(atomic_t *v)
{
	return __atomic_add_fetch(&v->counter, 1, __ATOMIC_SEQ_CST);
}
static inline int atomic_dec_return(atomic_t *v)
{
	return __atomic_sub_fetch(&v->counter, 1, __ATOMIC_SEQ_CST);
}

/*
 * ---- refcount_t, as lib/refcount.c: saturating, never wrapping ---------
 * Increment from zero (use after free), overflow and underflow WARN and
 * leave the counter saturated (REFCOUNT_SATURATED), after which it never
 * reaches zero again: the object leaks instead of being freed twice.
 */
typedef struct { int refs; } refcount_t;
#define REFCOUNT_INIT(n) { (n) }
#define REFCOUNT_SATURATED	(INT_MIN / 2)
static inline void refcount_set(refcount_t *r, int n)
{
	__atomic_store_n(&r->refs, n, __ATOMIC_RELAXED);
}
static inline unsigned int refcount_read(const refcount_t *r)
{
	return __atomic_load_n(&r->refs, __ATOMIC_RELAXED);
}
static inline void port_refcount_saturate(refcount_t *r, const char *what)
{
	__atomic_store_n(&r->refs, REFCOUNT_SATURATED, __ATOMIC_RELAXED);
	port_warn("refcount_t", 0, what, true);
}
/*
 * Test hook: where another CPU may act.  When set, refcount_inc() calls it
 * first, so that a test runs another thread's step at exactly that point
 * of the code under test (a window too narrow for timing to hit).
 */
extern void (*port_before_refcount_inc)(refcount_t *r);

static inline void refcount_inc(refcount_t *r)
{
	int old;

	if (unlikely(port_before_refcount_inc))
		port_before_refcount_inc(r);
	old = __atomic_fetch_add(&r->refs, 1, __ATOMIC_RELAXED);

	if (unlikely(!old))
		port_refcount_saturate(r, "addition on 0; use-after-free");
	else if (unlikely(old < 0 || old == INT_MAX))
		port_refcount_saturate(r, "saturated; leaking memory");
}
static inline bool refcount_inc_not_zero(refcount_t *r)
{
	int old = __atomic_load_n(&r->refs, __ATOMIC_RELAXED);

	do {
		if (!old)
			break;
	} while (!__atomic_compare_exchange_n(&r->refs, &old, old + 1, false,
					      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	if (unlikely(old < 0 || old == INT_MAX))
		port_refcount_saturate(r, "saturated; leaking memory");
	return old;
}
static inline bool refcount_dec_and_test(refcount_t *r)
{
	/*
	 * The kernel orders this as release, plus acquire when it returns
	 * true; ACQ_REL says the same in a way ThreadSanitizer understands
	 * (it does not model a standalone acquire fence).
	 */
	int old = __atomic_fetch_sub(&r->refs, 1, __ATOMIC_ACQ_REL);

	if (old == 1)
		return true;
	if (unlikely(old <= 0))
		port_refcount_saturate(r, "underflow; use-after-free");
	return false;
}

/* ---- locks ------------------------------------------------------------- */
typedef struct { pthread_mutex_t m; } spinlock_t;
#define __SPIN_LOCK_UNLOCKED(x)	{ PTHREAD_MUTEX_INITIALIZER }
#define DEFINE_SPINLOCK(x)	spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
static inline void spin_lock_init(spinlock_t *l) { pthread_mutex_init(&l->m, NULL); }
static inline void spin_lock(spinlock_t *l) { pthread_mutex_lock(&l->m); }
static inline void spin_unlock(spinlock_t *l) { pthread_mutex_unlock(&l->m); }
static inline void lockdep_assert_held(spinlock_t *l) { (void)l; }

struct mutex { pthread_mutex_t m; };
#define DEFINE_MUTEX(x)	struct mutex x = { PTHREAD_MUTEX_INITIALIZER }
static inline void mutex_init(struct mutex *l) { pthread_mutex_init(&l->m, NULL); }
static inline void mutex_lock(struct mutex *l) { pthread_mutex_lock(&l->m); }
static inline void mutex_unlock(struct mutex *l) { pthread_mutex_unlock(&l->m); }

/* ---- lists (same shape as <linux/list.h>) ------------------------------ */
struct list_head { struct list_head *next, *prev; };
#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)
#define LIST_POISON1	((struct list_head *)0x100)
#define LIST_POISON2	((struct list_head *)0x122)

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	WRITE_ONCE(l->next, l);
	l->prev = l;
}
static inline void __list_add(struct list_head *n, struct list_head *prev,
			      struct list_head *next)
{
	n->next = next;
	n->prev = prev;
	next->prev = n;
	/* publish: the store that makes @n reachable is a release */
	__atomic_store_n(&prev->next, n, __ATOMIC_RELEASE);
}
static inline void list_add(struct list_head *n, struct list_head *h)
{
	__list_add(n, h, h->next);
}
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	__list_add(n, h->prev, h);
}
#define list_add_tail_rcu list_add_tail
#define list_add_rcu list_add
static inline void __list_del(struct list_head *prev, struct list_head *next)
{
	next->prev = prev;
	WRITE_ONCE(prev->next, next);
}
static inline void list_del(struct list_head *e)
{
	__list_del(e->prev, e->next);
	e->next = LIST_POISON1;
	e->prev = LIST_POISON2;
}
static inline void list_del_rcu(struct list_head *e)
{
	__list_del(e->prev, e->next);
	e->prev = LIST_POISON2;	/* ->next stays valid for readers */
}
static inline void list_del_init(struct list_head *e)
{
	__list_del(e->prev, e->next);
	INIT_LIST_HEAD(e);
}
static inline bool list_empty(const struct list_head *h)
{
	return READ_ONCE(h->next) == h;
}
static inline void list_move_tail(struct list_head *e, struct list_head *h)
{
	__list_del(e->prev, e->next);
	list_add_tail(e, h);
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_entry_is_head(pos, head, member) (&(pos)->member == (head))
#define list_for_each_entry(pos, head, member)				\
	for (pos = list_first_entry(head, __typeof__(*pos), member);	\
	     !list_entry_is_head(pos, head, member);			\
	     pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_first_entry(head, __typeof__(*pos), member),	\
	     n = list_next_entry(pos, member);				\
	     !list_entry_is_head(pos, head, member);			\
	     pos = n, n = list_next_entry(n, member))
#define __rcu_next(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define list_for_each_entry_rcu(pos, head, member, ...)			\
	for (pos = list_entry(__rcu_next((head)->next), __typeof__(*pos), member); \
	     !list_entry_is_head(pos, head, member);			\
	     pos = list_entry(__rcu_next(pos->member.next), __typeof__(*pos), member))

/* ---- RCU-like deferred freeing ----------------------------------------- */
struct rcu_head { struct rcu_head *next; void *obj; };

/* rcu_read_lock() calls so far: tests bound the work of one call with it */
extern unsigned long port_rcu_sections;
void port_rcu_read_lock(void);
void port_rcu_read_unlock(void);
void port_call_free(struct rcu_head *head, void *obj);
/* Free everything deferred so far; no reader may be active. */
void port_rcu_quiesce(void);
static inline void rcu_read_lock(void) { port_rcu_read_lock(); }
static inline void rcu_read_unlock(void) { port_rcu_read_unlock(); }
#define kfree_rcu(ptr, field) port_call_free(&(ptr)->field, (ptr))
static inline void rcu_barrier(void) { port_rcu_quiesce(); }
static inline void synchronize_rcu(void) { port_rcu_quiesce(); }
#define rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)

/* ---- math and strings -------------------------------------------------- */
/* <linux/overflow.h>: the kernel uses the same builtins. */
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define check_sub_overflow(a, b, d) __builtin_sub_overflow(a, b, d)

/*
 * Divisions trap as on x86-64 (#DE, delivered to userspace as SIGFPE):
 * a zero divisor, and for mul_u64_u64_div_u64() a quotient that does not
 * fit in 64 bits.  On x86-64 the kernels this module supports (6.1-6.12)
 * implement mul_u64_u64_div_u64() as "mulq; divq" (asm/div64.h); the very
 * same instructions run here.  Elsewhere the trap is raised explicitly.
 */
#include <signal.h>
static inline void port_divide_error(void)
{
	raise(SIGFPE);
	abort();	/* SIGFPE ignored or handled: still never return */
}

#if defined(__x86_64__)
static inline u64 mul_u64_u64_div_u64(u64 a, u64 mul, u64 div)
{
	u64 q;

	asm ("mulq %2; divq %3" : "=a" (q) : "a" (a), "rm" (mul), "rm" (div)
	     : "rdx");
	return q;
}
#else
static inline u64 mul_u64_u64_div_u64(u64 a, u64 mul, u64 div)
{
	unsigned __int128 prod = (unsigned __int128)a * mul;

	if (!div || (u64)(prod >> 64) >= div)
		port_divide_error();
	return (u64)(prod / div);
}
#endif

/* <linux/math64.h> on 64-bit: plain division, which traps on zero. */
static inline u64 div64_u64(u64 dividend, u64 divisor)
{
	if (!divisor)
		port_divide_error();
	return dividend / divisor;
}
static inline u64 div64_u64_rem(u64 dividend, u64 divisor, u64 *remainder)
{
	if (!divisor)
		port_divide_error();
	*remainder = dividend % divisor;
	return dividend / divisor;
}

static inline ssize_t strscpy(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size);

	if (!size)
		return -E2BIG;
	if (n == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, n + 1);
	return n;
}

#define DMEM_PORT_USERSPACE 1

#endif /* PORT_USER_H */
