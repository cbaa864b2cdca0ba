/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: helpers shared by every test of the core: the KUnit suites
 * (kunit/, in the kernel), the userspace suite (tests/user/), the fuzzer
 * (tests/user/fuzz_limits.c) and the benchmark (tests/user/bench.c).
 *
 * Written against the kernel API only (include/dmem_core.h, and through
 * include/dmem_port.h either the kernel's headers or tests/user/port_user.h),
 * so the same code runs in both worlds.  Nothing here asserts: a helper
 * returns what went wrong and each harness checks it its own way (KUnit's
 * KUNIT_EXPECT_*, tests/user/harness.h's CHECK*).
 */
#ifndef DMEM_TEST_H
#define DMEM_TEST_H

#include "dmem_files.h"

/* ---- test cgroups --------------------------------------------------------- */

/**
 * struct dmem_test_cg - a cgroup of a test: the core's per-cgroup state.
 * @cg: what the core sees.
 * @released: counter incremented when the core releases @cg, or NULL.
 */
struct dmem_test_cg {
	struct dmem_cg cg;
	atomic_t *released;
};

static inline void dmem_test_cg_release(struct dmem_cg *cg)
{
	struct dmem_test_cg *t = container_of(cg, struct dmem_test_cg, cg);

	if (t->released)
		atomic_inc_return(t->released);
	kfree(t);
}

/**
 * dmem_test_cg_new() - create a test cgroup (mkdir).
 * @parent: parent cgroup, NULL for the root.
 * @released: counter incremented when the core releases it, or NULL.
 *
 * Return: the new cgroup, NULL if out of memory.
 */
static inline struct dmem_cg *dmem_test_cg_new(struct dmem_cg *parent,
					       atomic_t *released)
{
	struct dmem_test_cg *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	t->released = released;
	dmem_cg_init(&t->cg, parent, dmem_test_cg_release);
	return &t->cg;
}

/**
 * dmem_test_cg_del() - rmdir, then the cgroup glue's final put.
 * @cg: a cgroup of dmem_test_cg_new().
 */
static inline void dmem_test_cg_del(struct dmem_cg *cg)
{
	dmem_cg_offline(cg);
	dmem_cg_put(cg);
}

/**
 * dmem_test_pool() - the pool of a cgroup in a region, created if needed.
 * @cg: the cgroup.
 * @region: the region.
 *
 * The reference dmem_pool_get() takes is dropped again: the pool stays
 * linked while @cg is online, which is how tests use it.
 *
 * Return: the pool, or an ERR_PTR() of dmem_pool_get().
 */
static inline struct dmem_pool *dmem_test_pool(struct dmem_cg *cg,
					       struct dmem_region *region)
{
	struct dmem_pool *pool = dmem_pool_get(cg, region);

	if (!IS_ERR(pool))
		dmem_pool_put(pool);
	return pool;
}

/* ---- reading and writing dmem.* files ------------------------------------ */

/**
 * struct dmem_test_printer - a dmem_printer that collects a file's text.
 * @p: what dmem_show() writes to.
 * @buf: the text, always NUL-terminated.
 * @size: bytes in @buf.
 * @len: length of the text.
 * @truncated: the text did not fit (the part that fits is kept).
 */
struct dmem_test_printer {
	struct dmem_printer p;
	char *buf;
	size_t size;
	size_t len;
	bool truncated;
};

static inline void dmem_test_puts(struct dmem_printer *p, const char *s)
{
	struct dmem_test_printer *tp = container_of(p, struct dmem_test_printer, p);
	size_t n = strlen(s);

	if (tp->len + n >= tp->size) {
		tp->truncated = true;
		return;
	}
	memcpy(tp->buf + tp->len, s, n + 1);
	tp->len += n;
}

/**
 * dmem_test_show() - the text of a dmem.* file of a cgroup.
 * @tp: printer to fill (its previous text is dropped).
 * @buf: buffer for the text.
 * @size: bytes in @buf (at least 1).
 * @cg: the cgroup.
 * @file: the file.
 *
 * Return: @buf, NUL-terminated; @tp->truncated says whether it all fit.
 */
static inline const char *dmem_test_show(struct dmem_test_printer *tp, char *buf,
					 size_t size, struct dmem_cg *cg,
					 enum dmem_file file)
{
	tp->p.puts = dmem_test_puts;
	tp->buf = buf;
	tp->size = size;
	tp->len = 0;
	tp->truncated = false;
	buf[0] = '\0';
	dmem_show(cg, file, &tp->p);
	return buf;
}

/**
 * dmem_test_write() - write a C string to a dmem.* file of a cgroup.
 * @cg: the cgroup.
 * @file: the file.
 * @s: what is written (without its NUL).
 *
 * Return: what dmem_write_limits() returns.
 */
static inline int dmem_test_write(struct dmem_cg *cg, enum dmem_file file,
				  const char *s)
{
	return dmem_write_limits(cg, file, s, strlen(s));
}

/* ---- random numbers: reproducible, seedable ------------------------------ */

/**
 * dmem_test_xorshift() - next number of a xorshift64 generator.
 * @state: the generator's state (never 0).
 *
 * Return: the next number.
 */
static inline u64 dmem_test_xorshift(u64 *state)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/**
 * dmem_test_splitmix() - next number of a splitmix64 generator.
 * @state: the generator's state (any value).
 *
 * Return: the next number.
 */
static inline u64 dmem_test_splitmix(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ---- exact reference math (independent of the core and of the kernel) ----- */

static inline void dmem_test_mul64(u64 a, u64 b, u64 *hi, u64 *lo)
{
	u64 al = (u32)a, ah = a >> 32, bl = (u32)b, bh = b >> 32;
	u64 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	u64 mid = (ll >> 32) + (u32)lh + (u32)hl;

	*lo = (mid << 32) | (u32)ll;
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/**
 * dmem_test_ref_mul_div() - floor(@a * @b / @c), exact, saturated.
 * @a: factor.
 * @b: factor.
 * @c: divisor, not 0.
 *
 * The 128-bit product divided by long division: no 128-bit type and no
 * division instruction that could trap, in the kernel and in userspace.
 *
 * Return: the quotient, or U64_MAX if it does not fit in 64 bits.
 */
static inline u64 dmem_test_ref_mul_div(u64 a, u64 b, u64 c)
{
	u64 hi, lo, q = 0;
	int i;

	dmem_test_mul64(a, b, &hi, &lo);
	if (!hi)
		return lo / c;
	if (hi >= c)
		return U64_MAX;
	for (i = 0; i < 64; i++) {
		bool carry = hi >> 63;

		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		q <<= 1;
		if (carry || hi >= c) {
			hi -= c;
			q |= 1;
		}
	}
	return q;
}

/**
 * dmem_test_ref_step() - one level of recursive protection, exact.
 * @usage: the pool's usage.
 * @parent_usage: its parent's usage.
 * @setting: its dmem.min or dmem.low.
 * @parent_eff: the parent's effective protection.
 * @siblings: the protected usage its parent's children claim.
 * @kernel_wraps: set to whether mm/page_counter.c's effective_protection()
 *	overflows its unsigned long (64-bit) arithmetic on these inputs;
 *	may be NULL.
 *
 * mm/page_counter.c's effective_protection() with recursive protection,
 * as it is since it scales with mul_u64_u64_div_u64() (Debian's 6.12.118
 * has it): the unprotected usage of a child that appears to use more
 * than its parent is capped at the parent's, so its share never exceeds
 * the parent's unclaimed protection.  In exact arithmetic saturated at
 * U64_MAX.  The kernel's products are exact there (128 bits, and neither
 * quotient can exceed 64 bits); only its final sum can wrap.
 *
 * Return: the effective protection of the pool.
 */
static inline u64 dmem_test_ref_step(u64 usage, u64 parent_usage, u64 setting,
				     u64 parent_eff, u64 siblings,
				     bool *kernel_wraps)
{
	u64 prot = min(usage, setting), ep = prot, share, unprot, tmp;
	bool wraps = false;

	if (siblings > parent_eff) {
		ep = dmem_test_ref_mul_div(prot, parent_eff, siblings);
	} else if (parent_eff > siblings && parent_usage > siblings && usage > prot) {
		unprot = min(usage - prot, parent_usage - siblings);
		share = dmem_test_ref_mul_div(parent_eff - siblings, unprot,
					      parent_usage - siblings);
		if (check_add_overflow(ep, share, &tmp)) {
			wraps = true;
			ep = U64_MAX;
		} else {
			ep = tmp;
		}
	}
	if (kernel_wraps)
		*kernel_wraps = wraps;
	return ep;
}

#endif /* DMEM_TEST_H */
