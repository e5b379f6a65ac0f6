/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7203 — C_SessionCancel (PKCS #11 3.x, session management; issue 13, defect 2) cancels
 * the operations its flags name and only those: afterwards the operation's calls answer
 * CKR_OPERATION_NOT_INITIALIZED and its Init starts a new one (not CKR_OPERATION_ACTIVE).
 * Each kind of operation the module has: CKF_DIGEST, CKF_SIGN, CKF_VERIFY, CKF_ENCRYPT,
 * CKF_DECRYPT, CKF_FIND_OBJECTS. Flags naming operations this module has none of (recovery,
 * message-based, key management) are accepted and cancel nothing else; bits the standard
 * does not define are refused with CKR_ARGUMENTS_BAD and change nothing; flags 0 cancels
 * nothing; another session's operations stay; an unknown session is
 * CKR_SESSION_HANDLE_INVALID.
 */
#include "api/api.h"
#include "api/tsan.h"

static CK_FUNCTION_LIST_3_0_PTR f;   /* the 3.0 list: C_SessionCancel is a 3.0 function */
static CK_SESSION_HANDLE s, s2;
static CK_OBJECT_HANDLE ec_pub, ec_priv, rsa_pub, rsa_priv;
static const CK_BBOOL yes = CK_TRUE;
static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static uint8_t hash[32], sig[64], ct[256];
static CK_ULONG ct_len;

static CK_MECHANISM m_sha = { CKM_SHA256, NULL, 0 };
static CK_MECHANISM m_ecdsa = { CKM_ECDSA, NULL, 0 };
static CK_MECHANISM m_rsa = { CKM_RSA_PKCS, NULL, 0 };

static void keys(void)
{
	CK_MECHANISM ecgen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM rsagen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	static const uint8_t e[] = { 1, 0, 1 };
	CK_ATTRIBUTE ecpub[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_VERIFY, (void *)&yes, 1 },
		{ CKA_ID, "e1", 2 }, { CKA_EC_PARAMS, (void *)oid_p256, sizeof oid_p256 },
	};
	CK_ATTRIBUTE ecpriv[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_PRIVATE, (void *)&yes, 1 },
		{ CKA_SIGN, (void *)&yes, 1 }, { CKA_ID, "e1", 2 },
	};
	CK_ATTRIBUTE rsapub[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_ENCRYPT, (void *)&yes, 1 },
		{ CKA_ID, "r1", 2 }, { CKA_MODULUS_BITS, &bits, sizeof bits },
		{ CKA_PUBLIC_EXPONENT, (void *)e, sizeof e },
	};
	CK_ATTRIBUTE rsapriv[] = {
		{ CKA_TOKEN, (void *)&yes, 1 }, { CKA_PRIVATE, (void *)&yes, 1 },
		{ CKA_DECRYPT, (void *)&yes, 1 }, { CKA_ID, "r1", 2 },
	};

	is_rv(f->C_GenerateKeyPair(s, &ecgen, ecpub, 4, ecpriv, 4, &ec_pub, &ec_priv), CKR_OK,
	      "an ECDSA P-256 key pair");
	is_rv(f->C_GenerateKeyPair(s, &rsagen, rsapub, 5, rsapriv, 4, &rsa_pub, &rsa_priv), CKR_OK,
	      "an RSA-2048 key pair");
}

/* Start the operation of a kind in session h. */
enum kind { K_DIGEST, K_SIGN, K_VERIFY, K_ENCRYPT, K_DECRYPT, K_FIND, K_MAX };
static const char *const kname[K_MAX] = { "digest", "sign", "verify", "encrypt", "decrypt",
					  "find" };
static const CK_FLAGS kflag[K_MAX] = { CKF_DIGEST, CKF_SIGN, CKF_VERIFY, CKF_ENCRYPT,
				       CKF_DECRYPT, CKF_FIND_OBJECTS };

static CK_RV start(CK_SESSION_HANDLE h, enum kind k)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls } };

	switch (k) {
	case K_DIGEST:
		return f->C_DigestInit(h, &m_sha);
	case K_SIGN:
		return f->C_SignInit(h, &m_ecdsa, ec_priv);
	case K_VERIFY:
		return f->C_VerifyInit(h, &m_ecdsa, ec_pub);
	case K_ENCRYPT:
		return f->C_EncryptInit(h, &m_rsa, rsa_pub);
	case K_DECRYPT:
		return f->C_DecryptInit(h, &m_rsa, rsa_priv);
	default:
		return f->C_FindObjectsInit(h, t, 1);
	}
}

/* Use the operation of a kind: its finishing call (or C_FindObjects, which keeps it). */
static CK_RV use(CK_SESSION_HANDLE h, enum kind k)
{
	uint8_t out[256];
	CK_ULONG len = sizeof out;
	CK_OBJECT_HANDLE o[4];
	CK_ULONG n;

	switch (k) {
	case K_DIGEST:
		return f->C_Digest(h, hash, sizeof hash, out, &len);
	case K_SIGN:
		return f->C_Sign(h, hash, sizeof hash, out, &len);
	case K_VERIFY:
		return f->C_Verify(h, hash, sizeof hash, sig, sizeof sig);
	case K_ENCRYPT:
		return f->C_Encrypt(h, hash, sizeof hash, out, &len);
	case K_DECRYPT:
		return f->C_Decrypt(h, ct, ct_len, out, &len);
	default:
		return f->C_FindObjects(h, o, 4, &n);
	}
}

/* Is an operation of kind k active in h? Its Init answers CKR_OPERATION_ACTIVE. */
static int active(CK_SESSION_HANDLE h, enum kind k)
{
	return start(h, k) == CKR_OPERATION_ACTIVE;
}

/* End whatever is left (the test's own cleanup, not what is tested). */
static void end_all(CK_SESSION_HANDLE h)
{
	f->C_DigestInit(h, NULL);
	f->C_SignInit(h, NULL, CK_INVALID_HANDLE);
	f->C_VerifyInit(h, NULL, CK_INVALID_HANDLE);
	f->C_EncryptInit(h, NULL, CK_INVALID_HANDLE);
	f->C_DecryptInit(h, NULL, CK_INVALID_HANDLE);
	f->C_FindObjectsFinal(h);
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot;
	CK_ULONG len;
	int k, j;

	(void)argc;
	api_rig(argv, 1);
	{
		void *mh = module_open();
		CK_C_GetInterface get = (CK_C_GetInterface)module_sym(mh, "C_GetInterface");
		CK_VERSION v30 = { 3, 0 };
		CK_INTERFACE_PTR itf = NULL;

		if (get((CK_UTF8CHAR_PTR) "PKCS 11", &v30, &itf, 0) != CKR_OK || itf == NULL) {
			printf("Bail out! no PKCS 11 3.0 interface\n");
			return 255;
		}
		f = itf->pFunctionList;
	}
	memset(hash, 0x42, sizeof hash);
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of((CK_FUNCTION_LIST_PTR)f, 0, &slot), CKR_OK, "token 0's slot");
	is_rv(api_prepare_token((CK_FUNCTION_LIST_PTR)f, slot, "t7203"), CKR_OK, "token initialised");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK,
	      "a session");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s2), CKR_OK,
	      "a second session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	keys();
	/* a signature to verify, a ciphertext to decrypt */
	len = sizeof sig;
	is_rv(start(s, K_SIGN), CKR_OK, "C_SignInit");
	is_rv(f->C_Sign(s, hash, sizeof hash, sig, &len), CKR_OK, "C_Sign");
	ct_len = sizeof ct;
	is_rv(start(s, K_ENCRYPT), CKR_OK, "C_EncryptInit");
	is_rv(f->C_Encrypt(s, hash, sizeof hash, ct, &ct_len), CKR_OK, "C_Encrypt");

	is_rv(f->C_SessionCancel(s + 1000, CKF_DIGEST), CKR_SESSION_HANDLE_INVALID,
	      "an unknown session: CKR_SESSION_HANDLE_INVALID");

	/* each kind alone */
	for (k = 0; k < K_MAX; k++) {
		is_rv(start(s, k), CKR_OK, "%s: started", kname[k]);
		ok(active(s, k), "%s: active (its Init: CKR_OPERATION_ACTIVE)", kname[k]);
		is_rv(f->C_SessionCancel(s, kflag[k]), CKR_OK, "%s: C_SessionCancel(0x%lx)",
		      kname[k], kflag[k]);
		is_rv(use(s, k), CKR_OPERATION_NOT_INITIALIZED,
		      "%s: cancelled, its next call: CKR_OPERATION_NOT_INITIALIZED", kname[k]);
		is_rv(start(s, k), CKR_OK, "%s: a new one starts", kname[k]);
		if (k != K_FIND)
			is_rv(use(s, k), CKR_OK, "%s: ... and works", kname[k]);
		end_all(s);
	}

	/* only what the flags name */
	for (k = 0; k < K_MAX; k++) {
		for (j = 0; j < K_MAX; j++)
			start(s, j);
		is_rv(f->C_SessionCancel(s, kflag[k]), CKR_OK, "all active, cancel %s", kname[k]);
		for (j = 0; j < K_MAX; j++)
			if (j != k)
				ok(active(s, j), "... %s is still active", kname[j]);
		ok(!active(s, k), "... %s is not", kname[k]);
		end_all(s);
	}

	/* several at once, and flags 0 */
	for (j = 0; j < K_MAX; j++)
		start(s, j);
	is_rv(f->C_SessionCancel(s, 0), CKR_OK, "C_SessionCancel(0)");
	for (j = 0; j < K_MAX; j++)
		ok(active(s, j), "... cancels nothing: %s still active", kname[j]);
	is_rv(f->C_SessionCancel(s, CKF_DIGEST | CKF_SIGN | CKF_FIND_OBJECTS), CKR_OK,
	      "cancel digest, sign and find at once");
	ok(!active(s, K_DIGEST) && !active(s, K_SIGN) && !active(s, K_FIND),
	   "... all three ended (and started again by the check)");
	ok(active(s, K_VERIFY) && active(s, K_ENCRYPT) && active(s, K_DECRYPT),
	   "... verify, encrypt and decrypt still active");
	is_rv(f->C_SessionCancel(s, CKF_ENCRYPT | CKF_DECRYPT | CKF_DIGEST | CKF_SIGN |
					    CKF_VERIFY | CKF_FIND_OBJECTS),
	      CKR_OK, "cancel all six");
	for (j = 0; j < K_MAX; j++)
		ok(!active(s, j), "... %s ended", kname[j]);
	end_all(s);

	/* defined flags of operations not active here (recovery: t5702): accepted, nothing
	 * else ends */
	{
		static const CK_FLAGS others[] = {
			CKF_SIGN_RECOVER, CKF_VERIFY_RECOVER, CKF_MESSAGE_ENCRYPT,
			CKF_MESSAGE_DECRYPT, CKF_MESSAGE_SIGN, CKF_MESSAGE_VERIFY,
			CKF_GENERATE, CKF_GENERATE_KEY_PAIR, CKF_WRAP, CKF_UNWRAP, CKF_DERIVE,
		};
		size_t i;

		start(s, K_DIGEST);
		start(s, K_SIGN);
		for (i = 0; i < sizeof others / sizeof others[0]; i++)
			is_rv(f->C_SessionCancel(s, others[i]), CKR_OK,
			      "C_SessionCancel(0x%lx): a defined flag", others[i]);
		ok(active(s, K_DIGEST) && active(s, K_SIGN), "... digest and sign still active");
		end_all(s);
	}

	/* undefined bits */
	{
		static const CK_FLAGS undefined[] = { CKF_HW, 0x80, CKF_EXTENSION, 0x40000000,
						      CKF_DIGEST | 0x80 };
		size_t i;

		start(s, K_DIGEST);
		for (i = 0; i < sizeof undefined / sizeof undefined[0]; i++)
			is_rv(f->C_SessionCancel(s, undefined[i]), CKR_ARGUMENTS_BAD,
			      "C_SessionCancel(0x%lx): undefined bits, CKR_ARGUMENTS_BAD",
			      undefined[i]);
		ok(active(s, K_DIGEST), "... and the digest was not cancelled");
		end_all(s);
	}

	/* another session's operations are its own */
	is_rv(start(s, K_DIGEST), CKR_OK, "a digest in session 1");
	is_rv(start(s2, K_DIGEST), CKR_OK, "a digest in session 2");
	is_rv(f->C_SessionCancel(s2, CKF_DIGEST), CKR_OK, "cancel session 2's digest");
	ok(active(s, K_DIGEST), "... session 1's digest is still active");
	ok(!active(s2, K_DIGEST), "... session 2's is not");
	end_all(s);
	end_all(s2);

	is_rv(f->C_CloseSession(s2), CKR_OK, "C_CloseSession");
	is_rv(f->C_CloseSession(s), CKR_OK, "C_CloseSession");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
