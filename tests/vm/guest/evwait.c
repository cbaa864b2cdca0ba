// SPDX-License-Identifier: GPL-2.0
/*
 * evwait: wait for a change of a cgroup events file (dmem.events,
 * memory.events) the way its users do: poll(2) for POLLPRI on an open,
 * read file, or inotify IN_MODIFY on it.
 *
 * usage: evwait poll|inotify FILE TIMEOUT_MS READY_FILE
 *   Opens and reads FILE (poll), or adds an IN_MODIFY watch on it
 *   (inotify), creates READY_FILE, then waits at most TIMEOUT_MS.  On a
 *   wake-up it prints "woke" and FILE's new content.
 * Exit: 0 woken, 1 timed out, 2 usage or system error.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

static int read_all(int fd, char *buf, size_t size)
{
	ssize_t n;
	size_t got = 0;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	while (got + 1 < size && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	buf[got] = '\0';
	return n < 0 ? -1 : 0;
}

static int ready(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	char buf[4096];
	struct pollfd pfd;
	int fd, ifd = -1, timeout, ret;

	if (argc != 5 || (strcmp(argv[1], "poll") && strcmp(argv[1], "inotify"))) {
		fprintf(stderr, "usage: evwait poll|inotify FILE TIMEOUT_MS READY_FILE\n");
		return 2;
	}
	timeout = atoi(argv[3]);
	fd = open(argv[2], O_RDONLY);
	if (fd < 0 || read_all(fd, buf, sizeof(buf))) {
		perror(argv[2]);
		return 2;
	}
	pfd.fd = fd;
	pfd.events = POLLPRI;
	if (!strcmp(argv[1], "inotify")) {
		ifd = inotify_init1(0);
		if (ifd < 0 || inotify_add_watch(ifd, argv[2], IN_MODIFY) < 0) {
			perror("inotify");
			return 2;
		}
		pfd.fd = ifd;
		pfd.events = POLLIN;
	}
	if (ready(argv[4])) {
		perror(argv[4]);
		return 2;
	}
	ret = poll(&pfd, 1, timeout);
	if (ret < 0) {
		perror("poll");
		return 2;
	}
	if (ret == 0) {
		printf("timeout\n");
		return 1;
	}
	if (read_all(fd, buf, sizeof(buf))) {
		perror(argv[2]);
		return 2;
	}
	printf("woke (%s)\n%s", ifd < 0 ? "POLLPRI" : "IN_MODIFY", buf);
	return 0;
}
