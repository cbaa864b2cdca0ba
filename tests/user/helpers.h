/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmem-backport userspace tests: helpers of the areas (tests/<area>.c), bound
 * to this harness (CHECK*: a failed step is reported and the test goes on).
 * The helpers every test of the core shares, KUnit included, are in
 * tests/shared/dmem_test.h; the eviction decision table in
 * tests/shared/dmem_decision_cases.h.
 */
#ifndef DMEM_USER_HELPERS_H
#define DMEM_USER_HELPERS_H

#include <stdarg.h>
#include <unistd.h>
#include <sys/wait.h>
#include <signal.h>
#include "harness.h"
#include "naive_ref.h"
#include "dmem_test.h"
#include "dmem_decision_cases.h"

#define M (1024ULL * 1024)

/* ---- cgroups, pools, files ----------------------------------------------- */

/* cgroups the core has released (dmem_test_cg_new(..., &released_cgs)) */
static atomic_t released_cgs;

static int nreleased(void)
{
	return atomic_read(&released_cgs);
}

static struct dmem_cg *new_cg(struct dmem_cg *parent)
{
	struct dmem_cg *cg = dmem_test_cg_new(parent, &released_cgs);

	if (!cg) {
		printf("#   out of memory creating a test cgroup\n");
		abort();
	}
	return cg;
}

/* rmdir + the glue's final put */
static void del_cg(struct dmem_cg *cg)
{
	dmem_test_cg_del(cg);
}

static const char *show(struct dmem_cg *cg, enum dmem_file file)
{
	static __thread struct dmem_test_printer tp;
	static __thread char buf[8192];

	return dmem_test_show(&tp, buf, sizeof(buf), cg, file);
}

static int writef(struct dmem_cg *cg, enum dmem_file file, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return dmem_test_write(cg, file, buf);
}

static struct dmem_pool *pool_of(struct dmem_cg *cg, struct dmem_region *r)
{
	struct dmem_pool *p = dmem_test_pool(cg, r);

	if (IS_ERR(p)) {
		printf("#   dmem_pool_get failed %ld\n", PTR_ERR(p));
		abort();
	}
	return p;
}

static void charge_ok(struct dmem_pool *p, u64 size)
{
	int ret = dmem_pool_try_charge(p, size, NULL);

	if (ret) {
		harness_failures++;
		printf("#   charge of %llu failed: %d\n", (unsigned long long)size, ret);
	}
}

/* ---- random trees (differential.c, deep.c: one sequence, in test order) -- */

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	return dmem_test_xorshift(&rng_state);
}

static u64 rnd_below(u64 n)
{
	return n ? rnd() % n : 0;
}

static u64 rnd_size(void)
{
	static const u64 unit[] = { 1, 4096, M, 256 * M, 1ULL << 33 };

	return (rnd_below(100) + 1) * unit[rnd_below(ARRAY_SIZE(unit))];
}

static u64 rnd_setting(void)
{
	switch (rnd_below(5)) {
	case 0:
		return 0;
	case 1:
		return DMEM_COUNTER_MAX;
	default:
		return rnd_size() * (rnd_below(4) + 1);
	}
}

/* the naive model of upstream (naive_ref.c) the random trees are built in */
static struct naive_tree naive;

/* ---- tests that could trap ----------------------------------------------- */

/*
 * Run @fn in a child process: with the faithful port a divide error kills
 * it with SIGFPE (as #DE would oops the kernel); the parent reports that
 * as a failure and goes on with the other tests.
 */
static void run_in_child(const char *what, void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		harness_failures++;
		printf("#   fork: %s\n", strerror(errno));
		return;
	}
	if (!pid) {
		harness_failures = 0;
		fn();
		fflush(stdout);
		_exit(harness_failures ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid) {
		harness_failures++;
		return;
	}
	if (WIFSIGNALED(status)) {
		harness_failures++;
		printf("#   %s: killed by signal %d (%s)\n", what,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		harness_failures++;
		printf("#   %s: child exited with status %d\n", what,
		       WEXITSTATUS(status));
	}
}

#endif /* DMEM_USER_HELPERS_H */
