// SPDX-License-Identifier: GPL-2.0
/*
 * cgrmtree: remove every directory below DIR (cgroups), bottom-up, with
 * relative steps only, so that trees deeper than PATH_MAX (the adversarial
 * tests nest 2,048 levels) can be cleaned up.  Used by the guest's /init
 * after each test.  A busy cgroup (tasks still exiting) is retried for up
 * to 5 s.  Exit 0 if everything below DIR is gone, 1 otherwise.
 *
 * usage: cgrmtree DIR
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* First subdirectory name of the current directory into @name, or 0. */
static int first_subdir(char *name, size_t len)
{
	DIR *d = opendir(".");
	struct dirent *e;
	int found = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") &&
		    strcmp(e->d_name, "..")) {
			snprintf(name, len, "%s", e->d_name);
			found = 1;
			break;
		}
	}
	closedir(d);
	return found;
}

static int remove_dir(const char *name)
{
	struct timespec ts = { 0, 100000000L };
	int i;

	for (i = 0; i < 50; i++) {
		if (!rmdir(name) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "cgrmtree: rmdir %s: %s\n", name, strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	static char names[8192][256];
	char name[256];
	long depth = 0;
	int r;

	if (argc != 2 || chdir(argv[1]))
		return argc == 2 ? 0 : 2;
	for (;;) {
		r = first_subdir(name, sizeof(name));
		if (r < 0)
			return 1;
		if (r && depth < 8192) {
			if (chdir(name))
				return 1;
			memcpy(names[depth++], name, sizeof(name));
			continue;
		}
		if (!depth)
			return 0;
		if (chdir(".."))
			return 1;
		if (remove_dir(names[--depth]))
			return 1;
	}
}
