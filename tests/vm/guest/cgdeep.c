// SPDX-License-Identifier: GPL-2.0
/*
 * cgdeep: drive a chain of nested cgroups deeper than PATH_MAX, the way an
 * unprivileged user with a delegated subtree can (every step is relative to
 * the current directory: chdir into each level, "..", never a full path).
 * Built static for the test guest.
 *
 * Level 0 is BASE (the delegated cgroup), level k (1..N) is BASE/L/L/.../L
 * with k components named L ("level").
 *
 * usage: cgdeep BASE N CMD...
 *   mk [+CTRL...]           create levels 1..N; before creating level k+1,
 *                           write each +CTRL (default: "+memory" then
 *                           "+dmem") to level k's cgroup.subtree_control
 *                           (as a client enables controllers).  Exit 1
 *                           with the failing level.
 * LEVEL is "K" (level K) or "K/NAME" (cgroup NAME inside level K).
 *   write LEVEL FILE TEXT   write TEXT (one write(2)) to FILE of LEVEL
 *   writeall FROM TO STEP FILE TEXT
 *                           the same at levels FROM, FROM+STEP, ... <= TO
 *   cat LEVEL FILE          print FILE of LEVEL
 *   mkdir LEVEL NAME, rmdir LEVEL NAME
 *                           create/remove cgroup NAME inside LEVEL
 *   expect FROM TO FILE REGION VALUE [STEP]
 *                           every level FROM..TO (every STEP-th and TO) has
 *                           "REGION VALUE" in FILE (VALUE may be "max");
 *                           prints the first mismatch
 *   exec LEVEL CMD...       move this process into LEVEL, exec CMD
 *   rm                      remove levels N..1 (bottom first)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NAME "level"

static char buf[65536];

static int fail(const char *what, long level)
{
	fprintf(stderr, "cgdeep: level %ld: %s: %s\n", level, what,
		strerror(errno));
	return 1;
}

/* Go from level 0 (cwd = BASE) down to @level. */
static int descend(long level)
{
	long k;

	for (k = 1; k <= level; k++)
		if (chdir(NAME))
			return fail("chdir", k);
	return 0;
}

/* Go to a place given as "K" (level K) or "K/NAME" (NAME inside level K). */
static long go(const char *where)
{
	char *end;
	long k = strtol(where, &end, 10);

	if (descend(k))
		return -1;
	if (*end == '/' && chdir(end + 1))
		return fail(end + 1, k), -1;
	return k;
}

static int write_text(const char *file, const char *text)
{
	size_t len = strlen(text);
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = write(fd, text, len);
	close(fd);
	return r == (ssize_t)len ? 0 : -1;
}

static ssize_t read_text(const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t r, n = 0;

	if (fd < 0)
		return -1;
	while ((r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	if (r < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* Value of @region in the text in buf, or NULL. */
static const char *lookup(const char *region)
{
	static char val[64];
	size_t rl = strlen(region);
	char *line = buf;

	while (line && *line) {
		char *nl = strchr(line, '\n');

		if (!strncmp(line, region, rl) && line[rl] == ' ') {
			size_t vl = nl ? (size_t)(nl - line) - rl - 1 :
					 strlen(line + rl + 1);

			if (vl >= sizeof(val))
				vl = sizeof(val) - 1;
			memcpy(val, line + rl + 1, vl);
			val[vl] = '\0';
			return val;
		}
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_mk(long n, int nctl, char **ctl)
{
	static char *dflt[] = { "+memory", "+dmem" };
	double t0 = now(), t = t0;
	long k;
	int c;

	if (!nctl) {
		nctl = 2;
		ctl = dflt;
	}

	for (k = 0; k < n; k++) {
		if (k && k % 512 == 0) {
			printf("cgdeep: levels %ld..%ld took %.1f s\n", k - 511,
			       k, now() - t);
			fflush(stdout);
			t = now();
		}
		for (c = 0; c < nctl; c++)
			if (write_text("cgroup.subtree_control", ctl[c]))
				return fail(ctl[c], k);
		if (mkdir(NAME, 0755) && errno != EEXIST)
			return fail("mkdir", k + 1);
		if (chdir(NAME))
			return fail("chdir", k + 1);
	}
	return 0;
}

static int cmd_writeall(long from, long to, long step, const char *file,
			const char *text)
{
	long k;

	if (step < 1 || from < 0)
		return 2;
	if (descend(from))
		return 1;
	for (k = from; k <= to; k++) {
		if ((k - from) % step == 0 && write_text(file, text))
			return fail(file, k);
		if (k < to && chdir(NAME))
			return fail("chdir", k + 1);
	}
	return 0;
}

static int cmd_expect(long from, long to, const char *file,
		      const char *region, const char *want, long step)
{
	const char *got;
	long k;

	if (descend(from))
		return 1;
	for (k = from; k <= to; k++) {
		if ((k - from) % step && k != to) {
			if (chdir(NAME))
				return fail("chdir", k + 1);
			continue;
		}
		if (read_text(file) < 0)
			return fail(file, k);
		got = lookup(region);
		if (!got || strcmp(got, want)) {
			printf("cgdeep: level %ld %s: %s is %s, want %s\n", k,
			       file, region, got ? got : "(absent)", want);
			return 1;
		}
		if (k < to && chdir(NAME))
			return fail("chdir", k + 1);
	}
	return 0;
}

static int cmd_rm(long n)
{
	long k;

	if (descend(n - 1))
		return 1;
	for (k = n; k >= 1; k--) {
		if (rmdir(NAME) && errno != ENOENT)
			return fail("rmdir", k);
		if (k > 1 && chdir(".."))
			return fail("chdir ..", k - 2);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	long n;

	if (argc < 4) {
		fprintf(stderr, "usage: cgdeep BASE N CMD...\n");
		return 2;
	}
	if (chdir(argv[1]))
		return fail(argv[1], 0);
	n = strtol(argv[2], NULL, 10);
	cmd = argv[3];
	argv += 4;
	argc -= 4;
	if (!strcmp(cmd, "mk"))
		return cmd_mk(n, argc, argv);
	if (!strcmp(cmd, "rm"))
		return cmd_rm(n);
	if (!strcmp(cmd, "write") && argc == 3) {
		if (go(argv[0]) < 0)
			return 1;
		return write_text(argv[1], argv[2]) ? fail(argv[1], -1) : 0;
	}
	if (!strcmp(cmd, "writeall") && argc == 5)
		return cmd_writeall(strtol(argv[0], NULL, 10),
				    strtol(argv[1], NULL, 10),
				    strtol(argv[2], NULL, 10), argv[3], argv[4]);
	if (!strcmp(cmd, "mkdir") && argc == 2) {
		if (go(argv[0]) < 0)
			return 1;
		return mkdir(argv[1], 0755) ? fail(argv[1], -1) : 0;
	}
	if (!strcmp(cmd, "rmdir") && argc == 2) {
		if (go(argv[0]) < 0)
			return 1;
		return rmdir(argv[1]) ? fail(argv[1], -1) : 0;
	}
	if (!strcmp(cmd, "cat") && argc == 2) {
		if (go(argv[0]) < 0 || read_text(argv[1]) < 0)
			return fail(argv[1], -1);
		fputs(buf, stdout);
		return 0;
	}
	if (!strcmp(cmd, "expect") && (argc == 5 || argc == 6))
		return cmd_expect(strtol(argv[0], NULL, 10),
				  strtol(argv[1], NULL, 10), argv[2], argv[3],
				  argv[4],
				  argc == 6 && atol(argv[5]) > 0 ? atol(argv[5]) : 1);
	if (!strcmp(cmd, "exec") && argc >= 2) {
		if (go(argv[0]) < 0)
			return 1;
		if (write_text("cgroup.procs", "0"))
			return fail("cgroup.procs", -1);
		execvp(argv[1], argv + 1);
		return fail(argv[1], -1);
	}
	fprintf(stderr, "cgdeep: bad command %s\n", cmd);
	return 2;
}
