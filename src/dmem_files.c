// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: the dmem.* files of the pure core.
 */

/* ---- dmem.* files ------------------------------------------------------ */

u64 dmem_pool_read(struct dmem_pool *pool, enum dmem_file file)
{
	switch (file) {
	case DMEM_FILE_CAPACITY:
		return pool->region->size;
	case DMEM_FILE_CURRENT:
		return atomic64_read(&pool->usage);
	case DMEM_FILE_MIN:
		return READ_ONCE(pool->min);
	case DMEM_FILE_LOW:
		return READ_ONCE(pool->low);
	case DMEM_FILE_MAX:
		return READ_ONCE(pool->max);
	case DMEM_FILE_PEAK:
		return atomic64_read(&pool->peak);
	}
	return 0;
}

static u64 dmem_show_value(struct dmem_cg *cg, struct dmem_region *region,
			   enum dmem_file file)
{
	struct dmem_pool *pool;

	if (file == DMEM_FILE_CAPACITY)
		return region->size;
	pool = dmem_pool_lookup(cg, region);
	if (pool)
		return dmem_pool_read(pool, file);
	return file == DMEM_FILE_MAX ? DMEM_COUNTER_MAX : 0;
}

void dmem_show(struct dmem_cg *cg, enum dmem_file file,
	       struct dmem_printer *p)
{
	struct dmem_region *region;
	char num[32];

	rcu_read_lock();
	list_for_each_entry_rcu(region, &dmem_regions, node) {
		u64 val = dmem_show_value(cg, region, file);

		p->puts(p, region->name);
		/* capacity prints the raw size, like upstream */
		if (file != DMEM_FILE_CAPACITY && val >= DMEM_COUNTER_MAX) {
			p->puts(p, " max\n");
			continue;
		}
		snprintf(num, sizeof(num), " %llu\n", (unsigned long long)val);
		p->puts(p, num);
	}
	rcu_read_unlock();
}

/* One parsed "<region> <value>" line of a limit write. */
struct dmem_limit_req {
	struct dmem_region *region;	/* referenced */
	struct dmem_pool *pool;		/* referenced, after phase 2 */
	u64 value;
};

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
	*out = dmem_clamp(val);
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

	rcu_read_lock();
	req->region = dmem_region_lookup(name, name_len);
	if (req->region && !refcount_inc_not_zero(&req->region->ref))
		req->region = NULL;
	rcu_read_unlock();
	return req->region ? 1 : -EINVAL;
}

static void dmem_apply_limit(struct dmem_pool *pool, enum dmem_file file,
			     u64 value)
{
	switch (file) {
	case DMEM_FILE_MIN:
		dmem_pool_set_min(pool, value);
		break;
	case DMEM_FILE_LOW:
		dmem_pool_set_low(pool, value);
		break;
	case DMEM_FILE_MAX:
		dmem_pool_set_max(pool, value);
		break;
	default:
		break;
	}
}

/* Phase 3: apply every request, or nothing if a region went away. */
static int dmem_apply_all(enum dmem_file file, struct dmem_limit_req *reqs,
			  size_t n)
{
	size_t i;

	spin_lock(&dmem_lock);
	for (i = 0; i < n; i++) {
		if (reqs[i].region->unregistered) {
			spin_unlock(&dmem_lock);
			return -ENODEV;
		}
	}
	for (i = 0; i < n; i++)
		dmem_apply_limit(reqs[i].pool, file, reqs[i].value);
	spin_unlock(&dmem_lock);
	return 0;
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
 * Phases: (1) parse every line and look its region up, (2) get (create)
 * every pool, (3) apply all under dmem_lock.  Any error before phase 3
 * leaves every limit unchanged; pools created in phase 2 stay (an empty
 * pool reads exactly like a missing one).
 */
int dmem_write_limits(struct dmem_cg *cg, enum dmem_file file,
		      const char *buf, size_t len)
{
	struct dmem_limit_req *reqs;
	size_t nlines, n = 0, i;
	char *copy, *line, *next;
	int ret = 0;

	if (file != DMEM_FILE_MIN && file != DMEM_FILE_LOW &&
	    file != DMEM_FILE_MAX)
		return -EINVAL;
	might_sleep();

	/* upstream parses a C string: a NUL byte ends the input */
	len = strnlen(buf, len);
	copy = kmalloc(len + 1, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	nlines = dmem_count_lines(copy, len);
	reqs = kcalloc(nlines, sizeof(*reqs), GFP_KERNEL);
	if (!reqs) {
		kfree(copy);
		return -ENOMEM;
	}

	for (line = copy; line && !ret; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		ret = dmem_parse_line(line, &reqs[n]);
		if (ret > 0) {
			n++;
			ret = 0;
		}
	}

	for (i = 0; i < n && !ret; i++) {
		reqs[i].pool = dmem_pool_get(cg, reqs[i].region);
		if (IS_ERR(reqs[i].pool)) {
			ret = PTR_ERR(reqs[i].pool);
			reqs[i].pool = NULL;
		}
	}

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
