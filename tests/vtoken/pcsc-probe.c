/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcsc-probe — a small PC/SC client for the virtual token's fault tests.
 *
 *   pcsc-probe [-r READER-SUBSTRING] STEP...
 *
 * Runs the steps in order against the first reader whose name contains the substring
 * (default: the first reader), one output line each; it connects (shared, T=1) at the
 * first step that needs a card:
 *   HEX               transmit this APDU: "resp <data hex> sw <SW>", "error <code> <name>",
 *                     or "short <n>" for a successful transmit with no status word
 *   wait-absent       wait (≤ 10 s) until the reader reports no card: "absent" or "error ..."
 *   wait-present      wait (≤ 10 s) until a card is present: "present" or "error ..."
 *   reconnect         SCardReconnect(shared, T=1, leave card): "reconnected" or "error ..."
 *   unpower           SCardReconnect(..., SCARD_UNPOWER_CARD): "unpowered" or "error ..."
 *   reset             SCardReconnect(..., SCARD_RESET_CARD), a warm reset as another
 *                     application on the desktop may do: "reset" or "error ..."
 *   begin             SCardBeginTransaction: "begun" or "error ..."
 *   end-reset         SCardEndTransaction(SCARD_RESET_CARD): "ended-reset" or "error ..."
 *   wait-stdin        read one line from the standard input (the test says when to go
 *                     on, e.g. while a transaction is held): "continued", or "eof"
 * Exit status 0 if every step ran (errors are results, printed), 2 on usage or setup failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winscard.h>

static const char *err_name(LONG rv)
{
	switch ((unsigned long)rv) {
	case 0: return "SCARD_S_SUCCESS";
	case 0x80100016UL: return "SCARD_E_NOT_TRANSACTED";
	case 0x80100069UL: return "SCARD_W_REMOVED_CARD";
	case 0x80100068UL: return "SCARD_W_RESET_CARD";
	case 0x8010000CUL: return "SCARD_E_NO_SMARTCARD";
	case 0x80100066UL: return "SCARD_W_UNRESPONSIVE_CARD";
	case 0x80100067UL: return "SCARD_W_UNPOWERED_CARD";
	case 0x8010000AUL: return "SCARD_E_TIMEOUT";
	case 0x8010001DUL: return "SCARD_E_NO_SERVICE";
	case 0x80100009UL: return "SCARD_E_UNKNOWN_READER";
	case 0x8010002EUL: return "SCARD_E_NO_READERS_AVAILABLE";
	case 0x80100017UL: return "SCARD_E_READER_UNAVAILABLE";
	case 0x8010000FUL: return "SCARD_E_PROTO_MISMATCH";
	case 0x80100008UL: return "SCARD_E_INSUFFICIENT_BUFFER";
	case 0x80100004UL: return "SCARD_E_INVALID_PARAMETER";
	case 0x80100003UL: return "SCARD_E_INVALID_HANDLE";
	case 0x80100001UL: return "SCARD_F_INTERNAL_ERROR";
	case 0x80100014UL: return "SCARD_F_UNKNOWN_ERROR";
	case 0x8010000BUL: return "SCARD_E_SHARING_VIOLATION";
	default: return "other";
	}
}

static void print_err(LONG rv)
{
	printf("error 0x%08lX %s\n", (unsigned long)rv, err_name(rv));
}

static int parse_hex(const char *s, unsigned char *out, size_t cap, size_t *len)
{
	size_t n = 0;

	while (*s) {
		unsigned v;

		if (*s == ' ' || *s == ':') {
			s++;
			continue;
		}
		if (n == cap || sscanf(s, "%2x", &v) != 1 || !s[1])
			return -1;
		out[n++] = (unsigned char)v;
		s += 2;
	}
	*len = n;
	return n >= 4 ? 0 : -1;
}

static LONG wait_state(SCARDCONTEXT ctx, const char *reader, DWORD want)
{
	SCARD_READERSTATE rs;
	LONG rv;
	int i;

	memset(&rs, 0, sizeof rs);
	rs.szReader = reader;
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	for (i = 0; i < 20; i++) {
		rv = SCardGetStatusChange(ctx, 10000, &rs, 1);
		if (rv != SCARD_S_SUCCESS)
			return rv;
		if (rs.dwEventState & want)
			return SCARD_S_SUCCESS;
		rs.dwCurrentState = rs.dwEventState & ~SCARD_STATE_CHANGED;
	}
	return SCARD_E_TIMEOUT;
}

int main(int argc, char **argv)
{
	SCARDCONTEXT ctx = 0;
	SCARDHANDLE h = 0;
	DWORD proto = 0, rlen, len = 0;
	const char *want = NULL;
	char *readers = NULL, *reader = NULL, *p;
	unsigned char cmd[4096], resp[65538];
	LONG rv;
	int i = 1, rc = 2;

	if (argc > 2 && strcmp(argv[1], "-r") == 0) {
		want = argv[2];
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: pcsc-probe [-r READER] STEP...\n");
		return 2;
	}
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		print_err(rv);
		return 2;
	}
	rv = SCardListReaders(ctx, NULL, NULL, &len);
	if (rv == SCARD_S_SUCCESS) {
		readers = calloc(1, len + 1);
		rv = readers ? SCardListReaders(ctx, NULL, readers, &len) : SCARD_E_NO_MEMORY;
	}
	if (rv != SCARD_S_SUCCESS) {
		print_err(rv);
		goto out;
	}
	for (p = readers; *p; p += strlen(p) + 1) {
		if (!want || strstr(p, want)) {
			reader = p;
			break;
		}
	}
	if (!reader) {
		fprintf(stderr, "pcsc-probe: no matching reader\n");
		goto out;
	}
	for (; i < argc; i++) {
		if (!h && strcmp(argv[i], "wait-absent") && strcmp(argv[i], "wait-present")) {
			rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &h,
					  &proto);
			if (rv != SCARD_S_SUCCESS) {
				print_err(rv);
				goto out;
			}
		}
		if (strcmp(argv[i], "wait-absent") == 0) {
			rv = wait_state(ctx, reader, SCARD_STATE_EMPTY);
			if (rv == SCARD_S_SUCCESS)
				printf("absent\n");
			else
				print_err(rv);
		} else if (strcmp(argv[i], "wait-present") == 0) {
			rv = wait_state(ctx, reader, SCARD_STATE_PRESENT);
			if (rv == SCARD_S_SUCCESS)
				printf("present\n");
			else
				print_err(rv);
		} else if (strcmp(argv[i], "reconnect") == 0 || strcmp(argv[i], "unpower") == 0 ||
			   strcmp(argv[i], "reset") == 0) {
			DWORD how = argv[i][0] == 'u'   ? SCARD_UNPOWER_CARD
				    : argv[i][2] == 's' ? SCARD_RESET_CARD
							: SCARD_LEAVE_CARD;

			rv = SCardReconnect(h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, how, &proto);
			if (rv == SCARD_S_SUCCESS)
				printf("%s\n", how == SCARD_UNPOWER_CARD ? "unpowered"
						: how == SCARD_RESET_CARD ? "reset" : "reconnected");
			else
				print_err(rv);
		} else if (strcmp(argv[i], "begin") == 0) {
			rv = SCardBeginTransaction(h);
			if (rv == SCARD_S_SUCCESS)
				printf("begun\n");
			else
				print_err(rv);
		} else if (strcmp(argv[i], "end-reset") == 0) {
			rv = SCardEndTransaction(h, SCARD_RESET_CARD);
			if (rv == SCARD_S_SUCCESS)
				printf("ended-reset\n");
			else
				print_err(rv);
		} else if (strcmp(argv[i], "wait-stdin") == 0) {
			char line[64];

			printf("%s\n", fgets(line, sizeof line, stdin) != NULL ? "continued" : "eof");
		} else {
			size_t n, k;

			if (parse_hex(argv[i], cmd, sizeof cmd, &n)) {
				fprintf(stderr, "pcsc-probe: bad step '%s'\n", argv[i]);
				goto out;
			}
			rlen = sizeof resp;
			rv = SCardTransmit(h, SCARD_PCI_T1, cmd, (DWORD)n, NULL, resp, &rlen);
			if (rv != SCARD_S_SUCCESS) {
				print_err(rv);
				continue;
			}
			if (rlen < 2) {
				printf("short %lu\n", (unsigned long)rlen);
				fflush(stdout);
				continue;
			}
			printf("resp ");
			for (k = 0; k + 2 < rlen; k++)
				printf("%02X", resp[k]);
			if (rlen == 2)
				printf("-");
			printf(" sw %02X%02X\n", resp[rlen - 2], resp[rlen - 1]);
		}
		fflush(stdout);
	}
	rc = 0;
out:
	if (h)
		SCardDisconnect(h, SCARD_LEAVE_CARD);
	free(readers);
	SCardReleaseContext(ctx);
	return rc;
}
