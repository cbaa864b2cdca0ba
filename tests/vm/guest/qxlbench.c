// SPDX-License-Identifier: GPL-2.0
/*
 * qxlbench: hot-path loops for the in-guest benchmark (tests/vm/bench/),
 * measured in guest CPU time.  Built static.
 *
 * Meant for a guest run with QEMU's -icount shift=0,sleep=off
 * (tests/vm/run.sh --icount): the guest clock then advances by exactly 1 ns
 * per instruction executed, so the task's own CPU time
 * (CLOCK_THREAD_CPUTIME_ID) is the number of instructions run on its
 * behalf (user + kernel, interrupts that hit it included) and does not
 * depend on the host's load; "tsc" (RDTSC) is the whole guest's count
 * (other tasks, idle warps to the next timer).
 *
 * usage:
 *   qxlbench alloc_free [-n LOOPS] [-c COUNT] [-s SIZE]
 *       LOOPS x (COUNT x DRM_IOCTL_QXL_ALLOC of SIZE bytes in VRAM, then
 *       COUNT x GEM_CLOSE); COUNT (default 1) buffers over the VRAM size
 *       make every loop evict
 *   qxlbench validate [-n LOOPS] [-b BUFFERS] [-s SIZE]
 *       allocate BUFFERS buffers of SIZE bytes (resident in VRAM) and a
 *       scratch buffer, then LOOPS x DRM_IOCTL_QXL_EXECBUFFER of one
 *       QXL_CMD_DRAW whose BUFFERS relocations name each buffer as a
 *       source (written into the scratch buffer): the driver reserves and
 *       ttm_bo_validate()s every buffer of the command on each call.  The
 *       drawable is a NOP with an empty box (the device drops it at once).
 *   qxlbench insns [-n LOOPS]
 *       calibration: a user loop of 4 x LOOPS instructions
 *
 * Output: one line
 *   qxlbench <op> loops=<n> ns=<thread cpu ns> tsc=<rdtsc delta> per_op=<ns/loop>
 * Exit status: 0 ok, 1 error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <drm.h>
#include <qxl_drm.h>

/* Device layout of a QXLDrawable (packed), minus its 8-byte release info. */
#define DRAWABLE_SIZE		191
#define RELEASE_INFO_SIZE	8
#define OFF_TYPE		(13 - RELEASE_INFO_SIZE)
#define OFF_SURFACES_DEST	(63 - RELEASE_INFO_SIZE)
#define QXL_DRAW_NOP_TYPE	0
#define QXL_CMD_DRAW_TYPE	1

struct opts {
	unsigned long loops;
	unsigned long buffers;
	unsigned long count;
	uint32_t size;
	const char *dev;
};

static uint64_t thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r == -1 && (errno == EINTR || errno == EAGAIN));
	return r;
}

static int alloc_bo(int fd, uint32_t size, uint32_t *handle)
{
	struct drm_qxl_alloc a = { .size = size };

	if (xioctl(fd, DRM_IOCTL_QXL_ALLOC, &a)) {
		fprintf(stderr, "qxlbench: QXL_ALLOC %u: %s\n", size,
			strerror(errno));
		return -1;
	}
	*handle = a.handle;
	return 0;
}

static void free_bo(int fd, uint32_t handle)
{
	struct drm_gem_close gc = { .handle = handle };

	if (xioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc))
		fprintf(stderr, "qxlbench: GEM_CLOSE %u: %s\n", handle,
			strerror(errno));
}

static void report(const char *op, unsigned long loops, uint64_t ns,
		   uint64_t ticks)
{
	printf("qxlbench %s loops=%lu ns=%llu tsc=%llu per_op=%llu\n", op,
	       loops, (unsigned long long)ns, (unsigned long long)ticks,
	       (unsigned long long)(loops ? ns / loops : 0));
}

static int bench_alloc_free(int fd, const struct opts *o)
{
	uint32_t *h = calloc(o->count, sizeof(*h));
	unsigned long i, n;
	uint64_t t0, c0;
	int ret = 0;

	if (!h)
		return 1;
	t0 = thread_ns();
	c0 = tsc();
	for (i = 0; i < o->loops && !ret; i++) {
		for (n = 0; n < o->count; n++)
			if (alloc_bo(fd, o->size, &h[n])) {
				ret = 1;
				break;
			}
		while (n--)
			free_bo(fd, h[n]);
	}
	if (!ret)
		report("alloc_free", o->loops, thread_ns() - t0, tsc() - c0);
	free(h);
	return ret;
}

/* One NOP drawable on the primary surface, no clip, no dependencies. */
static void make_drawable(uint8_t *cmd)
{
	int32_t none = -1;
	int i;

	memset(cmd, 0, DRAWABLE_SIZE - RELEASE_INFO_SIZE);
	cmd[OFF_TYPE] = QXL_DRAW_NOP_TYPE;
	for (i = 0; i < 3; i++)
		memcpy(cmd + OFF_SURFACES_DEST + 4 * i, &none, sizeof(none));
}

static int execbuffer(int fd, uint8_t *cmd, struct drm_qxl_reloc *relocs,
		      unsigned long n)
{
	struct drm_qxl_command c = {
		.command = (uintptr_t)cmd,
		.relocs = (uintptr_t)relocs,
		.type = QXL_CMD_DRAW_TYPE,
		.command_size = DRAWABLE_SIZE - RELEASE_INFO_SIZE,
		.relocs_num = (uint32_t)n,
	};
	struct drm_qxl_execbuffer eb = {
		.commands_num = 1,
		.commands = (uintptr_t)&c,
	};

	if (xioctl(fd, DRM_IOCTL_QXL_EXECBUFFER, &eb)) {
		fprintf(stderr, "qxlbench: EXECBUFFER: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int bench_validate(int fd, const struct opts *o)
{
	uint8_t cmd[DRAWABLE_SIZE];
	struct drm_qxl_reloc *relocs;
	uint32_t *bufs, scratch;
	unsigned long i, n = 0;
	uint64_t t0, c0;
	int ret = 1;

	relocs = calloc(o->buffers, sizeof(*relocs));
	bufs = calloc(o->buffers, sizeof(*bufs));
	if (!relocs || !bufs || alloc_bo(fd, 4096, &scratch))
		goto out;
	for (n = 0; n < o->buffers; n++) {
		if (alloc_bo(fd, o->size, &bufs[n]))
			goto out_free;
		relocs[n].src_handle = bufs[n];
		relocs[n].dst_handle = scratch;
		relocs[n].dst_offset = 8 * (n % 512);
		relocs[n].reloc_type = QXL_RELOC_TYPE_BO;
	}
	make_drawable(cmd);
	if (execbuffer(fd, cmd, relocs, n))	/* warm-up, checks it works */
		goto out_free;
	t0 = thread_ns();
	c0 = tsc();
	for (i = 0; i < o->loops; i++)
		if (execbuffer(fd, cmd, relocs, n))
			goto out_free;
	report("validate", o->loops, thread_ns() - t0, tsc() - c0);
	ret = 0;
out_free:
	while (n--)
		free_bo(fd, bufs[n]);
	free_bo(fd, scratch);
out:
	free(relocs);
	free(bufs);
	return ret;
}

static int bench_insns(const struct opts *o)
{
	unsigned long i = o->loops;
	uint64_t t0, c0;

	t0 = thread_ns();
	c0 = tsc();
	/* 4 instructions per iteration: add, add, dec, jnz */
	__asm__ __volatile__("1: add $1, %%rax\n\t"
			     "add $1, %%rdx\n\t"
			     "dec %0\n\t"
			     "jnz 1b"
			     : "+c"(i) : : "rax", "rdx", "cc");
	report("insns", o->loops * 4, thread_ns() - t0, tsc() - c0);
	return 0;
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: qxlbench alloc_free|validate|insns [-n LOOPS] [-b BUFFERS] [-c COUNT]\n"
		"                [-s SIZE] [-d DEV]\n");
	exit(1);
}

static uint32_t parse_size(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	if (*end || !v || v > 0x7fffffffUL)
		usage();
	return (uint32_t)v;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.loops = 1000, .buffers = 16, .count = 1, .size = 64 << 10,
		.dev = "/dev/dri/card0",
	};
	const char *op;
	int c, fd, ret;

	if (argc < 2)
		usage();
	op = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "n:b:c:s:d:")) != -1) {
		switch (c) {
		case 'n': o.loops = strtoul(optarg, NULL, 0); break;
		case 'b': o.buffers = strtoul(optarg, NULL, 0); break;
		case 'c': o.count = strtoul(optarg, NULL, 0); break;
		case 's': o.size = parse_size(optarg); break;
		case 'd': o.dev = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !o.buffers || o.buffers > 4096 || !o.count ||
	    o.count > 4096)
		usage();
	if (!strcmp(op, "insns"))
		return bench_insns(&o);
	fd = open(o.dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "qxlbench: open %s: %s\n", o.dev,
			strerror(errno));
		return 1;
	}
	if (!strcmp(op, "alloc_free"))
		ret = bench_alloc_free(fd, &o);
	else if (!strcmp(op, "validate"))
		ret = bench_validate(fd, &o);
	else
		usage();
	close(fd);
	return ret;
}
