/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in: what mm/page_counter.c needs from math64.h (from
 * Debian's 6.12.118 on it scales protection with mul_u64_u64_div_u64()).
 * As on x86-64 (mulq; divq), a quotient that does not fit in 64 bits or a
 * zero divisor traps (SIGILL here, #DE there): the run fails.
 */
#ifndef KUSER_LINUX_MATH64_H
#define KUSER_LINUX_MATH64_H
#include "linux/kernel.h"

static inline u64 mul_u64_u64_div_u64(u64 a, u64 mul, u64 div)
{
	unsigned __int128 q;

	if (!div)
		__builtin_trap();
	q = (unsigned __int128)a * mul / div;
	if (q >> 64)
		__builtin_trap();
	return (u64)q;
}
#endif
