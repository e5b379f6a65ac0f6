/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7202 — eight threads on two tokens mix everything a careless application may do at
 * once (DESIGN.md, "No crash from an application's race"; issue 13): signing (open, login,
 * find the key, C_SignInit/C_Sign in a loop, close), searching with attribute reads
 * (C_FindObjects*, C_GetAttributeValue), login and logout, and C_CloseAllSessions on the
 * token under the others' feet, with digests in between. Every answer must be one that
 * the function's list allows for what the other threads may have done meanwhile (a
 * session closed by C_CloseAllSessions, a logout by another thread, an object that went
 * with the login); the module must not crash, and when all is done no session is left
 * and no PIN try was spent. Bounded by iterations and time.
 *
 * Built with SANITIZE=thread this test is the ThreadSanitizer run of the module: any data
 * race it reports makes the test exit non-zero.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "api/api.h"
#include "api/tsan.h"

#define THREADS 8

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slots[2];
static int iterations = 60;
static long deadline_ms;
static atomic_long calls, bad, signatures, found, closes;
static const CK_BBOOL yes = CK_TRUE;
static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };

static void expect(const char *what, CK_RV rv, const CK_RV *allowed, size_t n)
{
	size_t i;

	atomic_fetch_add(&calls, 1);
	for (i = 0; i < n; i++)
		if (rv == allowed[i])
			return;
	if (atomic_fetch_add(&bad, 1) < 10)
		diag("%s: %s", what, sk_rv_name(rv));
}
#define EXPECT(what, rv, ...)                                                               \
	({                                                                                  \
		static const CK_RV ok_[] = { __VA_ARGS__ };                                 \
		CK_RV rv_ = (rv);                                                           \
		expect(what, rv_, ok_, sizeof ok_ / sizeof ok_[0]);                         \
		rv_;                                                                        \
	})
/* what any call on a session may meet: C_CloseAllSessions took the session away */
#define GONE CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED

static int time_left(void)
{
	return api_now_ms() < deadline_ms;
}

static CK_RV open_session(CK_SLOT_ID slot, CK_SESSION_HANDLE *s)
{
	return EXPECT("C_OpenSession", f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, s),
		      CKR_OK);
}

static void signer(CK_SLOT_ID slot)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls } };
	CK_MECHANISM m = { CKM_ECDSA, NULL, 0 };
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
	CK_SESSION_HANDLE s;
	CK_ULONG n = 0, len;
	uint8_t hash[32], sig[64];
	int i;

	memset(hash, 0x33, sizeof hash);
	if (open_session(slot, &s) != CKR_OK)
		return;
	EXPECT("signer: C_Login", f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK,
	       CKR_USER_ALREADY_LOGGED_IN, GONE);
	if (EXPECT("signer: C_FindObjectsInit", f->C_FindObjectsInit(s, t, 1), CKR_OK, GONE) ==
	    CKR_OK) {
		EXPECT("signer: C_FindObjects", f->C_FindObjects(s, &key, 1, &n), CKR_OK, GONE);
		EXPECT("signer: C_FindObjectsFinal", f->C_FindObjectsFinal(s), CKR_OK, GONE);
	}
	for (i = 0; n == 1 && i < 5; i++) {
		if (EXPECT("signer: C_SignInit", f->C_SignInit(s, &m, key), CKR_OK, GONE,
			   CKR_USER_NOT_LOGGED_IN, CKR_KEY_HANDLE_INVALID) != CKR_OK)
			break;
		len = sizeof sig;
		if (EXPECT("signer: C_Sign", f->C_Sign(s, hash, sizeof hash, sig, &len), CKR_OK,
			   GONE, CKR_USER_NOT_LOGGED_IN, CKR_OPERATION_NOT_INITIALIZED) == CKR_OK)
			atomic_fetch_add(&signatures, 1);
	}
	EXPECT("signer: C_CloseSession", f->C_CloseSession(s), CKR_OK, CKR_SESSION_HANDLE_INVALID);
}

static void finder(CK_SLOT_ID slot)
{
	CK_OBJECT_HANDLE h[16];
	CK_SESSION_HANDLE s;
	CK_ULONG n = 0, k;

	if (open_session(slot, &s) != CKR_OK)
		return;
	if (EXPECT("finder: C_FindObjectsInit", f->C_FindObjectsInit(s, NULL, 0), CKR_OK, GONE) ==
	    CKR_OK) {
		EXPECT("finder: C_FindObjects", f->C_FindObjects(s, h, 16, &n), CKR_OK, GONE);
		for (k = 0; k < n; k++) {
			CK_OBJECT_CLASS cls;
			CK_BBOOL tok;
			CK_ATTRIBUTE a[] = { { CKA_CLASS, &cls, sizeof cls },
					     { CKA_TOKEN, &tok, sizeof tok } };

			/* a private object goes with a logout in another thread */
			if (EXPECT("finder: C_GetAttributeValue", f->C_GetAttributeValue(s, h[k], a, 2),
				   CKR_OK, GONE, CKR_OBJECT_HANDLE_INVALID) == CKR_OK)
				atomic_fetch_add(&found, 1);
		}
		EXPECT("finder: C_FindObjectsFinal", f->C_FindObjectsFinal(s), CKR_OK, GONE,
		       CKR_OPERATION_NOT_INITIALIZED);
	}
	EXPECT("finder: C_CloseSession", f->C_CloseSession(s), CKR_OK, CKR_SESSION_HANDLE_INVALID);
}

static void loginout(CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO si;

	if (open_session(slot, &s) != CKR_OK)
		return;
	EXPECT("loginout: C_Login", f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK,
	       CKR_USER_ALREADY_LOGGED_IN, GONE);
	EXPECT("loginout: C_GetSessionInfo", f->C_GetSessionInfo(s, &si), CKR_OK, GONE);
	EXPECT("loginout: C_Logout", f->C_Logout(s), CKR_OK, CKR_USER_NOT_LOGGED_IN, GONE);
	EXPECT("loginout: C_CloseSession", f->C_CloseSession(s), CKR_OK,
	       CKR_SESSION_HANDLE_INVALID);
}

static void closer(CK_SLOT_ID slot)
{
	static uint8_t data[4096];
	CK_MECHANISM m = { CKM_SHA256, NULL, 0 };
	CK_SESSION_HANDLE s;
	uint8_t md[32];
	CK_ULONG len = sizeof md;

	EXPECT("closer: C_CloseAllSessions", f->C_CloseAllSessions(slot), CKR_OK);
	atomic_fetch_add(&closes, 1);
	if (open_session(slot, &s) != CKR_OK)
		return;
	if (EXPECT("closer: C_DigestInit", f->C_DigestInit(s, &m), CKR_OK, GONE) == CKR_OK) {
		EXPECT("closer: C_DigestUpdate", f->C_DigestUpdate(s, data, sizeof data), CKR_OK,
		       GONE);
		EXPECT("closer: C_DigestFinal", f->C_DigestFinal(s, md, &len), CKR_OK, GONE);
	}
	/* single-part, with a size query first (it keeps the operation; the C_Digest after
	 * it takes the operation out of the session at once, opstate's op_acquire_ending) */
	if (EXPECT("closer: C_DigestInit (single-part)", f->C_DigestInit(s, &m), CKR_OK, GONE) ==
	    CKR_OK &&
	    EXPECT("closer: C_Digest size query", f->C_Digest(s, data, sizeof data, NULL, &len),
		   CKR_OK, GONE) == CKR_OK) {
		len = sizeof md;
		EXPECT("closer: C_Digest", f->C_Digest(s, data, sizeof data, md, &len), CKR_OK,
		       GONE);
	}
	EXPECT("closer: C_CloseSession", f->C_CloseSession(s), CKR_OK, CKR_SESSION_HANDLE_INVALID);
}

static void *worker(void *arg)
{
	long id = (long)arg;
	int i;

	for (i = 0; i < iterations && time_left(); i++) {
		CK_SLOT_ID slot = slots[(id + i) % 2];

		switch (id % 4) {
		case 0:
			signer(slot);
			break;
		case 1:
			finder(slot);
			break;
		case 2:
			loginout(slot);
			break;
		default:
			closer(slot);
			break;
		}
	}
	return NULL;
}

static void prepare(void)
{
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_VERIFY, (void *)&yes, 1 },
		{ CKA_ID, "m1", 2 }, { CKA_EC_PARAMS, (void *)oid_p256, sizeof oid_p256 },
	};
	CK_ATTRIBUTE pr[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_PRIVATE, (void *)&yes, 1 },
		{ CKA_SIGN, (void *)&yes, 1 }, { CKA_ID, "m1", 2 },
	};
	CK_OBJECT_HANDLE pub, priv;
	CK_SESSION_HANDLE s;
	int k;

	for (k = 0; k < 2; k++) {
		is_rv(api_prepare_token(f, slots[k], "t7202"), CKR_OK, "token %d initialised", k);
		is_rv(f->C_OpenSession(slots[k], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
				       &s),
		      CKR_OK, "token %d: a session", k);
		is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "token %d: login", k);
		is_rv(f->C_GenerateKeyPair(s, &m, pt, 4, pr, 4, &pub, &priv), CKR_OK,
		      "token %d: an ECDSA P-256 key pair", k);
		is_rv(f->C_CloseSession(s), CKR_OK, "token %d: C_CloseSession", k);
	}
}

int main(int argc, char **argv)
{
	pthread_t th[THREADS];
	CK_TOKEN_INFO ti;
	long i, ms = 15000;
	int k;

	api_rig_timeout(argv, 2, 300);
	f = api_module();
	if (argc > 1 && atoi(argv[1]) > 0)
		iterations = atoi(argv[1]);
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	for (k = 0; k < 2; k++)
		is_rv(api_slot_of(f, k, &slots[k]), CKR_OK, "token %d's slot", k);
	prepare();

	deadline_ms = api_now_ms() + ms;
	for (i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	is_ulong(atomic_load(&bad), 0,
		 "%ld calls from %d threads, each answered as allowed (%ld signatures, %ld "
		 "attribute reads, %ld C_CloseAllSessions)",
		 atomic_load(&calls), THREADS, atomic_load(&signatures), atomic_load(&found),
		 atomic_load(&closes));
	ok(atomic_load(&signatures) > 0 && atomic_load(&found) > 0 && atomic_load(&closes) > 0,
	   "signing, searching and closing all happened");
	for (k = 0; k < 2; k++) {
		is_rv(f->C_GetTokenInfo(slots[k], &ti), CKR_OK, "token %d's info", k);
		is_ulong(ti.ulSessionCount, 0, "token %d has no session left", k);
		ok(!(ti.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED)),
		   "token %d's user PIN counter is full", k);
	}
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
