/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5124 — the cached calls of a token do not wait for its card (issue 11): a search, an
 * attribute and C_OpenSession + C_CloseSession answer from memory without the token's
 * lock, while another thread holds that lock in card I/O on the same token.
 *
 * One virtual token, logged in, with a public and a private session object and the object
 * cache loaded; the reader monitor blocks in SCardGetStatusChange (the count shim shows
 * it), so the slot table is current. The token's process is then stopped (SIGSTOP): thread
 * A's C_GenerateRandom mixes in the card's random (GET CHALLENGE) and hangs in that APDU,
 * holding the token's lock; we wait until A sleeps in the kernel and the token's APDU count
 * has not moved. Thread B, on a session of its own, then searches all objects, reads a
 * label, opens and closes a session (and, nobody logged in, reads its session
 * information): each must
 * finish while A is still blocked, with the right answers (a module that took the token's
 * lock for them would hold B behind A until the deadline). B's calls are made again after
 * C_Logout, where the search must find the public object only. Then the token continues
 * and A's call completes.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "api/api.h"
#include "api/blocked.h"
#include "shim/pcsc-count.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static CK_SESSION_HANDLE sa, sb;
static CK_OBJECT_HANDLE pub_obj;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int a_done, b_done;
static long a_tid;
static CK_RV a_rv = CKR_GENERAL_ERROR;

/* what B saw */
struct b_result {
	CK_RV rv[7];
	CK_ULONG found;
	char label[32];
	CK_ULONG label_len;
	CK_SLOT_ID sess_slot;
};
static struct b_result br;
static int b_sessinfo;          /* B asks for the new session's information too */
static atomic_int b_step;       /* the call B is in, for a failure's diagnostics */
static const char *const b_call[] = {
	"C_FindObjectsInit", "C_FindObjects", "C_FindObjectsFinal", "C_GetAttributeValue",
	"C_OpenSession", "C_GetSessionInfo", "C_CloseSession", "none",
};

static void *thread_a(void *arg)
{
	CK_BYTE rnd[16];
	CK_RV rv;

	bl_tell_tid(&mu, &a_tid);
	rv = f->C_GenerateRandom(sa, rnd, sizeof rnd);
	bl_set_flag(&mu, &cv, &a_done, &a_rv, rv);
	return arg;
}

/* The cached calls, on session sb; their results in *r. */
static void cached_calls(struct b_result *r)
{
	CK_OBJECT_HANDLE found[8];
	CK_ATTRIBUTE a = { CKA_LABEL, r->label, sizeof r->label };
	CK_SESSION_HANDLE s2 = CK_INVALID_HANDLE;
	CK_SESSION_INFO si;

	memset(r, 0, sizeof *r);
	atomic_store(&b_step, 0);
	r->rv[0] = f->C_FindObjectsInit(sb, NULL, 0);
	atomic_store(&b_step, 1);
	r->rv[1] = f->C_FindObjects(sb, found, 8, &r->found);
	atomic_store(&b_step, 2);
	r->rv[2] = f->C_FindObjectsFinal(sb);
	atomic_store(&b_step, 3);
	r->rv[3] = f->C_GetAttributeValue(sb, pub_obj, &a, 1);
	r->label_len = a.ulValueLen;
	atomic_store(&b_step, 4);
	r->rv[4] = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s2);
	atomic_store(&b_step, 5);
	si.slotID = slot;
	r->rv[5] = b_sessinfo ? f->C_GetSessionInfo(s2, &si) : CKR_OK;
	r->sess_slot = si.slotID;
	atomic_store(&b_step, 6);
	r->rv[6] = f->C_CloseSession(s2);
	atomic_store(&b_step, 7);
}

static void *thread_b(void *arg)
{
	cached_calls(&br);
	bl_set_flag(&mu, &cv, &b_done, NULL, CKR_OK);
	return arg;
}

/* Stop the token, start A, wait until it hangs in the card; 1 when it does. */
static int a_blocked_in_card(pid_t tok, pthread_t *ta)
{
	long before = api_apdus(0);
	int blocked;

	pthread_mutex_lock(&mu);
	a_done = 0;
	a_tid = 0;
	pthread_mutex_unlock(&mu);
	if (!ok(kill(tok, SIGSTOP) == 0, "the token is stopped: its card answers nothing"))
		return 0;
	pthread_create(ta, NULL, thread_a, NULL);
	/* bounded: until A sleeps in the kernel inside its call (no sleep as sync) */
	blocked = bl_wait_blocked(&mu, &a_tid, &a_done, 10000);
	ok(blocked, "thread A is blocked in C_GenerateRandom, in the card");
	is_ulong(api_apdus(0), before, "the token has answered nothing meanwhile");
	return blocked;
}

/* Run B beside the blocked A and check what it saw; then let A finish. */
static void b_beside_a(pid_t tok, pthread_t *ta, CK_ULONG want_found, const char *when)
{
	pthread_t tb;
	int finished;

	pthread_mutex_lock(&mu);
	b_done = 0;
	pthread_mutex_unlock(&mu);
	pthread_create(&tb, NULL, thread_b, NULL);
	finished = bl_wait_flag(&mu, &cv, &b_done, 15000);
	if (!ok(finished, "%s: thread B's cached calls all finished while A was blocked", when))
		diag("B waits in %s", b_call[atomic_load(&b_step)]);
	ok(!bl_flag_now(&mu, &a_done), "%s: ... and A was still blocked when they had", when);
	kill(tok, SIGCONT);
	ok(bl_wait_flag(&mu, &cv, &a_done, 20000), "%s: A's call returns once the token continues", when);
	is_rv(a_rv, CKR_OK, "%s: ... with the card's random mixed in", when);
	if (!bl_wait_flag(&mu, &cv, &b_done, 20000)) {
		printf("Bail out! thread B is stuck\n");
		exit(255);
	}
	pthread_join(tb, NULL);
	pthread_join(*ta, NULL);
	is_rv(br.rv[0], CKR_OK, "%s: C_FindObjectsInit", when);
	is_rv(br.rv[1], CKR_OK, "%s: C_FindObjects", when);
	is_ulong(br.found, want_found, "%s: ... finds the objects this login may see", when);
	is_rv(br.rv[2], CKR_OK, "%s: C_FindObjectsFinal", when);
	is_rv(br.rv[3], CKR_OK, "%s: C_GetAttributeValue(CKA_LABEL)", when);
	ok(br.label_len == 6 && memcmp(br.label, "public", 6) == 0,
	   "%s: ... is the public object's label", when);
	is_rv(br.rv[4], CKR_OK, "%s: C_OpenSession", when);
	if (b_sessinfo) {
		is_rv(br.rv[5], CKR_OK, "%s: C_GetSessionInfo of the new session", when);
		is_ulong(br.sess_slot, slot, "%s: ... on the token's slot", when);
	}
	is_rv(br.rv[6], CKR_OK, "%s: C_CloseSession", when);
}

static CK_RV data_object(CK_BBOOL priv, const char *label, CK_OBJECT_HANDLE *h)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_TOKEN, &no, sizeof no },
		{ CKA_PRIVATE, &priv, sizeof priv },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_VALUE, (void *)"value", 5 },
	};

	return f->C_CreateObject(sa, t, 5, h);
}

int main(int argc, char **argv)
{
	CK_OBJECT_HANDLE priv_obj;
	struct b_result warm;
	pthread_t ta;
	pid_t tok;

	(void)argc;
	api_rig(argv, 1);
	pc_shim(argv);
	f = api_module();
	tok = bl_token_pid(0);

	bl_initialize(f);
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5124"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &sa),
	      CKR_OK, "session A");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &sb), CKR_OK, "session B");
	is_rv(f->C_Login(sa, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login (user)");
	is_rv(data_object(CK_FALSE, "public", &pub_obj), CKR_OK, "a public session object");
	is_rv(data_object(CK_TRUE, "private", &priv_obj), CKR_OK, "a private session object");

	/* the cache loaded, the monitor current, before the card stops answering */
	cached_calls(&warm);
	is_ulong(warm.found, 2, "with the card answering: both objects are found");
	ok(pc_blocked_within(1, 2000), "the reader monitor waits in SCardGetStatusChange");

	/* logged in with shared access, C_GetSessionInfo asks pcscd whether another
	 * application reset the card (which forgot the login), under the token's lock: not
	 * a call that may pass A. Nobody logged in, nothing such a reset does changes it */
	b_sessinfo = 0;
	if (a_blocked_in_card(tok, &ta))
		b_beside_a(tok, &ta, 2, "logged in");
	else
		kill(tok, SIGCONT);

	is_rv(f->C_Logout(sa), CKR_OK, "C_Logout");
	cached_calls(&warm);
	is_ulong(warm.found, 1, "after the logout: the public object only");
	b_sessinfo = 1;
	if (a_blocked_in_card(tok, &ta))
		b_beside_a(tok, &ta, 1, "logged out");
	else
		kill(tok, SIGCONT);

	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
