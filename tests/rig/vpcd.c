/* SPDX-License-Identifier: BSD-2-Clause */
/* vpcd.c — the card side of the vpcd wire protocol; see vpcd.h. */
#include "vpcd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int vpcd_connect(const char *host, unsigned port)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static int read_full(int fd, unsigned char *p, size_t n)
{
	int one = 1;

	while (n > 0) {
		ssize_t r;

		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
		r = recv(fd, p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

long vpcd_recv(int fd, unsigned char *buf)
{
	unsigned char hdr[2];
	size_t len;

	if (read_full(fd, hdr, 2) < 0)
		return -1;
	len = ((size_t)hdr[0] << 8) | hdr[1];
	if (len > 0 && read_full(fd, buf, len) < 0)
		return -1;
	return (long)len;
}

int vpcd_send(int fd, const unsigned char *msg, size_t len)
{
	unsigned char out[2 + VPCD_MAX_MSG];
	size_t off = 0;

	if (len > VPCD_MAX_MSG)
		return -1;
	out[0] = (unsigned char)(len >> 8);
	out[1] = (unsigned char)len;
	memcpy(out + 2, msg, len);
	len += 2;
	while (off < len) {
		ssize_t w = send(fd, out + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}
