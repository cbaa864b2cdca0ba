// SPDX-License-Identifier: GPL-2.0
/*
 * advbuf: qxl VRAM buffers for the adversarial tests, through a DRM handle
 * inherited from runas (ADV_DRM_FD) or opened by path.  Built static.
 *
 * usage:
 *   advbuf hold COUNT SIZE [READY_FILE]
 *       allocate COUNT buffers of SIZE bytes (K/M suffix), write one word
 *       per page, create READY_FILE ("COUNT SIZE"), hold until SIGTERM or
 *       SIGINT, free.  Exit 0, or 2 if an allocation failed (everything
 *       freed, READY_FILE gets "FAIL errno").
 *   advbuf churn COUNT SIZE CYCLES [-t]
 *       CYCLES times (0: until SIGTERM): allocate up to COUNT buffers
 *       (failures are counted, not fatal: limits and eviction are expected
 *       to refuse some), optionally (-t) touch them, free them all.
 *       Prints "advbuf: cycles C allocs A fails F last_errno E".
 *       Exit 0, or 1 on a setup error (no device, EACCES, EBADF, EFAULT).
 * Environment: ADV_DRM_FD (descriptor to use), else ADV_DRM_DEV or
 * /dev/dri/card0.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm.h>
#include <qxl_drm.h>

#define PAGE 4096UL
#define MAX_BUFS 4096

static volatile sig_atomic_t stop;
static uint32_t handles[MAX_BUFS];
static unsigned long nheld;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long long parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'k': case 'K': v <<= 10; break;
	case 'm': case 'M': v <<= 20; break;
	default: break;
	}
	return v;
}

static int open_device(void)
{
	const char *e = getenv("ADV_DRM_FD");
	const char *dev = getenv("ADV_DRM_DEV");

	if (e)
		return atoi(e);
	return open(dev ? dev : "/dev/dri/card0", O_RDWR | O_CLOEXEC);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r == -1 && (errno == EINTR || errno == EAGAIN) && !stop);
	return r;
}

static int alloc_one(int fd, unsigned long long size, uint32_t *handle)
{
	struct drm_qxl_alloc a = { .size = (uint32_t)size };

	if (xioctl(fd, DRM_IOCTL_QXL_ALLOC, &a))
		return -errno;
	*handle = a.handle;
	return 0;
}

static int touch(int fd, uint32_t handle, unsigned long long size)
{
	struct drm_qxl_map map = { .handle = handle };
	unsigned long p, pages = (size + PAGE - 1) / PAGE;
	volatile uint32_t *va;

	if (xioctl(fd, DRM_IOCTL_QXL_MAP, &map))
		return -errno;
	va = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  map.offset);
	if (va == MAP_FAILED)
		return -errno;
	for (p = 0; p < pages; p++)
		va[p * (PAGE / sizeof(*va))] = handle ^ (uint32_t)p;
	munmap((void *)va, pages * PAGE);
	return 0;
}

static void free_all(int fd)
{
	while (nheld) {
		struct drm_gem_close gc = { .handle = handles[--nheld] };

		ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc);
	}
}

static int setup_error(int err)
{
	return err == -EACCES || err == -EBADF || err == -EFAULT ||
	       err == -ENOTTY || err == -EPERM;
}

/* Create @path with @text atomically (a waiter never sees it empty). */
static void write_file(const char *path, const char *text)
{
	char tmp[4200];
	FILE *f;

	if (!path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f) {
		fputs(text, f);
		if (fclose(f) == 0)
			rename(tmp, path);
	}
}

static int do_hold(int fd, unsigned long count, unsigned long long size,
		   const char *ready)
{
	char msg[64];
	int err = 0;

	while (nheld < count && !err) {
		err = alloc_one(fd, size, &handles[nheld]);
		if (!err) {
			nheld++;
			err = touch(fd, handles[nheld - 1], size);
		}
	}
	if (err) {
		fprintf(stderr, "advbuf: hold: buffer %lu: %s\n", nheld + 1,
			strerror(-err));
		free_all(fd);
		snprintf(msg, sizeof(msg), "FAIL %d\n", -err);
		write_file(ready, msg);
		return 2;
	}
	snprintf(msg, sizeof(msg), "%lu %llu\n", count, size);
	write_file(ready, msg);
	while (!stop)
		pause();
	free_all(fd);
	return 0;
}

static int do_churn(int fd, unsigned long count, unsigned long long size,
		    unsigned long cycles, int do_touch)
{
	unsigned long c, allocs = 0, fails = 0;
	int err, last = 0;

	for (c = 0; (!cycles || c < cycles) && !stop; c++) {
		while (nheld < count && !stop) {
			err = alloc_one(fd, size, &handles[nheld]);
			if (!err) {
				nheld++;
				allocs++;
				if (do_touch)
					err = touch(fd, handles[nheld - 1], size);
			}
			if (err) {
				if (setup_error(err)) {
					fprintf(stderr, "advbuf: churn: %s\n",
						strerror(-err));
					free_all(fd);
					return 1;
				}
				fails++;
				last = -err;
				break;
			}
		}
		free_all(fd);
	}
	printf("advbuf: cycles %lu allocs %lu fails %lu last_errno %d\n", c,
	       allocs, fails, last);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	unsigned long long size;
	unsigned long count;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: advbuf hold|churn COUNT SIZE ...\n");
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	count = strtoul(argv[2], NULL, 0);
	size = parse_size(argv[3]);
	if (count > MAX_BUFS || !size || size > (1ULL << 31)) {
		fprintf(stderr, "advbuf: bad count or size\n");
		return 1;
	}
	fd = open_device();
	if (fd < 0) {
		perror("advbuf: open");
		return 1;
	}
	if (!strcmp(argv[1], "hold"))
		return do_hold(fd, count, size, argc > 4 ? argv[4] : NULL);
	if (!strcmp(argv[1], "churn") && argc > 4)
		return do_churn(fd, count, size, strtoul(argv[4], NULL, 0),
				argc > 5 && !strcmp(argv[5], "-t"));
	fprintf(stderr, "advbuf: unknown mode %s\n", argv[1]);
	return 1;
}
