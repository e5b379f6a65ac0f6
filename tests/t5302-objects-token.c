/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5302 — token objects through the API against the virtual token: a data object stored
 * on the token (C_CreateObject through the script), found and read with no APDU once
 * cached, still there after C_Finalize / C_Initialize, renamed (C_SetAttributeValue on the
 * card), refused in a read-only session, private ones only after login, destroyed; then
 * an X.509 certificate stored and read back; C_CopyObject of a token object into the
 * session and onto the token; then
 * all or nothing: with the virtual token failing each APDU of C_CreateObject,
 * C_SetAttributeValue and C_DestroyObject in turn, every call fails, the token's state file is byte for byte what it
 * was, and the module's cache still shows what the token holds — except that a destroy
 * whose deletion of the EF fails after the directory entry is gone (its commit) is done.
 */

#include "api/api.h"
#include "api/token.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_data = CKO_DATA;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

/* A self-signed P-256 certificate made for this test (CN=t5302), and its subject. */
static const CK_BYTE cert_der[] = {
	0x30, 0x82, 0x01, 0x75, 0x30, 0x82, 0x01, 0x1B, 0xA0, 0x03, 0x02, 0x01,
	0x02, 0x02, 0x14, 0x22, 0x46, 0x49, 0x33, 0x52, 0x2E, 0x09, 0x00, 0x61,
	0xAF, 0x81, 0x55, 0x61, 0xEF, 0x3C, 0xB3, 0x1D, 0x9E, 0x64, 0x08, 0x30,
	0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02, 0x30,
	0x10, 0x31, 0x0E, 0x30, 0x0C, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0C, 0x05,
	0x74, 0x35, 0x33, 0x30, 0x32, 0x30, 0x1E, 0x17, 0x0D, 0x32, 0x36, 0x31,
	0x31, 0x32, 0x36, 0x32, 0x30, 0x30, 0x39, 0x33, 0x33, 0x5A, 0x17, 0x0D,
	0x33, 0x36, 0x31, 0x31, 0x32, 0x33, 0x32, 0x30, 0x30, 0x39, 0x33, 0x33,
	0x5A, 0x30, 0x10, 0x31, 0x0E, 0x30, 0x0C, 0x06, 0x03, 0x55, 0x04, 0x03,
	0x0C, 0x05, 0x74, 0x35, 0x33, 0x30, 0x32, 0x30, 0x59, 0x30, 0x13, 0x06,
	0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86,
	0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0xF2, 0xCA,
	0x6D, 0xC5, 0x94, 0x88, 0xAD, 0xE4, 0xB7, 0xF0, 0x4B, 0x07, 0x55, 0xB4,
	0x0E, 0x2D, 0xF5, 0x65, 0xDA, 0x82, 0x3B, 0xC1, 0x34, 0x9B, 0x07, 0xE8,
	0xD5, 0xDD, 0x63, 0xEF, 0xDB, 0x55, 0x07, 0x2B, 0xDD, 0xAA, 0x31, 0xCF,
	0x16, 0xE0, 0x12, 0xFE, 0x33, 0xFD, 0xB1, 0x04, 0xAD, 0x5F, 0xD9, 0xDC,
	0x51, 0xF2, 0x1F, 0x91, 0x5C, 0xFA, 0xAF, 0x82, 0x59, 0x49, 0x01, 0x4B,
	0xCB, 0x35, 0xA3, 0x53, 0x30, 0x51, 0x30, 0x1D, 0x06, 0x03, 0x55, 0x1D,
	0x0E, 0x04, 0x16, 0x04, 0x14, 0xB9, 0xE9, 0x89, 0x8F, 0x22, 0x9B, 0x15,
	0x33, 0xEB, 0xE3, 0x41, 0xAE, 0xA0, 0xF6, 0x40, 0xC1, 0x91, 0x7D, 0x69,
	0xD0, 0x30, 0x1F, 0x06, 0x03, 0x55, 0x1D, 0x23, 0x04, 0x18, 0x30, 0x16,
	0x80, 0x14, 0xB9, 0xE9, 0x89, 0x8F, 0x22, 0x9B, 0x15, 0x33, 0xEB, 0xE3,
	0x41, 0xAE, 0xA0, 0xF6, 0x40, 0xC1, 0x91, 0x7D, 0x69, 0xD0, 0x30, 0x0F,
	0x06, 0x03, 0x55, 0x1D, 0x13, 0x01, 0x01, 0xFF, 0x04, 0x05, 0x30, 0x03,
	0x01, 0x01, 0xFF, 0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D,
	0x04, 0x03, 0x02, 0x03, 0x48, 0x00, 0x30, 0x45, 0x02, 0x21, 0x00, 0x8F,
	0xD5, 0xBB, 0x9D, 0x9D, 0x08, 0x59, 0x2E, 0xAE, 0x58, 0x9F, 0x1F, 0xF0,
	0x3A, 0xBD, 0x84, 0x7A, 0xEE, 0x3D, 0xAC, 0xA4, 0xDB, 0x28, 0x67, 0xDD,
	0x63, 0xB8, 0xF6, 0x51, 0xF3, 0x6D, 0xB7, 0x02, 0x20, 0x7E, 0xD2, 0x41,
	0x96, 0xD1, 0xB0, 0xCD, 0x3F, 0xCC, 0x54, 0x65, 0x27, 0x8B, 0x17, 0x8D,
	0x38, 0x8E, 0xB3, 0x6E, 0xDD, 0xC1, 0xB0, 0xF1, 0xDA, 0x07, 0x9E, 0x41,
	0xA0, 0x9D, 0x68, 0xAB, 0x0B,
};
static const CK_BYTE cert_subject[] = {
	0x30, 0x10, 0x31, 0x0E, 0x30, 0x0C, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0C,
	0x05, 0x74, 0x35, 0x33, 0x30, 0x32,
};

static CK_RV make_token_data(CK_SESSION_HANDLE s, const char *label, CK_BBOOL *priv,
			     CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_data), ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, *priv),
		{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
		{ CKA_APPLICATION, "t5302", 5 },
		{ CKA_VALUE, "token payload", 13 },
	};

	return f->C_CreateObject(s, t, 6, h);
}

static void cert_and_copy(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE data)
{
	CK_OBJECT_CLASS c_cert = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE x509 = CKC_X_509;
	CK_BYTE cid[2] = { 0x53, 0x02 }, buf[512];
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_cert), ATTR(CKA_CERTIFICATE_TYPE, x509), ATTR(CKA_TOKEN, yes),
		{ CKA_SUBJECT, (void *)cert_subject, sizeof cert_subject },
		{ CKA_VALUE, (void *)cert_der, sizeof cert_der }, ATTR(CKA_ID, cid),
		{ CKA_LABEL, "cert", 4 },
	};
	CK_ATTRIBUTE no_subject[] = {
		ATTR(CKA_CLASS, c_cert), ATTR(CKA_CERTIFICATE_TYPE, x509), ATTR(CKA_TOKEN, yes),
		{ CKA_VALUE, (void *)cert_der, sizeof cert_der },
	};
	CK_ATTRIBUTE r[2], to_session[] = { ATTR(CKA_TOKEN, no), { CKA_LABEL, "in session", 10 } };
	CK_ATTRIBUTE to_token[] = { { CKA_LABEL, "copied", 6 } };
	CK_OBJECT_HANDLE h, copy, copy2;
	CK_BBOOL tok = 9;

	is_rv(f->C_CreateObject(s, no_subject, 4, &h), CKR_TEMPLATE_INCOMPLETE,
	      "a certificate without CKA_SUBJECT");
	is_rv(f->C_CreateObject(s, t, 7, &h), CKR_OK, "an X.509 certificate on the token");
	r[0] = (CK_ATTRIBUTE){ CKA_VALUE, buf, sizeof buf };
	r[1] = (CK_ATTRIBUTE){ CKA_ID, buf + 400, 16 };
	is_rv(f->C_GetAttributeValue(s, h, r, 2), CKR_OK, "its value and CKA_ID");
	ok(r[0].ulValueLen == sizeof cert_der && memcmp(buf, cert_der, sizeof cert_der) == 0 &&
	   r[1].ulValueLen == 2 && memcmp(buf + 400, cid, 2) == 0, "... as stored");
	is_ulong((CK_ULONG)api_find_label(f, s, "cert", NULL), 1, "... found by label");

	is_rv(f->C_CopyObject(s, data, to_session, 2, &copy), CKR_OK,
	      "copy a token object into the session");
	r[0] = (CK_ATTRIBUTE){ CKA_TOKEN, &tok, 1 };
	is_rv(f->C_GetAttributeValue(s, copy, r, 1), CKR_OK, "... the copy's CKA_TOKEN");
	is_ulong(tok, CK_FALSE, "... a session object");
	is_rv(f->C_CopyObject(s, data, to_token, 1, &copy2), CKR_OK, "copy it onto the token");
	is_ulong((CK_ULONG)api_find_label(f, s, "copied", NULL), 1, "... found by its new label");
	is_rv(f->C_DestroyObject(s, copy2), CKR_OK, "... destroyed");
	is_rv(f->C_DestroyObject(s, h), CKR_OK, "destroy the certificate");
}

static void faults_create(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE h;
	char *before;
	size_t len;
	long n, i, mark;
	int all_failed = 1, all_same = 1, cache_same = 1;
	CK_RV rv;

	/* how many APDUs a good create sends, then fail each of them in turn */
	mark = api_apdus(0);
	is_rv(make_token_data(s, "probe", &no, &h), CKR_OK, "a create to count its APDUs");
	n = api_apdus(0) - mark;
	ok(n > 0, "... it sent %ld APDUs", n);
	is_rv(f->C_DestroyObject(s, h), CKR_OK, "... and its object destroyed again");
	before = api_state(0, &len);
	ok(before != NULL, "the token's state file");
	for (i = 1; i <= n; i++) {
		char cmd[64];

		snprintf(cmd, sizeof cmd, "fail-at %ld 6F00", i);
		api_ctl(0, cmd, NULL, 0);
		rv = make_token_data(s, "faulty", &no, &h);
		api_ctl(0, "fail-at 1000000 6F00", NULL, 0);
		if (rv == CKR_OK) {
			all_failed = 0;
			diag("APDU %ld failed, C_CreateObject said CKR_OK", i);
			f->C_DestroyObject(s, h);
		}
		if (!api_same_state(before, len)) {
			all_same = 0;
			diag("APDU %ld failed: the token changed", i);
		}
		if (api_find_label(f, s, "faulty", NULL) != 0) {
			cache_same = 0;
			diag("APDU %ld failed: the module shows an object", i);
		}
	}
	ok(all_failed, "C_CreateObject fails whichever of its %ld APDUs fails", n);
	ok(all_same, "... and the token is byte for byte as before");
	ok(cache_same, "... and the module shows no new object");
	free(before);
	is_rv(make_token_data(s, "faulty", &no, &h), CKR_OK, "without a fault it works");
	is_ulong((CK_ULONG)api_find_label(f, s, "faulty", NULL), 1, "... one object");

	/* the same for C_SetAttributeValue: the label stays the old one */
	before = api_state(0, &len);
	all_failed = all_same = cache_same = 1;
	for (i = 1; i <= 64; i++) {
		CK_ATTRIBUTE t[] = { { CKA_LABEL, "faultier", 8 } };
		char cmd[64];
		long sent;

		snprintf(cmd, sizeof cmd, "fail-at %ld 6F00", i);
		api_ctl(0, cmd, NULL, 0);
		mark = api_apdus(0);
		rv = f->C_SetAttributeValue(s, h, t, 1);
		sent = api_apdus(0) - mark;
		api_ctl(0, "fail-at 1000000 6F00", NULL, 0);
		if (rv == CKR_OK && sent >= i) {
			all_failed = 0;
			diag("APDU %ld of C_SetAttributeValue failed, it said CKR_OK", i);
		}
		if (rv == CKR_OK)
			break;
		if (!api_same_state(before, len))
			all_same = 0;
		if (api_find_label(f, s, "faulty", NULL) != 1 ||
		    api_find_label(f, s, "faultier", NULL) != 0)
			cache_same = 0;
	}
	ok(all_failed, "C_SetAttributeValue fails whichever of its APDUs fails (%ld tried)", i);
	ok(all_same, "... and the token is as before");
	ok(cache_same, "... and the module still shows the old label");
	is_ulong((CK_ULONG)api_find_label(f, s, "faultier", NULL), 1, "the last try renamed it");
	free(before);
	{
		CK_ATTRIBUTE t[] = { { CKA_LABEL, "faulty", 6 } };

		is_rv(f->C_SetAttributeValue(s, h, t, 1), CKR_OK, "renamed back");
	}

	/* the same for C_DestroyObject */
	mark = api_apdus(0);
	before = api_state(0, &len);
	all_failed = all_same = cache_same = 1;
	for (i = 1; i <= 64; i++) {
		char cmd[64];
		long sent;

		snprintf(cmd, sizeof cmd, "fail-at %ld 6F00", i);
		api_ctl(0, cmd, NULL, 0);
		mark = api_apdus(0);
		rv = f->C_DestroyObject(s, h);
		sent = api_apdus(0) - mark;
		api_ctl(0, "fail-at 1000000 6F00", NULL, 0);
		if (rv == CKR_OK && sent >= i && api_find_label(f, s, "faulty", NULL) != 0) {
			all_failed = 0;
			diag("APDU %ld of C_DestroyObject failed, it said CKR_OK", i);
		}
		/* fewer APDUs than i: the destroy went through; or the APDU after the
		 * directory's update (the commit) failed: the object is gone, its EF is an
		 * orphan for the next change to reclaim */
		if (rv == CKR_OK)
			break;
		if (!api_same_state(before, len))
			all_same = 0;
		if (api_find_label(f, s, "faulty", NULL) != 1)
			cache_same = 0;
	}
	ok(all_failed, "C_DestroyObject fails whichever of its APDUs before its commit fails, "
	   "or completes (%ld tried)", i);
	ok(all_same, "... and the token is as before");
	ok(cache_same, "... and the module still shows the object");
	is_ulong((CK_ULONG)api_find_label(f, s, "faulty", NULL), 0, "the last try destroyed it");
	free(before);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0, ro = 0;
	CK_OBJECT_HANDLE h = 0, p = 0, hs[16];
	CK_BYTE buf[64];
	CK_ATTRIBUTE t[3];
	CK_BBOOL tok = 0;
	long mark;

	api_rig(argv, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5302"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");

	is_rv(make_token_data(s, "stored", &no, &h), CKR_OK, "a public data object on the token");
	is_ulong((CK_ULONG)api_find_label(f, s, "stored", hs), 1, "... found");
	is_ulong(hs[0], h, "... by its handle");
	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, buf, sizeof buf };
	t[1] = (CK_ATTRIBUTE){ CKA_TOKEN, &tok, 1 };
	is_rv(f->C_GetAttributeValue(s, h, t, 2), CKR_OK, "its value and CKA_TOKEN");
	ok(t[0].ulValueLen == 13 && memcmp(buf, "token payload", 13) == 0 && tok == CK_TRUE,
	   "... as stored, on the token");
	mark = api_apdus(0);
	api_find_label(f, s, "stored", NULL);
	f->C_GetAttributeValue(s, h, t, 2);
	is_ulong((CK_ULONG)(api_apdus(0) - mark), 0, "search and read of a cached object: no APDU");

	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, "renamed", 7 };
	is_rv(f->C_SetAttributeValue(s, h, t, 1), CKR_OK, "rename it on the token");
	is_ulong((CK_ULONG)api_find_label(f, s, "renamed", NULL), 1, "... found by its new label");
	t[0] = (CK_ATTRIBUTE){ CKA_VALUE, "x", 1 };
	is_rv(f->C_SetAttributeValue(s, h, t, 1), CKR_ATTRIBUTE_READ_ONLY,
	      "a data object's value is read-only");

	is_rv(make_token_data(s, "hidden", &yes, &p), CKR_OK, "a private data object on the token");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK, "R/O session");
	is_rv(make_token_data(ro, "ro", &no, &h), CKR_SESSION_READ_ONLY,
	      "no token object from a R/O session");
	is_rv(f->C_DestroyObject(ro, p), CKR_SESSION_READ_ONLY, "no destroy from a R/O session");
	is_rv(f->C_CloseSession(ro), CKR_OK, "close it");

	is_rv(f->C_Logout(s), CKR_OK, "logout");
	is_ulong((CK_ULONG)api_find_label(f, s, "hidden", NULL), 0, "the private object is hidden");
	is_ulong((CK_ULONG)api_find_label(f, s, "renamed", NULL), 1, "the public one is not");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "login");
	is_ulong((CK_ULONG)api_find_label(f, s, "hidden", NULL), 1, "the private object is back");

	/* what the card holds survives the module */
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "R/W session");
	is_ulong((CK_ULONG)api_find_label(f, s, "renamed", hs), 1,
		 "the public object read from the card");
	is_ulong((CK_ULONG)api_find_label(f, s, "hidden", NULL), 0,
		 "the private one not before login");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "login");
	is_ulong((CK_ULONG)api_find_label(f, s, "hidden", &p), 1, "... now it is there");
	is_rv(f->C_DestroyObject(s, p), CKR_OK, "destroy the private object");
	is_ulong((CK_ULONG)api_find_label(f, s, "hidden", NULL), 0, "... gone");

	cert_and_copy(s, hs[0]);
	faults_create(s);

	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
