// SPDX-License-Identifier: GPL-2.0
/*
 * runas: become an unprivileged user the way a login session does, then
 * exec a command.  Built static for the test guest.
 *
 * usage: runas [-c CGROUP_DIR] [-d DRM_DEVICE] UID GID CMD [ARG...]
 *   -c DIR   as root, move this process into cgroup DIR first (the
 *            service manager places the user's manager in its delegated
 *            cgroup before dropping privileges, as systemd does for
 *            user@UID.service/init.scope)
 *   -d DEV   as root, open DEV (a DRM primary node) and pass it to CMD as
 *            file descriptor 3 with ADV_DRM_FD=3 in the environment: the
 *            handle is authenticated, like the one logind/a compositor
 *            hands to a client (qxl's ioctls are DRM_AUTH and qxl has no
 *            render node)
 * Then drops every supplementary group, sets the real/effective/saved
 * gid and uid, checks that the privileges cannot be regained, and execs.
 * Exit status 126 if any step fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "runas: %s: %s\n", what, strerror(errno));
	return 126;
}

static int enter_cgroup(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, "0", 1) != 1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int pass_device(const char *dev)
{
	int fd = open(dev, O_RDWR);

	if (fd < 0)
		return -1;
	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			return -1;
		close(fd);
	}
	return setenv("ADV_DRM_FD", "3", 1);
}

int main(int argc, char **argv)
{
	const char *cg = NULL, *dev = NULL;
	uid_t uid;
	gid_t gid;
	int opt;

	while ((opt = getopt(argc, argv, "+c:d:")) != -1) {
		switch (opt) {
		case 'c': cg = optarg; break;
		case 'd': dev = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind < 3) {
		fprintf(stderr, "usage: runas [-c CGROUP] [-d DEV] UID GID CMD...\n");
		return 2;
	}
	uid = (uid_t)strtoul(argv[optind], NULL, 10);
	gid = (gid_t)strtoul(argv[optind + 1], NULL, 10);
	if (uid == 0 || gid == 0) {
		fprintf(stderr, "runas: refusing to run as root\n");
		return 2;
	}
	if (cg && enter_cgroup(cg))
		return die(cg);
	if (dev && pass_device(dev))
		return die(dev);
	if (setgroups(0, NULL))
		return die("setgroups");
	if (setresgid(gid, gid, gid))
		return die("setresgid");
	if (setresuid(uid, uid, uid))
		return die("setresuid");
	if (setuid(0) == 0 || geteuid() != uid || getegid() != gid) {
		errno = EPERM;
		return die("privileges still held");
	}
	setenv("HOME", "/tmp", 1);
	execvp(argv[optind + 2], argv + optind + 2);
	return die(argv[optind + 2]);
}
