/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5305 — no label an application passes can make the token unusable.
 *   - C_InitToken: a short label NUL-terminated (and NUL- or blank-padded) is stored
 *     without its padding; one with an embedded NUL or bytes that are not UTF-8
 *     (invalid, cut short, overlong, a UTF-16 surrogate) is CKR_ARGUMENTS_BAD before any
 *     APDU, and the token keeps its label; UTF-8 beyond ASCII is stored and read back.
 *     Afterwards C_GetTokenInfo, C_OpenSession and C_InitToken still work.
 *   - a TokenInfo whose label another tool wrote with a NUL and a byte that is not UTF-8
 *     is still read (the bad bytes shown as '?'), and the token can be re-initialised.
 *   - CKA_LABEL of token objects (C_CreateObject, C_SetAttributeValue): bytes that are
 *     not UTF-8 are CKR_ATTRIBUTE_VALUE_INVALID; a NUL (U+0000 is UTF-8) is stored, read
 *     back byte for byte after C_Finalize / C_Initialize, and OpenSC still reads the token.
 */
#include <fcntl.h>

#include "api/api.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static const char *opensc_module = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

static int run_out(const char *out, char *const argv[])
{
	int st = -1, fd;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		return WEXITSTATUS(st);
	return -1;
}

/* The token's label as C_GetTokenInfo shows it, padding cut; "" on failure. */
static const char *token_label(CK_RV *rv)
{
	static char out[33];
	CK_TOKEN_INFO ti;

	out[0] = '\0';
	*rv = f->C_GetTokenInfo(slot, &ti);
	if (*rv == CKR_OK)
		api_unpad(out, ti.label, 32);
	return out;
}

/* C_InitToken with 32 label bytes: len bytes of s, then pad bytes. */
static CK_RV init_with(const char *s, size_t len, char pad)
{
	CK_UTF8CHAR lab[32];

	memset(lab, pad, sizeof lab);
	memcpy(lab, s, len);
	return f->C_InitToken(slot, API_PIN(API_SO_PIN), lab);
}

static void refused(const char *what, const char *s, size_t len)
{
	long mark = api_apdus(0);
	CK_RV rv;

	is_rv(init_with(s, len, ' '), CKR_ARGUMENTS_BAD, "C_InitToken refuses a label with %s",
	      what);
	is_ulong(api_apdus(0) - mark, 0, "  before any APDU");
	is_str(token_label(&rv), "kept", "  the token keeps its label");
}

static int session_works(void)
{
	CK_SESSION_HANDLE s;
	CK_RV rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);

	if (rv == CKR_OK)
		f->C_CloseSession(s);
	return rv == CKR_OK;
}

/* The token objects whose label is exactly (label, len). */
static long find_label(CK_SESSION_HANDLE s, const char *label, size_t len)
{
	CK_ATTRIBUTE t[] = { { CKA_LABEL, (void *)label, (CK_ULONG)len } };
	CK_OBJECT_HANDLE hs[8];
	CK_ULONG got = 0;

	if (f->C_FindObjectsInit(s, t, 1) != CKR_OK)
		return -1;
	if (f->C_FindObjects(s, hs, 8, &got) != CKR_OK)
		got = (CK_ULONG)-1;
	f->C_FindObjectsFinal(s);
	return (long)got;
}

static void object_labels(void)
{
	static const char nul[] = "obj\0nul", bad[] = "\xff\xfe obj", renamed[] = "re\0named",
			  cut[] = "re\xc3";
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof cls }, { CKA_TOKEN, &yes, sizeof yes },
		{ CKA_LABEL, (void *)nul, sizeof nul - 1 }, { CKA_VALUE, "v", 1 },
	};
	CK_ATTRIBUTE set[] = { { CKA_LABEL, (void *)renamed, sizeof renamed - 1 } };
	CK_ATTRIBUTE set_bad[] = { { CKA_LABEL, (void *)cut, sizeof cut - 1 } };
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h1, h2;
	char out[] = "/tmp/t5305-XXXXXX";
	int fd;

	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "C_Login");
	/* U+0000 is UTF-8: stored as given; bytes that are not UTF-8 are refused */
	is_rv(f->C_CreateObject(s, t, 4, &h1), CKR_OK, "a token object labelled with a NUL");
	t[2].pValue = (void *)bad;
	t[2].ulValueLen = sizeof bad - 1;
	is_rv(f->C_CreateObject(s, t, 4, &h2), CKR_ATTRIBUTE_VALUE_INVALID,
	      "C_CreateObject refuses a CKA_LABEL that is not UTF-8");
	is_rv(f->C_SetAttributeValue(s, h1, set_bad, 1), CKR_ATTRIBUTE_VALUE_INVALID,
	      "C_SetAttributeValue refuses a CKA_LABEL with a cut UTF-8 sequence");
	is_rv(f->C_SetAttributeValue(s, h1, set, 1), CKR_OK,
	      "C_SetAttributeValue: another label with a NUL");
	f->C_Logout(s);
	f->C_CloseSession(s);

	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize: the objects are read from the card");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK,
	      "C_OpenSession");
	is_ulong(find_label(s, renamed, sizeof renamed - 1), 1, "the object, its label byte for "
		 "byte");
	is_ulong(find_label(s, bad, sizeof bad - 1), 0, "nothing with the refused label");
	f->C_CloseSession(s);

	fd = mkstemp(out);
	if (fd >= 0)
		close(fd);
	if (access(opensc_module, R_OK) == 0 && access("/usr/bin/pkcs15-tool", X_OK) == 0 &&
	    fd >= 0) {
		char *p15[] = { "timeout", "60", "pkcs15-tool", "-D", NULL };
		char *p11[] = { "timeout", "60", "pkcs11-tool", "--module",
				(char *)opensc_module, "-O", NULL };

		is_ulong(run_out(out, p15), 0, "OpenSC's pkcs15-tool -D reads the token");
		is_ulong(run_out(out, p11), 0, "pkcs11-tool -O through opensc-pkcs11 lists it");
	} else {
		ok(1, "# SKIP OpenSC is not installed");
		ok(1, "# SKIP OpenSC is not installed");
	}
	unlink(out);
}

/* OpenSC stores a data object whose label is not UTF-8; the module still reads them all. */
static void foreign_object_label(void)
{
	static const char bad[] = "bad\xff\xfelabel";
	char data[] = "/tmp/t5305-data-XXXXXX", out[] = "/tmp/t5305-XXXXXX";
	char *argv[] = { "timeout", "60", "pkcs15-init", "--store-data", data, "--label",
			 (char *)bad, "--auth-id", "02", "--pin", API_USER_PIN, "--so-pin",
			 API_SO_PIN, NULL };
	CK_SESSION_HANDLE s;
	int fd = mkstemp(data), fo = mkstemp(out);

	if (fd < 0 || fo < 0 || access("/usr/bin/pkcs15-init", X_OK) != 0) {
		if (fd >= 0)
			close(fd), unlink(data);
		if (fo >= 0)
			close(fo), unlink(out);
		ok(1, "# SKIP OpenSC is not installed");
		ok(1, "# SKIP OpenSC is not installed");
		return;
	}
	close(fo);
	if (write(fd, "payload", 7) != 7)
		diag("cannot write %s", data);
	close(fd);
	is_ulong(run_out(out, argv), 0, "pkcs15-init stores a data object labelled with bytes "
		 "that are not UTF-8");
	unlink(data);
	unlink(out);
	f->C_Finalize(NULL);
	f->C_Initialize(NULL);
	if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK ||
	    f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)) != CKR_OK) {
		ok(0, "a session and login");
		return;
	}
	is_ulong(find_label(s, bad, sizeof bad - 1), 1, "the module reads the directory, and "
		 "that object with its label byte for byte");
	f->C_Logout(s);
	f->C_CloseSession(s);
}

/* Another tool writes a TokenInfo whose label holds a NUL and a byte that is not UTF-8. */
static int write_bad_tokeninfo(void)
{
	static const char ti[] =
		"30:24:02:01:00:04:04:01:02:03:04:0C:09:41:6B:74:69:76:20:43:6F:2E:"
		"80:0A:62:61:64:00:6C:61:62:65:6C:FF:03:02:04:10";
	char update[1024], out[] = "/tmp/t5305-XXXXXX";
	char *argv[] = { "timeout", "60", "opensc-tool", "-s", "00:20:00:01:08:38:37:36:35:34:33:32:31",
			 "-s", "00:A4:08:00:04:50:00:50:32", "-s", update, NULL };
	int fd = mkstemp(out), k, rc;
	size_t n;

	if (fd < 0)
		return -1;
	close(fd);
	n = (size_t)snprintf(update, sizeof update, "00:D6:00:00:80:%s", ti);
	for (k = 0; k < 128 - 38; k++)
		n += (size_t)snprintf(update + n, sizeof update - n, ":00");
	rc = run_out(out, argv);
	unlink(out);
	return rc;
}

int main(int argc, char **argv)
{
	CK_TOKEN_INFO ti;
	CK_RV rv;
	int k, blank = 1;

	(void)argc;
	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5305"), CKR_OK, "an initialised token");

	/* padding: NULs as a binding passes a short C string, or NULs then blanks */
	is_rv(init_with("short", 6, '\0'), CKR_OK, "C_InitToken with a NUL-padded label");
	is_rv(f->C_GetTokenInfo(slot, &ti), CKR_OK, "C_GetTokenInfo");
	for (k = 5; k < 32; k++)
		blank &= ti.label[k] == ' ';
	ok(memcmp(ti.label, "short", 5) == 0 && blank, "  the label is 'short', blank-padded");
	is_rv(init_with("kept\0", 5, ' '), CKR_OK, "C_InitToken with a NUL, then blanks");
	is_str(token_label(&rv), "kept", "  the label is 'kept'");

	refused("an embedded NUL", "ab\0cd", 5);
	refused("a byte that is not UTF-8", "\xff\xfe", 2);
	refused("a UTF-8 sequence cut short", "abc\xd0", 4);
	refused("an overlong UTF-8 form", "\xc0\xaf", 2);
	refused("a UTF-16 surrogate", "\xed\xa0\x80", 3);
	ok(session_works(), "C_OpenSession still works");

	is_rv(init_with("\xd0\xa0\xd1\x83\xd1\x82\xd0\xbe\xd0\xba\xd0\xb5\xd0\xbd", 14, ' '),
	      CKR_OK, "C_InitToken with a UTF-8 label beyond ASCII");
	is_str(token_label(&rv), "\xd0\xa0\xd1\x83\xd1\x82\xd0\xbe\xd0\xba\xd0\xb5\xd0\xbd",
	       "  read back as it was given");

	/* a bad label on the card, written by another tool */
	if (access("/usr/bin/opensc-tool", X_OK) == 0) {
		is_ulong(write_bad_tokeninfo(), 0, "opensc-tool writes a TokenInfo with a bad label");
		is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
		is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize: the token is read again");
		is_str(token_label(&rv), "bad?label?", "C_GetTokenInfo shows it, bad bytes as '?'");
		is_rv(rv, CKR_OK, "  C_GetTokenInfo is CKR_OK");
		ok(session_works(), "  C_OpenSession works");
	} else {
		for (k = 0; k < 6; k++)
			ok(1, "# SKIP opensc-tool is not installed");
	}
	is_rv(api_prepare_token(f, slot, "again"), CKR_OK, "C_InitToken and C_InitPIN work");
	is_str(token_label(&rv), "again", "  the new label");

	object_labels();
	foreign_object_label();
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
