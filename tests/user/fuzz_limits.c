// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport: libFuzzer target for dmem_write_limits().
 *
 * Input: first byte selects dmem.min/low/max, the rest is the write.
 * Checks: the return value is 0 or -EINVAL (no allocation failures or
 * unregisters happen here); a failed write changes nothing; a successful
 * write leaves exactly the values an independent, simple oracle expects
 * (last line for a region wins, others untouched).  Crashes, sanitizer
 * reports and oracle mismatches abort.
 */
#include "dmem_files.h"

#include <assert.h>

#define NREG 3
static const char *const names[NREG] = { "fz0", "fz1", "drm/0000:00:02.0/vram0" };
static struct dmem_cg root, cg;
static struct dmem_region *regions[NREG];
static u64 cur[3][NREG];	/* expected values per file and region */

static const enum dmem_file files[3] = {
	DMEM_FILE_MIN, DMEM_FILE_LOW, DMEM_FILE_MAX
};

struct sp {
	struct dmem_printer p;
	char buf[1024];
	size_t len;
};

static void sp_puts(struct dmem_printer *p, const char *s)
{
	struct sp *b = container_of(p, struct sp, p);
	size_t n = strlen(s);

	assert(b->len + n < sizeof(b->buf));
	memcpy(b->buf + b->len, s, n + 1);
	b->len += n;
}

static void expect_state(void)
{
	int f, r;

	for (f = 0; f < 3; f++) {
		struct sp b = { .p.puts = sp_puts };
		char want[1024];
		size_t len = 0;

		dmem_show(&cg, files[f], &b.p);
		want[0] = '\0';
		for (r = 0; r < NREG; r++) {
			if (cur[f][r] >= DMEM_COUNTER_MAX)
				len += snprintf(want + len, sizeof(want) - len,
						"%s max\n", names[r]);
			else
				len += snprintf(want + len, sizeof(want) - len,
						"%s %llu\n", names[r],
						(unsigned long long)cur[f][r]);
		}
		if (strcmp(want, b.buf)) {
			fprintf(stderr, "state mismatch:\n%s---\n%s", b.buf, want);
			abort();
		}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int r;

	dmem_cg_init(&root, NULL, NULL);
	dmem_cg_init(&cg, &root, NULL);
	for (r = 0; r < NREG; r++) {
		regions[r] = dmem_region_register(names[r], 1ULL << 30, NULL);
		assert(!IS_ERR(regions[r]));
		cur[2][r] = DMEM_COUNTER_MAX;
	}
	return 0;
}

/* ---- the oracle: small and separate from the core's parser ----------- */

static int oracle_value(const char *s, size_t n, u64 *out)
{
	unsigned __int128 v = 0;
	unsigned int base = 10, shift = 0;
	size_t i = 0, digits = 0;

	if (n == 3 && !memcmp(s, "max", 3)) {
		*out = DMEM_COUNTER_MAX;
		return 0;
	}
	if (n > 2 && s[0] == '0' && (s[1] | 0x20) == 'x' && isxdigit((unsigned char)s[2])) {
		base = 16;
		i = 2;
	} else if (n && s[0] == '0') {
		base = 8;
	}
	for (; i < n; i++, digits++) {
		int d = isdigit((unsigned char)s[i]) ? s[i] - '0' :
			isxdigit((unsigned char)s[i]) ? (s[i] | 0x20) - 'a' + 10 : 99;

		if (d >= (int)base)
			break;
		v = v * base + d;
		if (v > UINT64_MAX)
			return -EINVAL;
	}
	if (!digits)
		return -EINVAL;
	if (i < n) {
		const char *p = strchr("kmgtpe", s[i] | 0x20);

		if (!p || !*p)
			return -EINVAL;
		shift = 10 * (unsigned int)(p - "kmgtpe" + 1);
		i++;
	}
	if (i != n)
		return -EINVAL;
	v <<= shift;
	if (v > UINT64_MAX)
		return -EINVAL;
	*out = v > DMEM_COUNTER_MAX ? DMEM_COUNTER_MAX : (u64)v;
	return 0;
}

static int oracle(const char *buf, size_t len, u64 *vals /* NREG */, bool *set)
{
	size_t pos = 0;

	/* upstream parses a C string: a NUL byte ends the input */
	if (memchr(buf, '\0', len))
		len = (size_t)((const char *)memchr(buf, '\0', len) - buf);
	while (pos <= len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		size_t a = 0, b = n, sep;
		int r;

		pos += n + 1;
		while (a < b && isspace((unsigned char)line[a]))
			a++;
		while (b > a && isspace((unsigned char)line[b - 1]))
			b--;
		if (a == b)
			continue;
		for (sep = a; sep < b && line[sep] != ' ' && line[sep] != '\t'; sep++)
			;
		if (sep == b || sep + 1 == b)
			return -EINVAL;
		for (r = 0; r < NREG; r++)
			if (strlen(names[r]) == sep - a && !memcmp(names[r], line + a, sep - a))
				break;
		if (r == NREG)
			return -EINVAL;
		if (oracle_value(line + sep + 1, b - sep - 1, &vals[r]))
			return -EINVAL;
		set[r] = true;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u64 vals[NREG];
	bool set[NREG] = { false };
	int f, ret, want, r;

	if (!size)
		return 0;
	f = data[0] % 3;
	want = oracle((const char *)data + 1, size - 1, vals, set);
	ret = dmem_write_limits(&cg, files[f], (const char *)data + 1, size - 1);
	if (ret != want) {
		fprintf(stderr, "ret %d, oracle %d\n", ret, want);
		abort();
	}
	if (!ret)
		for (r = 0; r < NREG; r++)
			if (set[r])
				cur[f][r] = vals[r];
	expect_state();
	return 0;
}
