/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench-p11.c — benchmark cases through a PKCS#11 module; see bench.h.
 *
 * arg is "MODULE-PATH|OPERATION". The token is the rig's token 0 (found by its reader
 * name, $VTOKEN0_READER), prepared beforehand by tests/bench/prepare-token (OpenSC's
 * pkcs15-init: PINs, an RSA-2048 key pair with ID 01), so that every module signs with the
 * very same key on the very same card. open() initialises the module, opens a session,
 * logs in and finds the key; run() does one operation.
 */
#include "bench.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cryptoki.h"

#define BENCH_PIN "12345678"

struct p11_state {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE priv, pub;
	char op[32];
	CK_BYTE sig[512];
	CK_ULONG siglen;
};

static const char bench_msg[] = "a message to sign, over and over";

static int p11_fail(char *err, size_t errlen, const char *what, CK_RV rv)
{
	snprintf(err, errlen, "%s: 0x%08lx", what, (unsigned long)rv);
	return -1;
}

static CK_OBJECT_HANDLE p11_find(struct p11_state *st, CK_OBJECT_CLASS cls)
{
	CK_ATTRIBUTE q[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, "\x01", 1 } };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (st->f->C_FindObjectsInit(st->s, q, 2) != CKR_OK)
		return CK_INVALID_HANDLE;
	st->f->C_FindObjects(st->s, &h, 1, &n);
	st->f->C_FindObjectsFinal(st->s);
	return n == 1 ? h : CK_INVALID_HANDLE;
}

static int p11_sign(struct p11_state *st, CK_BYTE *sig, CK_ULONG *len, char *err, size_t errlen)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_RV rv = st->f->C_SignInit(st->s, &m, st->priv);

	if (rv != CKR_OK)
		return p11_fail(err, errlen, "C_SignInit", rv);
	rv = st->f->C_Sign(st->s, (CK_BYTE_PTR)bench_msg, sizeof bench_msg - 1, sig, len);
	return rv == CKR_OK ? 0 : p11_fail(err, errlen, "C_Sign", rv);
}

int bench_p11_open(void **state, const char *arg, char *err, size_t errlen)
{
	const char *reader = getenv("VTOKEN0_READER"), *bar = strchr(arg, '|');
	CK_C_GetFunctionList get;
	struct p11_state *st = calloc(1, sizeof *st);
	char path[512];
	CK_SLOT_ID ids[32];
	CK_ULONG n = 32, k;
	CK_RV rv;
	int ret = -1;

	*state = st;
	if (st == NULL || bar == NULL || reader == NULL || (size_t)(bar - arg) >= sizeof path) {
		snprintf(err, errlen, "bad case, or not in a rig");
		return -1;
	}
	memcpy(path, arg, (size_t)(bar - arg));
	path[bar - arg] = '\0';
	snprintf(st->op, sizeof st->op, "%s", bar + 1);
	st->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (st->dl == NULL) {
		snprintf(err, errlen, "%s", dlerror());
		return -1;
	}
	get = (CK_C_GetFunctionList)dlsym(st->dl, "C_GetFunctionList");
	if (get == NULL || get(&st->f) != CKR_OK)
		return p11_fail(err, errlen, "C_GetFunctionList", CKR_GENERAL_ERROR);
	/* the rows of one module share it: dlopen() gives the same library again */
	rv = st->f->C_Initialize(NULL);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		return p11_fail(err, errlen, "C_Initialize", rv);
	rv = st->f->C_GetSlotList(CK_TRUE, ids, &n);
	if (rv != CKR_OK)
		return p11_fail(err, errlen, "C_GetSlotList", rv);
	for (k = 0; k < n; k++) {
		CK_SLOT_INFO si;
		size_t len = strlen(reader);

		if (st->f->C_GetSlotInfo(ids[k], &si) == CKR_OK &&
		    memcmp(si.slotDescription, reader, len) == 0) {
			st->slot = ids[k];
			ret = 0;
			break;
		}
	}
	if (ret < 0) {
		snprintf(err, errlen, "no slot for reader '%s'", reader);
		return -1;
	}
	rv = st->f->C_OpenSession(st->slot, CKF_SERIAL_SESSION, NULL, NULL, &st->s);
	if (rv != CKR_OK)
		return p11_fail(err, errlen, "C_OpenSession", rv);
	rv = st->f->C_Login(st->s, CKU_USER, (CK_UTF8CHAR_PTR)BENCH_PIN, strlen(BENCH_PIN));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		return p11_fail(err, errlen, "C_Login", rv);
	st->priv = p11_find(st, CKO_PRIVATE_KEY);
	st->pub = p11_find(st, CKO_PUBLIC_KEY);
	if (st->priv == CK_INVALID_HANDLE || st->pub == CK_INVALID_HANDLE) {
		snprintf(err, errlen, "the key pair with ID 01 is missing (prepare-token)");
		return -1;
	}
	/* a signature for the verification rows */
	st->siglen = sizeof st->sig;
	return p11_sign(st, st->sig, &st->siglen, err, errlen);
}

int bench_p11_run(void *state, char *err, size_t errlen)
{
	struct p11_state *st = state;
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_BYTE sig[512];
	CK_ULONG len = sizeof sig;
	CK_TOKEN_INFO ti;
	CK_RV rv;

	if (strcmp(st->op, "sign") == 0)
		return p11_sign(st, sig, &len, err, errlen);
	if (strcmp(st->op, "verify") == 0) {
		rv = st->f->C_VerifyInit(st->s, &m, st->pub);
		if (rv == CKR_OK)
			rv = st->f->C_Verify(st->s, (CK_BYTE_PTR)bench_msg, sizeof bench_msg - 1,
					     st->sig, st->siglen);
		return rv == CKR_OK ? 0 : p11_fail(err, errlen, "C_Verify", rv);
	}
	if (strcmp(st->op, "tokeninfo") == 0) {
		rv = st->f->C_GetTokenInfo(st->slot, &ti);
		return rv == CKR_OK ? 0 : p11_fail(err, errlen, "C_GetTokenInfo", rv);
	}
	snprintf(err, errlen, "unknown operation '%s'", st->op);
	return -1;
}

void bench_p11_close(void *state)
{
	struct p11_state *st = state;

	if (st == NULL)
		return;
	if (st->f != NULL) {
		if (st->s != CK_INVALID_HANDLE)
			st->f->C_CloseSession(st->s);
		st->f->C_Finalize(NULL);
	}
	if (st->dl != NULL)
		dlclose(st->dl);
	free(st);
}
