/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5105 — another application resets the card mid-session (build/pcsc-probe's reset step:
 * SCardReconnect with SCARD_RESET_CARD from its own process). The card forgets the PIN
 * (the virtual token's state says so); the module must not crash, must keep the session
 * (a reset is not a removal), must show a public session from the next card access on,
 * must not answer CKR_USER_ALREADY_LOGGED_IN to a fresh C_Login, and that login works.
 * C_GetSessionInfo asks for a reset without a transaction (pcsc_probe), from the second
 * time on with a card handle of its own (token_probe_*, beside other threads); while another
 * application holds one, it waits for it like a transaction would, and sees the reset that
 * transaction ends with. Threads asking while resets come see each of them.
 */
#include "api/api.h"
#include "api/blocked.h"

#include <sys/wait.h>

static CK_FUNCTION_LIST_PTR f;

static CK_STATE state(CK_SESSION_HANDLE h)
{
	CK_SESSION_INFO si;
	CK_RV rv = f->C_GetSessionInfo(h, &si);

	if (rv != CKR_OK) {
		diag("C_GetSessionInfo: %s", sk_rv_name(rv));
		return (CK_STATE)-1;
	}
	return si.state;
}

static const char *card_verified(void)
{
	static char ans[256];
	char *p;

	if (api_ctl(0, "state", ans, sizeof ans) != 0 || (p = strstr(ans, "verified=")) == NULL)
		return "?";
	p += 9;
	p[strcspn(p, " ")] = '\0';
	return p;
}

/* Another PC/SC application (build/pcsc-probe) sends apdu, if any, then resets the card
 * and goes away; 0 when every step of it succeeded. */
static int reset_card(const char *apdu)
{
	char cmd[512], line[256], last[256] = "";
	int bad = 0;
	FILE *p;

	snprintf(cmd, sizeof cmd, "'%s/pcsc-probe' -r '%s' %s reset 2>&1", build_dir(),
		 api_env(0, "READER"), apdu ? apdu : "");
	fflush(stdout);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	while (fgets(line, sizeof line, p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "error", 5) == 0 || strncmp(line, "short", 5) == 0)
			bad = 1;
		snprintf(last, sizeof last, "%s", line);
	}
	if (pclose(p) != 0 || bad || strcmp(last, "reset") != 0) {
		diag("pcsc-probe: %s", last);
		return 1;
	}
	return 0;
}

/* --- another application's transaction, ended with a reset ------------------------ */

static pthread_mutex_t bmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bcv = PTHREAD_COND_INITIALIZER;
static long btid;
static int bdone;
static CK_RV brv;
static CK_STATE bstate;
static CK_SESSION_HANDLE bh;

static void *session_info_thread(void *arg)
{
	CK_SESSION_INFO si;
	CK_RV rv;

	(void)arg;
	bl_tell_tid(&bmu, &btid);
	rv = f->C_GetSessionInfo(bh, &si);
	pthread_mutex_lock(&bmu);
	bstate = si.state;
	pthread_mutex_unlock(&bmu);
	bl_set_flag(&bmu, &bcv, &bdone, &brv, rv);
	return NULL;
}

/* pcsc-probe begins a transaction, holds it until told, and ends it with a reset; *in and
 * *out its standard input and output. Its pid, or -1. */
static pid_t probe_holding(FILE **in, FILE **out)
{
	int to[2], from[2];
	char probe[4096];
	pid_t pid;

	build_path(probe, sizeof probe, "pcsc-probe");
	if (pipe(to) != 0 || pipe(from) != 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[1]);
		close(from[0]);
		execl(probe, probe, "-r", api_env(0, "READER"), "begin", "wait-stdin", "end-reset",
		      (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	*in = fdopen(to[1], "w");
	*out = fdopen(from[0], "r");
	return pid;
}

static void foreign_transaction(void)
{
	FILE *in = NULL, *out = NULL;
	char line[256] = "";
	pthread_t th;
	int st = -1, blocked, done_before;
	pid_t pid = probe_holding(&in, &out);

	if (pid < 0 || in == NULL || out == NULL) {
		ok(0, "pcsc-probe started");
		return;
	}
	if (fgets(line, sizeof line, out) == NULL)
		line[0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	ok(strcmp(line, "begun") == 0, "another application holds a transaction (%s)", line);
	pthread_create(&th, NULL, session_info_thread, NULL);
	blocked = bl_wait_blocked(&bmu, &btid, &bdone, 5000);
	done_before = bl_flag_now(&bmu, &bdone);
	ok(blocked && !done_before,
	   "logged in, C_GetSessionInfo waits while the other transaction holds the card");
	fputs("go\n", in);
	fflush(in);
	ok(fgets(line, sizeof line, out) != NULL && strncmp(line, "continued", 9) == 0 &&
		   fgets(line, sizeof line, out) != NULL && strncmp(line, "ended-reset", 11) == 0,
	   "the other application ends its transaction with a reset");
	fclose(in);
	fclose(out);
	waitpid(pid, &st, 0);
	ok(bl_wait_flag(&bmu, &bcv, &bdone, 10000), "C_GetSessionInfo answers then");
	pthread_join(th, NULL);
	is_rv(brv, CKR_OK, "... CKR_OK");
	is_ulong(bstate, CKS_RW_PUBLIC_SESSION, "... a public session: it saw that reset");
}

/* --- threads asking while another application resets ------------------------------ */

/* Each round the main thread logs in, lets every asker ask (a user session, asked three
 * times), resets the card from pcsc-probe's process, and lets them ask again: every
 * answer after the reset is a public session, on whichever card handle the module asked
 * (more askers than it has handles of its own for the question: some ask with the token's
 * lock). Phases: odd, a user session expected; even, a public one. */
#define ASKERS 4
static pthread_mutex_t qmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcv = PTHREAD_COND_INITIALIZER;
static int qphase, qdone, qbad, qstop;
static CK_SESSION_HANDLE qh;

static void *asker(void *arg)
{
	int seen = 0, i, bad;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&qmu);
		while (qphase == seen && !qstop)
			pthread_cond_wait(&qcv, &qmu);
		if (qstop) {
			pthread_mutex_unlock(&qmu);
			return NULL;
		}
		seen = qphase;
		pthread_mutex_unlock(&qmu);
		for (i = bad = 0; i < 3; i++)
			if (state(qh) != (seen % 2 ? CKS_RW_USER_FUNCTIONS : CKS_RW_PUBLIC_SESSION))
				bad++;
		pthread_mutex_lock(&qmu);
		qbad += bad;
		qdone++;
		pthread_cond_broadcast(&qcv);
		pthread_mutex_unlock(&qmu);
	}
}

/* The next phase; back when every asker has asked. */
static void askers_ask(void)
{
	pthread_mutex_lock(&qmu);
	qdone = 0;
	qphase++;
	pthread_cond_broadcast(&qcv);
	while (qdone < ASKERS)
		pthread_cond_wait(&qcv, &qmu);
	pthread_mutex_unlock(&qmu);
}

static void threads_and_resets(CK_SESSION_HANDLE h)
{
	pthread_t th[ASKERS];
	int i, round, fails = 0;

	qh = h;
	for (i = 0; i < ASKERS; i++)
		pthread_create(&th[i], NULL, asker, NULL);
	for (round = 0; round < 6; round++) {
		if (f->C_Login(h, CKU_USER, API_PIN(API_USER_PIN)) != CKR_OK)
			fails++;
		askers_ask();
		if (reset_card(round % 2 ? NULL : "00CA018100") != 0)
			fails++;
		askers_ask();
	}
	pthread_mutex_lock(&qmu);
	qstop = 1;
	pthread_cond_broadcast(&qcv);
	pthread_mutex_unlock(&qmu);
	for (i = 0; i < ASKERS; i++)
		pthread_join(th[i], NULL);
	is_ulong(fails, 0, "%d threads: six rounds of a login and a reset", ASKERS);
	is_ulong(qbad, 0, "%d threads: each asked 36 times, a user session before each reset "
		 "and a public one after it", ASKERS);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE h, h2;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	char cmd[4096];
	int round;

	api_rig(argv, 1);
	if (access(build_path(cmd, sizeof cmd, "pcsc-probe"), X_OK) != 0)
		skip_all("pcsc-probe is not built");
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5105"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h), CKR_OK,
	      "a session");

	/* 1: the next card access is C_GetTokenInfo, then C_GetSessionInfo shows the truth */
	is_rv(f->C_Login(h, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "the user logs in");
	is_str(card_verified(), "user", "the card has the PIN verified");
	is_ulong(reset_card("00CA018100"), 0, "another application resets the card");
	is_str(card_verified(), "none", "the card forgot the PIN");
	rv = f->C_GetTokenInfo(slot, &ti);
	is_rv(rv, CKR_OK, "C_GetTokenInfo after the reset");
	is_ulong(state(h), CKS_RW_PUBLIC_SESSION, "the session is public: the login is gone");
	is_rv(f->C_Login(h, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "a fresh C_Login works");
	is_ulong(state(h), CKS_RW_USER_FUNCTIONS, "logged in");
	is_str(card_verified(), "user", "on the card too");

	/* 2: the next call after the reset is C_Login itself */
	is_ulong(reset_card("00CA018100"), 0, "the card is reset again");
	is_rv(f->C_Login(h, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK,
	      "C_Login right after: not CKR_USER_ALREADY_LOGGED_IN, it logs in");
	is_str(card_verified(), "user", "the card has the PIN verified");

	/* 3: the next call is C_GetSessionInfo (a card access without an APDU) */
	is_ulong(reset_card(NULL), 0, "a reset without any APDU of its own");
	is_ulong(state(h), CKS_RW_PUBLIC_SESSION, "C_GetSessionInfo: public");

	/* 3b: C_GetSessionInfo logged in twice: the first arms a card handle of the module's
	 * own for the question (its own PC/SC context, no token lock), the second asks on it;
	 * a reset after that is seen on it, and on the token's handle */
	is_rv(f->C_Login(h, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "the user logs in");
	is_ulong(state(h), CKS_RW_USER_FUNCTIONS, "C_GetSessionInfo: a user session");
	is_ulong(state(h), CKS_RW_USER_FUNCTIONS, "... asked again: still");
	is_ulong(reset_card(NULL), 0, "a reset");
	is_ulong(state(h), CKS_RW_PUBLIC_SESSION, "C_GetSessionInfo: public");
	is_ulong(state(h), CKS_RW_PUBLIC_SESSION, "... asked again: still");
	is_rv(f->C_Login(h, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "a login after it works");
	is_ulong(state(h), CKS_RW_USER_FUNCTIONS, "a user session (the question's handle "
		 "connected anew after the reset)");
	is_ulong(state(h), CKS_RW_USER_FUNCTIONS, "... and asked again on it");
	is_ulong(reset_card("00CA018100"), 0, "another reset");
	is_ulong(state(h), CKS_RW_PUBLIC_SESSION, "C_GetSessionInfo: public again");
	is_str(card_verified(), "none", "as the card is");

	/* 4: the next call is C_Logout */
	is_rv(f->C_Login(h, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "the user logs in");
	is_ulong(reset_card("00CA018100"), 0, "reset");
	rv = f->C_Logout(h);
	ok(rv == CKR_OK || rv == CKR_USER_NOT_LOGGED_IN, "C_Logout: %s", sk_rv_name(rv));
	is_ulong(state(h), CKS_RW_PUBLIC_SESSION, "public");

	/* 4b: logged in, another application's transaction, ended with a reset, while the
	 * next call is C_GetSessionInfo */
	is_rv(f->C_Login(h, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "the user logs in");
	is_ulong(state(h), CKS_RW_USER_FUNCTIONS, "a user session");
	bh = h;
	foreign_transaction();

	/* 5: the SO, and a new session opened after the reset */
	is_rv(f->C_Login(h, CKU_SO, API_PIN(API_SO_PIN)), CKR_OK, "the SO logs in");
	is_ulong(reset_card("00CA018100"), 0, "reset");
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h2);
	is_rv(rv, CKR_OK, "an R/O session can be opened: the SO is no longer logged in");
	is_ulong(state(h2), CKS_RO_PUBLIC_SESSION, "and it is public");
	is_ulong(state(h), CKS_RW_PUBLIC_SESSION, "so is the first");

	/* several resets in a row, interleaved with calls: no crash, no stale login */
	for (round = 0; round < 5; round++) {
		if (f->C_Login(h, CKU_USER, API_PIN(API_USER_PIN)) != CKR_OK)
			break;
		if (reset_card(round % 2 ? NULL : "00CA018100") != 0)
			break;
		if (state(h2) != CKS_RO_PUBLIC_SESSION)
			break;
	}
	is_ulong(round, 5, "five rounds of login, reset, public state");
	threads_and_resets(h);
	is_rv(f->C_Login(h, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "and a last login");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	ok(!(ti.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED)),
	   "no PIN try was wasted (%s)", ti.flags & CKF_USER_PIN_COUNT_LOW ? "count low" : "full");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
