/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench-warm.c — a warm signature through a module next to its own APDUs sent raw:
 *
 *   bench --warm-sign MODULE.so PIN [--iterations N]
 *
 * Runs inside tests/rig/with-tokens with the token's APDU trace on (VTOKEN0_TRACE), on
 * the token prepare-token made (an RSA-2048 key pair of ID 01). The module is
 * initialised, logged in, and signs a message with CKM_SHA256_RSA_PKCS a few times to be
 * warm. One more signature is then watched in the token's trace: the APDUs it sent are
 * the module's own. The bench then takes turns, N times each: C_SignInit + C_Sign through
 * the module, and the same APDUs sent raw through PC/SC in one transaction (as the module
 * does with shared access), checking that each answers 90 00 and that the last answer is
 * the module's signature (in the card's byte order). It prints both medians and the ratio of the module's to the
 * raw APDUs' (the target: at most 1.1). The trace costs both sides alike.
 * Exit status 0 when everything could be measured.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winscard.h>

#include "bench.h"
#include "cryptoki.h"

int bench_warm_main(int argc, char **argv);

#define MAX_APDUS 16
#define APDU_MAX 300

struct apdu {
	unsigned char b[APDU_MAX];
	DWORD len;
};

static const char warm_msg[] = "a message to sign, over and over";

/* The APDU lines ("> 00 A4 ...") of the trace: with skip >= 0, those after the first
 * skip of them go to out (at most max); returns how many there are in all, or -1.
 * A masked byte ("**", the trace hides secrets) makes the APDU unusable: -2. */
static long trace_apdus(const char *path, long skip, struct apdu *out, int max, int *nout)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	long n = 0;

	*nout = 0;
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		const char *p = line + 1;
		struct apdu *a;

		if (line[0] != '>')
			continue;
		if (skip >= 0 && n++ >= skip) {
			if (*nout >= max) {
				fclose(f);
				return -1;
			}
			a = &out[(*nout)++];
			a->len = 0;
			for (;;) {
				unsigned v;
				int used;

				while (*p == ' ')
					p++;
				if (*p == '\n' || *p == '\0')
					break;
				if (p[0] == '*') {
					fclose(f);
					return -2;
				}
				if (sscanf(p, "%2x%n", &v, &used) != 1 || a->len >= APDU_MAX) {
					fclose(f);
					return -1;
				}
				a->b[a->len++] = (unsigned char)v;
				p += used;
			}
		} else if (skip < 0) {
			n++;
		}
	}
	fclose(f);
	return n;
}

static CK_RV warm_sign(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
		       CK_BYTE *sig, CK_ULONG *siglen)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_RV rv = f->C_SignInit(s, &m, key);

	if (rv != CKR_OK)
		return rv;
	return f->C_Sign(s, (CK_BYTE_PTR)warm_msg, sizeof warm_msg - 1, sig, siglen);
}

/* The APDUs sent raw in one transaction; 0, or -1 with a message. The last answer's data
 * go to last (lastlen). */
static int raw_send(SCARDHANDLE card, const SCARD_IO_REQUEST *pci, const struct apdu *a,
		    int n, unsigned char *last, DWORD *lastlen)
{
	unsigned char resp[600];
	DWORD len = 0;
	LONG r;
	int i;

	r = SCardBeginTransaction(card);
	if (r != SCARD_S_SUCCESS) {
		fprintf(stderr, "bench --warm-sign: SCardBeginTransaction: %s\n",
			pcsc_stringify_error(r));
		return -1;
	}
	for (i = 0; i < n; i++) {
		len = sizeof resp;
		r = SCardTransmit(card, pci, a[i].b, a[i].len, NULL, resp, &len);
		if (r != SCARD_S_SUCCESS || len < 2 || resp[len - 2] != 0x90 ||
		    resp[len - 1] != 0x00) {
			fprintf(stderr, "bench --warm-sign: raw APDU %d of %d: %s, SW %02X%02X\n",
				i + 1, n, pcsc_stringify_error(r), len >= 2 ? resp[len - 2] : 0,
				len >= 2 ? resp[len - 1] : 0);
			SCardEndTransaction(card, SCARD_LEAVE_CARD);
			return -1;
		}
	}
	SCardEndTransaction(card, SCARD_LEAVE_CARD);
	if (len - 2 > *lastlen)
		return -1;
	memcpy(last, resp, len - 2);
	*lastlen = len - 2;
	return 0;
}

int bench_warm_main(int argc, char **argv)
{
	const char *trace = getenv("VTOKEN0_TRACE"), *reader = getenv("VTOKEN0_READER");
	const char *path, *pin;
	long iterations = 300, i, before;
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR f;
	CK_C_INITIALIZE_ARGS ia;
	CK_SLOT_ID slots[16], slot = 0;
	CK_ULONG nslots = 16, k, n = 0;
	CK_SESSION_HANDLE s;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE q[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, "\x01", 1 } };
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
	CK_BYTE sig[512];
	CK_ULONG siglen;
	unsigned char raw[512];
	DWORD rawlen, proto = 0;
	SCARDCONTEXT ctx = 0;
	SCARDHANDLE card = 0;
	const SCARD_IO_REQUEST *pci;
	static struct apdu apdus[MAX_APDUS];
	int napdus = 0, rv = 1;
	double *tm = NULL, *tr = NULL, mm, mr;
	void *dl;
	/* the counting shim of the module tests (tests/shim), when preloaded: SCard* calls */
	long (*count)(const char *, int) =
		(long (*)(const char *, int))dlsym(RTLD_DEFAULT, "shim_pcsc_count");
	long scard_calls = -1;

	if (argc < 4) {
		fprintf(stderr, "usage: bench --warm-sign MODULE.so PIN [--iterations N]\n");
		return 2;
	}
	path = argv[2];
	pin = argv[3];
	if (argc > 5 && strcmp(argv[4], "--iterations") == 0)
		iterations = atol(argv[5]);
	if (iterations < 1 || trace == NULL || reader == NULL) {
		fprintf(stderr, "bench --warm-sign: run inside tests/rig/with-tokens with the "
				"token trace on\n");
		return 2;
	}
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	get = dl ? (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList") : NULL;
	if (get == NULL || get(&f) != CKR_OK) {
		fprintf(stderr, "bench --warm-sign: %s: cannot load\n", path);
		return 1;
	}
	memset(&ia, 0, sizeof ia);
	ia.flags = CKF_OS_LOCKING_OK;
	if (f->C_Initialize(&ia) != CKR_OK)
		return 1;
	if (f->C_GetSlotList(CK_TRUE, slots, &nslots) != CKR_OK || nslots == 0)
		goto fin;
	for (k = 0; k < nslots; k++) {
		CK_SLOT_INFO si;

		if (f->C_GetSlotInfo(slots[k], &si) == CKR_OK &&
		    memcmp(si.slotDescription, reader, strlen(reader)) == 0)
			slot = slots[k];
	}
	if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK ||
	    f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)) != CKR_OK ||
	    f->C_FindObjectsInit(s, q, 2) != CKR_OK)
		goto fin;
	f->C_FindObjects(s, &key, 1, &n);
	f->C_FindObjectsFinal(s);
	if (n != 1) {
		fprintf(stderr, "bench --warm-sign: no private key of ID 01\n");
		goto fin;
	}
	for (i = 0; i < 3; i++) {
		siglen = sizeof sig;
		if (warm_sign(f, s, key, sig, &siglen) != CKR_OK)
			goto fin;
	}

	/* the module's own APDUs for one warm signature, from the token's trace */
	if (count != NULL) {
		long c0 = count(NULL, 0);

		siglen = sizeof sig;
		if (warm_sign(f, s, key, sig, &siglen) != CKR_OK)
			goto fin;
		scard_calls = count(NULL, 0) - c0;
	}
	before = trace_apdus(trace, -1, NULL, 0, &napdus);
	siglen = sizeof sig;
	if (before < 0 || warm_sign(f, s, key, sig, &siglen) != CKR_OK)
		goto fin;
	if (trace_apdus(trace, before, apdus, MAX_APDUS, &napdus) < 0 || napdus == 0) {
		fprintf(stderr, "bench --warm-sign: the signature's APDUs are not in the trace\n");
		goto fin;
	}

	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS ||
	    SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			 &card, &proto) != SCARD_S_SUCCESS) {
		fprintf(stderr, "bench --warm-sign: cannot connect to '%s'\n", reader);
		goto fin;
	}
	pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	rawlen = sizeof raw;
	if (raw_send(card, pci, apdus, napdus, raw, &rawlen) < 0)
		goto fin;
	/* the Rutoken ECP answers RSA values least significant byte first (its command
	 * set, as OpenSC's rtecp driver reads it); a module turns them round */
	for (k = 0; k < rawlen / 2; k++) {
		unsigned char t = raw[k];

		raw[k] = raw[rawlen - 1 - k];
		raw[rawlen - 1 - k] = t;
	}
	if (rawlen != siglen || memcmp(raw, sig, siglen) != 0) {
		fprintf(stderr, "bench --warm-sign: the raw APDUs' answer is not the module's "
				"signature\n");
		goto fin;
	}

	tm = calloc((size_t)iterations, sizeof *tm);
	tr = calloc((size_t)iterations, sizeof *tr);
	if (tm == NULL || tr == NULL)
		goto fin;
	/* the two take turns, each first every other round: what one leaves behind (a wake-up
	 * of the module's reader monitor, pcscd's bookkeeping) falls on both alike */
	for (i = 0; i < iterations; i++) {
		int side;

		for (side = 0; side < 2; side++) {
			double t0 = bench_now_ns();

			if ((side ^ (int)(i & 1)) == 0) {
				siglen = sizeof sig;
				if (warm_sign(f, s, key, sig, &siglen) != CKR_OK)
					goto fin;
				tm[i] = bench_now_ns() - t0;
			} else {
				rawlen = sizeof raw;
				if (raw_send(card, pci, apdus, napdus, raw, &rawlen) < 0)
					goto fin;
				tr[i] = bench_now_ns() - t0;
			}
		}
	}
	qsort(tm, (size_t)iterations, sizeof *tm, bench_cmp_double);
	qsort(tr, (size_t)iterations, sizeof *tr, bench_cmp_double);
	mm = bench_percentile(tm, iterations, 50);
	mr = bench_percentile(tr, iterations, 50);
	printf("warm C_Sign SHA256-RSA-2048: %d APDUs (", napdus);
	for (i = 0; i < napdus; i++)
		printf("%s%02X", i ? " " : "", apdus[i].b[1]);
	printf(" by INS");
	if (scard_calls >= 0)
		printf(", %ld SCard calls through the module, %d raw", scard_calls, napdus + 2);
	printf("), %ld turns each: module %.1f us, raw %.1f us, ratio %.3f\n",
	       iterations, mm / 1e3, mr / 1e3, mm / mr);
	rv = 0;
fin:
	free(tm);
	free(tr);
	if (card)
		SCardDisconnect(card, SCARD_LEAVE_CARD);
	if (ctx)
		SCardReleaseContext(ctx);
	f->C_Finalize(NULL);
	return rv;
}
