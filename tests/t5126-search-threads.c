/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5126 — one search, several threads (runtime/obj.c, opstate.c: C_FindObjects copies its
 * handles with the session's operation slots locked, a short lock, lock.h). A session
 * holds NOBJ session objects of its own; a search over them is read by four threads at
 * once, one handle per call, until each gets 0: together they got every object exactly
 * once. Then the same with C_FindObjectsFinal called by another thread mid-way (what was
 * read is still no duplicate; afterwards every thread gets CKR_OPERATION_NOT_INITIALIZED),
 * and with the session closed mid-way (CKR_SESSION_HANDLE_INVALID or CKR_SESSION_CLOSED,
 * never anything else). A session's next search starts in the memory the last one left,
 * also after the session before it in that memory was closed with a search active. Under
 * SANITIZE=thread this is the race check of the slots' lock.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "api/api.h"
#include "api/tsan.h"

#define NT 4
#define NOBJ 200

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static CK_SESSION_HANDLE sess;
static CK_OBJECT_HANDLE made[NOBJ];
static _Atomic int seen[NOBJ];
static atomic_long bad, got_total;
static atomic_int stop_at;              /* after this many handles, end it (0: never) */
static pthread_barrier_t go;
static CK_OBJECT_CLASS c_data = CKO_DATA;
static CK_BBOOL no = CK_FALSE;
static const char app[] = "t5126";

static void fail(const char *what, CK_RV rv)
{
	if (atomic_fetch_add(&bad, 1) < 10)
		diag("%s: %s", what, sk_rv_name(rv));
}

static int index_of(CK_OBJECT_HANDLE h)
{
	int i;

	for (i = 0; i < NOBJ; i++)
		if (made[i] == h)
			return i;
	return -1;
}

/* What a reader may be told once the search or the session was ended by another thread. */
static int ended_rv(CK_RV rv, int closing)
{
	if (rv == CKR_OPERATION_NOT_INITIALIZED)
		return 1;
	return closing && (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED);
}

static void *reader(void *arg)
{
	int closing = (int)(intptr_t)arg;
	CK_OBJECT_HANDLE h;
	CK_ULONG n;
	CK_RV rv;
	int i;

	pthread_barrier_wait(&go);
	for (;;) {
		rv = f->C_FindObjects(sess, &h, 1, &n);
		if (rv != CKR_OK) {
			/* (the end may be seen before its caller says so: no order asked of that) */
			if (!ended_rv(rv, closing) || atomic_load(&stop_at) == 0)
				fail("C_FindObjects", rv);
			return NULL;
		}
		if (n == 0)
			return NULL;
		i = index_of(h);
		if (i < 0)
			fail("C_FindObjects gave a handle not made here", CKR_GENERAL_ERROR);
		else if (atomic_fetch_add(&seen[i], 1) != 0)
			fail("C_FindObjects gave a handle twice", CKR_GENERAL_ERROR);
		if (atomic_fetch_add(&got_total, 1) + 1 == atomic_load(&stop_at)) {
			if (closing)
				rv = f->C_CloseSession(sess);
			else
				rv = f->C_FindObjectsFinal(sess);
			if (rv != CKR_OK)
				fail(closing ? "C_CloseSession mid-search" : "C_FindObjectsFinal mid-search",
				     rv);
		}
	}
}

static CK_RV start_search(void)
{
	CK_ATTRIBUTE t[] = { { CKA_APPLICATION, (void *)app, sizeof app - 1 } };

	return f->C_FindObjectsInit(sess, t, 1);
}

/* NT readers on one search; stop: end it after that many handles (0: read it all). */
static long readers(int stop, int closing)
{
	pthread_t th[NT];
	int k;

	for (k = 0; k < NOBJ; k++)
		atomic_store(&seen[k], 0);
	atomic_store(&got_total, 0);
	atomic_store(&stop_at, stop);
	pthread_barrier_init(&go, NULL, NT);
	for (k = 0; k < NT; k++)
		if (pthread_create(&th[k], NULL, reader, (void *)(intptr_t)closing) != 0) {
			printf("Bail out! pthread_create failed\n");
			exit(255);
		}
	for (k = 0; k < NT; k++)
		pthread_join(th[k], NULL);
	pthread_barrier_destroy(&go);
	return atomic_load(&got_total);
}

static void make_objects(void)
{
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &c_data, sizeof c_data }, { CKA_TOKEN, &no, sizeof no },
		{ CKA_PRIVATE, &no, sizeof no },
		{ CKA_APPLICATION, (void *)app, sizeof app - 1 },
	};
	int i, all = 1;

	for (i = 0; i < NOBJ; i++)
		if (f->C_CreateObject(sess, t, 4, &made[i]) != CKR_OK)
			all = 0;
	ok(all, "%d session objects made", NOBJ);
}

/* A search that one of the readers ends after stop handles: with C_FindObjectsFinal, or
 * (closing) with C_CloseSession. */
static void ended_midway(int stop, int closing)
{
	const char *how = closing ? "C_CloseSession" : "C_FindObjectsFinal";
	CK_OBJECT_HANDLE h;
	CK_ULONG n;
	long got;

	is_rv(start_search(), CKR_OK, "C_FindObjectsInit, for %s under the readers", how);
	got = readers(stop, closing);
	ok(atomic_load(&bad) == 0 && got >= stop && got < NOBJ,
	   "%s by one reader after %d handles: no handle twice, the others then get %s (%ld read)",
	   how, stop, closing ? "CKR_SESSION_HANDLE_INVALID or CKR_SESSION_CLOSED"
			      : "CKR_OPERATION_NOT_INITIALIZED", got);
	is_rv(f->C_FindObjects(sess, &h, 1, &n),
	      closing ? CKR_SESSION_HANDLE_INVALID : CKR_OPERATION_NOT_INITIALIZED,
	      "C_FindObjects after %s", how);
}

int main(int argc, char **argv)
{
	CK_OBJECT_HANDLE h[NOBJ + 1];
	CK_ULONG n;
	long got;
	int i, all;

	(void)argc;
	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the virtual token's slot");
	is_rv(api_prepare_token(f, slot, "t5126"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &sess),
	      CKR_OK, "C_OpenSession");
	make_objects();

	/* read whole by four threads */
	is_rv(start_search(), CKR_OK, "C_FindObjectsInit");
	got = readers(0, 0);
	for (i = 0, all = 1; i < NOBJ; i++)
		all &= atomic_load(&seen[i]) == 1;
	ok(got == NOBJ && all && atomic_load(&bad) == 0,
	   "%d threads read one search one handle at a time: each of the %d objects once "
	   "(%ld handles)", NT, NOBJ, got);
	is_rv(f->C_FindObjects(sess, h, 1, &n), CKR_OK, "C_FindObjects once more");
	is_ulong(n, 0, "... gives none");
	is_rv(f->C_FindObjectsFinal(sess), CKR_OK, "C_FindObjectsFinal");

	/* ended by another thread mid-way */
	ended_midway(NOBJ / 3, 0);

	/* a new search after that one: complete and correct, in one call */
	is_rv(start_search(), CKR_OK, "C_FindObjectsInit once more");
	is_rv(f->C_FindObjects(sess, h, NOBJ + 1, &n), CKR_OK, "C_FindObjects of all at once");
	for (i = 0, all = n == NOBJ; all && i < (int)n; i++)
		all = index_of(h[i]) >= 0;
	ok(all, "... every object, none other (%lu)", (unsigned long)n);
	is_rv(f->C_FindObjectsFinal(sess), CKR_OK, "C_FindObjectsFinal");

	/* the session closed mid-way */
	ended_midway(NOBJ / 2, 1);

	/* the next session takes that memory (the table gives a closed one's to the next):
	 * its objects are its own, its first search starts clean */
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &sess),
	      CKR_OK, "a new session");
	is_rv(start_search(), CKR_OK, "its C_FindObjectsInit");
	is_rv(f->C_FindObjects(sess, h, NOBJ + 1, &n), CKR_OK, "its C_FindObjects");
	is_ulong(n, 0, "the closed session's objects are gone with it");
	is_rv(f->C_FindObjectsFinal(sess), CKR_OK, "C_FindObjectsFinal");
	make_objects();
	is_rv(start_search(), CKR_OK, "C_FindObjectsInit over its own");
	atomic_store(&bad, 0);
	got = readers(0, 0);
	for (i = 0, all = 1; i < NOBJ; i++)
		all &= atomic_load(&seen[i]) == 1;
	ok(got == NOBJ && all && atomic_load(&bad) == 0,
	   "%d threads read it: each object once (%ld)", NT, got);
	is_rv(f->C_CloseSession(sess), CKR_OK, "C_CloseSession with the search left active");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
