/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vpcd-echo — the smallest card there is: the floor of the PC/SC stack.
 *
 *   vpcd-echo --port PORT [--host ADDR]
 *
 * Connects to vsmartcard's vpcd driver like the virtual token does, answers get-ATR with a
 * fixed ATR and every command APDU with 90 00, and exits when the driver closes the
 * connection. Benchmarks measure the virtual token against it, and the rig tests use it to
 * check the PC/SC path without the token.
 */
#include "vpcd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * TS=3B (direct convention), T0=84 (TD1 follows, 4 historical bytes), TD1=01 (T=1 only),
 * historical bytes "echo", TCK = XOR of T0..the last historical byte (ISO/IEC 7816-3, 8.2).
 */
static const unsigned char echo_atr[] = {
	0x3B, 0x84, 0x01, 'e', 'c', 'h', 'o', 0x84 ^ 0x01 ^ 'e' ^ 'c' ^ 'h' ^ 'o',
};

static void usage(void)
{
	fprintf(stderr, "usage: vpcd-echo --port PORT [--host ADDR]\n");
}

int main(int argc, char **argv)
{
	static unsigned char buf[VPCD_MAX_MSG];
	static const unsigned char ok[] = { 0x90, 0x00 };
	const char *host = "127.0.0.1";
	unsigned long port = 0;
	int rv = 2, fd = -1, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
			char *end;
			port = strtoul(argv[++i], &end, 10);
			if (*end != '\0' || port == 0 || port > 65535) {
				usage();
				goto out;
			}
		} else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
			host = argv[++i];
		} else {
			usage();
			goto out;
		}
	}
	if (port == 0) {
		usage();
		goto out;
	}

	fd = vpcd_connect(host, (unsigned)port);
	if (fd < 0) {
		fprintf(stderr, "vpcd-echo: connect %s:%lu: %s\n", host, port, strerror(errno));
		rv = 1;
		goto out;
	}
	for (;;) {
		long n = vpcd_recv(fd, buf);

		if (n < 0)
			break;          /* the driver closed the connection: done */
		if (n == 1) {
			if (buf[0] == VPCD_CTRL_ATR && vpcd_send(fd, echo_atr, sizeof echo_atr) < 0)
				break;
			continue;       /* power on/off, reset: nothing to answer */
		}
		if (vpcd_send(fd, ok, sizeof ok) < 0)
			break;
	}
	rv = 0;
out:
	if (fd >= 0)
		close(fd);
	return rv;
}
