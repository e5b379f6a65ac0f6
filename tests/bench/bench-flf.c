/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench-flf.c — one application's first minute with a token, as a new process does it:
 *
 *   bench --find-login-find MODULE.so PIN
 *
 * C_Initialize, a session on the first slot with a token, every object found and each
 * one's CKA_LABEL read (what a certificate picker shows), C_Login, the same again (now
 * with the private objects), C_Finalize. apdu-counts counts the APDUs this sends, from the
 * token's trace, through each module. Prints the objects found before and after the
 * login; exit status 0 when every call succeeded.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "cryptoki.h"

int bench_flf_main(int argc, char **argv);

/* Every object found, each one's label read; the count, or -1. */
static long find_all(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE h[64];
	CK_ULONG n = 0, i, total = 0;
	char label[256];

	if (f->C_FindObjectsInit(s, NULL, 0) != CKR_OK)
		return -1;
	do {
		if (f->C_FindObjects(s, h, 64, &n) != CKR_OK)
			return -1;
		for (i = 0; i < n; i++) {
			CK_ATTRIBUTE a = { CKA_LABEL, label, sizeof label };

			f->C_GetAttributeValue(s, h[i], &a, 1);     /* some objects have none */
		}
		total += n;
	} while (n > 0);
	return f->C_FindObjectsFinal(s) == CKR_OK ? (long)total : -1;
}

int bench_flf_main(int argc, char **argv)
{
	CK_C_GetFunctionList gfl;
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slots[16];
	CK_ULONG ns = 16;
	CK_SESSION_HANDLE s;
	long before, after;
	void *dl;

	if (argc != 4) {
		fprintf(stderr, "usage: bench --find-login-find MODULE.so PIN\n");
		return 2;
	}
	dl = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		fprintf(stderr, "bench: %s\n", dlerror());
		return 1;
	}
	gfl = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
	if (gfl == NULL || gfl(&f) != CKR_OK || f->C_Initialize(NULL) != CKR_OK) {
		fprintf(stderr, "bench: %s: cannot initialise\n", argv[2]);
		return 1;
	}
	if (f->C_GetSlotList(CK_TRUE, slots, &ns) != CKR_OK || ns == 0 ||
	    f->C_OpenSession(slots[0], CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) {
		fprintf(stderr, "bench: %s: no session\n", argv[2]);
		f->C_Finalize(NULL);
		return 1;
	}
	before = find_all(f, s);
	if (f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)argv[3], (CK_ULONG)strlen(argv[3])) != CKR_OK)
		after = -1;
	else
		after = find_all(f, s);
	f->C_Finalize(NULL);
	printf("%ld %ld\n", before, after);
	return before >= 0 && after >= 0 ? 0 : 1;
}
