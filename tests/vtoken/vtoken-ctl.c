/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vtoken-ctl — send one command to a virtual token's control socket and print the answer.
 *
 *   vtoken-ctl SOCKET COMMAND [ARGS...]     e.g. vtoken-ctl ctl.sock fail-at 1 6A82
 *
 * Exit status: 0 for an "ok ..." answer, 1 for "err ...", 2 if the token cannot be reached.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa;
	struct timeval tv = { 10, 0 };
	char line[512], answer[512];
	size_t n = 0, got = 0;
	int fd = -1, i, rv = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: vtoken-ctl SOCKET COMMAND [ARGS...]\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof sa.sun_path) {
		fprintf(stderr, "vtoken-ctl: socket path too long\n");
		goto out;
	}
	strcpy(sa.sun_path, argv[1]);
	for (i = 2; i < argc; i++) {
		int w = snprintf(line + n, sizeof line - n, "%s%s", i > 2 ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof line - n - 1) {
			fprintf(stderr, "vtoken-ctl: command too long\n");
			goto out;
		}
		n += (size_t)w;
	}
	line[n++] = '\n';
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "vtoken-ctl: %s: %s\n", argv[1], strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (send(fd, line, n, MSG_NOSIGNAL) != (ssize_t)n) {
		fprintf(stderr, "vtoken-ctl: send: %s\n", strerror(errno));
		goto out;
	}
	while (got < sizeof answer - 1) {
		ssize_t r = recv(fd, answer + got, sizeof answer - 1 - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (memchr(answer, '\n', got))
			break;
	}
	answer[got] = '\0';
	if (!strchr(answer, '\n')) {
		fprintf(stderr, "vtoken-ctl: no answer\n");
		goto out;
	}
	fputs(answer, stdout);
	rv = strncmp(answer, "ok", 2) == 0 ? 0 : 1;
out:
	if (fd >= 0)
		close(fd);
	return rv;
}
