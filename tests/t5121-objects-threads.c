/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5121 — the object table under threads: two threads create and destroy session objects
 * as fast as they can (the table grows, its index is rebuilt, dead objects are swept), one
 * opens sessions, fills them and closes them with their objects, while two others search
 * and read. Every search finds the three public token objects; every handle a search gave
 * reads back as the object it was made as (its label and value carry the same number) or,
 * when another thread destroyed it meanwhile, CKR_OBJECT_HANDLE_INVALID; nothing else.
 * Bounded by iterations and time. Under SANITIZE=thread this is the table's race check.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "api/api.h"
#include "api/tsan.h"

#define ROUNDS 150

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static long deadline_ms;
static atomic_long bad, searches, reads, made, seen_session;
static atomic_int writers = 3;  /* the threads that make objects, still running */
static CK_OBJECT_CLASS c_data = CKO_DATA;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static void fail(const char *what, CK_RV rv)
{
	if (atomic_fetch_add(&bad, 1) < 10)
		diag("%s: %s", what, sk_rv_name(rv));
}

static CK_RV make(CK_SESSION_HANDLE s, CK_BBOOL *token, long n, CK_OBJECT_HANDLE *h)
{
	char label[32], value[32];
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &c_data, sizeof c_data }, { CKA_TOKEN, token, sizeof *token },
		{ CKA_PRIVATE, &no, sizeof no }, { CKA_APPLICATION, "t5121", 5 },
		{ CKA_LABEL, label, 0 }, { CKA_VALUE, value, 0 },
	};

	t[4].ulValueLen = (CK_ULONG)snprintf(label, sizeof label, "L%ld", n);
	t[5].ulValueLen = (CK_ULONG)snprintf(value, sizeof value, "V%ld", n);
	return f->C_CreateObject(s, t, 6, h);
}

static void *churn(void *arg)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h[8];
	long base = (long)(intptr_t)arg * 1000000, n = 0;
	int r, i;
	CK_RV rv;

	if ((rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s)) != CKR_OK) {
		fail("churn: C_OpenSession", rv);
		return NULL;
	}
	/* ROUNDS rounds, and on until the readers have searched as often (they search as
	 * long as objects are being made) */
	for (r = 0; (r < ROUNDS || atomic_load(&searches) < ROUNDS) &&
		    api_now_ms() < deadline_ms; r++) {
		for (i = 0; i < 8; i++)
			if ((rv = make(s, &no, base + n++, &h[i])) != CKR_OK)
				fail("churn: C_CreateObject", rv);
		atomic_fetch_add(&made, 8);
		for (i = 0; i < 8; i++)
			if ((rv = f->C_DestroyObject(s, h[i])) != CKR_OK)
				fail("churn: C_DestroyObject", rv);
	}
	if ((rv = f->C_CloseSession(s)) != CKR_OK)
		fail("churn: C_CloseSession", rv);
	atomic_fetch_sub(&writers, 1);
	return NULL;
}

static void *sessions(void *arg)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	long n = 3000000;
	int r, i;
	CK_RV rv;

	(void)arg;
	for (r = 0; r < ROUNDS / 3 && api_now_ms() < deadline_ms; r++) {
		if ((rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s)) != CKR_OK) {
			fail("sessions: C_OpenSession", rv);
			continue;
		}
		for (i = 0; i < 5; i++)
			if ((rv = make(s, &no, n++, &h)) != CKR_OK)
				fail("sessions: C_CreateObject", rv);
		if ((rv = f->C_CloseSession(s)) != CKR_OK)
			fail("sessions: C_CloseSession", rv);
	}
	atomic_fetch_sub(&writers, 1);
	return NULL;
}

static void *reader(void *arg)
{
	CK_ATTRIBUTE app = { CKA_APPLICATION, "t5121", 5 };
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h[256];
	int r;
	CK_RV rv;

	(void)arg;
	if ((rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s)) != CKR_OK) {
		fail("reader: C_OpenSession", rv);
		return NULL;
	}
	/* as long as the others make objects, and at least ROUNDS times */
	for (r = 0; (r < ROUNDS || atomic_load(&writers) > 0) && api_now_ms() < deadline_ms; r++) {
		CK_ULONG n = 0, i, tokens = 0;

		if ((rv = f->C_FindObjectsInit(s, &app, 1)) != CKR_OK) {
			fail("reader: C_FindObjectsInit", rv);
			continue;
		}
		do {
			if ((rv = f->C_FindObjects(s, h, 256, &n)) != CKR_OK) {
				fail("reader: C_FindObjects", rv);
				break;
			}
			for (i = 0; i < n; i++) {
				char label[32], value[32];
				CK_BBOOL tok = 0x55;
				CK_ATTRIBUTE t[] = { { CKA_LABEL, label, sizeof label },
						     { CKA_VALUE, value, sizeof value },
						     { CKA_TOKEN, &tok, sizeof tok } };

				rv = f->C_GetAttributeValue(s, h[i], t, 3);
				atomic_fetch_add(&reads, 1);
				if (rv == CKR_OBJECT_HANDLE_INVALID)
					continue;       /* destroyed since the search */
				if (rv != CKR_OK || t[0].ulValueLen < 2 ||
				    t[0].ulValueLen != t[1].ulValueLen ||
				    memcmp(label + 1, value + 1, t[0].ulValueLen - 1) != 0)
					fail("reader: an object that is not the one made", rv);
				tokens += tok == CK_TRUE;
				if (tok == CK_FALSE)
					atomic_fetch_add(&seen_session, 1);
			}
		} while (n > 0);
		if ((rv = f->C_FindObjectsFinal(s)) != CKR_OK)
			fail("reader: C_FindObjectsFinal", rv);
		if (tokens != 3)
			fail("reader: the three token objects not all found", CKR_OK);
		atomic_fetch_add(&searches, 1);
	}
	f->C_CloseSession(s);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[5];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_ULONG n = 0;
	int i;

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5121"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "login");
	for (i = 0; i < 3; i++)
		is_rv(make(s, &yes, 9000000 + i, &h), CKR_OK, "public token object %d", i);
	is_rv(f->C_Logout(s), CKR_OK, "logout");

	deadline_ms = api_now_ms() + 20000;
	pthread_create(&th[0], NULL, churn, (void *)(intptr_t)1);
	pthread_create(&th[1], NULL, churn, (void *)(intptr_t)2);
	pthread_create(&th[2], NULL, sessions, NULL);
	pthread_create(&th[3], NULL, reader, NULL);
	pthread_create(&th[4], NULL, reader, NULL);
	for (i = 0; i < 5; i++)
		pthread_join(th[i], NULL);
	diag("%ld objects made, %ld searches, %ld reads (%ld of session objects)", (long)made,
	     (long)searches, (long)reads, (long)seen_session);
	ok(searches > 0 && made > 0, "the threads ran");
	ok(seen_session > 0, "the readers met the others' session objects");
	is_ulong((CK_ULONG)bad, 0, "every call answered as allowed, every object read as made");

	/* afterwards: the churn sessions are closed, so only the token objects are left */
	{
		CK_ATTRIBUTE app = { CKA_APPLICATION, "t5121", 5 };
		CK_OBJECT_HANDLE hs[64];

		is_rv(f->C_FindObjectsInit(s, &app, 1), CKR_OK, "a last search");
		is_rv(f->C_FindObjects(s, hs, 64, &n), CKR_OK, "... C_FindObjects");
		is_rv(f->C_FindObjectsFinal(s), CKR_OK, "... C_FindObjectsFinal");
		is_ulong(n, 3, "only the three token objects are left");
	}
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
