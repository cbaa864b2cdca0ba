/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: the dmem.* files of the pure core.
 */
#ifndef DMEM_FILES_H
#define DMEM_FILES_H

#include "dmem_port.h"

struct dmem_cg;
struct dmem_pool;

/** enum dmem_file - the dmem.* files the core can show or write. */
enum dmem_file {
	DMEM_FILE_CAPACITY,	/* root only, read */
	DMEM_FILE_CURRENT,	/* every cgroup, read */
	DMEM_FILE_MIN,		/* non-root, read-write */
	DMEM_FILE_LOW,		/* non-root, read-write */
	DMEM_FILE_MAX,		/* non-root, read-write */
	DMEM_FILE_PEAK,		/* non-root, read */
};

u64 dmem_pool_read(struct dmem_pool *pool, enum dmem_file file);

/* ---- dmem.* files ----------------------------------------------------- */

/* Where dmem_show() sends its text: the glue passes seq_puts, tests a buffer. */
struct dmem_printer {
	void (*puts)(struct dmem_printer *p, const char *s);
};

/*
 * dmem_show() - print @file for @cg: one "<region> <value>\n" line per
 * registered region in registration order; a region without a pool prints
 * 0 (max prints "max").
 */
void dmem_show(struct dmem_cg *cg, enum dmem_file file,
	       struct dmem_printer *p);

/*
 * dmem_write_limits() - apply a write of dmem.min/low/max to @cg.
 * @buf holds @len bytes (not necessarily NUL-terminated); as upstream,
 * which parses the kernfs buffer as a C string, a NUL byte ends the input
 * (what follows it is ignored).  One or more "<region> <value>" lines,
 * blank lines skipped (an empty write succeeds and changes nothing);
 * value is "max" or a number with an optional K/M/G/T/P/E suffix.  The
 * whole write is validated (and pools allocated) before anything is
 * applied: an error changes nothing.
 * Returns 0 or -EINVAL (unknown region, missing or bad value, overflow),
 * -ENODEV (region went away during the write), -ENOMEM.  May sleep.
 */
int dmem_write_limits(struct dmem_cg *cg, enum dmem_file file,
		      const char *buf, size_t len);

/*
 * dmem_parse_value() - parse one limit value as dmem_write_limits() does:
 * "max" or a number (memparse() syntax, K/M/G/T/P/E suffix, nothing may
 * follow).  Values above DMEM_COUNTER_MAX are clamped to it.  Returns 0, or
 * -EINVAL for no digits, trailing characters or 64-bit overflow.
 */
int dmem_parse_value(const char *s, u64 *out);

#endif /* DMEM_FILES_H */
