// SPDX-License-Identifier: GPL-2.0
/*
 * finit FILE [PARAM=VALUE...]: load a kernel module with exactly one
 * finit_module() call.  busybox insmod retries a failed finit_module()
 * with init_module(), so a module whose init fails runs its init twice;
 * tests that make init fail on purpose (init_fault) load through this
 * instead: one attempt, one init, half the time.
 * Exit: 0 loaded, 1 the kernel refused (errno printed), 2 usage/file error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char params[4096] = "";
	size_t len = 0;
	int fd, i;

	if (argc < 2) {
		fprintf(stderr, "usage: finit FILE [PARAM=VALUE...]\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (len + n + 2 > sizeof(params)) {
			fprintf(stderr, "finit: parameters too long\n");
			return 2;
		}
		if (len)
			params[len++] = ' ';
		memcpy(params + len, argv[i], n + 1);
		len += n;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "finit: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (syscall(SYS_finit_module, fd, params, 0) != 0) {
		fprintf(stderr, "finit: %s: %s\n", argv[1], strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}
