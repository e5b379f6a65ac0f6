/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rig-wait — wait for the rig's readers and cards through a real PC/SC client.
 *
 *   rig-wait [--timeout SEC] [--pid PID]... readers COUNT
 *       wait until pcscd lists at least COUNT readers, then print their names, one a line
 *   rig-wait [--timeout SEC] [--pid PID]... present READER...
 *   rig-wait [--timeout SEC] [--pid PID]... absent READER...
 *       wait until every named reader has a card (or has none)
 *
 * Waiting is event driven (SCardGetStatusChange), in slices of 100 ms so that the deadline
 * and the watched processes (--pid: a card emulator that dies ends the wait at once) are
 * checked in between. Exit status: 0 done, 1 timeout or failure, 2 usage.
 */
#include <winscard.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PIDS 32
#define MAX_READERS 16
#define SLICE_MS 100

static long pids[MAX_PIDS];
static int npids;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A process that exited counts as gone even before its parent reaps it. */
static int pid_alive(long pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static int check_pids(void)
{
	int i;

	for (i = 0; i < npids; i++) {
		if (!pid_alive(pids[i])) {
			fprintf(stderr, "rig-wait: process %ld has exited\n", pids[i]);
			return -1;
		}
	}
	return 0;
}

static int wait_readers(SCARDCONTEXT ctx, double deadline, long count)
{
	char *list = NULL, *p;
	DWORD len;
	LONG r;
	long n;
	int rv = 1;

	for (;;) {
		SCARD_READERSTATE rs;

		len = SCARD_AUTOALLOCATE;
		r = SCardListReaders(ctx, NULL, (LPSTR)&list, &len);
		n = 0;
		if (r == SCARD_S_SUCCESS) {
			for (p = list; *p; p += strlen(p) + 1)
				n++;
			if (n >= count)
				break;
			SCardFreeMemory(ctx, list);
			list = NULL;
		} else if (r != SCARD_E_NO_READERS_AVAILABLE) {
			fprintf(stderr, "rig-wait: SCardListReaders: %s\n", pcsc_stringify_error(r));
			goto out;
		}
		if (check_pids() < 0)
			goto out;
		if (now() > deadline) {
			fprintf(stderr, "rig-wait: %ld of %ld readers after the timeout\n", n, count);
			goto out;
		}
		/* "\\?PnP?\Notification" wakes up when the reader list changes */
		memset(&rs, 0, sizeof rs);
		rs.szReader = "\\\\?PnP?\\Notification";
		rs.dwCurrentState = (DWORD)n << 16;
		r = SCardGetStatusChange(ctx, SLICE_MS, &rs, 1);
		if (r != SCARD_S_SUCCESS && r != SCARD_E_TIMEOUT) {
			fprintf(stderr, "rig-wait: SCardGetStatusChange: %s\n", pcsc_stringify_error(r));
			goto out;
		}
	}
	for (p = list; *p; p += strlen(p) + 1)
		printf("%s\n", p);
	rv = 0;
out:
	if (list)
		SCardFreeMemory(ctx, list);
	return rv;
}

static int wait_cards(SCARDCONTEXT ctx, double deadline, int want_present, char **names, int n)
{
	SCARD_READERSTATE rs[MAX_READERS];
	int i, done, rv = 1;
	LONG r;

	memset(rs, 0, sizeof rs);
	for (i = 0; i < n; i++) {
		rs[i].szReader = names[i];
		rs[i].dwCurrentState = SCARD_STATE_UNAWARE;
	}
	for (;;) {
		r = SCardGetStatusChange(ctx, SLICE_MS, rs, (DWORD)n);
		if (r != SCARD_S_SUCCESS && r != SCARD_E_TIMEOUT) {
			fprintf(stderr, "rig-wait: SCardGetStatusChange: %s\n", pcsc_stringify_error(r));
			goto out;
		}
		done = 0;
		for (i = 0; i < n; i++) {
			DWORD st = rs[i].dwEventState;

			if (r == SCARD_S_SUCCESS)
				rs[i].dwCurrentState = st & ~(DWORD)SCARD_STATE_CHANGED;
			if (rs[i].dwCurrentState & SCARD_STATE_UNKNOWN) {
				fprintf(stderr, "rig-wait: no reader '%s'\n", names[i]);
				goto out;
			}
			if (!!(rs[i].dwCurrentState & SCARD_STATE_PRESENT) == want_present)
				done++;
		}
		if (done == n)
			break;
		if (check_pids() < 0)
			goto out;
		if (now() > deadline) {
			for (i = 0; i < n; i++)
				if (!!(rs[i].dwCurrentState & SCARD_STATE_PRESENT) != want_present)
					fprintf(stderr, "rig-wait: '%s': card still %s after the timeout\n",
						names[i], want_present ? "absent" : "present");
			goto out;
		}
	}
	rv = 0;
out:
	return rv;
}

static void usage(void)
{
	fprintf(stderr, "usage: rig-wait [--timeout SEC] [--pid PID]... readers COUNT\n"
			"       rig-wait [--timeout SEC] [--pid PID]... present|absent READER...\n");
}

int main(int argc, char **argv)
{
	SCARDCONTEXT ctx = 0;
	double timeout = 10, deadline;
	char *end;
	LONG r;
	int i, rv = 2;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			timeout = strtod(argv[++i], &end);
			if (*end != '\0' || timeout < 0)
				goto usage;
		} else if (strcmp(argv[i], "--pid") == 0 && i + 1 < argc && npids < MAX_PIDS) {
			pids[npids++] = strtol(argv[++i], &end, 10);
			if (*end != '\0')
				goto usage;
		} else {
			goto usage;
		}
	}
	if (i + 1 >= argc)
		goto usage;
	deadline = now() + timeout;

	r = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (r != SCARD_S_SUCCESS) {
		fprintf(stderr, "rig-wait: SCardEstablishContext: %s\n", pcsc_stringify_error(r));
		rv = 1;
		goto out;
	}
	if (strcmp(argv[i], "readers") == 0 && i + 2 == argc) {
		long count = strtol(argv[i + 1], &end, 10);

		if (*end != '\0' || count < 1 || count > MAX_READERS)
			goto usage;
		rv = wait_readers(ctx, deadline, count);
	} else if ((strcmp(argv[i], "present") == 0 || strcmp(argv[i], "absent") == 0) &&
		   argc - i - 1 <= MAX_READERS) {
		rv = wait_cards(ctx, deadline, argv[i][0] == 'p', argv + i + 1, argc - i - 1);
	} else {
		goto usage;
	}
	goto out;
usage:
	usage();
	rv = 2;
out:
	if (ctx)
		SCardReleaseContext(ctx);
	return rv;
}
