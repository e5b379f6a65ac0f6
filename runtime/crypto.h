/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto.h — host-side cryptography in OpenSSL 3: digests (Streebog and GOST R 34.11-94
 * through the gostprov provider), the RSA encodings of PKCS #1 v2.2 (RFC 8017), and
 * signature verification for RSA, ECDSA and GOST R 34.10-2001/2012 with public keys.
 *
 * Everything runs in a private library context (OSSL_LIB_CTX) holding the "default" and
 * "gostprov" providers, so the host application's OpenSSL state (its default context, its
 * configuration, its engines) is neither used nor changed. The gost ENGINE is never
 * loaded: GOST R 34.10 verification is computed here with OpenSSL's EC and BN API on the
 * curves of RFC 4357 and RFC 7836, chosen by the OID in CKA_GOSTR3410_PARAMS.
 *
 * Errors are CK_RVs; OpenSSL's error queue is left as the caller had it. Functions take
 * no lock of the module and may run in parallel.
 */
#ifndef SCRIPTOKI_CRYPTO_H
#define SCRIPTOKI_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "cryptoki.h"

/* The private library context, created on first use; NULL when it cannot be created. */
OSSL_LIB_CTX *crypto_libctx(void);
/* 1 when the gostprov provider is loaded in that context (the GOST digests exist). */
int crypto_have_gost(void);
/* Free the context and the cached curves (C_Finalize); the next use creates them again. */
void crypto_fini(void);
/* fn frees a cache of another crypto file (crypto_ec.c's curves) at every crypto_fini,
 * before the context; registering it again changes nothing. */
void crypto_on_fini(void (*fn)(void));
/* After fork(): the child keeps the inherited context (it is plain memory). */

/*
 * Public keys kept between operations (crypto_kept.c): crypto_rsa_pkey and the EC public
 * keys take the key last built from the same bytes (kind: CRYPTO_KEPT_RSA n and e,
 * CRYPTO_KEPT_EC the curve's parameters and the point) instead of building it again.
 * The table is made in C_Initialize (before it, nothing is kept), emptied in C_Finalize
 * before the context goes, and forgotten by a forked child.
 */
enum { CRYPTO_KEPT_RSA = 1, CRYPTO_KEPT_EC = 2 };
CK_RV crypto_kept_init(void);
void crypto_kept_fini(void);
void crypto_kept_forget_after_fork(void);
/* A reference of the caller's to the key kept for these bytes, or NULL. */
EVP_PKEY *crypto_kept_take(int kind, const uint8_t *a, size_t a_len, const uint8_t *b,
			   size_t b_len);
/* Keep pk (the table takes a reference of its own) for these bytes. */
void crypto_kept_put(int kind, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
		     EVP_PKEY *pk);

/* --- digests ----------------------------------------------------------------------- */

#define CRYPTO_MD_MAX 64

/* The EVP_MD of a PKCS#11 digest mechanism (CKM_SHA_1, CKM_SHA256, CKM_GOSTR3411_12_256,
 * ...: every `digest:` of spec/mechanisms.yaml), fetched once from the provider the spec
 * names; NULL when the host does not offer it (logged once). */
const EVP_MD *crypto_md(CK_MECHANISM_TYPE hash);
/* Its output length in bytes, 0 when unknown. */
size_t crypto_md_size(CK_MECHANISM_TYPE hash);
/* The digest mechanism of an MGF1 function (CKG_MGF1_SHA256 -> CKM_SHA256), or 0. */
CK_MECHANISM_TYPE crypto_mgf_hash(CK_RSA_PKCS_MGF_TYPE mgf);

/* The DER DigestInfo prefix of EMSA-PKCS1-v1_5 for hash (RFC 8017 9.2), NULL when PKCS #1
 * names no such hash (then it signs with no PKCS #1 v1.5 or PSS/OAEP encoding here). */
const uint8_t *crypto_digest_info(CK_MECHANISM_TYPE hash, size_t *len);
/* The digest mechanism of a scripts' name ("sha256", "streebog256", ...), or 0. */
CK_MECHANISM_TYPE crypto_digest_by_name(const char *script_name);

/* A running digest. */
CK_RV crypto_digest_new(CK_MECHANISM_TYPE hash, EVP_MD_CTX **out);
CK_RV crypto_digest_update(EVP_MD_CTX *c, const uint8_t *p, size_t n);
/* out must hold crypto_md_size(hash) bytes. */
CK_RV crypto_digest_final(EVP_MD_CTX *c, uint8_t *out, size_t *out_len);
CK_RV crypto_digest(CK_MECHANISM_TYPE hash, const uint8_t *p, size_t n, uint8_t *out,
		    size_t *out_len);

/* A running digest whose state can be saved (crypto_mdsave.c): SHA-1, SHA-224, SHA-256,
 * SHA-384 and SHA-512 through OpenSSL's low-level API. crypto_mdsave_export gives the
 * state's length and, when out has room, its bytes; crypto_mdsave_import takes them back
 * (CKR_SAVED_STATE_INVALID for bytes that are no such state). Valid in this process only:
 * the bytes are this build's struct. */
struct crypto_mdsave;
/* The digest's length when hash is one of them (what crypto_md_size says), else 0. */
size_t crypto_mdsave_can(CK_MECHANISM_TYPE hash);
CK_RV crypto_mdsave_new(CK_MECHANISM_TYPE hash, struct crypto_mdsave **out);
/* The same in memory of the caller's (CRYPTO_MDSAVE_SPACE bytes, aligned for any type),
 * so that a digest per operation costs no allocation; crypto_mdsave_free then only
 * cleanses it. */
#define CRYPTO_MDSAVE_SPACE 256
CK_RV crypto_mdsave_new_in(CK_MECHANISM_TYPE hash, void *mem, struct crypto_mdsave **out);
CK_RV crypto_mdsave_update(struct crypto_mdsave *s, const uint8_t *p, size_t n);
/* out must hold crypto_md_size(hash) bytes; once. */
CK_RV crypto_mdsave_final(struct crypto_mdsave *s, uint8_t *out, size_t *out_len);
void crypto_mdsave_free(struct crypto_mdsave *s);
size_t crypto_mdsave_export(const struct crypto_mdsave *s, uint8_t *out, size_t cap);
CK_RV crypto_mdsave_import(CK_MECHANISM_TYPE hash, const uint8_t *p, size_t n,
			   struct crypto_mdsave **out);

/* Random bytes from the host's generator (the private context's DRBG). */
CK_RV crypto_random(uint8_t *out, size_t n);

/* One 16-byte block encrypted with AES in ECB mode under key (16, 24 or 32 bytes; else
 * CKR_KEY_SIZE_RANGE): the check value of an AES key (PKCS #11 3.2 section 4.10). */
CK_RV crypto_aes_ecb_block(const uint8_t *key, size_t key_len, const uint8_t in[16],
			   uint8_t out[16]);
/* One 8-byte block encrypted with DES-EDE3 in ECB mode under key (24 bytes; else
 * CKR_KEY_SIZE_RANGE): the check value of a DES3 key (4.10). crypto_sym.c. */
CK_RV crypto_des3_ecb_block(const uint8_t *key, size_t key_len, const uint8_t in[8],
			    uint8_t out[8]);

/*
 * A block cipher in a mode, fed in parts (crypto_sym.c). cipher is OpenSSL's name
 * ("AES-128-CBC", "DES-EDE3-ECB" ...); iv its IV (GCM: of iv_len bytes), aad and tag_len
 * for GCM, ctr_bits the counter's width for CTR (the counter may not wrap: then
 * CKR_DATA_LEN_RANGE). update_len is the exact output of an update of n bytes (partial
 * blocks are kept; a padded decryption keeps its last block; a GCM decryption keeps
 * everything), final_len an upper bound of the last part (exact but for padding removal).
 * crypto_sym_final computes the last part once: CKR_DATA_LEN_RANGE /
 * CKR_ENCRYPTED_DATA_LEN_RANGE (a partial block without padding, a GCM input shorter
 * than its tag), CKR_ENCRYPTED_DATA_INVALID (bad padding, a wrong tag), else CKR_OK or,
 * with *out_len its length, CKR_BUFFER_TOO_SMALL (out NULL or shorter), after which it
 * may be called again.
 */
enum crypto_sym_mode {
	CRYPTO_SYM_ECB,
	CRYPTO_SYM_CBC,
	CRYPTO_SYM_CBC_PAD,
	CRYPTO_SYM_CTR,
	CRYPTO_SYM_GCM,
	CRYPTO_SYM_CCM,                 /* made by crypto_sym_ccm_new only */
};
struct crypto_sym;
CK_RV crypto_sym_new(const char *cipher, enum crypto_sym_mode mode, int decrypt,
		     const uint8_t *key, size_t key_len, const uint8_t *iv, size_t iv_len,
		     const uint8_t *aad, size_t aad_len, size_t tag_len, unsigned ctr_bits,
		     struct crypto_sym **out);
size_t crypto_sym_update_len(const struct crypto_sym *s, size_t n);
CK_RV crypto_sym_update(struct crypto_sym *s, const uint8_t *in, size_t n, uint8_t *out,
			size_t *out_len);
size_t crypto_sym_final_len(const struct crypto_sym *s);
CK_RV crypto_sym_final(struct crypto_sym *s, uint8_t *out, size_t cap, size_t *out_len);
void crypto_sym_free(struct crypto_sym *s);
/*
 * CCM (NIST SP 800-38C) with the AES cipher of OpenSSL's name ("AES-128-CCM" ...): nonce
 * of 7..13 bytes, tag_len 4..16 and even, data_len the plaintext's length, known before
 * the first byte (the B_0 block holds it; SP 800-38C A.2.1), aad the associated data.
 * OpenSSL takes a CCM message in one call: both directions keep their input until Final
 * (update_len is 0), which gives the ciphertext and the tag, or the plaintext once the
 * tag is verified (CKR_ENCRYPTED_DATA_INVALID otherwise). An input longer than data_len
 * (and its tag) is CKR_DATA_LEN_RANGE / CKR_ENCRYPTED_DATA_LEN_RANGE at once, a shorter
 * one at Final. Parameters out of these ranges: CKR_MECHANISM_PARAM_INVALID.
 */
CK_RV crypto_sym_ccm_new(const char *cipher, int decrypt, const uint8_t *key, size_t key_len,
			 const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
			 size_t aad_len, size_t tag_len, size_t data_len,
			 struct crypto_sym **out);

/* A MAC fed in parts (crypto_sym.c): mac "HMAC" with digest (OpenSSL's name) or "CMAC"
 * with cipher ("AES-128-CBC" ...) under key; *len its full length (at most
 * CRYPTO_MD_MAX). crypto_mac_final writes *len bytes into out, once.
 * CKR_MECHANISM_INVALID when this host has no such digest. */
struct crypto_mac;
CK_RV crypto_mac_new(const char *mac, const char *digest, const char *cipher,
		     const uint8_t *key, size_t key_len, struct crypto_mac **out, size_t *len);
CK_RV crypto_mac_update(struct crypto_mac *m, const uint8_t *p, size_t n);
CK_RV crypto_mac_final(struct crypto_mac *m, uint8_t *out);
void crypto_mac_free(struct crypto_mac *m);

/* --- RSA (RFC 8017) ----------------------------------------------------------------- */

/* Length in bytes and in bits of a big-endian integer, leading zero bytes ignored. */
size_t crypto_be_len(const uint8_t *p, size_t n);
size_t crypto_be_bits(const uint8_t *p, size_t n);

/* EMSA-PKCS1-v1_5 (RFC 8017 9.2) into em[0..k): when hash is 0, in is the T of the
 * standard as the caller gives it (CKM_RSA_PKCS), else in is a digest of that hash and
 * gets its DigestInfo. CKR_DATA_LEN_RANGE when it does not fit. */
CK_RV crypto_rsa_pkcs1_encode(CK_MECHANISM_TYPE hash, const uint8_t *in, size_t in_len,
			      uint8_t *em, size_t k);
/* EMSA-PSS-ENCODE (RFC 8017 9.1.1) of the digest mhash, with a random salt of slen
 * bytes and MGF1 over mgf_hash, into em[0..k) for a modulus of mod_bits bits. */
CK_RV crypto_rsa_pss_encode(CK_MECHANISM_TYPE hash, CK_MECHANISM_TYPE mgf_hash, size_t slen,
			    const uint8_t *mhash, size_t hlen, uint8_t *em, size_t k,
			    size_t mod_bits);

/* A public RSA key from CKA_MODULUS and CKA_PUBLIC_EXPONENT (big-endian). */
CK_RV crypto_rsa_pkey(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
		      EVP_PKEY **out);

enum crypto_rsa_pad { CRYPTO_PAD_X509, CRYPTO_PAD_PKCS1, CRYPTO_PAD_PSS, CRYPTO_PAD_OAEP };

struct crypto_rsa_params {
	enum crypto_rsa_pad pad;
	CK_MECHANISM_TYPE hash;         /* PKCS1 signatures: 0 for CKM_RSA_PKCS; PSS/OAEP */
	CK_MECHANISM_TYPE mgf_hash;     /* PSS, OAEP */
	size_t slen;                    /* PSS */
	const uint8_t *label;           /* OAEP */
	size_t label_len;
};

/* Verify sig over in (the digest for hashed PKCS1 and for PSS; T for CKM_RSA_PKCS; the
 * block for CKM_RSA_X_509): CKR_OK, CKR_SIGNATURE_INVALID or CKR_SIGNATURE_LEN_RANGE. */
CK_RV crypto_rsa_verify(EVP_PKEY *pk, const struct crypto_rsa_params *p, const uint8_t *in,
			size_t in_len, const uint8_t *sig, size_t sig_len);
/* Verification with recovery (RFC 8017 8.2.2 steps 1-2 for X509: RSAVP1, the k-byte
 * block; PKCS1: EMSA-PKCS1-v1_5's block of type 1 taken apart, the data T of any length
 * up to k - 11): the data sig carries, into out (k bytes). CKR_SIGNATURE_LEN_RANGE when
 * sig is not k bytes, CKR_SIGNATURE_INVALID when it is no signature of the key (at or
 * above the modulus, or a padding that is not type 1). */
CK_RV crypto_rsa_recover(EVP_PKEY *pk, enum crypto_rsa_pad pad, const uint8_t *sig,
			 size_t sig_len, uint8_t *out, size_t *out_len);
/* Encrypt with the public key (X509, PKCS1 type 2, OAEP); out holds k bytes. */
CK_RV crypto_rsa_encrypt(EVP_PKEY *pk, const struct crypto_rsa_params *p, const uint8_t *in,
			 size_t in_len, uint8_t *out, size_t *out_len);
/*
 * Remove the encryption padding (PKCS1 type 2, or OAEP) from em[0..k), the raw result of
 * the private-key operation, in constant time with respect to the padding's validity.
 * out has room for k bytes; *out_len receives the message length.
 * CKR_ENCRYPTED_DATA_INVALID when the padding is wrong.
 */
CK_RV crypto_rsa_unpad(const struct crypto_rsa_params *p, const uint8_t *em, size_t k,
		       uint8_t *out, size_t *out_len);

/* --- elliptic curves ---------------------------------------------------------------- */

/* The byte length of one signature half (r or s) for the curve of CKA_EC_PARAMS; 0 when
 * the curve is not known. */
size_t crypto_ec_size(const uint8_t *ec_params, size_t len);
/* CKA_EC_PARAMS as a key's template gives it: CKR_OK for a named curve the host knows,
 * CKR_CURVE_NOT_SUPPORTED for another curve (explicit parameters, a printable name, an
 * unknown OID), CKR_DOMAIN_PARAMS_INVALID when it is not well-formed DER. */
CK_RV crypto_ec_check_params(const uint8_t *ec_params, size_t len);
/* The same, and CKA_EC_POINT a point on that curve (CKR_ATTRIBUTE_VALUE_INVALID if not). */
CK_RV crypto_ec_check_public(const uint8_t *ec_params, size_t params_len, const uint8_t *pub,
			     size_t pub_len);
/* ECDSA: sig is r || s (PKCS #11), pub is CKA_EC_POINT (a DER OCTET STRING, or the bare
 * point). CKR_OK, CKR_SIGNATURE_INVALID, CKR_SIGNATURE_LEN_RANGE, CKR_KEY_SIZE_RANGE (an
 * unknown curve) or CKR_PUBLIC_KEY_INVALID. */
CK_RV crypto_ecdsa_verify(const uint8_t *ec_params, size_t params_len, const uint8_t *pub,
			  size_t pub_len, const uint8_t *hash, size_t hash_len, const uint8_t *sig,
			  size_t sig_len);

/* The GOST R 34.10 curve named by the DER OID of CKA_GOSTR3410_PARAMS: the byte length of
 * its coordinates (32 or 64), or 0 when the OID is not one of RFC 4357 / RFC 7836. */
size_t crypto_gost_size(const uint8_t *oid_der, size_t len);
/* GOST R 34.10-2001/2012: hash as PKCS #11 gives it (read little-endian, as the standard's
 * vector h), pub = CKA_VALUE (x || y, each little-endian), sig = s || r (each big-endian,
 * RFC 4491 2.2.2). Same results as crypto_ecdsa_verify. */
CK_RV crypto_gost_verify(const uint8_t *oid_der, size_t oid_len, const uint8_t *pub,
			 size_t pub_len, const uint8_t *hash, size_t hash_len, const uint8_t *sig,
			 size_t sig_len);

/* --- private keys on the host, key pairs (crypto_pkey.c) -------------------------------- */

/* The OpenSSL name of the named curve of CKA_EC_PARAMS, or NULL (crypto_ec.c). */
const char *crypto_ec_curve_name(const uint8_t *ec_params, size_t len);

/* An RSA key's integers, big-endian, in this order: CKA_MODULUS, CKA_PUBLIC_EXPONENT,
 * CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2,
 * CKA_COEFFICIENT. */
enum { CRYPTO_RSA_N, CRYPTO_RSA_E, CRYPTO_RSA_D, CRYPTO_RSA_P, CRYPTO_RSA_Q, CRYPTO_RSA_DP,
       CRYPTO_RSA_DQ, CRYPTO_RSA_QINV, CRYPTO_RSA_NPARTS };
struct crypto_rsa_parts {
	const uint8_t *v[CRYPTO_RSA_NPARTS];
	size_t len[CRYPTO_RSA_NPARTS];
};
/* A private RSA key from n, e, d (and the CRT values when all five are given; else d
 * alone): CKR_KEY_TYPE_INCONSISTENT when n, e or d is missing or OpenSSL refuses them. */
CK_RV crypto_rsa_private_pkey(const struct crypto_rsa_parts *parts, EVP_PKEY **out);
/* out = in^d mod n, in and out k bytes (the modulus's length); CKR_DATA_INVALID when in
 * is not below n. */
CK_RV crypto_rsa_private_raw(EVP_PKEY *pk, const uint8_t *in, size_t k, uint8_t *out);
/* A new RSA key of bits with public exponent e (big-endian): its integers, malloc'ed, in
 * the order above; crypto_rsa_key_free cleanses them. CKR_ATTRIBUTE_VALUE_INVALID for an
 * exponent OpenSSL refuses (even, 1). */
struct crypto_rsa_key {
	uint8_t *v[CRYPTO_RSA_NPARTS];
	size_t len[CRYPTO_RSA_NPARTS];
};
CK_RV crypto_rsa_generate(size_t bits, const uint8_t *e, size_t e_len,
			  struct crypto_rsa_key *out);
void crypto_rsa_key_free(struct crypto_rsa_key *k);

/* A private EC key of the named curve of CKA_EC_PARAMS from CKA_VALUE d (big-endian):
 * CKR_KEY_TYPE_INCONSISTENT when the curve is unknown or d not in [1, n-1]. */
CK_RV crypto_ec_private_pkey(const uint8_t *ec_params, size_t params_len, const uint8_t *d,
			     size_t d_len, EVP_PKEY **out);
/* ECDSA over hash: r || s into sig (2 size bytes, size the order's length). */
CK_RV crypto_ecdsa_sign(EVP_PKEY *pk, size_t size, const uint8_t *hash, size_t hash_len,
			uint8_t *sig);
/* A new key on the curve of CKA_EC_PARAMS (crypto_ec_check_params' codes): d as the
 * private CKA_VALUE (the order's length, big-endian) and the point as CKA_EC_POINT (the
 * uncompressed point in a DER OCTET STRING), both malloc'ed; the caller cleanses d. */
CK_RV crypto_ec_generate(const uint8_t *ec_params, size_t params_len, uint8_t **d,
			 size_t *d_len, uint8_t **point, size_t *point_len);

/* GOST R 34.10-2012 signing with the private CKA_VALUE d (little-endian, as long as a
 * coordinate) on the curve of CKA_GOSTR3410_PARAMS: hash and sig as in
 * crypto_gost_verify. CKR_KEY_TYPE_INCONSISTENT (a curve or d that does not fit). */
CK_RV crypto_gost_sign(const uint8_t *oid_der, size_t oid_len, const uint8_t *d,
		       size_t d_len, const uint8_t *hash, size_t hash_len, uint8_t *sig);
/* A new GOST R 34.10 key: d (size bytes, little-endian) and the public CKA_VALUE x || y
 * (2 size bytes, each little-endian); d and xy hold 64 and 128 bytes. *size the
 * coordinates' length; CKR_ATTRIBUTE_VALUE_INVALID for an OID of no known curve. */
CK_RV crypto_gost_generate(const uint8_t *oid_der, size_t oid_len, uint8_t *d, uint8_t *xy,
			   size_t *size);

/* EdDSA (RFC 8032): the curve of CKA_EC_PARAMS (Ed25519, Ed448), its key and signature
 * lengths; CKR_CURVE_NOT_SUPPORTED for another. */
CK_RV crypto_eddsa_check_params(const uint8_t *ec_params, size_t len, size_t *key_len,
				size_t *sig_len);
CK_RV crypto_eddsa_private_pkey(const uint8_t *ec_params, size_t params_len,
				const uint8_t *value, size_t value_len, EVP_PKEY **out);
/* sig holds 114 bytes. */
CK_RV crypto_eddsa_sign(EVP_PKEY *pk, const uint8_t *msg, size_t len, uint8_t *sig,
			size_t *sig_len);
CK_RV crypto_eddsa_verify(const uint8_t *ec_params, size_t params_len, const uint8_t *point,
			  size_t point_len, const uint8_t *msg, size_t len, const uint8_t *sig,
			  size_t sig_len);
/* A new key: priv and pub (57 bytes of room each), *key_len their length. */
CK_RV crypto_eddsa_generate(const uint8_t *ec_params, size_t params_len, uint8_t *priv,
			    uint8_t *pub, size_t *key_len);

#endif
