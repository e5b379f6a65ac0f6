/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_gost89.c — GOST 28147-89 on the host: ECB, counter (CNT), CFB and the MAC
 * ("imitovstavka"); see crypto_sym_gost.h.
 *
 * The cipher is the gostprov provider's, in the private library context. Its S-boxes
 * (checked against the gost engine's CRYPT_PARAMS choices): "gost89-cnt" and "gost-mac"
 * always use id-Gost28147-89-CryptoPro-A-ParamSet (RFC 4357 11.2), "gost89-cnt-12" and
 * "gost-mac-12" always id-tc26-gost-28147-param-Z (RFC 7836); "gost89" (CFB) and
 * "gost89-cbc" use the provider's default set, TC26-Z, unless the process environment
 * names another in CRYPT_PARAMS, which the provider reads: then ECB and CFB refuse to run
 * rather than compute with S-boxes nobody asked for. CFB and CNT apply the CryptoPro key
 * meshing of RFC 4357 2.3 every 1024 bytes. ECB is "gost89-cbc" with the chaining undone
 * (as for Magma in crypto_gost_sym.c): the provider has no GOST 28147 ECB.
 */
#include "crypto_sym_gost.h"

#include "crypto.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

/* The DER OIDs of CKA_GOST28147_PARAMS: 1.2.643.2.2.31.1 (RFC 4357 10.3) and
 * 1.2.643.7.1.2.5.1.1 (RFC 7836 / TC26). */
static const uint8_t crypto_oid_cp_a[] = { 0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x1f,
					   0x01 };
static const uint8_t crypto_oid_tc26_z[] = { 0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02,
					     0x05, 0x01, 0x01 };

int crypto_gost89_set_of(const uint8_t *oid_der, size_t len)
{
	if (oid_der == NULL)
		return -1;
	if (len == sizeof crypto_oid_cp_a && memcmp(oid_der, crypto_oid_cp_a, len) == 0)
		return CRYPTO_GOST89_CRYPTOPRO_A;
	if (len == sizeof crypto_oid_tc26_z && memcmp(oid_der, crypto_oid_tc26_z, len) == 0)
		return CRYPTO_GOST89_TC26_Z;
	return -1;
}

/* "gost89" and "gost89-cbc" compute with TC26-Z: the default, and nothing in the
 * environment changes it. */
static int crypto_gost89_default_is_z(void)
{
	const char *e = getenv("CRYPT_PARAMS");

	return e == NULL || e[0] == '\0' || strcmp(e, "id-tc26-gost-28147-param-Z") == 0 ||
	       strcmp(e, "1.2.643.7.1.2.5.1.1") == 0;
}

/* An EVP cipher context of the provider, keyed. */
static CK_RV crypto_gost89_ctx(const char *name, int encrypt, const uint8_t *key,
			       const uint8_t *iv, EVP_CIPHER_CTX **out)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	EVP_CIPHER *ci = NULL;
	EVP_CIPHER_CTX *c = NULL;
	CK_RV rv = CKR_FUNCTION_FAILED;

	*out = NULL;
	if (lctx == NULL)
		return CKR_FUNCTION_FAILED;
	ERR_set_mark();
	ci = EVP_CIPHER_fetch(lctx, name, NULL);
	c = EVP_CIPHER_CTX_new();
	if (c == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (ci == NULL || EVP_CIPHER_get_key_length(ci) != CRYPTO_GOST_KEY_LEN ||
	    !EVP_CipherInit_ex2(c, ci, key, iv, encrypt, NULL) || !EVP_CIPHER_CTX_set_padding(c, 0))
		goto out;
	*out = c;
	c = NULL;
	rv = CKR_OK;
out:
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_free(ci);
	ERR_pop_to_mark();
	return rv;
}

static CK_RV crypto_gost89_ecb_inner(EVP_CIPHER_CTX *c, int encrypt, const uint8_t *in,
				     size_t n, uint8_t *out)
{
	uint8_t prev[8] = { 0 }, t[8], u[8];
	size_t i, j;
	int ol;

	for (i = 0; i < n; i += 8) {
		if (encrypt) {
			/* CBC of P ^ C_prev is E(P) */
			for (j = 0; j < 8; j++)
				t[j] = in[i + j] ^ prev[j];
			if (!EVP_CipherUpdate(c, out + i, &ol, t, 8) || ol != 8)
				return CKR_FUNCTION_FAILED;
			memcpy(prev, out + i, 8);
		} else {
			/* CBC decryption of C is D(C) ^ C_prev */
			memcpy(u, in + i, 8);
			if (!EVP_CipherUpdate(c, t, &ol, u, 8) || ol != 8)
				return CKR_FUNCTION_FAILED;
			for (j = 0; j < 8; j++)
				out[i + j] = t[j] ^ prev[j];
			memcpy(prev, u, 8);
		}
	}
	OPENSSL_cleanse(t, sizeof t);
	return CKR_OK;
}

CK_RV crypto_gost89_ecb(enum crypto_gost89_set set, int encrypt, const uint8_t *key,
			size_t key_len, const uint8_t *in, size_t n, uint8_t *out)
{
	static const uint8_t zero[8];
	EVP_CIPHER_CTX *c = NULL;
	CK_RV rv;

	if (key_len != CRYPTO_GOST_KEY_LEN)
		return CKR_KEY_SIZE_RANGE;
	if (set != CRYPTO_GOST89_TC26_Z)
		return CKR_MECHANISM_PARAM_INVALID;
	if (n % 8 != 0)
		return CKR_DATA_LEN_RANGE;
	if (!crypto_gost89_default_is_z())
		return CKR_FUNCTION_FAILED;
	if (n == 0)
		return CKR_OK;
	rv = crypto_gost89_ctx("gost89-cbc", encrypt, key, zero, &c);
	if (rv != CKR_OK)
		return rv;
	ERR_set_mark();
	rv = crypto_gost89_ecb_inner(c, encrypt, in, n, out);
	ERR_pop_to_mark();
	EVP_CIPHER_CTX_free(c);
	return rv;
}

/* --- CNT and CFB ---------------------------------------------------------------------- */

struct crypto_gost89_stream {
	EVP_CIPHER_CTX *c;
};

CK_RV crypto_gost89_stream_new(enum crypto_gost89_set set, int cfb, int encrypt,
			       const uint8_t *key, size_t key_len, const uint8_t *iv,
			       size_t iv_len, struct crypto_gost89_stream **out)
{
	struct crypto_gost89_stream *s;
	const char *name;
	CK_RV rv;

	*out = NULL;
	if (key_len != CRYPTO_GOST_KEY_LEN)
		return CKR_KEY_SIZE_RANGE;
	if (set == CRYPTO_GOST89_CRYPTOPRO_A && !cfb)
		name = "gost89-cnt";
	else if (set == CRYPTO_GOST89_TC26_Z)
		name = cfb ? "gost89" : "gost89-cnt-12";
	else
		return CKR_MECHANISM_PARAM_INVALID;
	if (iv == NULL || iv_len != 8)
		return CKR_MECHANISM_PARAM_INVALID;
	if (cfb && !crypto_gost89_default_is_z())
		return CKR_FUNCTION_FAILED;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return CKR_HOST_MEMORY;
	/* CNT is its own inverse; CFB decrypts with the decryption direction */
	rv = crypto_gost89_ctx(name, cfb ? encrypt : 1, key, iv, &s->c);
	if (rv != CKR_OK) {
		free(s);
		return rv;
	}
	*out = s;
	return CKR_OK;
}

CK_RV crypto_gost89_stream_update(struct crypto_gost89_stream *s, const uint8_t *in, size_t n,
				  uint8_t *out)
{
	CK_RV rv = CKR_OK;
	size_t chunk;
	int ol;

	ERR_set_mark();
	while (n > 0) {
		chunk = n > (1u << 20) ? (1u << 20) : n;
		if (!EVP_CipherUpdate(s->c, out, &ol, in, (int)chunk) || (size_t)ol != chunk) {
			rv = CKR_FUNCTION_FAILED;
			break;
		}
		in += chunk;
		out += chunk;
		n -= chunk;
	}
	ERR_pop_to_mark();
	return rv;
}

void crypto_gost89_stream_free(struct crypto_gost89_stream *s)
{
	if (s == NULL)
		return;
	EVP_CIPHER_CTX_free(s->c);
	free(s);
}

CK_RV crypto_gost89_stream(enum crypto_gost89_set set, int cfb, int encrypt, const uint8_t *key,
			   size_t key_len, const uint8_t *iv, size_t iv_len, const uint8_t *in,
			   size_t n, uint8_t *out)
{
	struct crypto_gost89_stream *s;
	CK_RV rv = crypto_gost89_stream_new(set, cfb, encrypt, key, key_len, iv, iv_len, &s);

	if (rv != CKR_OK)
		return rv;
	rv = crypto_gost89_stream_update(s, in, n, out);
	crypto_gost89_stream_free(s);
	return rv;
}

/* --- MAC ------------------------------------------------------------------------------ */

/*
 * The first 16 bytes are held back and given to the provider in one call: its MAC of a
 * one-block message, fed in pieces, is not that of the same block fed at once (only the
 * latter is the engine's and the command line's), and the IV is added to block 1 there.
 */
struct crypto_gost89_mac {
	EVP_MAC_CTX *m;
	uint8_t iv[8];
	int has_iv;
	uint8_t head[16];
	size_t head_len;
	int head_fed;
};

CK_RV crypto_gost89_mac_new(enum crypto_gost89_set set, const uint8_t *key, size_t key_len,
			    const uint8_t *iv, size_t iv_len, struct crypto_gost89_mac **out)
{
	OSSL_LIB_CTX *lctx = crypto_libctx();
	struct crypto_gost89_mac *g;
	EVP_MAC *mac = NULL;
	OSSL_PARAM params[2];
	size_t size = 8, i;
	CK_RV rv = CKR_FUNCTION_FAILED;

	*out = NULL;
	if (key_len != CRYPTO_GOST_KEY_LEN)
		return CKR_KEY_SIZE_RANGE;
	if (set != CRYPTO_GOST89_CRYPTOPRO_A && set != CRYPTO_GOST89_TC26_Z)
		return CKR_MECHANISM_PARAM_INVALID;
	if ((iv == NULL) != (iv_len == 0) || (iv != NULL && iv_len != 8))
		return CKR_MECHANISM_PARAM_INVALID;
	if (lctx == NULL)
		return CKR_FUNCTION_FAILED;
	g = calloc(1, sizeof *g);
	if (g == NULL)
		return CKR_HOST_MEMORY;
	for (i = 0; iv != NULL && i < 8; i++)
		g->has_iv |= iv[i] != 0;
	if (g->has_iv)
		memcpy(g->iv, iv, 8);
	ERR_set_mark();
	mac = EVP_MAC_fetch(lctx, set == CRYPTO_GOST89_CRYPTOPRO_A ? "gost-mac" : "gost-mac-12",
			    NULL);
	g->m = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size);
	params[1] = OSSL_PARAM_construct_end();
	if (g->m != NULL && EVP_MAC_init(g->m, key, key_len, params))
		rv = CKR_OK;
	EVP_MAC_free(mac);
	ERR_pop_to_mark();
	if (rv != CKR_OK) {
		crypto_gost89_mac_free(g);
		return rv;
	}
	*out = g;
	return CKR_OK;
}

static CK_RV crypto_gost89_mac_feed(struct crypto_gost89_mac *g, const uint8_t *p, size_t n)
{
	CK_RV rv = CKR_OK;

	if (n == 0)
		return CKR_OK;
	ERR_set_mark();
	if (!EVP_MAC_update(g->m, p, n))
		rv = CKR_FUNCTION_FAILED;
	ERR_pop_to_mark();
	return rv;
}

/* The held-back head, with the IV added to its first block: the MAC's state starts at the
 * IV (RFC 4357 6.1's gost28147IMIT(IV, K, M)) and its first step encrypts state ^ block 1.
 * A head shorter than a block is zero-padded first when there is an IV (the padding of
 * GOST 28147-89 5 then carries the IV's rest). */
static CK_RV crypto_gost89_mac_head(struct crypto_gost89_mac *g)
{
	size_t j;

	g->head_fed = 1;
	if (g->has_iv) {
		if (g->head_len < 8) {
			memset(g->head + g->head_len, 0, 8 - g->head_len);
			g->head_len = 8;
		}
		for (j = 0; j < 8; j++)
			g->head[j] ^= g->iv[j];
	}
	return crypto_gost89_mac_feed(g, g->head, g->head_len);
}

CK_RV crypto_gost89_mac_update(struct crypto_gost89_mac *g, const uint8_t *p, size_t n)
{
	size_t take;
	CK_RV rv;

	if (!g->head_fed) {
		take = sizeof g->head - g->head_len < n ? sizeof g->head - g->head_len : n;
		memcpy(g->head + g->head_len, p, take);
		g->head_len += take;
		p += take;
		n -= take;
		if (n == 0)
			return CKR_OK;  /* maybe the whole message: wait */
		rv = crypto_gost89_mac_head(g);
		if (rv != CKR_OK)
			return rv;
	}
	return crypto_gost89_mac_feed(g, p, n);
}

CK_RV crypto_gost89_mac_final(struct crypto_gost89_mac *g, uint8_t *mac, size_t mac_len)
{
	uint8_t full[8];
	size_t ol = 0;
	CK_RV rv = CKR_OK;

	if (mac_len == 0 || mac_len > 8)
		return CKR_MECHANISM_PARAM_INVALID;
	if (!g->head_fed)
		rv = crypto_gost89_mac_head(g);
	if (rv != CKR_OK)
		return rv;
	ERR_set_mark();
	if (!EVP_MAC_final(g->m, full, &ol, sizeof full) || ol != 8)
		rv = CKR_FUNCTION_FAILED;
	ERR_pop_to_mark();
	if (rv == CKR_OK)
		memcpy(mac, full, mac_len);     /* the first bits (GOST 28147-89 5) */
	OPENSSL_cleanse(full, sizeof full);
	return rv;
}

void crypto_gost89_mac_free(struct crypto_gost89_mac *g)
{
	if (g == NULL)
		return;
	EVP_MAC_CTX_free(g->m);
	OPENSSL_cleanse(g, sizeof *g);
	free(g);
}

CK_RV crypto_gost89_mac(enum crypto_gost89_set set, const uint8_t *key, size_t key_len,
			const uint8_t *iv, size_t iv_len, const uint8_t *p, size_t n, uint8_t *mac,
			size_t mac_len)
{
	struct crypto_gost89_mac *g;
	CK_RV rv;

	if (mac_len == 0 || mac_len > 8)
		return CKR_MECHANISM_PARAM_INVALID;
	rv = crypto_gost89_mac_new(set, key, key_len, iv, iv_len, &g);
	if (rv != CKR_OK)
		return rv;
	rv = crypto_gost89_mac_update(g, p, n);
	if (rv == CKR_OK)
		rv = crypto_gost89_mac_final(g, mac, mac_len);
	crypto_gost89_mac_free(g);
	return rv;
}
