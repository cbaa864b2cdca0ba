// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the dmem.* files of the pure core, one table.
 *
 * dmem_file_types[] says, for every dmem.* file, where it exists, what it
 * shows and how a write is applied (see include/dmem_files.h); the show
 * and write operations of the rows, the limit value parser and the two
 * entry points the glue and the tests use (dmem_show(),
 * dmem_write_limits()) live here.  Part of the pure core (src/core.mk):
 * no kernel-version knowledge, built into the module and into the
 * userspace tests alike.  It never touches the core's structures: it uses
 * the core API and the few services src/dmem_core_internal.h declares for
 * it (walking the regions, looking one up by name, setting limits).
 */
#include "dmem_core_internal.h"
#include "dmem_files.h"

static void dmem_show_regions(struct dmem_cg *cg, enum dmem_file file,
			      struct dmem_printer *p);
static int dmem_write_region_limits(struct dmem_cg *cg, enum dmem_file file,
				    const char *buf, size_t len);

const struct dmem_file_type dmem_file_types[DMEM_FILE_COUNT] = {
	[DMEM_FILE_CAPACITY] = {
		.name = "dmem.capacity",
		.where = DMEM_FILE_ROOT_ONLY,
		.source = DMEM_FILE_SRC_CAPACITY,
		.show = dmem_show_regions,
	},
	[DMEM_FILE_CURRENT] = {
		.name = "dmem.current",
		.where = DMEM_FILE_EVERYWHERE,
		.source = DMEM_FILE_SRC_POOL,
		.value = DMEM_POOL_CURRENT,
		.show = dmem_show_regions,
	},
	[DMEM_FILE_MIN] = {
		.name = "dmem.min",
		.where = DMEM_FILE_NOT_ROOT,
		.source = DMEM_FILE_SRC_POOL,
		.value = DMEM_POOL_MIN,
		.show = dmem_show_regions,
		.write = dmem_write_region_limits,
	},
	[DMEM_FILE_LOW] = {
		.name = "dmem.low",
		.where = DMEM_FILE_NOT_ROOT,
		.source = DMEM_FILE_SRC_POOL,
		.value = DMEM_POOL_LOW,
		.show = dmem_show_regions,
		.write = dmem_write_region_limits,
	},
	[DMEM_FILE_MAX] = {
		.name = "dmem.max",
		.where = DMEM_FILE_NOT_ROOT,
		.source = DMEM_FILE_SRC_POOL,
		.value = DMEM_POOL_MAX,
		.dflt = DMEM_COUNTER_MAX,
		.show = dmem_show_regions,
		.write = dmem_write_region_limits,
	},
	[DMEM_FILE_PEAK] = {
		.name = "dmem.peak",
		.where = DMEM_FILE_NOT_ROOT,
		.source = DMEM_FILE_SRC_POOL,
		.value = DMEM_POOL_PEAK,
		.show = dmem_show_regions,
	},
	/*
	 * Superset (no upstream file): the soft limit whose excess is
	 * evicted first (dmem_may_evict_round()); never fails a charge.
	 */
	[DMEM_FILE_HIGH] = {
		.name = "dmem.high",
		.where = DMEM_FILE_NOT_ROOT,
		.source = DMEM_FILE_SRC_POOL,
		.value = DMEM_POOL_HIGH,
		.dflt = DMEM_COUNTER_MAX,
		.show = dmem_show_regions,
		.write = dmem_write_region_limits,
	},
};

/* ---- reading ------------------------------------------------------------ */

u64 dmem_pool_read(struct dmem_pool *pool, enum dmem_file file)
{
	const struct dmem_file_type *ft;

	if (file >= DMEM_FILE_COUNT)
		return 0;
	ft = &dmem_file_types[file];
	if (ft->source == DMEM_FILE_SRC_CAPACITY)
		return dmem_region_size(dmem_pool_region(pool));
	return dmem_pool_value(pool, ft->value);
}

/* What @file shows for @region in @cg.  Caller holds rcu_read_lock(). */
static u64 dmem_show_value(struct dmem_cg *cg, struct dmem_region *region,
			   enum dmem_file file)
{
	const struct dmem_file_type *ft = &dmem_file_types[file];
	struct dmem_pool *pool;

	if (ft->source == DMEM_FILE_SRC_CAPACITY)
		return dmem_region_size(region);
	pool = dmem_pool_lookup(cg, region);
	if (pool)
		return dmem_pool_read(pool, file);
	return ft->dflt;
}

struct dmem_show_args {
	struct dmem_cg *cg;
	enum dmem_file file;
	struct dmem_printer *p;
};

static void dmem_show_region(struct dmem_region *region, void *arg)
{
	struct dmem_show_args *a = arg;
	u64 val = dmem_show_value(a->cg, region, a->file);
	char num[32];

	a->p->puts(a->p, dmem_region_name(region));
	/* capacity prints the raw size, like upstream */
	if (dmem_file_types[a->file].source != DMEM_FILE_SRC_CAPACITY &&
	    val >= DMEM_COUNTER_MAX) {
		a->p->puts(a->p, " max\n");
		return;
	}
	snprintf(num, sizeof(num), " %llu\n", (unsigned long long)val);
	a->p->puts(a->p, num);
}

/* The @show of the per-region files: "<region> <value>\n" per region. */
static void dmem_show_regions(struct dmem_cg *cg, enum dmem_file file,
			      struct dmem_printer *p)
{
	struct dmem_show_args args = { .cg = cg, .file = file, .p = p };

	dmem_walk_regions(dmem_show_region, &args);
}

void dmem_show(struct dmem_cg *cg, enum dmem_file file,
	       struct dmem_printer *p)
{
	if (file < DMEM_FILE_COUNT && dmem_file_types[file].show)
		dmem_file_types[file].show(cg, file, p);
}

/* ---- writing ------------------------------------------------------------ */

static int dmem_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 16;
}

/**
 * dmem_parse_value() - parse a limit value (memparse() semantics).
 * @s: the value, NUL-terminated, nothing may follow it.
 * @out: the value in bytes, clamped to DMEM_COUNTER_MAX ("max").
 *
 * Accepts "max", or an unsigned integer (0x.. hex, 0.. octal, decimal, as
 * simple_strtoull() with base 0) followed by at most one of K M G T P E
 * (either case, powers of 1024).  Unlike memparse(), a value without
 * digits and a value that does not fit in 64 bits are rejected.
 *
 * Return: 0 or -EINVAL.
 */
int dmem_parse_value(const char *s, u64 *out)
{
	static const char suffixes[] = "kmgtpe";
	unsigned int base = 10, ndigits = 0;
	const char *sfx;
	u64 val = 0;
	int d;

	if (!strcmp(s, "max")) {
		*out = DMEM_COUNTER_MAX;
		return 0;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    dmem_digit(s[2]) < 16) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (; (d = dmem_digit(*s)) < (int)base; s++, ndigits++) {
		if (val > (U64_MAX - d) / base)
			return -EINVAL;
		val = val * base + d;
	}
	if (!ndigits)
		return -EINVAL;
	if (*s) {
		sfx = strchr(suffixes, tolower((unsigned char)*s));
		if (!sfx)
			return -EINVAL;
		d = 10 * (int)(sfx - suffixes + 1);
		if (val > (U64_MAX >> d))
			return -EINVAL;
		val <<= d;
		s++;
	}
	if (*s)
		return -EINVAL;
	*out = min_t(u64, val, DMEM_COUNTER_MAX);
	return 0;
}

static bool dmem_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
	       c == '\f' || c == '\r';
}

/*
 * Parse one line (NUL-terminated, no '\n') into @req.  Returns 1 for a
 * request, 0 for a blank line, -EINVAL.  Like upstream: surrounding white
 * space is ignored, the name ends at the first space or tab, and the rest
 * of the line is the value.
 */
static int dmem_parse_line(char *line, struct dmem_limit_req *req)
{
	char *end = line + strlen(line);
	char *name, *value;
	size_t name_len;
	int ret;

	while (dmem_is_blank(*line))
		line++;
	while (end > line && dmem_is_blank(end[-1]))
		*--end = '\0';
	if (!*line)
		return 0;

	name = line;
	name_len = strcspn(name, " \t");
	if (!name[name_len])
		return -EINVAL;		/* missing value */
	value = name + name_len + 1;
	if (!*value)
		return -EINVAL;

	ret = dmem_parse_value(value, &req->value);
	if (ret)
		return ret;

	req->region = dmem_region_get_by_name(name, name_len);
	return req->region ? 1 : -EINVAL;
}

/* Phase 3: apply every request, or nothing if a region went away. */
static int dmem_apply_all(enum dmem_file file, struct dmem_limit_req *reqs,
			  size_t n)
{
	return dmem_apply_limits(dmem_file_types[file].value, reqs, n);
}

static size_t dmem_count_lines(const char *buf, size_t len)
{
	size_t n = 1;
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] == '\n')
			n++;
	return n;
}

/*
 * Phase 1: parse the NUL-terminated @copy (modified) into @reqs, which has
 * room for every line; *@n is the number of requests, whose regions are
 * referenced even on error.
 */
static int dmem_parse_lines(char *copy, struct dmem_limit_req *reqs,
			    size_t *n)
{
	char *line, *next;
	int ret = 0;

	for (line = copy; line && !ret; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		ret = dmem_parse_line(line, &reqs[*n]);
		if (ret > 0) {
			(*n)++;
			ret = 0;
		}
	}
	return ret;
}

/* Phase 2: get (create) the pool of every request. */
static int dmem_get_pools(struct dmem_cg *cg, struct dmem_limit_req *reqs,
			  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		reqs[i].pool = dmem_pool_get(cg, reqs[i].region);
		if (IS_ERR(reqs[i].pool)) {
			int ret = PTR_ERR(reqs[i].pool);

			reqs[i].pool = NULL;
			return ret;
		}
	}
	return 0;
}

/*
 * The @write of the limit files.  Phases: (1) parse every line and look
 * its region up, (2) get (create) every pool, (3) apply all under the core
 * lock.  Any error before phase 3 leaves every limit unchanged; pools
 * created in phase 2 stay (an empty pool reads exactly like a missing
 * one).
 */
static int dmem_write_region_limits(struct dmem_cg *cg, enum dmem_file file,
				    const char *buf, size_t len)
{
	struct dmem_limit_req *reqs;
	size_t n = 0, i;
	char *copy;
	int ret;

	might_sleep();
	/* upstream parses a C string: a NUL byte ends the input */
	len = strnlen(buf, len);
	copy = kmalloc(len + 1, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	reqs = kcalloc(dmem_count_lines(copy, len), sizeof(*reqs), GFP_KERNEL);
	if (!reqs) {
		kfree(copy);
		return -ENOMEM;
	}

	ret = dmem_parse_lines(copy, reqs, &n);
	if (!ret)
		ret = dmem_get_pools(cg, reqs, n);
	if (!ret)
		ret = dmem_apply_all(file, reqs, n);

	for (i = 0; i < n; i++) {
		dmem_pool_put(reqs[i].pool);
		dmem_region_put(reqs[i].region);
	}
	kfree(reqs);
	kfree(copy);
	return ret;
}

int dmem_write_limits(struct dmem_cg *cg, enum dmem_file file,
		      const char *buf, size_t len)
{
	if (file >= DMEM_FILE_COUNT || !dmem_file_types[file].write)
		return -EINVAL;
	return dmem_file_types[file].write(cg, file, buf, len);
}
