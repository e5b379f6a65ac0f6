/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * drop_objs.h — the token-changing object calls the t71xx tests fault (drop.h's struct
 * drop_op): C_CreateObject and C_CopyObject of a certificate, C_SetAttributeValue of a
 * label, C_DestroyObject of a certificate and of a private key, C_GenerateKeyPair. Each
 * outcome says whether the token shows the object(s) as before, or the change complete.
 */
#ifndef SCRIPTOKI_TEST_DROP_OBJS_H
#define SCRIPTOKI_TEST_DROP_OBJS_H

#include "api/drop.h"

static CK_BYTE dob_cert[2048];
static CK_ULONG dob_cert_len;
static CK_BBOOL dob_yes = CK_TRUE, dob_no = CK_FALSE;

/* A self-signed certificate, made by openssl for this run. */
static inline int dob_make_cert(void)
{
	char path[] = "/tmp/drop-cert-XXXXXX", cmd[512];
	int fd = mkstemp(path);
	FILE *fp;

	if (fd < 0)
		return 0;
	close(fd);
	snprintf(cmd, sizeof cmd,
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout /dev/null -subj /CN=drop -days 2 -outform DER -out %s 2>/dev/null", path);
	if (api_run("/bin/sh", "-c", cmd, NULL) == 0 && (fp = fopen(path, "rb")) != NULL) {
		dob_cert_len = (CK_ULONG)fread(dob_cert, 1, sizeof dob_cert, fp);
		fclose(fp);
	}
	unlink(path);
	return dob_cert_len > 100 && dob_cert_len < sizeof dob_cert;
}

static inline CK_RV dob_create_cert(CK_SESSION_HANDLE s, const char *label, CK_OBJECT_HANDLE *h)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_BYTE subject[] = { 0x30, 0x0F, 0x31, 0x0D, 0x30, 0x0B, 0x06, 0x03, 0x55, 0x04, 0x03,
			      0x0C, 0x04, 'd', 'r', 'o', 'p' };
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof cls }, { CKA_CERTIFICATE_TYPE, &ct, sizeof ct },
		{ CKA_TOKEN, &dob_yes, sizeof dob_yes }, { CKA_PRIVATE, &dob_no, sizeof dob_no },
		{ CKA_LABEL, (void *)label, strlen(label) }, { CKA_SUBJECT, subject, sizeof subject },
		{ CKA_VALUE, dob_cert, dob_cert_len },
	};

	return drop_fl->C_CreateObject(s, t, 7, h);
}

/* count → outcome: want_before objects before the change, want_after after it */
static inline int dob_outcome(long got, long want_before, long want_after)
{
	if (got == want_before)
		return 0;
	if (got == want_after)
		return 1;
	return -1;
}

/* --- C_CreateObject of a certificate ---------------------------------------------------- */
static inline CK_RV dob_none(CK_SESSION_HANDLE *ps)
{
	(void)ps;
	return CKR_OK;
}

static inline CK_RV dob_create_run(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;
	CK_OBJECT_HANDLE h;

	return dob_create_cert(s, "drop-new", &h);
}

static inline int dob_create_outcome(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;

	return dob_outcome(drop_count(drop_fl, s, CKO_CERTIFICATE, "drop-new"), 0, 1);
}

static inline CK_RV dob_create_cleanup(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;

	drop_destroy_all(drop_fl, s, CKO_CERTIFICATE, "drop-new");
	return drop_count(drop_fl, s, CKO_CERTIFICATE, "drop-new") == 0 ? CKR_OK : CKR_GENERAL_ERROR;
}

static const struct drop_op dob_create = {
	"C_CreateObject (certificate)", CKU_USER + 1, dob_none, dob_create_run, dob_create_outcome,
	dob_create_cleanup, NULL, NULL,
};

/* --- C_CopyObject of a certificate -------------------------------------------------------- */
static inline CK_RV dob_copy_prepare(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;
	CK_OBJECT_HANDLE h = drop_find(s, CKO_CERTIFICATE, "drop-src");
	CK_ATTRIBUTE v = { CKA_VALUE, NULL, 0 };

	if (h == CK_INVALID_HANDLE)
		return dob_create_cert(s, "drop-src", &h);
	/* a certificate a fresh instance lists is read from its EF when first needed (issue
	 * 11): read here, so that the faulted call's APDUs are the copy's own each time */
	return drop_fl->C_GetAttributeValue(s, h, &v, 1);
}

static inline CK_RV dob_copy_run(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;
	CK_ATTRIBUTE t[] = { { CKA_LABEL, "drop-new", 8 } };
	CK_OBJECT_HANDLE src = drop_find(s, CKO_CERTIFICATE, "drop-src"), h;

	return drop_fl->C_CopyObject(s, src, t, 1, &h);
}

static const struct drop_op dob_copy = {
	"C_CopyObject (certificate)", CKU_USER + 1, dob_copy_prepare, dob_copy_run,
	dob_create_outcome, dob_create_cleanup, NULL, NULL,
};

/* --- C_SetAttributeValue: a certificate's label ------------------------------------------- */
static inline CK_RV dob_label_prepare(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;
	CK_OBJECT_HANDLE h;

	if (drop_find(s, CKO_CERTIFICATE, "drop-old") != CK_INVALID_HANDLE)
		return CKR_OK;
	return dob_create_cert(s, "drop-old", &h);
}

static inline CK_RV dob_label_run(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;
	CK_ATTRIBUTE t[] = { { CKA_LABEL, "drop-renamed", 12 } };

	return drop_fl->C_SetAttributeValue(s, drop_find(s, CKO_CERTIFICATE, "drop-old"), t, 1);
}

static inline int dob_label_outcome(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;
	long a = drop_count(drop_fl, s, CKO_CERTIFICATE, "drop-old");
	long b = drop_count(drop_fl, s, CKO_CERTIFICATE, "drop-renamed");

	return a == 1 && b == 0 ? 0 : a == 0 && b == 1 ? 1 : -1;
}

static inline CK_RV dob_label_cleanup(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;

	drop_destroy_all(drop_fl, s, CKO_CERTIFICATE, "drop-renamed");
	drop_destroy_all(drop_fl, s, CKO_CERTIFICATE, "drop-old");
	return CKR_OK;
}

static const struct drop_op dob_label = {
	"C_SetAttributeValue (label)", CKU_USER + 1, dob_label_prepare, dob_label_run,
	dob_label_outcome, dob_label_cleanup, NULL, NULL,
};

/* --- C_DestroyObject of a certificate ------------------------------------------------------ */
static inline CK_RV dob_destroy_run(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;

	return drop_fl->C_DestroyObject(s, drop_find(s, CKO_CERTIFICATE, "drop-old"));
}

static inline int dob_destroy_outcome(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;

	return dob_outcome(drop_count(drop_fl, s, CKO_CERTIFICATE, "drop-old"), 1, 0);
}

static const struct drop_op dob_destroy = {
	"C_DestroyObject (certificate)", CKU_USER + 1, dob_label_prepare, dob_destroy_run,
	dob_destroy_outcome, dob_label_cleanup, NULL, NULL,
};

/* --- C_GenerateKeyPair (EC P-256) and C_DestroyObject of its private key ---------------- */
static CK_BYTE dob_p256[] = { 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 };

static inline CK_RV dob_gen_run(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { { CKA_TOKEN, &dob_yes, 1 }, { CKA_EC_PARAMS, dob_p256, sizeof dob_p256 },
			      { CKA_LABEL, "drop-key", 8 } };
	CK_ATTRIBUTE vt[] = { { CKA_TOKEN, &dob_yes, 1 }, { CKA_PRIVATE, &dob_yes, 1 },
			      { CKA_SIGN, &dob_yes, 1 }, { CKA_LABEL, "drop-key", 8 } };
	CK_OBJECT_HANDLE pub, priv;

	return drop_fl->C_GenerateKeyPair(s, &m, pt, 3, vt, 4, &pub, &priv);
}

static inline CK_RV dob_gen_prepare(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;

	if (drop_find(s, CKO_PRIVATE_KEY, "drop-key") != CK_INVALID_HANDLE)
		return CKR_OK;
	return dob_gen_run(ps);
}

static inline CK_RV dob_destroy_key_run(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;

	return drop_fl->C_DestroyObject(s, drop_find(s, CKO_PRIVATE_KEY, "drop-key"));
}

static inline int dob_destroy_key_outcome(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;
	long pub = drop_count(drop_fl, s, CKO_PUBLIC_KEY, "drop-key");

	if (pub != 1)
		return -1;
	return dob_outcome(drop_count(drop_fl, s, CKO_PRIVATE_KEY, "drop-key"), 1, 0);
}

static inline CK_RV dob_key_cleanup(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;

	drop_destroy_all(drop_fl, s, CKO_PRIVATE_KEY, "drop-key");
	drop_destroy_all(drop_fl, s, CKO_PUBLIC_KEY, "drop-key");
	return CKR_OK;
}

static const struct drop_op dob_destroy_key = {
	"C_DestroyObject (private key)", CKU_USER + 1, dob_gen_prepare, dob_destroy_key_run,
	dob_destroy_key_outcome, dob_key_cleanup, NULL, NULL,
};

static inline int dob_gen_outcome(CK_SESSION_HANDLE *ps)
{
	CK_SESSION_HANDLE s = *ps;
	long priv = drop_count(drop_fl, s, CKO_PRIVATE_KEY, "drop-key");
	long pub = drop_count(drop_fl, s, CKO_PUBLIC_KEY, "drop-key");

	return priv == 0 && pub == 0 ? 0 : priv == 1 && pub == 1 ? 1 : -1;
}

static const struct drop_op dob_gen = {
	"C_GenerateKeyPair (EC P-256)", CKU_USER + 1, dob_none, dob_gen_run, dob_gen_outcome,
	dob_key_cleanup, NULL, NULL,
};

/* The token prepared for the object tests: PINs, and a first key pair and certificate so
 * that every directory exists and is shared with other objects. */
static inline void dob_setup(char **argv, int seconds)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { { CKA_TOKEN, &dob_yes, 1 }, { CKA_EC_PARAMS, dob_p256, sizeof dob_p256 },
			      { CKA_LABEL, "keep", 4 } };
	CK_ATTRIBUTE vt[] = { { CKA_TOKEN, &dob_yes, 1 }, { CKA_PRIVATE, &dob_yes, 1 },
			      { CKA_LABEL, "keep", 4 } };
	CK_OBJECT_HANDLE pub, priv;
	int made;

	api_rig_timeout(argv, 1, seconds);
	drop_fl = api_module();
	made = dob_make_cert();
	ok(made, "a self-signed certificate (%lu bytes)", dob_cert_len);
	is_rv(drop_fl->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(drop_fl, 0, &drop_slot), CKR_OK, "the virtual token's slot");
	is_rv(api_prepare_token(drop_fl, drop_slot, "drops"), CKR_OK, "the token is initialised");
	is_rv(drop_reopen_as(&s, CKU_USER + 1), CKR_OK, "a R/W session, the user logged in");
	is_rv(drop_fl->C_GenerateKeyPair(s, &m, pt, 3, vt, 3, &pub, &priv), CKR_OK,
	      "a key pair to keep");
	is_rv(dob_create_cert(s, "keep", &h), CKR_OK, "a certificate to keep");
	drop_fl->C_Finalize(NULL);
}

#endif
