// SPDX-License-Identifier: GPL-2.0
/*
 * asuser: run a command as an unprivileged user, the way a user's
 * systemd instance (and the clients it starts) run on a desktop.
 *
 * usage: asuser UID GID CMD [ARG...]
 *   Drops supplementary groups, sets the real/effective/saved GID and UID
 *   and executes CMD (searched in PATH).  Exit status 127 if it cannot.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	uid_t uid;
	gid_t gid;

	if (argc < 4) {
		fprintf(stderr, "usage: asuser UID GID CMD [ARG...]\n");
		return 127;
	}
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	gid = (gid_t)strtoul(argv[2], NULL, 10);
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid)) {
		perror("asuser");
		return 127;
	}
	execvp(argv[3], argv + 3);
	perror("asuser: exec");
	return 127;
}
