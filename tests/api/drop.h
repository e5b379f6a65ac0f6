/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * drop.h — helpers for the t71xx reliability tests: token-changing calls through the
 * PKCS#11 API while the virtual token drops its connection at APDU k (vtoken-ctl
 * drop-at k: the k-th APDU is not executed, the card is out until "insert"), for every
 * k of the call. Header-only, on top of api.h.
 *
 *   drop_arm(k)             the k-th APDU from now drops the card
 *   drop_recover(fl, &s)    if the card is out: wait until pcscd sees it gone, insert it,
 *                           wait until it is back; then a fresh module instance (C_Finalize,
 *                           C_Initialize), a R/W session on token 0 and the user's login
 *   drop_orphans(buf, cap)  the files of token 0's state no PKCS#15 structure references
 *                           (tests/vtoken/vt-orphans), one path a line; their number
 *   drop_rv_allowed(rv)     a code a token-changing call may return when the card went away
 *   drop_count(fl, s, cls, label)   the objects of a class with a label (-1 on error)
 */
#ifndef SCRIPTOKI_TEST_DROP_H
#define SCRIPTOKI_TEST_DROP_H

#include "api/api.h"

static CK_SLOT_ID drop_slot;

static inline void drop_arm(long k)
{
	char cmd[64];

	snprintf(cmd, sizeof cmd, "drop-at %ld", k);
	api_ctl(0, cmd, NULL, 0);
}

/* 1 when token 0's card is out (a drop happened). */
static inline int drop_card_out(void)
{
	char ans[512];

	if (api_ctl(0, "state", ans, sizeof ans) != 0)
		return 0;
	return strstr(ans, " inserted=0") != NULL;
}

/* A fresh module instance, a R/W session on token 0; the user logs in when login. */
static inline CK_RV drop_reopen(CK_FUNCTION_LIST_PTR fl, CK_SESSION_HANDLE *s, int login)
{
	CK_RV rv;

	fl->C_Finalize(NULL);
	rv = fl->C_Initialize(NULL);
	if (rv == CKR_OK)
		rv = api_slot_of(fl, 0, &drop_slot);
	if (rv == CKR_OK)
		rv = fl->C_OpenSession(drop_slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
	if (rv == CKR_OK && login)
		rv = fl->C_Login(*s, CKU_USER, API_PIN(API_USER_PIN));
	return rv;
}

/*
 * After a call: disarm a drop that did not happen; if the card went out, put it back
 * (waiting through PC/SC, no sleeps). Then reopen. Returns 1 when the card had dropped.
 */
static inline int drop_recover(CK_FUNCTION_LIST_PTR fl, CK_SESSION_HANDLE *s, int login,
			       CK_RV *reopen_rv)
{
	const char *reader = api_env(0, "READER");
	int out = drop_card_out();
	char wait[4096];

	build_path(wait, sizeof wait, "rig-wait");      /* $BUILD's, as every helper */
	api_ctl(0, "drop-at 100000000", NULL, 0);
	if (out) {
		api_run(wait, "--timeout", "10", "absent", reader, NULL);
		api_ctl(0, "insert", NULL, 0);
		api_run(wait, "--timeout", "10", "present", reader, NULL);
	}
	*reopen_rv = drop_reopen(fl, s, login);
	return out;
}

static inline int drop_orphans(char *buf, size_t cap)
{
	char cmd[1024];
	const char *state = api_env(0, "STATE");
	size_t got = 0;
	int n = 0;
	FILE *p;

	buf[0] = '\0';
	if (state == NULL)
		return -1;
	snprintf(cmd, sizeof cmd, "tests/vtoken/vt-orphans '%s'", state);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	while (got + 1 < cap) {
		size_t r = fread(buf + got, 1, cap - 1 - got, p);

		if (r == 0)
			break;
		got += r;
	}
	buf[got] = '\0';
	if (pclose(p) != 0)
		return -1;
	for (size_t i = 0; i < got; i++)
		if (buf[i] == '\n') {
			n++;
			buf[i] = ' ';
		}
	return n;
}

static inline int drop_rv_allowed(CK_RV rv)
{
	return rv == CKR_DEVICE_ERROR || rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT ||
	       rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED;
}

/* The objects of class cls (CK_UNAVAILABLE_INFORMATION: any) with this label (NULL: any). */
static inline long drop_count(CK_FUNCTION_LIST_PTR fl, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
			      const char *label)
{
	CK_ATTRIBUTE t[3];
	CK_OBJECT_HANDLE hs[64];
	CK_BBOOL tok = CK_TRUE;
	CK_ULONG n = 0, got = 0;

	t[n].type = CKA_TOKEN, t[n].pValue = &tok, t[n++].ulValueLen = sizeof tok;
	if (cls != CK_UNAVAILABLE_INFORMATION)
		t[n].type = CKA_CLASS, t[n].pValue = &cls, t[n++].ulValueLen = sizeof cls;
	if (label != NULL)
		t[n].type = CKA_LABEL, t[n].pValue = (void *)label, t[n++].ulValueLen = strlen(label);
	if (fl->C_FindObjectsInit(s, t, n) != CKR_OK)
		return -1;
	if (fl->C_FindObjects(s, hs, 64, &got) != CKR_OK)
		got = (CK_ULONG)-1;
	fl->C_FindObjectsFinal(s);
	return (long)got;
}

/* Destroy every token object of class cls with this label; how many went. */
static inline long drop_destroy_all(CK_FUNCTION_LIST_PTR fl, CK_SESSION_HANDLE s,
				    CK_OBJECT_CLASS cls, const char *label)
{
	CK_ATTRIBUTE t[3];
	CK_OBJECT_HANDLE hs[64];
	CK_BBOOL tok = CK_TRUE;
	CK_ULONG n = 0, got = 0, i;
	long gone = 0;

	t[n].type = CKA_TOKEN, t[n].pValue = &tok, t[n++].ulValueLen = sizeof tok;
	if (cls != CK_UNAVAILABLE_INFORMATION)
		t[n].type = CKA_CLASS, t[n].pValue = &cls, t[n++].ulValueLen = sizeof cls;
	if (label != NULL)
		t[n].type = CKA_LABEL, t[n].pValue = (void *)label, t[n++].ulValueLen = strlen(label);
	if (fl->C_FindObjectsInit(s, t, n) != CKR_OK)
		return -1;
	fl->C_FindObjects(s, hs, 64, &got);
	fl->C_FindObjectsFinal(s);
	for (i = 0; i < got; i++)
		if (fl->C_DestroyObject(s, hs[i]) == CKR_OK)
			gone++;
	return gone;
}

#endif

/* --- one token-changing call, faulted at each of its APDUs in turn ------------------- */

struct drop_op {
	const char *name;
	int login;                              /* 0 nobody, CKU_USER + 1, CKU_SO + 1 */
	/* each gets the session, and may replace it (C_InitToken closes every session) */
	CK_RV (*prepare)(CK_SESSION_HANDLE *s); /* the baseline before each try */
	CK_RV (*run)(CK_SESSION_HANDLE *s);     /* the call */
	/* 0 token as before, 1 change complete, 2 the third state (below), else -1 */
	int (*outcome)(CK_SESSION_HANDLE *s);
	CK_RV (*cleanup)(CK_SESSION_HANDLE *s); /* undo a complete change */
	const char *todo;                       /* a known gap: "neither" is reported as TODO */
	/* where the gap cannot be closed, the state a failed call must leave instead (outcome
	 * 2), asserted as no TODO is: e.g. "a token to initialise"; with it, a token that
	 * comes back as CKR_TOKEN_NOT_RECOGNIZED is the outcome's to judge */
	const char *third;
};

static CK_FUNCTION_LIST_PTR drop_fl;

/* A known gap: "ok/not ok N - what # TODO why", which TAP does not count as a failure (nor
 * does done_testing). */
static inline void drop_todo(int pass, const char *why, const char *what, const char *name)
{
	tap_run++;
	printf("%sok %d - %s: %s # TODO %s\n", pass ? "" : "not ", tap_run, name, what, why);
	fflush(stdout);
}

/* login: 0 nobody, CKU_USER + 1 or CKU_SO + 1 with the rig's PINs */
static inline CK_RV drop_login(CK_SESSION_HANDLE s, int login)
{
	const char *pin = login - 1 == CKU_SO ? API_SO_PIN : API_USER_PIN;

	if (!login)
		return CKR_OK;
	return drop_fl->C_Login(s, (CK_USER_TYPE)(login - 1), API_PIN(pin));
}

/* A fresh module instance and session with op's login. */
static inline CK_RV drop_reopen_as(CK_SESSION_HANDLE *s, int login)
{
	CK_RV rv = drop_reopen(drop_fl, s, 0);

	if (rv == CKR_OK)
		rv = drop_login(*s, login);
	return rv;
}

static inline char *drop_state(size_t *len)
{
	const char *path = api_env(0, "STATE");
	char *buf = NULL;
	long n;
	FILE *fp;

	*len = 0;
	if (path == NULL || (fp = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL)
		*len = fread(buf, 1, (size_t)n, fp);
	fclose(fp);
	return buf;
}

/*
 * Run op with a fault at each of its APDUs: sw == NULL drops the card (then it is put back
 * and a fresh module instance looks), else the APDU is answered with that status word.
 * Each time: the call fails with a code drop_rv_allowed() or allowed_extra names, or
 * succeeds; the token is as before or the change is complete (with a status word and an
 * incomplete change, the state file is byte for byte as before); the next call of the
 * same kind succeeds and leaves no orphan file. The last APDUs are faulted first, so that
 * what an earlier try leaves cannot move them. Prints the TAP results; the APDU count.
 */
static inline long drop_each(const struct drop_op *op, const char *sw, CK_RV allowed_extra)
{
	CK_SESSION_HANDLE s;
	char orphans[4096];
	long n, k, mark;
	int bad_rv = 0, neither = 0, changed = 0, left = 0, next = 0, faults = 0, complete = 0;
	int worse = 0, thirds = 0;
	CK_RV rv, rrv;

	if (drop_reopen_as(&s, op->login) != CKR_OK || op->prepare(&s) != CKR_OK) {
		ok(0, "%s: the baseline", op->name);
		return -1;
	}
	mark = api_apdus(0);
	rv = op->run(&s);
	n = api_apdus(0) - mark;
	is_rv(rv, CKR_OK, "%s: a clean call, %ld APDUs", op->name, n);
	if (rv != CKR_OK || op->cleanup(&s) != CKR_OK || n <= 0 || n > 200)
		return -1;
	for (k = n + 1; k >= 1; k--) {
		char cmd[64], *before, *after;
		size_t blen, alen;
		int out, hit;

		if (drop_reopen_as(&s, op->login) != CKR_OK || op->prepare(&s) != CKR_OK) {
			diag("%s k=%ld: cannot set up the baseline", op->name, k);
			next = 1;
			break;
		}
		before = drop_state(&blen);
		if (sw == NULL)
			snprintf(cmd, sizeof cmd, "drop-at %ld", k);
		else
			snprintf(cmd, sizeof cmd, "fail-at %ld %s", k, sw);
		api_ctl(0, cmd, NULL, 0);
		mark = api_apdus(0);
		rv = op->run(&s);
		hit = api_apdus(0) - mark >= k;
		if (sw == NULL) {
			hit = drop_recover(drop_fl, &s, 0, &rrv);
			if (rrv == CKR_OK)
				rrv = drop_login(s, op->login);
		} else {
			api_ctl(0, "fail-at 100000000 6F00", NULL, 0);
			rrv = CKR_OK;
		}
		/* a token the module does not recognise may be the third state: the outcome
		 * says */
		if (rrv != CKR_OK && !(op->third != NULL && rrv == CKR_TOKEN_NOT_RECOGNIZED)) {
			/* neither as before nor complete; the op's cleanup may repair it */
			diag("%s k=%ld (%s): the token does not come back: %s", op->name, k,
			     sk_rv_name(rv), sk_rv_name(rrv));
			neither = 1;
			worse = 1;
			free(before);
			if (op->cleanup(&s) != CKR_OK) {
				next = 1;
				break;
			}
			faults += hit;
			continue;
		}
		if (rv != CKR_OK && !drop_rv_allowed(rv) && rv != allowed_extra) {
			diag("%s k=%ld: %s", op->name, k, sk_rv_name(rv));
			bad_rv = 1;
		}
		faults += hit;
		out = op->outcome(&s);
		if (getenv("DROP_VERBOSE") != NULL)
			diag("%s k=%ld: %s, outcome %d", op->name, k, sk_rv_name(rv), out);
		if (out == 1)
			complete++;
		if (out == 2 && op->third != NULL) {
			thirds++;
			neither = 1;
		} else if (out != 0 && out != 1) {
			diag("%s k=%ld (%s): neither as before nor complete%s%s", op->name, k,
			     sk_rv_name(rv), op->third != NULL ? " nor " : "",
			     op->third != NULL ? op->third : "");
			neither = 1;
			worse = 1;
		}
		after = drop_state(&alen);
		if (sw != NULL && out == 0 &&
		    (before == NULL || after == NULL || alen != blen || memcmp(before, after, blen))) {
			diag("%s k=%ld (%s): the token's state changed", op->name, k, sk_rv_name(rv));
			changed = 1;
		}
		free(before);
		free(after);
		if (k == n + 1 && (hit || rv != CKR_OK)) {
			diag("%s: with the fault past its end the call says %s", op->name,
			     sk_rv_name(rv));
			bad_rv = 1;
		}
		/* the next call of the same kind reclaims what the faulted one left */
		if (out == 1 && op->cleanup(&s) != CKR_OK) {
			diag("%s k=%ld: cannot undo the complete change", op->name, k);
			next = 1;
		}
		if (op->prepare(&s) != CKR_OK || (rv = op->run(&s)) != CKR_OK) {
			diag("%s k=%ld: the next call fails: %s", op->name, k, sk_rv_name(rv));
			next = 1;
		} else if (drop_orphans(orphans, sizeof orphans) != 0) {
			diag("%s k=%ld: after the next call, orphans: %s", op->name, k, orphans);
			left = 1;
		}
		if (op->cleanup(&s) != CKR_OK) {
			diag("%s k=%ld: cannot get back to the baseline", op->name, k);
			next = 1;
		}
	}
	if (op->todo != NULL && next)
		drop_todo(faults == n, op->todo, "a fault at each of its APDUs", op->name);
	else
		is_ulong((CK_ULONG)faults, (CK_ULONG)n, "%s: %s at each of its %ld APDUs",
			 op->name, sw ? "a status word" : "the card pulled out", n);
	ok(!bad_rv, "%s: each time the call fails with a code its returns: list allows", op->name);
	if (op->todo != NULL && neither)
		drop_todo(0, op->todo, "the token is as before or the change is complete",
			  op->name);
	else
		ok(!neither, "%s: the token is as before or the change is complete (%d times "
		   "complete)", op->name, complete);
	if (op->third != NULL)
		ok(!worse, "%s: the token is as before, the change complete, or %s (%d, %d times)",
		   op->name, op->third, complete, thirds);
	if (sw != NULL)
		ok(!changed, "%s: a failed call leaves the state file byte for byte as before",
		   op->name);
	if (op->todo != NULL && next)
		drop_todo(0, op->todo, "the next call succeeds each time", op->name);
	else
		ok(!next, "%s: the next call succeeds each time", op->name);
	ok(!left, "%s: after it no file is left that no PKCS#15 directory references", op->name);
	drop_fl->C_Finalize(NULL);
	return n;
}

/* The handle of the one token object of class cls with this label, or CK_INVALID_HANDLE. */
static inline CK_OBJECT_HANDLE drop_find(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const char *label)
{
	CK_BBOOL tok = CK_TRUE;
	CK_ATTRIBUTE t[] = { { CKA_TOKEN, &tok, sizeof tok }, { CKA_CLASS, &cls, sizeof cls },
			     { CKA_LABEL, (void *)label, strlen(label) } };
	CK_OBJECT_HANDLE h[2];
	CK_ULONG got = 0;

	if (drop_fl->C_FindObjectsInit(s, t, 3) != CKR_OK)
		return CK_INVALID_HANDLE;
	drop_fl->C_FindObjects(s, h, 2, &got);
	drop_fl->C_FindObjectsFinal(s);
	return got == 1 ? h[0] : CK_INVALID_HANDLE;
}
