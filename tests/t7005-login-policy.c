/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7005 — login state is per application, the card has one security state.
 *
 *  A. Two processes: this one logs in and signs; another logs in and logs out (which
 *     resets the card's access rights, 80 40); this one keeps signing, because the module
 *     verifies its cached PIN again when the card answers "security status not satisfied".
 *  B. fork: a multi-part signature is started, a forked child initialises the module,
 *     logs in, logs out and exits; the parent's C_SignFinal still works (OpenSSL
 *     pkcs11-provider's fork test, forking servers).
 *  C. With the PIN cache off (SCRIPTOKI_PIN_CACHE=0), the same logout does log the other
 *     process out: CKR_USER_NOT_LOGGED_IN, as the setting documents.
 *  D. A process that dies logged in (exit without C_Finalize, as Debian's
 *     pkcs11-tool --change-pin does) leaves the card verified; a process that never logs
 *     in still cannot create token objects or generate keys: the module's login state
 *     decides, not the card's.
 *
 * The other processes are this program run again with a role as argument; their exit
 * status says which step failed (0: all as expected).
 */
#include "api/api.h"

static CK_FUNCTION_LIST_PTR fl;
static CK_BBOOL yes = CK_TRUE;
static CK_ULONG bits1024 = 1024;
static CK_BYTE e65537[3] = { 1, 0, 1 };
static CK_MECHANISM sha256_rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 };
static const char data[] = "the data to sign";

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_RV open_rw(CK_SLOT_ID *slot, CK_SESSION_HANDLE *s)
{
	CK_RV rv = api_slot_of(fl, 0, slot);

	if (rv == CKR_OK)
		rv = fl->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
	return rv;
}

static CK_RV find_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *h)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, cls), { CKA_LABEL, "policy", 6 } };
	CK_ULONG n = 0;
	CK_RV rv = fl->C_FindObjectsInit(s, t, 2);

	if (rv == CKR_OK)
		rv = fl->C_FindObjects(s, h, 1, &n);
	fl->C_FindObjectsFinal(s);
	return rv != CKR_OK ? rv : n == 1 ? CKR_OK : CKR_OBJECT_HANDLE_INVALID;
}

static CK_RV sign(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key)
{
	CK_BYTE sig[512];
	CK_ULONG len = sizeof sig;
	CK_RV rv = fl->C_SignInit(s, &sha256_rsa, key);

	if (rv == CKR_OK)
		rv = fl->C_Sign(s, (CK_BYTE_PTR)data, sizeof data - 1, sig, &len);
	return rv;
}

/* Run this program again as role; its exit status. */
static int run_role(const char *self, const char *role)
{
	return api_run(self, role, (char *)NULL);
}

/* --- the other processes ------------------------------------------------------------- */

/* Logs in; then "logout": logs out and finalises; "die": exits without C_Finalize. */
static int role_login(const char *then)
{
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;

	fl = api_module();
	if (fl->C_Initialize(NULL) != CKR_OK)
		return 10;
	if (open_rw(&slot, &s) != CKR_OK)
		return 11;
	if (fl->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)) != CKR_OK)
		return 12;
	if (strcmp(then, "die") == 0)
		exit(0);        /* the card stays verified: nobody resets it */
	if (fl->C_Logout(s) != CKR_OK)
		return 13;
	fl->C_CloseSession(s);
	return fl->C_Finalize(NULL) == CKR_OK ? 0 : 14;
}

/* The user's public key (visible without login). */
static CK_RV find_pub(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *h)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, cls), { CKA_LABEL, "policy", 6 } };
	CK_ULONG n = 0;
	CK_RV rv = fl->C_FindObjectsInit(s, t, 2);

	if (rv == CKR_OK)
		rv = fl->C_FindObjects(s, h, 1, &n);
	fl->C_FindObjectsFinal(s);
	return rv != CKR_OK ? rv : n == 1 ? CKR_OK : CKR_OBJECT_HANDLE_INVALID;
}

/* Never logs in: changing the user's token objects must be refused, as on a card nobody
 * verified. Exit 0 when it is; bits say what went wrong. */
static int role_public_write(void)
{
	CK_ATTRIBUTE label[] = { { CKA_LABEL, "renamed", 7 } };
	CK_OBJECT_HANDLE pubk, key;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_RV rv;
	int st = 0;

	fl = api_module();
	if (fl->C_Initialize(NULL) != CKR_OK)
		return 20;
	if (open_rw(&slot, &s) != CKR_OK)
		return 21;
	if (find_pub(s, &pubk) != CKR_OK)
		return 22;
	rv = fl->C_SetAttributeValue(s, pubk, label, 1);
	if (rv == CKR_OK)
		st |= 1;        /* renamed the user's key */
	rv = fl->C_DestroyObject(s, pubk);
	if (rv == CKR_OK)
		st |= 2;        /* destroyed it */
	if (find_key(s, &key) == CKR_OK)
		st |= 4;        /* a private key visible without login */
	if (find_pub(s, &pubk) != CKR_OK)
		st |= 8;        /* the key is gone or renamed after all */
	fl->C_Finalize(NULL);
	return st;
}

/* With the PIN cache off: logs in, signs, lets another process log in and out, and
 * expects its next signature to be refused. Exit 0 when it is. */
static int role_nocache(const char *self)
{
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;

	fl = api_module();
	if (fl->C_Initialize(NULL) != CKR_OK)
		return 30;
	if (open_rw(&slot, &s) != CKR_OK || fl->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)) != CKR_OK)
		return 31;
	if (find_key(s, &key) != CKR_OK || sign(s, key) != CKR_OK)
		return 32;
	if (run_role(self, "login-logout") != 0)
		return 33;
	if (sign(s, key) != CKR_USER_NOT_LOGGED_IN)
		return 34;
	fl->C_Finalize(NULL);
	return 0;
}

/* --- this process ---------------------------------------------------------------------- */

/* 1 when the file holds needle (a PIN in clear, or as hex with or without spaces). */
static int file_has(const char *path, const char *needle)
{
	static char buf[1 << 22];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static int has_ins(long mark, unsigned want)
{
	unsigned ins[4096];
	long n = api_ins_since(0, mark, ins, 4096), k;

	for (k = 0; k < n; k++)
		if (ins[k] == want)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pub[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_MODULUS_BITS, bits1024),
			       ATTR(CKA_PUBLIC_EXPONENT, e65537), { CKA_LABEL, "policy", 6 } };
	CK_ATTRIBUTE priv[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes),
				{ CKA_LABEL, "policy", 6 } };
	CK_OBJECT_HANDLE hpub, key;
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s, s2;
	CK_BYTE sig[512];
	CK_ULONG len;
	long mark;
	pid_t pid;
	int st;
	char logpath[4096];

	if (argc == 2 && strcmp(argv[1], "login-logout") == 0)
		return role_login("logout");
	if (argc == 2 && strcmp(argv[1], "login-die") == 0)
		return role_login("die");
	if (argc == 2 && strcmp(argv[1], "public-write") == 0)
		return role_public_write();
	if (argc == 2 && strcmp(argv[1], "nocache") == 0)
		return role_nocache(argv[0]);

	api_rig_timeout(argv, 1, 240);
	unsetenv("SCRIPTOKI_PIN_CACHE");
	/* every process of this test logs all it may (card traffic too) into one file: the
	 * PIN, which this process keeps and verifies again, must never appear in it */
	snprintf(logpath, sizeof logpath, "%s/t7005.log", getenv("RIG_DIR") ? getenv("RIG_DIR") : ".");
	setenv("SCRIPTOKI_DEBUG", "3", 1);
	setenv("SCRIPTOKI_DEBUG_FILE", logpath, 1);
	fl = api_module();
	is_rv(fl->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(fl, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(fl, slot, "policy"), CKR_OK, "a token with both PINs");

	/* A */
	is_rv(open_rw(&slot, &s), CKR_OK, "A: a session");
	is_rv(fl->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "A: user login");
	is_rv(fl->C_GenerateKeyPair(s, &gen, pub, 4, priv, 4, &hpub, &key), CKR_OK,
	      "A: an RSA-1024 key pair");
	is_rv(sign(s, key), CKR_OK, "A: this process signs");
	mark = api_apdus(0);
	is_ulong(run_role(argv[0], "login-logout"), 0, "A: another process logs in and out");
	ok(has_ins(mark, 0x40), "A: ... and its logout reset the card's access rights (80 40)");
	mark = api_apdus(0);
	is_rv(sign(s, key), CKR_OK, "A: this process still signs");
	ok(has_ins(mark, 0x20), "A: ... after verifying its cached PIN again (VERIFY)");
	is_rv(sign(s, key), CKR_OK, "A: and again");

	/* B */
	len = sizeof sig;
	is_rv(fl->C_SignInit(s, &sha256_rsa, key), CKR_OK, "B: C_SignInit");
	is_rv(fl->C_SignUpdate(s, (CK_BYTE_PTR)data, 4), CKR_OK, "B: C_SignUpdate before fork");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		CK_SESSION_HANDLE cs;
		CK_SLOT_ID cslot;

		if (fl->C_Initialize(NULL) != CKR_OK)
			_exit(40);
		if (open_rw(&cslot, &cs) != CKR_OK)
			_exit(41);
		if (fl->C_Login(cs, CKU_USER, API_PIN(API_USER_PIN)) != CKR_OK)
			_exit(42);
		if (fl->C_Logout(cs) != CKR_OK)
			_exit(43);
		fl->C_CloseSession(cs);
		_exit(fl->C_Finalize(NULL) == CKR_OK ? 0 : 44);
	}
	st = -1;
	if (pid <= 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		st = -1;
	else
		st = WEXITSTATUS(st);
	is_ulong(st, 0, "B: a forked child initialises, logs in, logs out and exits");
	is_rv(fl->C_SignUpdate(s, (CK_BYTE_PTR)data + 4, sizeof data - 5), CKR_OK,
	      "B: the parent's C_SignUpdate");
	is_rv(fl->C_SignFinal(s, sig, &len), CKR_OK, "B: the parent's C_SignFinal works");

	/* C */
	setenv("SCRIPTOKI_PIN_CACHE", "0", 1);
	is_ulong(run_role(argv[0], "nocache"), 0,
		 "C: with pin_cache off, another process's logout logs this one out");
	unsetenv("SCRIPTOKI_PIN_CACHE");

	/* D */
	is_rv(fl->C_Logout(s), CKR_OK, "D: this process logs out");
	is_rv(open_rw(&slot, &s2), CKR_OK, "D: a public session keeps the card connected");
	fl->C_CloseSession(s);
	is_ulong(run_role(argv[0], "public-write"), 0,
		 "D, baseline: on a card nobody verified, a process that never logged in can "
		 "neither rename nor destroy the user's key, nor sees the private one");
	mark = api_apdus(0);
	is_ulong(run_role(argv[0], "login-die"), 0,
		 "D: another process logs in and exits without C_Finalize");
	ok(!has_ins(mark, 0x40), "D: ... leaving the card verified (no 80 40)");
	is_ulong(run_role(argv[0], "public-write"), 0,
		 "D: after it, a process that never logged in still can neither rename nor "
		 "destroy the user's key, nor sees the private one");
	is_ulong(run_role(argv[0], "login-die"), 0, "D: another process dies logged in again");
	is_rv(find_pub(s2, &hpub), CKR_OK, "D: this process, logged out, sees the public key");
	/* (the card refuses the first write with 6982; the script's undo of that write then
	 * fails as well, so the call says CKR_GENERAL_ERROR rather than the card's reason) */
	ok(fl->C_DestroyObject(s2, hpub) != CKR_OK,
	   "D: ... but cannot destroy it in its public session");
	is_rv(find_pub(s2, &hpub), CKR_OK, "D: the key is still there");
	is_rv(sign(s2, key), CKR_USER_NOT_LOGGED_IN,
	      "D: nor can it sign with the private key it had a handle of");
	is_rv(fl->C_Finalize(NULL), CKR_OK, "C_Finalize");
	ok(file_has(logpath, "VERIFY") == 1 || file_has(logpath, "00 20 00") == 1,
	   "the debug log of all these processes shows the re-verifications");
	ok(file_has(logpath, API_USER_PIN) == 0 && file_has(logpath, "3132333435363738") == 0 &&
	   file_has(logpath, "31 32 33 34 35 36 37 38") == 0,
	   "... but never the PIN, in clear or in hex");
	return done_testing();
}
