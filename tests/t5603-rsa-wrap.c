/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5603 — C_WrapKey with an RSA public key (host) and C_UnwrapKey with the token's RSA
 * private key (its script decrypts, as for C_Decrypt): CKM_RSA_PKCS (RSAES-PKCS1-v1_5,
 * RFC 8017 7.2) and CKM_RSA_PKCS_OAEP (RFC 8017 7.1, SHA-1 and SHA-256) round trips of
 * AES keys; keys encrypted by `openssl pkeyutl -encrypt` (both paddings) in another
 * process, unwrapped by the token; and the refusals: a wrapping key without CKA_WRAP
 * (CKR_KEY_FUNCTION_NOT_PERMITTED), a key too long for the padding (CKR_KEY_SIZE_RANGE),
 * a wrapped key of the wrong length (CKR_WRAPPED_KEY_LEN_RANGE), one whose padding is
 * wrong (CKR_WRAPPED_KEY_INVALID), a public key as the unwrapping key
 * (CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT), and the mechanism flags.
 */
#include "api/api.h"

#include <fcntl.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY, c_pub = CKO_PUBLIC_KEY;
static CK_KEY_TYPE k_aes = CKK_AES, k_gen = CKK_GENERIC_SECRET, k_rsa = CKK_RSA;
static char dir[] = "/tmp/t5603-XXXXXX";

#define ATTR(t, v) { (t), &(v), sizeof(v) }

static CK_OBJECT_HANDLE secret_of(CK_KEY_TYPE kt, const uint8_t *v, size_t n)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, kt), { CKA_VALUE, (void *)v, n },
		ATTR(CKA_EXTRACTABLE, yes), ATTR(CKA_SENSITIVE, no), ATTR(CKA_PRIVATE, no),
	};

	return f->C_CreateObject(s, t, 6, &h) == CKR_OK ? h : CK_INVALID_HANDLE;
}

static CK_RV unwrap(CK_MECHANISM *m, CK_OBJECT_HANDLE k, const uint8_t *w, size_t wn,
		    uint8_t *val, CK_ULONG *vn)
{
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), ATTR(CKA_EXTRACTABLE, yes),
		ATTR(CKA_SENSITIVE, no), ATTR(CKA_PRIVATE, no),
	};
	CK_ATTRIBUTE a = { CKA_VALUE, val, *vn };
	CK_OBJECT_HANDLE h = 0;
	CK_RV rv = f->C_UnwrapKey(s, m, k, (CK_BYTE_PTR)w, wn, t, 5, &h);

	if (rv != CKR_OK)
		return rv;
	rv = f->C_GetAttributeValue(s, h, &a, 1);
	*vn = a.ulValueLen;
	return rv;
}

/* A DER length. */
static size_t der_len(uint8_t *p, size_t n)
{
	if (n < 128) {
		p[0] = (uint8_t)n;
		return 1;
	}
	if (n < 256) {
		p[0] = 0x81;
		p[1] = (uint8_t)n;
		return 2;
	}
	p[0] = 0x82;
	p[1] = (uint8_t)(n >> 8);
	p[2] = (uint8_t)n;
	return 3;
}

/* dir/pub.pem from the modulus (RFC 8017 A.1.1 RSAPublicKey, e = 65537, via openssl). */
static int write_pub_pem(const uint8_t *n, size_t k)
{
	uint8_t body[600], der[620];
	size_t b = 0, d = 0;
	char path[64], cmd[256];
	int fd;

	body[b++] = 0x02;
	b += der_len(body + b, k + 1);
	body[b++] = 0x00;
	memcpy(body + b, n, k);
	b += k;
	memcpy(body + b, "\x02\x03\x01\x00\x01", 5);
	b += 5;
	der[d++] = 0x30;
	d += der_len(der + d, b);
	memcpy(der + d, body, b);
	d += b;
	snprintf(path, sizeof path, "%s/pub.der", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, der, d) != (ssize_t)d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	snprintf(cmd, sizeof cmd, "openssl rsa -RSAPublicKey_in -inform DER -in %s/pub.der "
		 "-pubout -out %s/pub.pem 2>/dev/null", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* `openssl pkeyutl -encrypt` of key with the public key, in another process. */
static int openssl_encrypt(const char *opts, const uint8_t *key, size_t n, uint8_t *out,
			   size_t *on)
{
	char path[64], cmd[512];
	unsigned v;
	FILE *p;
	int fd;

	snprintf(path, sizeof path, "%s/key", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, key, n) != (ssize_t)n) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	snprintf(cmd, sizeof cmd, "openssl pkeyutl -encrypt -pubin -inkey %s/pub.pem %s -in %s"
		 " | od -An -tx1 -v", dir, opts, path);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	*on = 0;
	while (*on < 512 && fscanf(p, "%x", &v) == 1)
		out[(*on)++] = (uint8_t)v;
	unlink(path);
	return pclose(p) == 0 && *on > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static CK_ULONG bits = 1024;
	static CK_BYTE e65537[] = { 1, 0, 1 };
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_MODULUS_BITS, bits),
			      { CKA_PUBLIC_EXPONENT, e65537, 3 }, { CKA_ID, "\x56", 1 } };
	CK_ATTRIBUTE vt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, yes),
			      ATTR(CKA_UNWRAP, yes) };
	CK_RSA_PKCS_OAEP_PARAMS o1 = { CKM_SHA_1, CKG_MGF1_SHA1, 0, NULL, 0 };
	CK_RSA_PKCS_OAEP_PARAMS o256 = { CKM_SHA256, CKG_MGF1_SHA256, 0, NULL, 0 };
	struct { const char *name, *openssl; CK_MECHANISM m; } cs[] = {
		{ "CKM_RSA_PKCS", "-pkeyopt rsa_padding_mode:pkcs1", { CKM_RSA_PKCS, NULL, 0 } },
		{ "CKM_RSA_PKCS_OAEP SHA-1", "-pkeyopt rsa_padding_mode:oaep",
		  { CKM_RSA_PKCS_OAEP, &o1, sizeof o1 } },
		{ "CKM_RSA_PKCS_OAEP SHA-256", "-pkeyopt rsa_padding_mode:oaep -pkeyopt "
		  "rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256",
		  { CKM_RSA_PKCS_OAEP, &o256, sizeof o256 } },
	};
	CK_MECHANISM pkcs = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE n[512], key[32], big[120], w[512], val[64];
	CK_ATTRIBUTE na = { CKA_MODULUS, n, sizeof n };
	CK_SLOT_ID slot = 0;
	CK_OBJECT_HANDLE pub = 0, priv = 0, spub = 0, sk, hbig;
	CK_MECHANISM_INFO mi;
	CK_ULONG k, wn, vn;
	size_t i, on = 0;

	(void)argc;
	api_rig(argv, 1);
	if (mkdtemp(dir) == NULL)
		return 1;
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5603"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	      CKR_OK, "a session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	ok(f->C_GetMechanismInfo(slot, CKM_RSA_PKCS, &mi) == CKR_OK &&
	   (mi.flags & (CKF_WRAP | CKF_UNWRAP)) == (CKF_WRAP | CKF_UNWRAP),
	   "CKM_RSA_PKCS: wrap (host) and unwrap (the token decrypts)");
	ok(f->C_GetMechanismInfo(slot, CKM_SHA256_RSA_PKCS, &mi) == CKR_OK &&
	   !(mi.flags & (CKF_WRAP | CKF_UNWRAP)), "CKM_SHA256_RSA_PKCS: neither");
	is_rv(f->C_GenerateKeyPair(s, &gen, pt, 4, vt, 3, &pub, &priv), CKR_OK,
	      "an RSA-1024 key pair on the token, the private key with CKA_UNWRAP");
	is_rv(f->C_GetAttributeValue(s, pub, &na, 1), CKR_OK, "its modulus");
	k = na.ulValueLen;
	{
		CK_ATTRIBUTE t[] = {
			ATTR(CKA_CLASS, c_pub), ATTR(CKA_KEY_TYPE, k_rsa), { CKA_MODULUS, n, k },
			{ CKA_PUBLIC_EXPONENT, e65537, 3 }, ATTR(CKA_WRAP, yes),
		};
		is_rv(f->C_CreateObject(s, t, 5, &spub), CKR_OK,
		      "a session copy of the public key with CKA_WRAP");
	}
	ok(write_pub_pem(n, k) == 0, "the public key for openssl");
	f->C_GenerateRandom(s, key, sizeof key);
	sk = secret_of(CKK_AES, key, sizeof key);

	for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		wn = 0;
		is_rv(f->C_WrapKey(s, &cs[i].m, spub, sk, NULL, &wn), CKR_OK, "%s: size query",
		      cs[i].name);
		is_ulong(wn, k, "%s: the modulus' length", cs[i].name);
		wn = sizeof w;
		is_rv(f->C_WrapKey(s, &cs[i].m, spub, sk, w, &wn), CKR_OK, "%s: C_WrapKey",
		      cs[i].name);
		vn = sizeof val;
		ok(unwrap(&cs[i].m, priv, w, wn, val, &vn) == CKR_OK && vn == sizeof key &&
		   memcmp(val, key, vn) == 0, "%s: the token unwraps it", cs[i].name);
		vn = sizeof val;
		ok(openssl_encrypt(cs[i].openssl, key, sizeof key, w, &on) == 0 && on == k &&
		   unwrap(&cs[i].m, priv, w, on, val, &vn) == CKR_OK && vn == sizeof key &&
		   memcmp(val, key, vn) == 0, "%s: and what openssl pkeyutl encrypted",
		   cs[i].name);
		vn = sizeof val;
		is_rv(unwrap(&cs[i].m, priv, w, on - 1, val, &vn), CKR_WRAPPED_KEY_LEN_RANGE,
		      "%s: one byte short", cs[i].name);
	}

	/* refusals */
	wn = sizeof w;
	is_rv(f->C_WrapKey(s, &pkcs, pub, sk, w, &wn), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "the token's public key has CKA_WRAP false");
	memset(big, 0x42, sizeof big);
	hbig = secret_of(CKK_GENERIC_SECRET, big, sizeof big);
	is_rv(f->C_WrapKey(s, &pkcs, spub, hbig, w, &wn), CKR_KEY_SIZE_RANGE,
	      "120 bytes do not fit PKCS #1 v1.5 with a 128-byte modulus");
	is_rv(f->C_WrapKey(s, &pkcs, priv, sk, w, &wn), CKR_WRAPPING_KEY_TYPE_INCONSISTENT,
	      "a private key to wrap with");
	vn = sizeof val;
	is_rv(unwrap(&pkcs, spub, w, k, val, &vn), CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT,
	      "a public key to unwrap with");
	memset(w, 0, k);
	w[k - 1] = 2;
	vn = sizeof val;
	is_rv(unwrap(&pkcs, priv, w, k, val, &vn), CKR_WRAPPED_KEY_INVALID,
	      "a block without PKCS #1 padding");
	memcpy(w, n, k);
	vn = sizeof val;
	is_rv(unwrap(&pkcs, priv, w, k, val, &vn), CKR_WRAPPED_KEY_INVALID,
	      "the modulus itself (no ciphertext)");
	(void)k_gen;
	(void)no;
	is_rv(f->C_DestroyObject(s, priv), CKR_OK, "remove the private key");
	is_rv(f->C_DestroyObject(s, pub), CKR_OK, "and the public one");
	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	api_run("/bin/rm", "-rf", dir, (char *)NULL);
	return done_testing();
}
