/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5801 — message-based encryption and decryption (PKCS #11 3.2, 5.9 and 5.11) with
 * CKM_AES_GCM and CK_GCM_MESSAGE_PARAMS: the known answers of the GCM specification
 * (McGrew and Viega, "The Galois/Counter Mode of Operation", test cases 2, 3 and 4; the
 * vectors NIST SP 800-38D points to) through C_EncryptMessage and C_EncryptMessageBegin/
 * Next, the tag in pTag; several messages in one process with CKG_GENERATE_COUNTER (the
 * IVs returned, the fixed bits kept, the counter from zero), CKG_GENERATE and
 * CKG_GENERATE_RANDOM; the module's messages decrypted by Python's `cryptography` (its
 * AESGCM, OpenSSL underneath) in another process, and the other way round; and the rules:
 * CKR_OPERATION_NOT_INITIALIZED / CKR_OPERATION_ACTIVE, the process and the classic
 * operation excluding each other, the size query and CKR_BUFFER_TOO_SMALL (no IV used),
 * Begin/Next with and without CKF_END_OF_MESSAGE, an error ending the message but not the
 * process, Final with a message in progress, CKR_MECHANISM_PARAM_INVALID for bad IV
 * lengths, tag lengths and generators, CKR_KEY_FUNCTION_NOT_PERMITTED, a wrong tag as
 * CKR_AEAD_DECRYPT_FAILED without plaintext, the mechanism's flags, C_SessionCancel, and a
 * session closed under a process.
 */
#include "api/api.h"
#include "api/bytes.h"

static CK_FUNCTION_LIST_3_0_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;
static CK_KEY_TYPE k_aes = CKK_AES;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_OBJECT_HANDLE aes_key(const uint8_t *v, size_t n, CK_BBOOL enc, CK_BBOOL dec)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), { CKA_VALUE, (void *)v, n },
		ATTR(CKA_ENCRYPT, enc), ATTR(CKA_DECRYPT, dec), ATTR(CKA_PRIVATE, no),
	};

	if (f->C_CreateObject(s, t, 6, &h) != CKR_OK)
		return CK_INVALID_HANDLE;
	return h;
}

static CK_FUNCTION_LIST_3_0_PTR module_30(void)
{
	void *h = module_open();
	CK_C_GetInterface get = (CK_C_GetInterface)module_sym(h, "C_GetInterface");
	CK_VERSION v = { 3, 0 };
	CK_INTERFACE_PTR itf = NULL;

	if (get((CK_UTF8CHAR_PTR) "PKCS 11", &v, &itf, 0) != CKR_OK || itf == NULL) {
		printf("Bail out! no 3.0 interface\n");
		exit(255);
	}
	return itf->pFunctionList;
}

/* One known answer: one-shot and in parts, both ways, the tag through pTag. */
static void kat(const char *what, CK_OBJECT_HANDLE k, const char *iv_hex, const char *aad_hex,
		const char *pt_hex, const char *ct_hex, const char *tag_hex)
{
	uint8_t iv[64], aad[64], pt[128], ct[128], tag[16], got_tag[16], out[160];
	size_t niv = unhex(iv_hex, iv), na = unhex(aad_hex, aad), np = unhex(pt_hex, pt),
	       nc = unhex(ct_hex, ct), nt = unhex(tag_hex, tag), half = np / 2;
	CK_GCM_MESSAGE_PARAMS p = { iv, niv, 0, CKG_NO_GENERATE, got_tag, nt * 8 };
	CK_MECHANISM m = { CKM_AES_GCM, NULL, 0 };
	CK_ULONG n, n1, n2;

	is_rv(f->C_MessageEncryptInit(s, &m, k), CKR_OK, "%s: C_MessageEncryptInit", what);
	n = 0;
	is_rv(f->C_EncryptMessage(s, &p, sizeof p, aad, na, pt, np, NULL, &n), CKR_OK,
	      "%s: size query", what);
	is_ulong(n, nc, "%s: as long as the plaintext", what);
	n = sizeof out;
	memset(got_tag, 0, sizeof got_tag);
	ok(f->C_EncryptMessage(s, &p, sizeof p, aad, na, pt, np, out, &n) == CKR_OK && n == nc &&
	   memcmp(out, ct, nc) == 0, "%s: C_EncryptMessage gives the known ciphertext", what);
	ok(memcmp(got_tag, tag, nt) == 0, "%s: ... and the known tag in pTag", what);
	/* the same message in two parts, in the same process */
	memset(got_tag, 0, sizeof got_tag);
	memset(out, 0, sizeof out);
	is_rv(f->C_EncryptMessageBegin(s, &p, sizeof p, aad, na), CKR_OK, "%s: Begin", what);
	n1 = sizeof out;
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, pt, half, out, &n1, 0), CKR_OK,
	      "%s: a first part", what);
	n2 = sizeof out - n1;
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, pt + half, np - half, out + n1, &n2,
				      CKF_END_OF_MESSAGE), CKR_OK, "%s: the last part", what);
	ok(n1 + n2 == nc && memcmp(out, ct, nc) == 0 && memcmp(got_tag, tag, nt) == 0,
	   "%s: in parts the same ciphertext and tag", what);
	is_rv(f->C_MessageEncryptFinal(s), CKR_OK, "%s: C_MessageEncryptFinal", what);

	memcpy(got_tag, tag, nt);
	is_rv(f->C_MessageDecryptInit(s, &m, k), CKR_OK, "%s: C_MessageDecryptInit", what);
	n = sizeof out;
	ok(f->C_DecryptMessage(s, &p, sizeof p, aad, na, ct, nc, out, &n) == CKR_OK && n == np &&
	   memcmp(out, pt, np) == 0, "%s: C_DecryptMessage gives the plaintext", what);
	is_rv(f->C_DecryptMessageBegin(s, &p, sizeof p, aad, na), CKR_OK, "%s: Begin", what);
	n1 = sizeof out;
	is_rv(f->C_DecryptMessageNext(s, NULL, 0, ct, half, out, &n1, 0), CKR_OK,
	      "%s: a first part (no plaintext before the tag is checked)", what);
	is_ulong(n1, 0, "%s: ... nothing given yet", what);
	n2 = 0;
	is_rv(f->C_DecryptMessageNext(s, &p, sizeof p, ct + half, nc - half, NULL, &n2,
				      CKF_END_OF_MESSAGE), CKR_OK, "%s: size of the last", what);
	is_ulong(n2, np, "%s: ... all of it", what);
	n2 = sizeof out;
	ok(f->C_DecryptMessageNext(s, &p, sizeof p, ct + half, nc - half, out, &n2,
				   CKF_END_OF_MESSAGE) == CKR_OK && n2 == np &&
	   memcmp(out, pt, np) == 0, "%s: in parts the plaintext", what);
	is_rv(f->C_MessageDecryptFinal(s), CKR_OK, "%s: C_MessageDecryptFinal", what);
}

static void known_answers(void)
{
	uint8_t kz[16], k4[16];
	CK_OBJECT_HANDLE hz, h4;
	const char *pt4 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
			  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";

	memset(kz, 0, sizeof kz);
	unhex("feffe9928665731c6d6a8f9467308308", k4);
	hz = aes_key(kz, 16, yes, yes);
	h4 = aes_key(k4, 16, yes, yes);
	ok(hz != CK_INVALID_HANDLE && h4 != CK_INVALID_HANDLE, "the test cases' keys");
	kat("GCM test case 2", hz, "000000000000000000000000", "",
	    "00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78",
	    "ab6e47d42cec13bdf53a67b21257bddf");
	kat("GCM test case 3", h4, "cafebabefacedbaddecaf888", "",
	    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	    "4d5c2af327cd64a62cf35abd2ba6fab4");
	kat("GCM test case 4 (with AAD)", h4, "cafebabefacedbaddecaf888",
	    "feedfacedeadbeeffeedfacedeadbeefabaddad2", pt4,
	    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	    "5bc94fbc3221a5db94fae95ae7121a47");
	kat("GCM test case 4, a 96-bit tag", h4, "cafebabefacedbaddecaf888",
	    "feedfacedeadbeeffeedfacedeadbeefabaddad2", pt4,
	    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	    "5bc94fbc3221a5db94fae95a");
}

/* Several messages with the IV generators: unique IVs, given back, decryptable. */
static void generators(void)
{
	uint8_t key[32], iv[3][12], tag[3][16], ct[3][40], pt[40], out[40];
	CK_GCM_MESSAGE_PARAMS p;
	CK_MECHANISM m = { CKM_AES_GCM, NULL, 0 };
	CK_OBJECT_HANDLE k;
	CK_ULONG n;
	int i, ok_all = 1;

	memset(key, 0x42, sizeof key);
	memset(pt, 0x17, sizeof pt);
	k = aes_key(key, 32, yes, yes);
	is_rv(f->C_MessageEncryptInit(s, &m, k), CKR_OK, "counter: C_MessageEncryptInit");
	for (i = 0; i < 3; i++) {
		memset(iv[i], 0xA5, 12);        /* the first 32 bits are the fixed field */
		p = (CK_GCM_MESSAGE_PARAMS){ iv[i], 12, 32, CKG_GENERATE_COUNTER, tag[i], 128 };
		if (i == 1) {
			/* a size query and a short buffer use no IV */
			n = 0;
			is_rv(f->C_EncryptMessage(s, &p, sizeof p, NULL, 0, pt, 40, NULL, &n), CKR_OK,
			      "counter: a size query");
			n = 3;
			is_rv(f->C_EncryptMessage(s, &p, sizeof p, NULL, 0, pt, 40, ct[i], &n),
			      CKR_BUFFER_TOO_SMALL, "counter: a short buffer");
		}
		n = sizeof ct[i];
		if (f->C_EncryptMessage(s, &p, sizeof p, NULL, 0, pt, 40, ct[i], &n) != CKR_OK ||
		    n != 40)
			ok_all = 0;
	}
	ok(ok_all, "counter: three messages in one process");
	ok(memcmp(iv[0], "\xa5\xa5\xa5\xa5\0\0\0\0\0\0\0\0", 12) == 0 &&
	   memcmp(iv[1], "\xa5\xa5\xa5\xa5\0\0\0\0\0\0\0\1", 12) == 0 &&
	   memcmp(iv[2], "\xa5\xa5\xa5\xa5\0\0\0\0\0\0\0\2", 12) == 0,
	   "counter: the IVs are the fixed field and 0, 1, 2, given back in pIv");
	ok(memcmp(ct[0], ct[1], 40) != 0 && memcmp(ct[1], ct[2], 40) != 0,
	   "counter: so the ciphertexts differ");
	is_rv(f->C_MessageEncryptFinal(s), CKR_OK, "counter: C_MessageEncryptFinal");
	is_rv(f->C_MessageDecryptInit(s, &m, k), CKR_OK, "counter: C_MessageDecryptInit");
	for (i = 0, ok_all = 1; i < 3; i++) {
		p = (CK_GCM_MESSAGE_PARAMS){ iv[i], 12, 0, CKG_NO_GENERATE, tag[i], 128 };
		n = sizeof out;
		if (f->C_DecryptMessage(s, &p, sizeof p, NULL, 0, ct[i], 40, out, &n) != CKR_OK ||
		    n != 40 || memcmp(out, pt, 40) != 0)
			ok_all = 0;
	}
	ok(ok_all, "counter: each message decrypts with the IV given back");
	is_rv(f->C_MessageDecryptFinal(s), CKR_OK, "counter: C_MessageDecryptFinal");

	/* a new process starts its counter at zero again (3.2: "the initial IV counter is
	 * zero"), and CKG_GENERATE / CKG_GENERATE_RANDOM keep the fixed bits */
	is_rv(f->C_MessageEncryptInit(s, &m, k), CKR_OK, "generate: C_MessageEncryptInit");
	memset(iv[0], 0xFF, 12);
	p = (CK_GCM_MESSAGE_PARAMS){ iv[0], 12, 12, CKG_GENERATE_COUNTER, tag[0], 128 };
	n = sizeof ct[0];
	is_rv(f->C_EncryptMessage(s, &p, sizeof p, NULL, 0, pt, 40, ct[0], &n), CKR_OK,
	      "counter with 12 fixed bits");
	ok(memcmp(iv[0], "\xff\xf0\0\0\0\0\0\0\0\0\0\0", 12) == 0,
	   "... the fixed bits kept to the bit, the rest the counter 0");
	for (i = 1; i < 3; i++) {
		memset(iv[i], 0x3C, 12);
		p = (CK_GCM_MESSAGE_PARAMS){ iv[i], 12, 16, i == 1 ? CKG_GENERATE : CKG_GENERATE_RANDOM,
					     tag[i], 128 };
		n = sizeof ct[i];
		is_rv(f->C_EncryptMessage(s, &p, sizeof p, NULL, 0, pt, 40, ct[i], &n), CKR_OK,
		      "%s", i == 1 ? "CKG_GENERATE" : "CKG_GENERATE_RANDOM");
	}
	ok(iv[1][0] == 0x3C && iv[1][1] == 0x3C && iv[2][0] == 0x3C && iv[2][1] == 0x3C &&
	   memcmp(iv[1] + 2, iv[2] + 2, 10) != 0 &&
	   memcmp(iv[1] + 2, "\x3c\x3c\x3c\x3c\x3c\x3c\x3c\x3c\x3c\x3c", 10) != 0,
	   "generated IVs: the fixed 16 bits kept, the rest new and different");
	is_rv(f->C_MessageEncryptFinal(s), CKR_OK, "generate: C_MessageEncryptFinal");
}

/* Python's cryptography (OpenSSL) in another process: decrypt the module's message, and
 * encrypt one the module decrypts. */
static int py_gcm(const char *op, const char *key, const char *iv, const char *aad,
		  const char *data, char *out, size_t cap)
{
	char cmd[4096];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 -c 'import sys; from cryptography.hazmat.primitives.ciphers."
		 "aead import AESGCM; a=AESGCM(bytes.fromhex(sys.argv[2])); "
		 "f=a.encrypt if sys.argv[1]==\"enc\" else a.decrypt; "
		 "print(f(bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[5]), "
		 "bytes.fromhex(sys.argv[4]) or None).hex())' %s %s %s '%s' %s", op, key, iv, aad,
		 data);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return pclose(p);
}

static void cross(void)
{
	uint8_t key[32], iv[12], aad[24], pt[77], ct[77], tag[16], out[120];
	char kh[65], ivh[25], ah[49], ph[155], ch[200], got[400];
	CK_GCM_MESSAGE_PARAMS p = { iv, 12, 0, CKG_GENERATE, tag, 128 };
	CK_MECHANISM m = { CKM_AES_GCM, NULL, 0 };
	CK_OBJECT_HANDLE k;
	CK_ULONG n = sizeof ct;
	size_t i;

	if (access("/usr/bin/python3", X_OK) != 0 ||
	    system("/usr/bin/python3 -c 'import cryptography' 2>/dev/null") != 0)
		api_need_fail("python3-cryptography", "Python's cryptography package");
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)rand();
	for (i = 0; i < sizeof aad; i++)
		aad[i] = (uint8_t)rand();
	for (i = 0; i < sizeof pt; i++)
		pt[i] = (uint8_t)rand();
	k = aes_key(key, 32, yes, yes);
	is_rv(f->C_MessageEncryptInit(s, &m, k), CKR_OK, "cross: C_MessageEncryptInit");
	is_rv(f->C_EncryptMessage(s, &p, sizeof p, aad, sizeof aad, pt, sizeof pt, ct, &n),
	      CKR_OK, "cross: a message with a generated IV");
	is_rv(f->C_MessageEncryptFinal(s), CKR_OK, "cross: C_MessageEncryptFinal");
	hex(key, 32, kh);
	hex(iv, 12, ivh);
	hex(aad, sizeof aad, ah);
	hex(ct, sizeof ct, ch);
	hex(tag, 16, ch + 2 * sizeof ct);       /* the library's form: ciphertext || tag */
	hex(pt, sizeof pt, ph);
	is_rv(py_gcm("dec", kh, ivh, ah, ch, got, sizeof got), 0,
	      "cross: Python's AESGCM accepts the module's ciphertext and tag");
	ok(strcmp(got, ph) == 0, "cross: ... and gives back the plaintext");

	/* the other way: Python encrypts with an IV of its own, the module decrypts */
	for (i = 0; i < sizeof iv; i++)
		iv[i] = (uint8_t)rand();
	hex(iv, 12, ivh);
	is_rv(py_gcm("enc", kh, ivh, ah, ph, got, sizeof got), 0, "cross: Python encrypts");
	ok(strlen(got) == 2 * (sizeof pt + 16), "cross: ... ciphertext and tag");
	unhex(got, out);
	memcpy(tag, out + sizeof pt, 16);
	p = (CK_GCM_MESSAGE_PARAMS){ iv, 12, 0, CKG_NO_GENERATE, tag, 128 };
	is_rv(f->C_MessageDecryptInit(s, &m, k), CKR_OK, "cross: C_MessageDecryptInit");
	n = sizeof pt;
	ok(f->C_DecryptMessage(s, &p, sizeof p, aad, sizeof aad, out, sizeof pt, ct, &n) ==
		   CKR_OK && n == sizeof pt && memcmp(ct, pt, sizeof pt) == 0,
	   "cross: the module decrypts Python's message");
	is_rv(f->C_MessageDecryptFinal(s), CKR_OK, "cross: C_MessageDecryptFinal");
}

static void rules(void)
{
	uint8_t key[16], iv[12], tag[16], pt[32], ct[48], out[48], big[300];
	CK_GCM_MESSAGE_PARAMS p = { iv, 12, 0, CKG_NO_GENERATE, tag, 128 }, q;
	CK_GCM_PARAMS classic = { iv, 12, 96, NULL, 0, 128 };
	CK_MECHANISM m = { CKM_AES_GCM, NULL, 0 }, mc = { CKM_AES_GCM, &classic, sizeof classic };
	CK_MECHANISM cbc = { CKM_AES_CBC, iv, 16 };
	CK_MECHANISM_INFO info;
	CK_OBJECT_HANDLE k, k_noenc, k_nodec;
	CK_SESSION_HANDLE s2;
	CK_SLOT_ID slot = 0;
	CK_ULONG n, n1;

	memset(key, 7, sizeof key);
	memset(iv, 9, sizeof iv);
	memset(pt, 1, sizeof pt);
	memset(big, 0, sizeof big);
	k = aes_key(key, 16, yes, yes);
	k_noenc = aes_key(key, 16, no, yes);
	k_nodec = aes_key(key, 16, yes, no);

	/* the mechanism's flags say what works */
	is_rv(api_slot_of((CK_FUNCTION_LIST_PTR)f, 0, &slot), CKR_OK, "the slot");
	is_rv(f->C_GetMechanismInfo(slot, CKM_AES_GCM, &info), CKR_OK, "AES-GCM's information");
	ok((info.flags & (CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | CKF_MULTI_MESSAGE)) ==
		   (CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | CKF_MULTI_MESSAGE) &&
	   !(info.flags & (CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY)),
	   "CKM_AES_GCM: CKF_MESSAGE_ENCRYPT, CKF_MESSAGE_DECRYPT, CKF_MULTI_MESSAGE");
	is_rv(f->C_GetMechanismInfo(slot, CKM_AES_CBC, &info), CKR_OK, "AES-CBC's information");
	ok(!(info.flags & (CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | CKF_MULTI_MESSAGE)),
	   "CKM_AES_CBC: no message flag");
	is_rv(f->C_MessageEncryptInit(s, &cbc, k), CKR_MECHANISM_INVALID,
	      "C_MessageEncryptInit with CBC: CKR_MECHANISM_INVALID");

	/* no process */
	n = sizeof ct;
	is_rv(f->C_EncryptMessage(s, &p, sizeof p, NULL, 0, pt, 32, ct, &n),
	      CKR_OPERATION_NOT_INITIALIZED, "C_EncryptMessage without Init");
	is_rv(f->C_EncryptMessageBegin(s, &p, sizeof p, NULL, 0), CKR_OPERATION_NOT_INITIALIZED,
	      "C_EncryptMessageBegin without Init");
	is_rv(f->C_MessageEncryptFinal(s), CKR_OPERATION_NOT_INITIALIZED,
	      "C_MessageEncryptFinal without Init");
	is_rv(f->C_MessageDecryptFinal(s), CKR_OPERATION_NOT_INITIALIZED,
	      "C_MessageDecryptFinal without Init");

	/* keys */
	is_rv(f->C_MessageEncryptInit(s, &m, k_noenc), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "a key without CKA_ENCRYPT: CKR_KEY_FUNCTION_NOT_PERMITTED");
	is_rv(f->C_MessageDecryptInit(s, &m, k_nodec), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "a key without CKA_DECRYPT: CKR_KEY_FUNCTION_NOT_PERMITTED");
	is_rv(f->C_MessageEncryptInit(s, &m, 0x7777), CKR_KEY_HANDLE_INVALID,
	      "no such key: CKR_KEY_HANDLE_INVALID");

	/* the process and the classic operation exclude each other */
	is_rv(f->C_MessageEncryptInit(s, &m, k), CKR_OK, "C_MessageEncryptInit");
	is_rv(f->C_MessageEncryptInit(s, &m, k), CKR_OPERATION_ACTIVE, "twice: CKR_OPERATION_ACTIVE");
	is_rv(f->C_EncryptInit(s, &mc, k), CKR_OPERATION_ACTIVE,
	      "C_EncryptInit beside it: CKR_OPERATION_ACTIVE");
	is_rv(f->C_MessageDecryptInit(s, &m, k), CKR_OK, "a decryption process beside it");
	is_rv(f->C_MessageDecryptFinal(s), CKR_OK, "... ended");

	/* bad parameters end nothing: the process goes on */
	q = p;
	q.ulIvLen = 0;
	n = sizeof ct;
	is_rv(f->C_EncryptMessage(s, &q, sizeof q, NULL, 0, pt, 32, ct, &n),
	      CKR_MECHANISM_PARAM_INVALID, "an IV of 0 bytes");
	q = p;
	q.pIv = big;
	q.ulIvLen = sizeof big;
	is_rv(f->C_EncryptMessage(s, &q, sizeof q, NULL, 0, pt, 32, ct, &n),
	      CKR_MECHANISM_PARAM_INVALID, "an IV of 300 bytes");
	q = p;
	q.ulTagBits = 100;
	is_rv(f->C_EncryptMessage(s, &q, sizeof q, NULL, 0, pt, 32, ct, &n),
	      CKR_MECHANISM_PARAM_INVALID, "a tag of 100 bits");
	q.ulTagBits = 136;
	is_rv(f->C_EncryptMessage(s, &q, sizeof q, NULL, 0, pt, 32, ct, &n),
	      CKR_MECHANISM_PARAM_INVALID, "a tag of 136 bits");
	q = p;
	q.pTag = NULL;
	is_rv(f->C_EncryptMessage(s, &q, sizeof q, NULL, 0, pt, 32, ct, &n),
	      CKR_MECHANISM_PARAM_INVALID, "no place for the tag");
	q = p;
	q.ivGenerator = 77;
	is_rv(f->C_EncryptMessage(s, &q, sizeof q, NULL, 0, pt, 32, ct, &n),
	      CKR_MECHANISM_PARAM_INVALID, "an unknown generator");
	q.ivGenerator = CKG_GENERATE_COUNTER_XOR;
	is_rv(f->C_EncryptMessage(s, &q, sizeof q, NULL, 0, pt, 32, ct, &n),
	      CKR_MECHANISM_PARAM_INVALID, "CKG_GENERATE_COUNTER_XOR (not offered)");
	q.ivGenerator = CKG_GENERATE;
	q.ulIvFixedBits = 96;
	is_rv(f->C_EncryptMessage(s, &q, sizeof q, NULL, 0, pt, 32, ct, &n),
	      CKR_MECHANISM_PARAM_INVALID, "every IV bit fixed: nothing to generate");
	is_rv(f->C_EncryptMessage(s, &p, sizeof p - 1, NULL, 0, pt, 32, ct, &n),
	      CKR_MECHANISM_PARAM_INVALID, "a parameter of the wrong size");
	is_rv(f->C_EncryptMessage(s, NULL, 0, NULL, 0, pt, 32, ct, &n),
	      CKR_MECHANISM_PARAM_INVALID, "no parameter");
	n = sizeof ct;
	is_rv(f->C_EncryptMessage(s, &p, sizeof p, NULL, 0, pt, 32, ct, &n), CKR_OK,
	      "the process went on: a good message");
	memcpy(out, ct, 32);

	/* Begin / Next */
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, pt, 32, ct, &n, CKF_END_OF_MESSAGE),
	      CKR_OPERATION_NOT_INITIALIZED, "Next without Begin");
	is_rv(f->C_EncryptMessageBegin(s, &p, sizeof p, NULL, 0), CKR_OK, "Begin");
	is_rv(f->C_EncryptMessageBegin(s, &p, sizeof p, NULL, 0), CKR_OPERATION_ACTIVE,
	      "Begin again: CKR_OPERATION_ACTIVE");
	n = sizeof ct;
	is_rv(f->C_EncryptMessage(s, &p, sizeof p, NULL, 0, pt, 32, ct, &n), CKR_OPERATION_ACTIVE,
	      "C_EncryptMessage within a message: CKR_OPERATION_ACTIVE");
	n1 = 0;
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, pt, 10, NULL, &n1, 0), CKR_OK,
	      "a part's size query");
	is_ulong(n1, 10, "... the part's length");
	n1 = sizeof ct;
	is_rv(f->C_EncryptMessageNext(s, NULL, 0, pt, 10, ct, &n1, 0), CKR_OK,
	      "a part (the message's parameter need not come again)");
	n = 0;
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, pt + 10, 22, NULL, &n, CKF_END_OF_MESSAGE),
	      CKR_OK, "the last part's size query");
	is_ulong(n, 22, "... the rest's length");
	n = 5;
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, pt + 10, 22, ct + 10, &n,
				      CKF_END_OF_MESSAGE), CKR_BUFFER_TOO_SMALL,
	      "a short buffer: CKR_BUFFER_TOO_SMALL");
	is_rv(f->C_EncryptMessageNext(s, NULL, 0, pt + 10, 22, ct + 10, &n, CKF_END_OF_MESSAGE),
	      CKR_MECHANISM_PARAM_INVALID, "the last part without its parameter (the tag's place)");
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, pt + 10, 22, ct + 10, &n,
				      CKF_END_OF_MESSAGE), CKR_OPERATION_NOT_INITIALIZED,
	      "... which ended the message");
	is_rv(f->C_EncryptMessageBegin(s, &p, sizeof p, NULL, 0), CKR_OK, "Begin again");
	n1 = sizeof ct;
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, pt, 10, ct, &n1, 0), CKR_OK, "a part");
	n = 5;
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, pt + 10, 22, ct + 10, &n,
				      CKF_END_OF_MESSAGE), CKR_BUFFER_TOO_SMALL, "a short buffer");
	is_ulong(n, 22, "... says the length");
	n = sizeof ct - 10;
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, pt + 10, 22, ct + 10, &n,
				      CKF_END_OF_MESSAGE), CKR_OK, "the last part");
	ok(n1 + n == 32 && memcmp(ct, out, 32) == 0,
	   "the same ciphertext as the one-shot message with that IV");
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, pt, 1, ct, &n, CKF_END_OF_MESSAGE),
	      CKR_OPERATION_NOT_INITIALIZED, "after the last part: no message");
	is_rv(f->C_EncryptMessageBegin(s, &p, sizeof p, NULL, 0), CKR_OK, "Begin");
	n = sizeof ct;
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, pt, 1, ct, &n, 0x8), CKR_ARGUMENTS_BAD,
	      "a flag the function has not: CKR_ARGUMENTS_BAD");
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, pt, 1, ct, &n, 0),
	      CKR_OPERATION_NOT_INITIALIZED, "... the message ended");
	is_rv(f->C_EncryptMessageBegin(s, &p, sizeof p, NULL, 0), CKR_OK, "Begin");
	is_rv(f->C_EncryptMessageNext(s, &p, sizeof p, NULL, 4, ct, &n, 0), CKR_ARGUMENTS_BAD,
	      "a NULL part with a length: CKR_ARGUMENTS_BAD");
	is_rv(f->C_EncryptMessageBegin(s, &p, sizeof p, NULL, 0), CKR_OK,
	      "... which ended the message, not the process");
	is_rv(f->C_MessageEncryptFinal(s), CKR_OK, "Final with a message in progress");
	n = sizeof ct;
	is_rv(f->C_EncryptMessage(s, &p, sizeof p, NULL, 0, pt, 32, ct, &n),
	      CKR_OPERATION_NOT_INITIALIZED, "... ended the process and the message");
	is_rv(f->C_EncryptInit(s, &mc, k), CKR_OK, "the classic operation may start now");
	is_rv(f->C_MessageEncryptInit(s, &m, k), CKR_OPERATION_ACTIVE,
	      "... and excludes the process");
	is_rv(f->C_EncryptInit(s, NULL, k), CKR_OK, "C_EncryptInit(NULL) ends it");
	is_rv(f->C_MessageEncryptInit(s, &m, k), CKR_OK, "C_MessageEncryptInit");
	is_rv(f->C_EncryptMessageBegin(s, &p, sizeof p, NULL, 0), CKR_OK, "Begin");
	is_rv(f->C_MessageEncryptInit(s, NULL, k), CKR_OK, "C_MessageEncryptInit(NULL)");
	is_rv(f->C_EncryptMessageBegin(s, &p, sizeof p, NULL, 0), CKR_OPERATION_NOT_INITIALIZED,
	      "... ended the process and its message");

	/* a wrong tag */
	is_rv(f->C_MessageEncryptInit(s, &m, k), CKR_OK, "C_MessageEncryptInit");
	n = sizeof ct;
	is_rv(f->C_EncryptMessage(s, &p, sizeof p, (CK_BYTE_PTR) "aad", 3, pt, 32, ct, &n), CKR_OK,
	      "a message with associated data");
	is_rv(f->C_MessageEncryptFinal(s), CKR_OK, "C_MessageEncryptFinal");
	is_rv(f->C_MessageDecryptInit(s, &m, k), CKR_OK, "C_MessageDecryptInit");
	tag[3] ^= 1;
	memset(out, 0xEE, sizeof out);
	n = sizeof out;
	is_rv(f->C_DecryptMessage(s, &p, sizeof p, (CK_BYTE_PTR) "aad", 3, ct, 32, out, &n),
	      CKR_AEAD_DECRYPT_FAILED, "a wrong tag: CKR_AEAD_DECRYPT_FAILED");
	ok(memchr(out, 1, 32) == NULL, "... and no plaintext given");
	tag[3] ^= 1;
	n = sizeof out;
	is_rv(f->C_DecryptMessage(s, &p, sizeof p, (CK_BYTE_PTR) "aax", 3, ct, 32, out, &n),
	      CKR_AEAD_DECRYPT_FAILED, "other associated data: CKR_AEAD_DECRYPT_FAILED");
	n = sizeof out;
	ok(f->C_DecryptMessage(s, &p, sizeof p, (CK_BYTE_PTR) "aad", 3, ct, 32, out, &n) ==
		   CKR_OK && n == 32 && memcmp(out, pt, 32) == 0,
	   "the process went on: the right tag decrypts");
	is_rv(f->C_DecryptMessageBegin(s, &p, sizeof p, (CK_BYTE_PTR) "aad", 3), CKR_OK, "Begin");
	n = sizeof out;
	is_rv(f->C_DecryptMessageNext(s, &p, sizeof p, ct, 31, out, &n, 0), CKR_OK, "a part");
	tag[0] ^= 0x80;
	n = sizeof out;
	is_rv(f->C_DecryptMessageNext(s, &p, sizeof p, ct + 31, 1, out, &n, CKF_END_OF_MESSAGE),
	      CKR_AEAD_DECRYPT_FAILED, "the last part with a wrong tag: CKR_AEAD_DECRYPT_FAILED");
	tag[0] ^= 0x80;
	is_rv(f->C_DecryptMessageNext(s, &p, sizeof p, ct + 31, 1, out, &n, CKF_END_OF_MESSAGE),
	      CKR_OPERATION_NOT_INITIALIZED, "... which ended the message");
	q = p;
	q.ulTagBits = 96;
	is_rv(f->C_DecryptMessageBegin(s, &p, sizeof p, NULL, 0), CKR_OK, "Begin");
	n = sizeof out;
	is_rv(f->C_DecryptMessageNext(s, &q, sizeof q, ct, 32, out, &n, CKF_END_OF_MESSAGE),
	      CKR_MECHANISM_PARAM_INVALID, "another tag length at the end");
	is_rv(f->C_SessionCancel(s, CKF_MESSAGE_DECRYPT), CKR_OK,
	      "C_SessionCancel(CKF_MESSAGE_DECRYPT)");
	is_rv(f->C_MessageDecryptFinal(s), CKR_OPERATION_NOT_INITIALIZED, "... ended the process");

	/* a session closed under a process and a message */
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s2), CKR_OK, "a second session");
	is_rv(f->C_MessageEncryptInit(s2, &m, k), CKR_OK, "a process there, with this one's key");
	is_rv(f->C_EncryptMessageBegin(s2, &p, sizeof p, NULL, 0), CKR_OK, "... and a message");
	is_rv(f->C_CloseSession(s2), CKR_OK, "closed");
	n = sizeof ct;
	is_rv(f->C_EncryptMessageNext(s2, &p, sizeof p, pt, 4, ct, &n, 0),
	      CKR_SESSION_HANDLE_INVALID, "its handle is gone");
	is_rv(f->C_MessageEncryptInit(s, &m, k), CKR_OK, "this session's process is unaffected");
	is_rv(f->C_MessageEncryptFinal(s), CKR_OK, "... and ends");
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;

	api_rig(argv, 1);
	f = module_30();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of((CK_FUNCTION_LIST_PTR)f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK, "a session");

	known_answers();
	generators();
	cross();
	rules();

	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
