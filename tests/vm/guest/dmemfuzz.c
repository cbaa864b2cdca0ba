// SPDX-License-Identifier: GPL-2.0
/*
 * dmemfuzz: fuzz the dmem limit files and cgroup.subtree_control from
 * inside the test guest, with a fixed seed, against a reference model.
 * Built static.
 *
 * usage:
 *   dmemfuzz limits CGDIR COUNT SEED
 *       COUNT writes to CGDIR/dmem.min, dmem.low, dmem.max.  Each write is
 *       also parsed by the reference below (the contract of
 *       include/dmem_core.h dmem_write_limits(), upstream's syntax): the
 *       return value must match (length written, EINVAL, E2BIG), a
 *       successful write applies every line, a failed one changes nothing;
 *       the files are read back (after every successful write among the
 *       first 4096, then after one in 8, every 512 writes and at the end)
 *       and must equal the model.
 *   dmemfuzz subtree CGDIR COUNT SEED
 *       COUNT writes with dmem/memory tokens (and garbage) to
 *       CGDIR/cgroup.subtree_control; CGDIR must have a child cgroup
 *       CGDIR/c and no processes.  A failed write must leave the file
 *       unchanged; the file must list only known controllers; wherever
 *       "dmem" is listed the child has dmem.max.
 * Prints "dmemfuzz: N writes, N ok, N EINVAL, N E2BIG, N other, N checks"
 * and exits 0 if everything matched, 1 otherwise (the first mismatches are
 * printed with a hex dump of the write).
 *
 * Reference grammar (limits): a write longer than a page is refused with
 * E2BIG (cgroupfs' atomic_write_len); a NUL byte ends the input (upstream
 * parses the kernfs buffer as a C string; an empty input succeeds); the
 * rest is split at '\n'; each line is stripped of " \t\n\v\f\r" at both
 * ends; empty lines are skipped; a write is applied as a whole or (on any
 * error) not at all; otherwise the region name ends at the first
 * ' ' or '\t', exactly one separator follows, the rest is the value: "max"
 * or digits (0x/0X + hex, leading 0 octal, else decimal) with one optional
 * suffix of "kKmMgGtTpPeE" (x 2^10 .. 2^60) and nothing after it; 64-bit
 * overflow is EINVAL; values are clamped to DMEM_COUNTER_MAX (LONG_MAX /
 * 4096) and read back as "max" from there; the region must be registered.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hexdigit.h"

#define PAGE 4096
#define MAXBUF 9000
#define MAXREG 8
#define COUNTER_MAX ((uint64_t)INT64_MAX / 4096)

static const char *const files[3] = { "dmem.min", "dmem.low", "dmem.max" };

static uint64_t rng;
static char regions[MAXREG][128];
static int nregions;
static uint64_t model[3][MAXREG];
static unsigned long n_ok, n_inval, n_e2big, n_other, n_checks, n_bad;
static char cgdir[1024];

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned int rn(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

/* ------------------------------------------------------------ model */

static int blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

/* Parse value s[0..len): 0 and *out, or -EINVAL. */
static int ref_value(const char *s, size_t len, uint64_t *out)
{
	static const char sfx[] = "kmgtpe";
	unsigned int base = 10, nd = 0;
	size_t i = 0;
	uint64_t v = 0;
	int d;

	if (len == 3 && !memcmp(s, "max", 3)) {
		*out = COUNTER_MAX;
		return 0;
	}
	if (len >= 3 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    hexdigit(s[2]) < 16) {
		base = 16;
		i = 2;
	} else if (len >= 1 && s[0] == '0') {
		base = 8;
	}
	for (; i < len && (d = hexdigit(s[i])) < (int)base; i++, nd++) {
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	if (!nd)
		return -EINVAL;
	if (i < len) {
		char c = s[i];
		const char *p;

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		p = c ? strchr(sfx, c) : NULL;
		if (!p)
			return -EINVAL;
		d = 10 * (int)(p - sfx + 1);
		if (v > (UINT64_MAX >> d))
			return -EINVAL;
		v <<= d;
		i++;
	}
	if (i < len)
		return -EINVAL;
	*out = v > COUNTER_MAX ? COUNTER_MAX : v;
	return 0;
}

/* Apply @buf to @state (a copy): 0, -EINVAL or -E2BIG. */
static int ref_write(const char *buf, size_t len, uint64_t *state)
{
	size_t pos = 0;

	const char *nul = memchr(buf, '\0', len);

	if (len > PAGE)
		return -E2BIG;
	if (nul)
		len = (size_t)(nul - buf);	/* a C string, as upstream */
	while (pos <= len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t a = pos, b = end, nl_len, r;
		uint64_t v;
		int found = -1;

		pos = end + 1;
		while (a < b && blank(buf[a]))
			a++;
		while (b > a && blank(buf[b - 1]))
			b--;
		if (a == b) {
			if (!nl)
				break;
			continue;
		}
		for (nl_len = 0; a + nl_len < b && buf[a + nl_len] != ' ' &&
		     buf[a + nl_len] != '\t'; nl_len++)
			;
		if (a + nl_len == b)
			return -EINVAL;
		if (ref_value(buf + a + nl_len + 1, b - a - nl_len - 1, &v))
			return -EINVAL;
		for (r = 0; r < (size_t)nregions; r++)
			if (strlen(regions[r]) == nl_len &&
			    !memcmp(regions[r], buf + a, nl_len))
				found = (int)r;
		if (found < 0)
			return -EINVAL;
		state[found] = v;
		if (!nl)
			break;
	}
	return 0;
}

/* ------------------------------------------------------------ generator */

static size_t put(char *b, size_t n, const char *s)
{
	size_t l = strlen(s);

	if (n + l > MAXBUF)
		l = MAXBUF - n;
	memcpy(b + n, s, l);
	return n + l;
}

static const char *const ws[] = { " ", "\t", "  ", " \t", "\r", "\v", "\f",
				   "\n", "" };
static const char *const seps[] = { " ", " ", " ", "\t", "  ", "\t ", "",
				    "\n", "=", ":" };
static const char *const sfxs[] = { "", "", "", "k", "K", "m", "M", "g",
				    "G", "t", "T", "p", "P", "e", "E", "KiB",
				    "B", "x", "i", "kk", " ", "b" };
static const char *const weird[] = {
	"-1", "+1", "-0", "1.5M", "1_000", "1e3", "1E", "0x", "0X", "0xg",
	"08", "0b101", "0o7", "max", "MAX", "Max", "maxx", "max ", "max\t1",
	"inf", "nan", "none", "0", "00", "0k", "0x0", "0xfK", "0XFFm", "07",
	"0777777777777777777777", "01777777777777777777777",
	"02000000000000000000000", "18446744073709551615",
	"18446744073709551616", "99999999999999999999999999999999",
	"0xffffffffffffffff", "0x10000000000000000", "0xFFFFFFFFFFFFFFFFk",
	"16E", "15E", "16383P", "16384P", "17179869183G", "17179869184G",
	"2251799813685247", "2251799813685248", "2251799813685246",
	"9223372036854775807", "9223372036854775808", "4611686018427387904",
	"1k1", "k", "m", "-", "+", " ", "\xff", "\x80" "1", "1\xa0",
	"\xa0" "1", "１"
};

static size_t gen_value(char *b, size_t n)
{
	char num[64];

	switch (rn(6)) {
	case 0:
		return put(b, n, "max");
	case 1:
		return put(b, n, weird[rn(sizeof(weird) / sizeof(*weird))]);
	case 2:
		snprintf(num, sizeof(num), "0x%llx",
			 (unsigned long long)(rnd() >> rn(64)));
		break;
	case 3:
		snprintf(num, sizeof(num), "0%llo",
			 (unsigned long long)(rnd() >> rn(64)));
		break;
	default:
		snprintf(num, sizeof(num), "%llu",
			 (unsigned long long)(rnd() >> (20 + rn(45))));
		break;
	}
	n = put(b, n, num);
	return put(b, n, sfxs[rn(sizeof(sfxs) / sizeof(*sfxs))]);
}

static size_t gen_region(char *b, size_t n)
{
	const char *r = regions[rn(nregions)];
	char tmp[160];
	size_t l = strlen(r);

	switch (rn(12)) {
	case 0:
		return put(b, n, "drm/");
	case 1:
		memcpy(tmp, r, l);
		tmp[rn(l) + 1 > l ? l : rn(l) + 1] = '\0';
		return put(b, n, tmp);		/* prefix (maybe whole) */
	case 2:
		n = put(b, n, r);
		return put(b, n, rn(2) ? "x" : "/");
	case 3:
		memcpy(tmp, r, l + 1);
		tmp[rn(l)] ^= 0x20;
		return put(b, n, tmp);		/* one case flipped */
	case 4:
		return put(b, n, rn(2) ? "drm/0000:00:00.0/vram0" : "nope");
	default:
		return put(b, n, r);
	}
}

static size_t gen_line(char *b, size_t n, int valid)
{
	if (rn(4) == 0)
		n = put(b, n, ws[rn(sizeof(ws) / sizeof(*ws))]);
	n = valid ? put(b, n, regions[rn(nregions)]) : gen_region(b, n);
	n = put(b, n, valid ? (rn(4) ? " " : "\t") :
			      seps[rn(sizeof(seps) / sizeof(*seps))]);
	if (valid) {
		char num[32];

		if (rn(5) == 0) {
			n = put(b, n, "max");
		} else {
			snprintf(num, sizeof(num), "%llu",
				 (unsigned long long)(rnd() >> (38 + rn(26))));
			n = put(b, n, num);
			n = put(b, n, sfxs[rn(15)]);
		}
	} else {
		n = gen_value(b, n);
	}
	if (rn(4) == 0)
		n = put(b, n, ws[rn(sizeof(ws) / sizeof(*ws))]);
	return n;
}

static size_t mutate(char *b, size_t n)
{
	int k, times = 1 + rn(3);
	size_t p;

	for (k = 0; k < times; k++) {
		p = n ? rn(n) : 0;
		switch (rn(4)) {
		case 0:
			if (n)
				b[p] = (char)rn(256);
			break;
		case 1:
			if (n < MAXBUF) {
				memmove(b + p + 1, b + p, n - p);
				b[p] = (char)rn(256);
				n++;
			}
			break;
		case 2:
			if (n) {
				memmove(b + p, b + p + 1, n - p - 1);
				n--;
			}
			break;
		default:
			if (n < MAXBUF)
				b[n++] = (char)rn(256);
			break;
		}
	}
	return n;
}

/* The first 1024 writes: every byte value alone and around a valid line. */
static size_t gen_fixed(unsigned long i, char *b)
{
	char c = (char)(i & 255);
	size_t n = 0;

	switch (i >> 8) {
	case 0:
		b[0] = c;
		return 1;
	case 1:
		n = put(b, 0, regions[0]);
		n = put(b, n, " ");
		b[n++] = c;
		return n;
	case 2:
		n = put(b, 0, regions[0]);
		n = put(b, n, " 1");
		b[n++] = c;
		return n;
	default:
		b[n++] = c;
		n = put(b, n, regions[0]);
		return put(b, n, " 1M");
	}
}

static size_t gen_limits(char *b)
{
	size_t n = 0, target;
	int lines, i;

	switch (rn(20)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		n = gen_line(b, 0, 1);
		return rn(2) ? put(b, n, "\n") : n;
	case 6: case 7: case 8:
		return gen_line(b, 0, 0);
	case 9: case 10: case 11:
		return mutate(b, gen_line(b, 0, rn(2)));
	case 12: case 13:
		lines = 2 + rn(40);
		for (i = 0; i < lines; i++) {
			if (rn(6) == 0)
				n = put(b, n, rn(2) ? "\n" : "\r\n");
			n = gen_line(b, n, rn(8) != 0);
			n = put(b, n, "\n");
		}
		return n;
	case 14:
		n = 1 + rn(200);
		for (i = 0; i < (int)n; i++)
			b[i] = (char)rn(256);
		return n;
	case 15:
		n = gen_line(b, 0, 1);
		i = rn(n + 1);
		memmove(b + i + 1, b + i, n - i);
		b[i] = '\0';
		return n + 1;
	case 16:
		/* long: padded with blanks, zeros or lines, around a page */
		target = rn(3) == 0 ? PAGE - 8 + rn(16) : 1000 + rn(8000);
		if (rn(2)) {
			n = put(b, 0, regions[0]);
			n = put(b, n, " 0");
			while (n < target - 4)
				b[n++] = '0';
			n = put(b, n, "7");
		} else {
			while (n < target - 64)
				n = put(b, n, rn(3) ? "\n" : " ");
			n = gen_line(b, n, 1);
		}
		return n;
	case 17:
		n = put(b, 0, regions[rn(nregions)]);
		n = put(b, n, " ");
		return put(b, n, weird[rn(sizeof(weird) / sizeof(*weird))]);
	default:
		n = gen_line(b, 0, 1);
		n = put(b, n, "\n");
		return mutate(b, gen_line(b, n, 0));
	}
}

/* ------------------------------------------------------------ I/O */

static char rbuf[65536];

static int read_file(const char *name)
{
	char path[1200];
	ssize_t r, n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cgdir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((r = read(fd, rbuf + n, sizeof(rbuf) - 1 - n)) > 0)
		n += r;
	close(fd);
	rbuf[n] = '\0';
	return r < 0 ? -1 : 0;
}

static void hexdump(const char *b, size_t n)
{
	size_t i;

	fprintf(stderr, "  write (%zu bytes):", n);
	for (i = 0; i < n && i < 160; i++)
		fprintf(stderr, " %02x", (unsigned char)b[i]);
	fprintf(stderr, "%s\n", n > 160 ? " ..." : "");
}

static int bad(const char *what, const char *b, size_t n)
{
	n_bad++;
	if (n_bad <= 5) {
		fprintf(stderr, "dmemfuzz: MISMATCH %s\n", what);
		if (b)
			hexdump(b, n);
	}
	return -1;
}

/* Compare file @f with the model. */
static int check_file(int f)
{
	char want[160];
	int r;

	n_checks++;
	if (read_file(files[f]))
		return bad("cannot read back", NULL, 0);
	for (r = 0; r < nregions; r++) {
		if (model[f][r] >= COUNTER_MAX)
			snprintf(want, sizeof(want), "%s max\n", regions[r]);
		else
			snprintf(want, sizeof(want), "%s %llu\n", regions[r],
				 (unsigned long long)model[f][r]);
		if (!strstr(rbuf, want)) {
			fprintf(stderr, "dmemfuzz: %s reads:\n%s(want %s)\n",
				files[f], rbuf, want);
			return bad("read back differs from the model", NULL, 0);
		}
	}
	return 0;
}

static uint64_t parse_shown(const char *v)
{
	return strncmp(v, "max", 3) ? strtoull(v, NULL, 10) : COUNTER_MAX;
}

static int load_regions(void)
{
	char *line, *save = NULL;
	int f, r;

	if (read_file("dmem.max"))
		return -1;
	for (line = strtok_r(rbuf, "\n", &save); line && nregions < MAXREG;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp || sp - line >= 127)
			continue;
		memcpy(regions[nregions], line, sp - line);
		regions[nregions][sp - line] = '\0';
		nregions++;
	}
	for (f = 0; f < 3; f++) {
		if (read_file(files[f]))
			return -1;
		for (r = 0; r < nregions; r++) {
			char *p = strstr(rbuf, regions[r]);

			model[f][r] = p ? parse_shown(p + strlen(regions[r]) + 1) : 0;
		}
	}
	return nregions ? 0 : -1;
}

static int fuzz_limits(unsigned long count)
{
	static char b[MAXBUF + 1];
	int fds[3], f;
	unsigned long i;

	if (load_regions()) {
		fprintf(stderr, "dmemfuzz: no region in %s/dmem.max\n", cgdir);
		return 1;
	}
	for (f = 0; f < 3; f++) {
		char path[1200];

		snprintf(path, sizeof(path), "%s/%s", cgdir, files[f]);
		fds[f] = open(path, O_WRONLY | O_CLOEXEC);
		if (fds[f] < 0) {
			perror(path);
			return 1;
		}
	}
	for (i = 0; i < count && n_bad < 20; i++) {
		uint64_t next[MAXREG];
		size_t n = i < 1024 ? gen_fixed(i, b) : gen_limits(b);
		int want, got, fd;
		ssize_t w;

		f = rn(3);
		if (!n)
			b[n++] = '\n';
		memcpy(next, model[f], sizeof(next));
		want = ref_write(b, n, next);
		fd = fds[f];
		if (rn(32) == 0) {
			char path[1200];

			snprintf(path, sizeof(path), "%s/%s", cgdir, files[f]);
			fd = open(path, O_WRONLY | O_CLOEXEC);
		}
		w = write(fd, b, n);
		got = w < 0 ? -errno : (w == (ssize_t)n ? 0 : -EIO);
		if (fd != fds[f])
			close(fd);
		if (got == 0)
			n_ok++;
		else if (got == -EINVAL)
			n_inval++;
		else if (got == -E2BIG)
			n_e2big++;
		else
			n_other++;
		if (got != want) {
			char what[160];

			snprintf(what, sizeof(what),
				 "write %lu to %s returned %d, reference %d", i,
				 files[f], got, want);
			bad(what, b, n);
			if (got)
				continue;	/* kernel applied it: resync */
			if (read_file(files[f]) == 0) {
				int r;

				for (r = 0; r < nregions; r++) {
					char *p = strstr(rbuf, regions[r]);

					if (p)
						model[f][r] = parse_shown(p + strlen(regions[r]) + 1);
				}
			}
			continue;
		}
		if (!got)
			memcpy(model[f], next, sizeof(next));
		/* reading back costs as much as a write: sample it */
		if ((!got && (i < 4096 || rn(8) == 0)) || i % 512 == 0) {
			if (check_file(f))
				hexdump(b, n);
		}
	}
	for (f = 0; f < 3; f++) {
		check_file(f);
		close(fds[f]);
	}
	return 0;
}

/* ------------------------------------------------------------ subtree */

static const char *const tokens[] = {
	"+dmem", "-dmem", "+memory", "-memory", "+dmem", "+memory",
	"dmem", "+dmemx", "+ dmem", "+DMEM", "+dme", "+dmem+dmem", "-dmem-",
	"+dmem\n", "+io", "+pids", "+cpu", "-io", "+", "-", "", "+memory\t",
	"\t+dmem", "+dmem\xff", "+\xa0" "dmem", "++dmem", "--dmem", "+-dmem"
};

static size_t gen_subtree(char *b)
{
	size_t n = 0;
	int i, k = 1 + rn(6);

	switch (rn(8)) {
	case 0:
		n = 1 + rn(100);
		for (i = 0; i < (int)n; i++)
			b[i] = (char)rn(256);
		return n;
	case 1:
		while (n < PAGE - 16 + rn(64))
			n = put(b, n, rn(2) ? " " : "+dmem ");
		return n;
	default:
		for (i = 0; i < k; i++) {
			if (i)
				n = put(b, n, rn(6) ? " " : ws[rn(sizeof(ws) /
								 sizeof(*ws))]);
			n = put(b, n, tokens[rn(sizeof(tokens) / sizeof(*tokens))]);
		}
		if (rn(8) == 0)
			n = mutate(b, n);
		if (rn(16) == 0 && n < MAXBUF) {
			i = rn(n + 1);
			memmove(b + i + 1, b + i, n - i);
			b[i] = '\0';
			n++;
		}
		return n ? n : put(b, 0, "+dmem");
	}
}

static int listed(const char *text, const char *name)
{
	size_t l = strlen(name);
	const char *p = text;

	while ((p = strstr(p, name))) {
		if ((p == text || p[-1] == ' ') && (p[l] == ' ' || p[l] == '\n' ||
						    !p[l]))
			return 1;
		p += l;
	}
	return 0;
}

static int check_subtree(const char *prev)
{
	char path[1200], *tok, *save = NULL, copy[4096];

	n_checks++;
	strncpy(copy, prev, sizeof(copy) - 1);
	copy[sizeof(copy) - 1] = '\0';
	for (tok = strtok_r(copy, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		if (strcmp(tok, "dmem") && strcmp(tok, "memory") &&
		    strcmp(tok, "io") && strcmp(tok, "pids") &&
		    strcmp(tok, "cpu") && strcmp(tok, "cpuset") &&
		    strcmp(tok, "hugetlb") && strcmp(tok, "rdma") &&
		    strcmp(tok, "misc") && strcmp(tok, "perf_event"))
			return bad("unknown controller listed", prev,
				   strlen(prev));
	}
	snprintf(path, sizeof(path), "%s/c/dmem.max", cgdir);
	if (listed(prev, "dmem") && access(path, F_OK))
		return bad("dmem listed but the child has no dmem.max", prev,
			   strlen(prev));
	return 0;
}

static int fuzz_subtree(unsigned long count)
{
	static char b[MAXBUF + 1];
	char path[1200], before[4096] = "";
	unsigned long i;
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", cgdir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	for (i = 0; i < count && n_bad < 20; i++) {
		size_t n = gen_subtree(b);
		ssize_t w;

		if (read_file("cgroup.subtree_control"))
			return bad("cannot read subtree_control", NULL, 0), 1;
		strncpy(before, rbuf, sizeof(before) - 1);
		before[sizeof(before) - 1] = '\0';
		w = write(fd, b, n);
		if (w == (ssize_t)n) {
			n_ok++;
		} else {
			if (w < 0 && errno == EINVAL)
				n_inval++;
			else if (w < 0 && errno == E2BIG)
				n_e2big++;
			else
				n_other++;
			if (read_file("cgroup.subtree_control") == 0 &&
			    strcmp(before, rbuf)) {
				fprintf(stderr, "  before '%s' after '%s'\n",
					before, rbuf);
				bad("a failed write changed subtree_control", b,
				    n);
			}
		}
		if (read_file("cgroup.subtree_control") == 0)
			check_subtree(rbuf);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long count;

	if (argc != 5) {
		fprintf(stderr, "usage: dmemfuzz limits|subtree CGDIR COUNT SEED\n");
		return 2;
	}
	snprintf(cgdir, sizeof(cgdir), "%s", argv[2]);
	count = strtoul(argv[3], NULL, 0);
	rng = strtoull(argv[4], NULL, 0) | 1;
	if (!strcmp(argv[1], "limits")) {
		if (fuzz_limits(count))
			return 1;
	} else if (!strcmp(argv[1], "subtree")) {
		if (fuzz_subtree(count))
			return 1;
	} else {
		return 2;
	}
	printf("dmemfuzz: %s: %lu writes, %lu ok, %lu EINVAL, %lu E2BIG, %lu other, %lu checks, %lu mismatches\n",
	       argv[1], n_ok + n_inval + n_e2big + n_other, n_ok, n_inval,
	       n_e2big, n_other, n_checks, n_bad);
	return n_bad ? 1 : 0;
}
