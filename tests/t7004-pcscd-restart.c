/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7004 — pcscd restarted under a running application (a package upgrade, socket
 * activation): within one module lifetime, without C_Finalize/C_Initialize, the module
 * takes a new PC/SC context by itself and sees the token again (at once, or after the
 * slot event its monitor raises when pcscd reports the reader).
 * Sessions opened on the old daemon's connection are gone, as after a removal, and a
 * C_WaitForSlotEvent does not keep failing. Twice, to show the recovery is not one-shot.
 * A logged-in session whose C_GetSessionInfo is answered on the token's probe handles
 * (token.h, token_probe_*: a question without the token's lock) is gone too: a probe
 * handle of the dead daemon never answers for the login, and on the new daemon the
 * probes are connected and armed anew.
 */
#include "api/api.h"

#include <pthread.h>

/* rig-restart-pcscd [stop|start] ("" restarts) */
static int pcscd_do(const char *what)
{
	const char *helper = getenv("RIG_RESTART_PCSCD");

	/* it prints the new pid: keep that out of the TAP stream */
	return helper != NULL ? api_run("/bin/sh", "-c", "exec \"$0\" $1 >/dev/null", helper,
					what, (char *)NULL) : -1;
}

static CK_FUNCTION_LIST_PTR fl;
static CK_RV wait_rv = CKR_GENERAL_ERROR;
static CK_SLOT_ID wait_slot = 999;

static void *wait_event(void *arg)
{
	(void)arg;
	wait_rv = fl->C_WaitForSlotEvent(0, &wait_slot, NULL);
	return NULL;
}

static int restart_pcscd(void)
{
	return pcscd_do("");
}

/*
 * C_GetSlotList(TRUE) until it counts want tokens. The module's slot table follows pcscd
 * through its monitor thread: a change the rig's helper saw a moment ago may not have
 * reached it yet, and then its slot event is still to come. So look, and if the count is
 * not there, wait for the module's next slot event (blocking: no sleep, no polling) and
 * look again; the event cannot be missed, since it stays pending until reported. At most
 * 20 events; the test's timeout bounds the waits.
 */
static CK_RV slots_with_token(CK_SLOT_ID *ids, CK_ULONG *n, CK_ULONG want)
{
	CK_SLOT_ID ev;
	CK_RV rv;
	int i;

	for (i = 0; i < 20; i++) {
		*n = 8;
		rv = fl->C_GetSlotList(CK_TRUE, ids, n);
		if (rv != CKR_OK || *n == want)
			return rv;
		rv = fl->C_WaitForSlotEvent(0, &ev, NULL);
		if (rv != CKR_OK && rv != CKR_NO_EVENT)
			return rv;
	}
	return CKR_OK;
}

/*
 * The user logs in on session su and asks C_GetSessionInfo three times: the first asks
 * with the token's lock and arms a probe handle, the next are the probe's (token.h).
 */
static void login_and_ask(CK_SESSION_HANDLE su, const char *where)
{
	CK_SESSION_INFO si;
	CK_RV rv;

	is_rv(fl->C_Login(su, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "%s: the user logs in",
	      where);
	for (int k = 0; k < 3; k++) {
		memset(&si, 0, sizeof si);
		rv = fl->C_GetSessionInfo(su, &si);
		ok(rv == CKR_OK && si.state == CKS_RO_USER_FUNCTIONS,
		   "%s: C_GetSessionInfo %d, the user's session (%s, state %lu)", where, k + 1,
		   sk_rv_name(rv), (unsigned long)si.state);
	}
}

/* After the restart the logged-in session su is gone, asked twice. */
static void gone_twice(CK_SESSION_HANDLE su, const char *where)
{
	CK_SESSION_INFO si;
	CK_RV rv;

	for (int k = 0; k < 2; k++) {
		memset(&si, 0, sizeof si);
		rv = fl->C_GetSessionInfo(su, &si);
		ok(rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_DEVICE_REMOVED ||
		   rv == CKR_TOKEN_NOT_PRESENT,
		   "%s (%d): the logged-in session is gone: %s, state %lu", where, k + 1,
		   sk_rv_name(rv), (unsigned long)si.state);
	}
}

int main(int argc, char **argv)
{
	pthread_t waiter;
	CK_SLOT_ID slot = 0, slot2 = 0, ids[8];
	CK_ULONG n;
	CK_SESSION_HANDLE s, s2, su;
	CK_SESSION_INFO si;
	CK_TOKEN_INFO ti;
	CK_C_INITIALIZE_ARGS ia;
	CK_RV rv;
	int round;

	(void)argc;
	api_rig_timeout(argv, 1, 180);
	fl = api_module();
	is_rv(fl->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(fl, 0, &slot), CKR_OK, "the token's slot");
	is_rv(fl->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo before the restart");
	is_rv(api_prepare_token(fl, slot, "t7004"), CKR_OK, "the token has a user PIN");
	is_rv(fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK,
	      "a session before the restart");

	for (round = 1; round <= 2; round++) {
		is_rv(fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &su), CKR_OK,
		      "round %d: a session to log in", round);
		login_and_ask(su, "... before the restart");

		is_ulong(restart_pcscd(), 0, "round %d: pcscd stopped by pid and a new one started on the "
				       "same socket and token", round);

		rv = fl->C_GetSessionInfo(s, &si);
		ok(rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_DEVICE_REMOVED ||
		   rv == CKR_TOKEN_NOT_PRESENT,
		   "... the session of the old connection is gone (%s)", sk_rv_name(rv));
		gone_twice(su, "... and the logged-in one");
		rv = slots_with_token(ids, &n, 1);
		ok(rv == CKR_OK && n == 1, "... C_GetSlotList sees the token again (%s, %lu)",
		   sk_rv_name(rv), (unsigned long)n);
		is_rv(api_slot_of(fl, 0, &slot2), CKR_OK, "... its reader");
		ok(slot2 == slot, "... keeps its slot ID");
		is_rv(fl->C_GetTokenInfo(slot, &ti), CKR_OK, "... C_GetTokenInfo talks to the card");
		rv = fl->C_GetSessionInfo(s, &si);
		ok(rv == CKR_SESSION_HANDLE_INVALID,
		   "... the old session stays invalid (%s)", sk_rv_name(rv));
		is_rv(fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s2), CKR_OK,
		      "... a new session opens");
		is_rv(fl->C_GetSessionInfo(s2, &si), CKR_OK, "... and works");
		login_and_ask(s2, "... on the new daemon");
		is_rv(fl->C_Logout(s2), CKR_OK, "... and logs out");
		memset(&si, 0, sizeof si);
		rv = fl->C_GetSessionInfo(s2, &si);
		ok(rv == CKR_OK && si.state == CKS_RO_PUBLIC_SESSION,
		   "... C_GetSessionInfo after the logout: public (%s, state %lu)", sk_rv_name(rv),
		   (unsigned long)si.state);
		rv = fl->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot2, NULL);
		ok(rv == CKR_OK || rv == CKR_NO_EVENT,
		   "... C_WaitForSlotEvent answers without an error (%s)", sk_rv_name(rv));
		s = s2;
	}

	/* no pcscd for a while: the module says so, and comes back with it; a thread blocked in
	 * C_WaitForSlotEvent learns that the token went */
	while (fl->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot2, NULL) == CKR_OK)
		;
	ok(pthread_create(&waiter, NULL, wait_event, NULL) == 0, "a thread waits for a slot event");
	is_ulong(pcscd_do("stop"), 0, "pcscd stopped, none started");
	pthread_join(waiter, NULL);
	ok(wait_rv == CKR_OK && wait_slot == slot,
	   "... the waiting C_WaitForSlotEvent reports the token's slot (%s, slot %lu)",
	   sk_rv_name(wait_rv), (unsigned long)wait_slot);
	rv = slots_with_token(ids, &n, 0);
	ok(rv == CKR_OK && n == 0, "... no slot with a token (%s, %lu)", sk_rv_name(rv),
	   (unsigned long)n);
	rv = fl->C_GetTokenInfo(slot, &ti);
	ok(rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_REMOVED,
	   "... C_GetTokenInfo: %s", sk_rv_name(rv));
	rv = fl->C_GetSessionInfo(s, &si);
	ok(rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_DEVICE_REMOVED,
	   "... the session is gone (%s)", sk_rv_name(rv));
	rv = fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s2);
	ok(rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_REMOVED,
	   "... C_OpenSession: %s", sk_rv_name(rv));
	is_ulong(pcscd_do("start"), 0, "a new pcscd started");
	rv = slots_with_token(ids, &n, 1);
	ok(rv == CKR_OK && n == 1, "... C_GetSlotList sees the token (%s, %lu)",
	   sk_rv_name(rv), (unsigned long)n);
	is_rv(fl->C_GetTokenInfo(slot, &ti), CKR_OK, "... C_GetTokenInfo");
	is_rv(fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s2), CKR_OK,
	      "... C_OpenSession");
	is_rv(fl->C_Finalize(NULL), CKR_OK, "C_Finalize");

	/* Without the module's threads nothing watches pcscd between calls: after a restart
	 * the logged-in session still looks current, and its C_GetSessionInfo is asked on a
	 * probe handle of the dead daemon. That answer is no answer for the login: the
	 * question goes to the token's handle, which tells the session is gone. */
	memset(&ia, 0, sizeof ia);
	ia.flags = CKF_LIBRARY_CANT_CREATE_OS_THREADS | CKF_OS_LOCKING_OK;
	is_rv(fl->C_Initialize(&ia), CKR_OK, "C_Initialize(CKF_LIBRARY_CANT_CREATE_OS_THREADS)");
	is_rv(api_slot_of(fl, 0, &slot), CKR_OK, "the token's slot");
	is_rv(fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &su), CKR_OK,
	      "a session to log in");
	login_and_ask(su, "no threads");
	is_ulong(restart_pcscd(), 0, "pcscd restarted");
	gone_twice(su, "... no thread of the module's having seen the restart");
	is_rv(fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &su), CKR_OK,
	      "... a new session opens");
	login_and_ask(su, "... on the new daemon, no threads");
	is_rv(fl->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
