/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport: the dmem.* files, described by one table in the pure core.
 *
 * Every dmem.* file is one row of dmem_file_types[] (src/dmem_files.c),
 * indexed by enum dmem_file: its name, where it exists, what a region
 * without a pool shows, which pool value it reads and writes, and its
 * show and write operations.  The cgroup glue builds its cftypes from the
 * table and passes the row's index back to dmem_show() and
 * dmem_write_limits(); the tests use the same entry points.
 *
 * Adding a file: an enum dmem_file constant here and its row in
 * src/dmem_files.c.  A file that prints something other than one
 * "<region> <value>" line per region (e.g. event counters) gives its row
 * its own @show; a file whose write does more than setting a pool limit
 * (e.g. starting reclaim) gives its row its own @write.
 */
#ifndef DMEM_FILES_H
#define DMEM_FILES_H

#include "dmem_core.h"

/**
 * enum dmem_file - the dmem.* files, the index of dmem_file_types[].
 * @DMEM_FILE_CAPACITY: dmem.capacity.
 * @DMEM_FILE_CURRENT: dmem.current.
 * @DMEM_FILE_MIN: dmem.min.
 * @DMEM_FILE_LOW: dmem.low.
 * @DMEM_FILE_MAX: dmem.max.
 * @DMEM_FILE_PEAK: dmem.peak.
 * @DMEM_FILE_HIGH: dmem.high (superset: not in upstream; default max).
 * @DMEM_FILE_COUNT: number of files.
 */
enum dmem_file {
	DMEM_FILE_CAPACITY,
	DMEM_FILE_CURRENT,
	DMEM_FILE_MIN,
	DMEM_FILE_LOW,
	DMEM_FILE_MAX,
	DMEM_FILE_PEAK,
	DMEM_FILE_HIGH,
	DMEM_FILE_COUNT
};

/**
 * enum dmem_file_where - the cgroups in which a dmem.* file exists.
 * @DMEM_FILE_EVERYWHERE: every cgroup with a dmem css, the root included.
 * @DMEM_FILE_ROOT_ONLY: the root cgroup only.
 * @DMEM_FILE_NOT_ROOT: every cgroup with a dmem css but the root.
 */
enum dmem_file_where {
	DMEM_FILE_EVERYWHERE,
	DMEM_FILE_ROOT_ONLY,
	DMEM_FILE_NOT_ROOT,
};

/**
 * enum dmem_file_source - what the per-region lines of a file show.
 * @DMEM_FILE_SRC_CAPACITY: the region's size, printed as a number even
 *	when it is DMEM_COUNTER_MAX or more (as upstream).
 * @DMEM_FILE_SRC_POOL: a value of the cgroup's pool in the region (the
 *	row's @value); DMEM_COUNTER_MAX and more print as "max".
 */
enum dmem_file_source {
	DMEM_FILE_SRC_CAPACITY,
	DMEM_FILE_SRC_POOL,
};

/**
 * struct dmem_printer - where dmem_show() sends its text.
 * @puts: append a NUL-terminated string (the glue: seq_puts(); the tests:
 *	a buffer).
 */
struct dmem_printer {
	void (*puts)(struct dmem_printer *p, const char *s);
};

/**
 * struct dmem_file_type - one row of the table of dmem.* files.
 * @name: file name, "dmem.<something>" (at most MAX_CFTYPE_NAME - 1
 *	characters: the glue refuses to load otherwise).
 * @where: the cgroups that have the file.
 * @source: what a per-region line shows.
 * @value: for @source DMEM_FILE_SRC_POOL, the pool value shown; for a
 *	writable file, the limit written.
 * @dflt: shown for a region in which the cgroup has no pool.
 * @show: prints the file for a cgroup (one "<region> <value>" line per
 *	region: dmem_show_regions()).  Does not sleep.
 * @write: applies a write of @len bytes of @buf to a cgroup, NULL for a
 *	read-only file.  Returns 0 or a negative errno; may sleep.
 */
struct dmem_file_type {
	const char *name;
	enum dmem_file_where where;
	enum dmem_file_source source;
	enum dmem_pool_value value;
	u64 dflt;
	void (*show)(struct dmem_cg *cg, enum dmem_file file,
		     struct dmem_printer *p);
	int (*write)(struct dmem_cg *cg, enum dmem_file file,
		     const char *buf, size_t len);
};

/* The table, indexed by enum dmem_file. */
extern const struct dmem_file_type dmem_file_types[DMEM_FILE_COUNT];

/**
 * dmem_pool_read() - the value @file shows for @pool's region.
 * @pool: the pool.
 * @file: the file.
 *
 * Return: the value in bytes (>= DMEM_COUNTER_MAX: "max"), 0 for an
 * unknown @file.
 */
u64 dmem_pool_read(struct dmem_pool *pool, enum dmem_file file);

/**
 * dmem_show() - print @file for @cg with the row's @show.
 * @cg: the cgroup.
 * @file: the file.
 * @p: where the text goes.
 *
 * For the per-region files: one "<region> <value>\n" line per registered
 * region in registration order; a region without a pool prints the row's
 * default (0, or "max" for dmem.max and dmem.high).  Does not sleep.
 *
 * Return: nothing (an unknown @file prints nothing).
 */
void dmem_show(struct dmem_cg *cg, enum dmem_file file,
	       struct dmem_printer *p);

/**
 * dmem_write_limits() - apply a write of @file to @cg with the row's @write.
 * @cg: the cgroup.
 * @file: a writable file (dmem.min, dmem.low, dmem.high, dmem.max).
 * @buf: the bytes written, not necessarily NUL-terminated.
 * @len: their number.
 *
 * As upstream, which parses the kernfs buffer as a C string, a NUL byte
 * ends the input (what follows it is ignored).  One or more
 * "<region> <value>" lines, blank lines skipped (an empty write succeeds
 * and changes nothing); value is "max" or a number with an optional
 * K/M/G/T/P/E suffix.  The whole write is validated (and pools allocated)
 * before anything is applied: an error changes nothing.  May sleep.
 *
 * Return: 0 or -EINVAL (read-only or unknown file, unknown region, missing
 * or bad value, overflow), -ENODEV (region went away during the write),
 * -ENOMEM.
 */
int dmem_write_limits(struct dmem_cg *cg, enum dmem_file file,
		      const char *buf, size_t len);

/**
 * dmem_parse_value() - parse one limit value as dmem_write_limits() does.
 * @s: the value, NUL-terminated.
 * @out: the value in bytes.
 *
 * "max" or a number (memparse() syntax, K/M/G/T/P/E suffix, nothing may
 * follow).  Values above DMEM_COUNTER_MAX are clamped to it.
 *
 * Return: 0, or -EINVAL for no digits, trailing characters or 64-bit
 * overflow.
 */
int dmem_parse_value(const char *s, u64 *out);

#endif /* DMEM_FILES_H */
