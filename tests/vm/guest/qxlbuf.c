// SPDX-License-Identifier: GPL-2.0
/*
 * qxlbuf: allocate, touch, hold and free buffers in qxl VRAM (a TTM VRAM
 * range manager) from inside the test guest.  Built static.
 *
 * usage:
 *   qxlbuf alloc [-n COUNT] [-s SIZE] [options]
 *       Allocate COUNT buffers of SIZE bytes (K/M/G suffixes) with
 *       DRM_IOCTL_QXL_ALLOC (QXL_GEM_DOMAIN_VRAM), map each one and write a
 *       pattern into every page, then (optionally) hold them, then free them.
 *     --hold              hold until SIGTERM/SIGINT
 *     --hold-for T        hold for T seconds (a signal ends it earlier)
 *     --hold-stdin        hold until standard input reaches end of file
 *     --ready FILE        create FILE once everything is allocated
 *     --start-file FILE   open the device, then wait until FILE exists
 *                         before the first allocation (a test moves the
 *                         process into a cgroup meanwhile: its memory was
 *                         faulted in before, so none is charged there)
 *     --partial           a failed allocation stops allocating but keeps
 *                         (and holds) what was allocated; exit status 3
 *     --verify            before freeing, map every buffer again and check
 *                         the pattern (contents must survive eviction)
 *     --no-touch          do not map/touch after allocation
 *     --surface           allocate qxl surfaces (DRM_IOCTL_QXL_ALLOC_SURF,
 *                         QXL_GEM_DOMAIN_SURFACE: surface RAM first, then
 *                         VRAM); SIZE must be a multiple of 4 KiB, at
 *                         least 8 KiB; implies --no-touch
 *     -r, --repeat R      do the whole alloc/touch/hold/free cycle R times
 *     -p, --pause MS      sleep MS milliseconds between repeated cycles
 *     -d, --dev PATH      device node (default /dev/dri/card0)
 *     -q, --quiet         no progress messages
 *   qxlbuf open [-d PATH]
 *       Open the device and hold it open until a signal (a "compositor").
 *
 * While holding, SIGUSR1 prints a status line:
 *   qxlbuf: pid P holds K buffers of S bytes (B bytes)
 * Exit status: 0 ok, 1 usage or device error, 2 allocation failed (all
 * freed), 3 partial allocation held (--partial), 4 pattern mismatch.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <qxl_drm.h>

#define PAGE 4096UL

struct opts {
	unsigned long count;
	unsigned long long size;
	int hold;		/* 0 none, 1 signal, 2 timed, 3 stdin */
	double hold_for;
	const char *ready;
	const char *start;
	const char *dev;
	int partial;
	int verify;
	int touch;
	int surface;
	unsigned long repeat;
	int pause_ms;
	int quiet;
};

static volatile sig_atomic_t got_stop;
static volatile sig_atomic_t got_report;

static unsigned long held_count;
static unsigned long long held_size;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void on_report(int sig)
{
	(void)sig;
	got_report = 1;
}

static void report(void)
{
	printf("qxlbuf: pid %d holds %lu buffers of %llu bytes (%llu bytes)\n",
	       (int)getpid(), held_count, held_size, held_count * held_size);
	fflush(stdout);
}

static int parse_size(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int do_ioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r == -1 && (errno == EINTR || errno == EAGAIN));
	return r;
}

static uint32_t pattern(uint32_t handle, unsigned long page)
{
	return 0x5a000000u ^ (handle << 16) ^ (uint32_t)page;
}

/* Map a buffer; write (or check) one word per page. Returns 0, -1 or 1. */
static int touch_buffer(int fd, uint32_t handle, unsigned long long size,
			int check)
{
	struct drm_qxl_map map = { .handle = handle };
	unsigned long p, pages = (size + PAGE - 1) / PAGE;
	volatile uint32_t *va;
	int bad = 0;

	if (do_ioctl(fd, DRM_IOCTL_QXL_MAP, &map)) {
		fprintf(stderr, "qxlbuf: QXL_MAP handle %u: %s\n", handle,
			strerror(errno));
		return -1;
	}
	va = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  map.offset);
	if (va == MAP_FAILED) {
		fprintf(stderr, "qxlbuf: mmap handle %u: %s\n", handle,
			strerror(errno));
		return -1;
	}
	for (p = 0; p < pages; p++) {
		volatile uint32_t *w = va + p * (PAGE / sizeof(*va));

		if (!check) {
			*w = pattern(handle, p);
		} else if (*w != pattern(handle, p)) {
			if (!bad)
				fprintf(stderr,
					"qxlbuf: handle %u page %lu: found %#x, want %#x\n",
					handle, p, *w, pattern(handle, p));
			bad = 1;
		}
	}
	munmap((void *)va, pages * PAGE);
	return bad;
}

static void free_buffers(int fd, uint32_t *handles, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		struct drm_gem_close gc = { .handle = handles[i] };

		if (do_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc))
			fprintf(stderr, "qxlbuf: GEM_CLOSE %u: %s\n",
				handles[i], strerror(errno));
	}
	held_count = 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void hold(const struct opts *o)
{
	double end = now() + o->hold_for;

	while (!got_stop) {
		if (got_report) {
			got_report = 0;
			report();
		}
		if (o->hold == 2 && now() >= end)
			break;
		if (o->hold == 3) {
			struct pollfd pfd = { .fd = 0, .events = POLLIN };
			char buf[256];

			if (poll(&pfd, 1, 100) > 0) {
				ssize_t r = read(0, buf, sizeof(buf));

				if (r == 0 || (r < 0 && errno != EINTR))
					break;
			}
			continue;
		}
		sleep_ms(50);
	}
}

/*
 * alloc_one: one VRAM buffer, or one surface of o->size bytes (qxl sizes a
 * surface as stride * (height + 1): a 4 KiB stride makes it exact).
 */
static int alloc_one(int fd, const struct opts *o, uint32_t *handle)
{
	if (o->surface) {
		struct drm_qxl_alloc_surf a = {
			.format = 32,	/* SPICE_SURFACE_FMT_32_xRGB */
			.width = 1024,
			.height = (uint32_t)(o->size / 4096 - 1),
			.stride = 4096,
		};

		if (do_ioctl(fd, DRM_IOCTL_QXL_ALLOC_SURF, &a))
			return -1;
		*handle = a.handle;
	} else {
		struct drm_qxl_alloc a = { .size = (uint32_t)o->size };

		if (do_ioctl(fd, DRM_IOCTL_QXL_ALLOC, &a))
			return -1;
		*handle = a.handle;
	}
	return 0;
}

static int cycle(int fd, const struct opts *o, uint32_t *handles)
{
	unsigned long i, n = 0;
	int status = 0;

	for (i = 0; i < o->count && !got_stop; i++) {
		uint32_t handle;

		if (alloc_one(fd, o, &handle)) {
			fprintf(stderr, "qxlbuf: alloc %lu/%lu of %llu bytes failed: %s\n",
				i + 1, o->count, o->size, strerror(errno));
			status = o->partial ? 3 : 2;
			break;
		}
		handles[n++] = handle;
		held_count = n;
		if (o->touch && touch_buffer(fd, handle, o->size, 0) < 0) {
			status = 1;
			break;
		}
	}
	if (status == 2 || status == 1) {
		free_buffers(fd, handles, n);
		return status;
	}
	if (!o->quiet)
		printf("qxlbuf: pid %d allocated %lu/%lu buffers of %llu bytes\n",
		       (int)getpid(), n, o->count, o->size);
	fflush(stdout);
	if (o->ready) {
		int rfd = open(o->ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (rfd >= 0) {
			dprintf(rfd, "%lu %llu\n", n, o->size);
			close(rfd);
		}
	}
	if (o->hold)
		hold(o);
	if (o->verify && o->touch) {
		for (i = 0; i < n; i++)
			if (touch_buffer(fd, handles[i], o->size, 1))
				status = 4;
		if (status == 4)
			fprintf(stderr, "qxlbuf: pattern mismatch\n");
		else if (!o->quiet)
			printf("qxlbuf: verified %lu buffers\n", n);
	}
	free_buffers(fd, handles, n);
	if (!o->quiet)
		printf("qxlbuf: pid %d freed %lu buffers\n", (int)getpid(), n);
	fflush(stdout);
	return status;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: qxlbuf alloc [-n COUNT] [-s SIZE] [--hold|--hold-for T|--hold-stdin]\n"
		"                    [--ready FILE] [--partial] [--verify] [--no-touch]\n"
		"                    [--surface] [--start-file FILE]\n"
		"                    [-r REPEAT] [-p PAUSE_MS] [-d DEV] [-q]\n"
		"       qxlbuf open [-d DEV]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "hold", no_argument, NULL, 'H' },
		{ "hold-for", required_argument, NULL, 'T' },
		{ "hold-stdin", no_argument, NULL, 'I' },
		{ "ready", required_argument, NULL, 'R' },
		{ "start-file", required_argument, NULL, 'W' },
		{ "partial", no_argument, NULL, 'P' },
		{ "verify", no_argument, NULL, 'V' },
		{ "no-touch", no_argument, NULL, 'N' },
		{ "surface", no_argument, NULL, 'S' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "pause", required_argument, NULL, 'p' },
		{ "dev", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.count = 1, .size = 1 << 20, .dev = "/dev/dri/card0",
		.touch = 1, .repeat = 1,
	};
	struct sigaction sa = { 0 };
	const char *cmd;
	unsigned long r;
	uint32_t *handles;
	int c, fd, status = 0;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "n:s:r:p:d:q", lo, NULL)) != -1) {
		switch (c) {
		case 'n': o.count = strtoul(optarg, NULL, 0); break;
		case 's':
			if (parse_size(optarg, &o.size) || !o.size ||
			    o.size > 0xffffffffULL) {
				fprintf(stderr, "qxlbuf: bad size %s\n", optarg);
				return 1;
			}
			break;
		case 'H': o.hold = 1; break;
		case 'T': o.hold = 2; o.hold_for = atof(optarg); break;
		case 'I': o.hold = 3; break;
		case 'R': o.ready = optarg; break;
		case 'W': o.start = optarg; break;
		case 'P': o.partial = 1; break;
		case 'V': o.verify = 1; break;
		case 'N': o.touch = 0; break;
		case 'S': o.surface = 1; o.touch = 0; break;
		case 'r': o.repeat = strtoul(optarg, NULL, 0); break;
		case 'p': o.pause_ms = atoi(optarg); break;
		case 'd': o.dev = optarg; break;
		case 'q': o.quiet = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (o.surface && (o.size % 4096 || o.size < 8192)) {
		fprintf(stderr, "qxlbuf: surface size must be a multiple of 4K, at least 8K\n");
		return 1;
	}

	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_report;
	sigaction(SIGUSR1, &sa, NULL);

	fd = open(o.dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "qxlbuf: open %s: %s\n", o.dev, strerror(errno));
		return 1;
	}
	if (!strcmp(cmd, "open")) {
		o.hold = 1;
		hold(&o);
		close(fd);
		return 0;
	}
	if (strcmp(cmd, "alloc"))
		usage();

	held_size = o.size;
	handles = calloc(o.count ? o.count : 1, sizeof(*handles));
	if (!handles)
		return 1;
	while (o.start && access(o.start, F_OK) && !got_stop)
		sleep_ms(50);
	for (r = 0; r < o.repeat && !got_stop; r++) {
		status = cycle(fd, &o, handles);
		if (status)
			break;
		if (o.pause_ms > 0 && r + 1 < o.repeat)
			sleep_ms(o.pause_ms);
	}
	free(handles);
	close(fd);
	return status;
}
