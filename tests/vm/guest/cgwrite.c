// SPDX-License-Identifier: GPL-2.0
/*
 * cgwrite: replay a client's write(2) calls on one cgroup file, byte for
 * byte, and print what each call returned.
 *
 * usage: cgwrite [-m MODE] [-N] FILE DATA [DATA...]
 *   Opens FILE once, then issues one write(2) per DATA argument on that
 *   file descriptor, in order, stopping at the first failure (as the
 *   clients do).  DATA understands the escapes \n, \t, \0, \\ and \xHH,
 *   so a trailing NUL or a newline is sent exactly as written.
 *   -m MODE  open flags: "trunc" (default: O_WRONLY|O_CREAT|O_TRUNC, what
 *            std::fs::write, std::ofstream, fopen("w") and a shell ">"
 *            use), "plain" (O_WRONLY, what the kselftest/IGT helpers and
 *            OpenOptions::write use), "gotrunc" (O_WRONLY|O_TRUNC, Go's
 *            os.OpenFile as runc calls it)
 *   -N       add O_NONBLOCK
 * Output: one word per attempted write(2), space separated, on one line:
 *   "ok" (the whole buffer was accepted), "short" (fewer bytes accepted)
 *   or the errno name (EINVAL, ENOENT, EBUSY, ...).  If the open fails the
 *   line is "open:ERRNO".  Exit status 0 if every write returned ok, 1
 *   otherwise, 2 on usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hexdigit.h"

static const char *errno_name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EBUSY: return "EBUSY";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENODEV: return "ENODEV";
	case ENOMEM: return "ENOMEM";
	case ENOSPC: return "ENOSPC";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	case E2BIG: return "E2BIG";
	case ERANGE: return "ERANGE";
	case EEXIST: return "EEXIST";
	case EISDIR: return "EISDIR";
	case ENOTDIR: return "ENOTDIR";
	case EROFS: return "EROFS";
	default: return "EOTHER";
	}
}

static int simple_escape(char c)
{
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	case '0': return '\0';
	case '\\': return '\\';
	default: return -1;
	}
}

/* Decode the escapes of @in into @out; returns the number of bytes. */
static size_t unescape(const char *in, char *out)
{
	size_t n = 0;
	int e;

	while (*in) {
		if (*in != '\\' || !in[1]) {
			out[n++] = *in++;
			continue;
		}
		in++;
		e = simple_escape(*in);
		if (e >= 0) {
			out[n++] = (char)e;
			in++;
		} else if (*in == 'x' && hexdigit(in[1]) < 16 &&
			   hexdigit(in[2]) < 16) {
			out[n++] = (char)(hexdigit(in[1]) * 16 + hexdigit(in[2]));
			in += 3;
		} else {
			out[n++] = '\\';
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	int i = 1, fd, failed = 0, words = 0;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "-N")) {
			flags |= O_NONBLOCK;
		} else if (!strcmp(argv[i], "-m") && i + 1 < argc) {
			const char *m = argv[++i];

			flags &= O_NONBLOCK;
			if (!strcmp(m, "trunc"))
				flags |= O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
			else if (!strcmp(m, "plain"))
				flags |= O_WRONLY | O_CLOEXEC;
			else if (!strcmp(m, "gotrunc"))
				flags |= O_WRONLY | O_TRUNC | O_CLOEXEC;
			else
				goto usage;
		} else {
			goto usage;
		}
	}
	if (argc - i < 2)
		goto usage;

	fd = open(argv[i], flags, 0644);
	if (fd < 0) {
		printf("open:%s\n", errno_name(errno));
		return 1;
	}
	for (i++; i < argc; i++) {
		char *buf = malloc(strlen(argv[i]) + 1);
		size_t len;
		ssize_t r;

		if (!buf)
			return 2;
		len = unescape(argv[i], buf);
		do {
			r = write(fd, buf, len);
		} while (r < 0 && errno == EINTR);
		free(buf);
		if (r < 0) {
			printf("%s%s", words++ ? " " : "", errno_name(errno));
			failed = 1;
			break;
		}
		printf("%s%s", words++ ? " " : "", (size_t)r == len ? "ok" : "short");
		if ((size_t)r != len) {
			failed = 1;
			break;
		}
	}
	printf("\n");
	close(fd);
	return failed;

usage:
	fprintf(stderr, "usage: cgwrite [-m trunc|plain|gotrunc] [-N] FILE DATA [DATA...]\n");
	return 2;
}
