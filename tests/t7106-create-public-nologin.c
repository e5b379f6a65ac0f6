/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7106 — a public token object created without login (PKCS#11 allows it in a R/W public
 * session) on a token whose object directories only the user may update: C_CreateObject
 * of a certificate, a data object and a public key says CKR_USER_NOT_LOGGED_IN before
 * anything is written — the token's state file is byte for byte as before, no APDU but
 * SELECT, READ BINARY and VERIFY was sent, and no file is left that no PKCS#15 directory
 * references; after C_Login the same calls succeed.
 */
#include "api/drop_objs.h"

static CK_RV create_data(CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BYTE v[] = { 1, 2, 3 };
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_TOKEN, &dob_yes, 1 },
			     { CKA_PRIVATE, &dob_no, 1 }, { CKA_LABEL, "pub-data", 8 },
			     { CKA_VALUE, v, sizeof v } };
	CK_OBJECT_HANDLE h;

	return drop_fl->C_CreateObject(s, t, 5, &h);
}

static CK_RV create_pubkey(CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_EC;
	CK_BYTE point[67] = { 0x04, 0x41, 0x04 };
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_KEY_TYPE, &kt, sizeof kt },
			     { CKA_TOKEN, &dob_yes, 1 }, { CKA_PRIVATE, &dob_no, 1 },
			     { CKA_LABEL, "pub-key", 7 }, { CKA_EC_PARAMS, dob_p256, sizeof dob_p256 },
			     { CKA_EC_POINT, point, sizeof point } };
	CK_OBJECT_HANDLE h;

	/* the P-256 base point, so that the point is a real one */
	static const CK_BYTE g[64] = {
		0x6B, 0x17, 0xD1, 0xF2, 0xE1, 0x2C, 0x42, 0x47, 0xF8, 0xBC, 0xE6, 0xE5, 0x63, 0xA4,
		0x40, 0xF2, 0x77, 0x03, 0x7D, 0x81, 0x2D, 0xEB, 0x33, 0xA0, 0xF4, 0xA1, 0x39, 0x45,
		0xD8, 0x98, 0xC2, 0x96, 0x4F, 0xE3, 0x42, 0xE2, 0xFE, 0x1A, 0x7F, 0x9B, 0x8E, 0xE7,
		0xEB, 0x4A, 0x7C, 0x0F, 0x9E, 0x16, 0x2B, 0xCE, 0x33, 0x57, 0x6B, 0x31, 0x5E, 0xCE,
		0xCB, 0xB6, 0x40, 0x68, 0x37, 0xBF, 0x51, 0xF5,
	};
	memcpy(point + 3, g, sizeof g);
	return drop_fl->C_CreateObject(s, t, 7, &h);
}

static CK_RV create_cert(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE h;

	return dob_create_cert(s, "pub-cert", &h);
}

static void refused(CK_SESSION_HANDLE s, CK_RV (*fn)(CK_SESSION_HANDLE), const char *what)
{
	char *before, *after, orphans[1024];
	size_t blen, alen;
	unsigned ins[256];
	long mark, n, i;
	int only_reads = 1;

	before = drop_state(&blen);
	mark = api_apdus(0);
	is_rv(fn(s), CKR_USER_NOT_LOGGED_IN, "%s without login: CKR_USER_NOT_LOGGED_IN", what);
	n = api_ins_since(0, mark, ins, 256);
	for (i = 0; i < n && i < 256; i++)
		if (ins[i] != 0xA4 && ins[i] != 0xB0 && ins[i] != 0x20 && ins[i] != 0x40)
			only_reads = 0;
	/* 80 40 (reset access rights): a public session never writes with a verification
	 * another process left on the card (the module's login policy) */
	ok(n >= 0 && only_reads, "... its %ld APDUs only SELECT, READ BINARY, VERIFY and the "
	   "reset of access rights", n);
	after = drop_state(&alen);
	ok(before != NULL && after != NULL && alen == blen && memcmp(before, after, blen) == 0,
	   "... the token's state is byte for byte as before");
	is_ulong((CK_ULONG)drop_orphans(orphans, sizeof orphans), 0, "... no orphan file %s",
		 orphans);
	free(before);
	free(after);
}

int main(int argc, char **argv)
{
	CK_SESSION_HANDLE s;

	(void)argc;
	dob_setup(argv, 120);
	/* the card keeps a PIN verified across module instances: log in and out once */
	is_rv(drop_reopen_as(&s, CKU_USER + 1), CKR_OK, "a R/W session, the user logged in");
	is_rv(drop_fl->C_Logout(s), CKR_OK, "C_Logout: nobody is logged in now");
	ok(drop_count(drop_fl, s, CK_UNAVAILABLE_INFORMATION, NULL) >= 0, "the objects are read");
	refused(s, create_cert, "a public certificate");
	refused(s, create_data, "a public data object");
	refused(s, create_pubkey, "a public EC key");
	is_rv(drop_login(s, CKU_USER + 1), CKR_OK, "C_Login as the user");
	is_rv(create_cert(s), CKR_OK, "then the certificate is created");
	is_rv(create_data(s), CKR_OK, "... the data object");
	is_rv(create_pubkey(s), CKR_OK, "... and the public key");
	drop_fl->C_Finalize(NULL);
	return done_testing();
}
