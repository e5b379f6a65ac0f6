/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crypto_sym_gost.h — host-side symmetric cryptography for the GOST ciphers and the key
 * wrap and key agreement algorithms, on raw key bytes and buffers, in the private library
 * context of crypto.h:
 *
 *   Kuznyechik (n = 128) and Magma (n = 64), GOST R 34.12-2015: ECB, CTR (GOST R
 *   34.13-2015 5.2), CTR-ACPKM (R 1323565.1.017-2018), MAC/OMAC (GOST R 34.13-2015
 *   5.6), MGM AEAD (RFC 9058);
 *   GOST 28147-89: counter and MAC (CryptoPro-A, TC26-Z), ECB and CFB (TC26-Z);
 *   key wrap: AES (RFC 3394, RFC 5649), KExp15/KImp15 (R 1323565.1.017-2018);
 *   key agreement: VKO GOST R 34.10-2012 (RFC 7836) and 2001 (RFC 4357), ECDH.
 *
 * The block ciphers are the gostprov provider's (Kuznyechik ECB; Magma as its CBC with the
 * chaining undone, the provider having no Magma ECB); every mode is computed here on top
 * of the block function, so every mode has one implementation and the same streaming
 * rules for both ciphers.
 *
 * Results are CK_RVs: CKR_OK; CKR_KEY_SIZE_RANGE for a key of the wrong length;
 * CKR_MECHANISM_PARAM_INVALID for a bad IV, nonce, tag length or section size;
 * CKR_DATA_LEN_RANGE for input a mode cannot take (ECB not a whole number of blocks, AAD
 * after data); CKR_ENCRYPTED_DATA_INVALID when an unwrap or AEAD integrity check fails;
 * CKR_HOST_MEMORY; CKR_FUNCTION_FAILED when the host's OpenSSL cannot do it (no gostprov).
 * Contexts hold key schedules: free them with their _free function (it cleanses).
 * A context is used by one thread at a time; different contexts may run in parallel.
 */
#ifndef SCRIPTOKI_CRYPTO_SYM_GOST_H
#define SCRIPTOKI_CRYPTO_SYM_GOST_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ec.h>

#include "cryptoki.h"

enum crypto_gost_alg { CRYPTO_KUZNYECHIK, CRYPTO_MAGMA };

#define CRYPTO_GOST_KEY_LEN 32
#define CRYPTO_GOST_BLOCK_MAX 16

/* The block length n/8 of a cipher: 16 (Kuznyechik) or 8 (Magma). */
size_t crypto_gost_block_len(enum crypto_gost_alg alg);

/* --- the block cipher, ECB ------------------------------------------------------------ */

struct crypto_gost_blk;

/* A key schedule for a 32-byte key; CKR_KEY_SIZE_RANGE for another length. */
CK_RV crypto_gost_blk_new(enum crypto_gost_alg alg, const uint8_t *key, size_t key_len,
			  struct crypto_gost_blk **out);
void crypto_gost_blk_free(struct crypto_gost_blk *b);
/* ECB (GOST R 34.13-2015 5.1) of n bytes, n a multiple of the block length
 * (CKR_DATA_LEN_RANGE otherwise); in and out may be the same buffer. */
CK_RV crypto_gost_ecb(struct crypto_gost_blk *b, int encrypt, const uint8_t *in, size_t n,
		      uint8_t *out);

/* --- CTR and CTR-ACPKM (a stream: encryption and decryption are the same) -------------- */

struct crypto_gost_ctr;

/*
 * iv is n/16 bytes (8 for Kuznyechik, 4 for Magma): the counter starts at iv || 0...0
 * (GOST R 34.13-2015 5.2.1). section = 0 is plain CTR; otherwise the section length N in
 * bytes of CTR-ACPKM (R 1323565.1.017-2018), a multiple of the block length (else
 * CKR_MECHANISM_PARAM_INVALID): the key is changed by ACPKM after every section.
 */
CK_RV crypto_gost_ctr_new(enum crypto_gost_alg alg, const uint8_t *key, size_t key_len,
			  const uint8_t *iv, size_t iv_len, size_t section,
			  struct crypto_gost_ctr **out);
/* Any length; out gets n bytes (in == out allowed). */
CK_RV crypto_gost_ctr_update(struct crypto_gost_ctr *c, const uint8_t *in, size_t n,
			     uint8_t *out);
void crypto_gost_ctr_free(struct crypto_gost_ctr *c);
/* One-shot. */
CK_RV crypto_gost_ctr(enum crypto_gost_alg alg, const uint8_t *key, size_t key_len,
		      const uint8_t *iv, size_t iv_len, size_t section, const uint8_t *in,
		      size_t n, uint8_t *out);

/* --- MAC (OMAC1 / CMAC, GOST R 34.13-2015 5.6) ---------------------------------------- */

struct crypto_gost_mac;

CK_RV crypto_gost_mac_new(enum crypto_gost_alg alg, const uint8_t *key, size_t key_len,
			  struct crypto_gost_mac **out);
CK_RV crypto_gost_mac_update(struct crypto_gost_mac *m, const uint8_t *p, size_t n);
/* The first mac_len bytes of the MAC (1 <= mac_len <= block length, else
 * CKR_MECHANISM_PARAM_INVALID; PKCS #11 and the standard's examples use n/2 bits). */
CK_RV crypto_gost_mac_final(struct crypto_gost_mac *m, uint8_t *mac, size_t mac_len);
void crypto_gost_mac_free(struct crypto_gost_mac *m);
CK_RV crypto_gost_mac(enum crypto_gost_alg alg, const uint8_t *key, size_t key_len,
		      const uint8_t *p, size_t n, uint8_t *mac, size_t mac_len);

/* --- MGM (RFC 9058) ------------------------------------------------------------------- */

struct crypto_gost_mgm;

/*
 * nonce is one block whose leftmost bit is 0 (RFC 9058 3.1: ICN of n-1 bits), else
 * CKR_MECHANISM_PARAM_INVALID; tag_len from 4 to the block length (RFC 9058 3.1: S from
 * 32 to n bits), else CKR_MECHANISM_PARAM_INVALID.
 */
CK_RV crypto_gost_mgm_new(enum crypto_gost_alg alg, int encrypt, const uint8_t *key,
			  size_t key_len, const uint8_t *nonce, size_t nonce_len, size_t tag_len,
			  struct crypto_gost_mgm **out);
/* Associated data, any number of calls, all before the first mgm_update
 * (CKR_DATA_LEN_RANGE after it). */
CK_RV crypto_gost_mgm_aad(struct crypto_gost_mgm *g, const uint8_t *a, size_t n);
/* Encrypts or decrypts n bytes into out (n bytes). Decrypted data is not authentic until
 * mgm_final has returned CKR_OK: the caller holds it back until then. */
CK_RV crypto_gost_mgm_update(struct crypto_gost_mgm *g, const uint8_t *in, size_t n,
			     uint8_t *out);
/* Encryption: tag receives tag_len bytes. Decryption: tag is the received tag (tag_len
 * bytes), compared in constant time: CKR_OK or CKR_ENCRYPTED_DATA_INVALID. */
CK_RV crypto_gost_mgm_final(struct crypto_gost_mgm *g, uint8_t *tag);
void crypto_gost_mgm_free(struct crypto_gost_mgm *g);

/* --- KExp15 / KImp15 (R 1323565.1.017-2018) ---------------------------------------- */

/*
 * KExp15(K, K_enc, K_mac, IV) = CTR_{K_enc,IV}(K || OMAC_{K_mac}(IV || K)), the MAC being a
 * whole block; iv is n/16 bytes. out receives key_len + block length bytes.
 */
CK_RV crypto_kexp15(enum crypto_gost_alg alg, const uint8_t *k_enc, const uint8_t *k_mac,
		    const uint8_t *iv, size_t iv_len, const uint8_t *key, size_t key_len,
		    uint8_t *out, size_t *out_len);
/* The inverse; out receives in_len - block length bytes. CKR_ENCRYPTED_DATA_INVALID when
 * the MAC does not match (out is then not written), CKR_DATA_LEN_RANGE when in_len is not
 * more than a block or the key would exceed 64 bytes. The keys are 32 bytes each. */
CK_RV crypto_kimp15(enum crypto_gost_alg alg, const uint8_t *k_enc, const uint8_t *k_mac,
		    const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t in_len,
		    uint8_t *out, size_t *out_len);

/* --- GOST 28147-89 (crypto_gost89.c) ----------------------------------------------- */

/* The parameter sets (S-boxes) the host has: those the gostprov provider offers. */
enum crypto_gost89_set { CRYPTO_GOST89_CRYPTOPRO_A, CRYPTO_GOST89_TC26_Z };

/* The set named by the DER OID of CKA_GOST28147_PARAMS (id-Gost28147-89-CryptoPro-A-
 * ParamSet, RFC 4357 10.3; id-tc26-gost-28147-param-Z, RFC 7836), or -1 for another. */
int crypto_gost89_set_of(const uint8_t *oid_der, size_t len);

/* ECB (GOST 28147-89 "prostaya zamena"): TC26-Z only (else CKR_MECHANISM_PARAM_INVALID;
 * the provider has no ECB with fixed CryptoPro-A S-boxes), n a multiple of 8 (else
 * CKR_DATA_LEN_RANGE). CKR_FUNCTION_FAILED when the environment's CRYPT_PARAMS names
 * another set (the provider would use it). */
CK_RV crypto_gost89_ecb(enum crypto_gost89_set set, int encrypt, const uint8_t *key,
			size_t key_len, const uint8_t *in, size_t n, uint8_t *out);

/* cfb = 0: the counter mode ("gammirovanie", CryptoPro-A or TC26-Z); cfb = 1: CFB
 * ("gammirovanie s obratnoy svyazyu"; TC26-Z only, and as ECB when CRYPT_PARAMS is set).
 * Both with the CryptoPro key meshing of RFC 4357 2.3; iv is 8 bytes; any lengths. */
struct crypto_gost89_stream;
CK_RV crypto_gost89_stream_new(enum crypto_gost89_set set, int cfb, int encrypt,
			       const uint8_t *key, size_t key_len, const uint8_t *iv,
			       size_t iv_len, struct crypto_gost89_stream **out);
CK_RV crypto_gost89_stream_update(struct crypto_gost89_stream *s, const uint8_t *in, size_t n,
				  uint8_t *out);
void crypto_gost89_stream_free(struct crypto_gost89_stream *s);
CK_RV crypto_gost89_stream(enum crypto_gost89_set set, int cfb, int encrypt, const uint8_t *key,
			   size_t key_len, const uint8_t *iv, size_t iv_len, const uint8_t *in,
			   size_t n, uint8_t *out);

/* The MAC ("imitovstavka", GOST 28147-89 section 5), with an optional 8-byte IV as the
 * initial state (RFC 4357 6.1's gost28147IMIT; iv NULL and iv_len 0 for none); mac_len 1
 * to 8 bytes, the MAC's first bytes (PKCS #11 and RFC 4357 use 4). With an IV, the IV is
 * added to the first block (a message shorter than a block is zero-padded first). */
struct crypto_gost89_mac;
CK_RV crypto_gost89_mac_new(enum crypto_gost89_set set, const uint8_t *key, size_t key_len,
			    const uint8_t *iv, size_t iv_len, struct crypto_gost89_mac **out);
CK_RV crypto_gost89_mac_update(struct crypto_gost89_mac *g, const uint8_t *p, size_t n);
CK_RV crypto_gost89_mac_final(struct crypto_gost89_mac *g, uint8_t *mac, size_t mac_len);
void crypto_gost89_mac_free(struct crypto_gost89_mac *g);
CK_RV crypto_gost89_mac(enum crypto_gost89_set set, const uint8_t *key, size_t key_len,
			const uint8_t *iv, size_t iv_len, const uint8_t *p, size_t n, uint8_t *mac,
			size_t mac_len);

/* The GOST 28147-89 key wrap (RFC 4357 6.1; crypto_wrap.c): the 32-byte CEK wrapped as
 * CEK_ENC = ECB(KEK, CEK) followed by CEK_MAC = gost28147IMIT(UKM, KEK, CEK), 4 bytes; the
 * 8-byte UKM is not part of the output (the caller keeps it). ECB: TC26-Z only, as
 * crypto_gost89_ecb. cek_len other than 32: CKR_DATA_LEN_RANGE. out has room for 36. */
#define CRYPTO_GOST89_CEK_LEN 32
#define CRYPTO_GOST89_WRAP_MAC_LEN 4
#define CRYPTO_GOST89_WRAP_LEN (CRYPTO_GOST89_CEK_LEN + CRYPTO_GOST89_WRAP_MAC_LEN)
CK_RV crypto_gost89_wrap(enum crypto_gost89_set set, const uint8_t *kek, size_t kek_len,
			 const uint8_t *ukm, const uint8_t *cek, size_t cek_len, uint8_t *out,
			 size_t *out_len);
/* The inverse (RFC 4357 6.2): in_len other than 36 is CKR_DATA_LEN_RANGE, a MAC that
 * does not match CKR_ENCRYPTED_DATA_INVALID (out is then not written); out has room
 * for 32. */
CK_RV crypto_gost89_unwrap(enum crypto_gost89_set set, const uint8_t *kek, size_t kek_len,
			   const uint8_t *ukm, const uint8_t *in, size_t in_len, uint8_t *out,
			   size_t *out_len);

/* --- AES key wrap (RFC 3394, RFC 5649) ------------------------------------------------- */

/*
 * kek of 16, 24 or 32 bytes (CKR_KEY_SIZE_RANGE otherwise). pad = 0: RFC 3394 with the
 * default IV, in_len a multiple of 8 and at least 16 (CKR_DATA_LEN_RANGE otherwise);
 * pad = 1: RFC 5649, in_len >= 1. out has room for in_len + 15 bytes; *out_len gets the
 * length.
 */
CK_RV crypto_aes_wrap(int pad, const uint8_t *kek, size_t kek_len, const uint8_t *in,
		      size_t in_len, uint8_t *out, size_t *out_len);
/* The inverse; CKR_ENCRYPTED_DATA_INVALID when the integrity check fails,
 * CKR_DATA_LEN_RANGE when in_len cannot be a wrapped key. out has room for in_len. */
CK_RV crypto_aes_unwrap(int pad, const uint8_t *kek, size_t kek_len, const uint8_t *in,
			size_t in_len, uint8_t *out, size_t *out_len);
/* Both with an IV of the caller's (NULL: the default one): 8 bytes for RFC 3394 (its
 * 2.2.3.2 alternative IV), 4 bytes for RFC 5649 (the constant half of its AIV);
 * CKR_MECHANISM_PARAM_INVALID for another length. */
CK_RV crypto_aes_wrap_iv(int pad, const uint8_t *kek, size_t kek_len, const uint8_t *iv,
			 size_t iv_len, const uint8_t *in, size_t in_len, uint8_t *out,
			 size_t *out_len);
CK_RV crypto_aes_unwrap_iv(int pad, const uint8_t *kek, size_t kek_len, const uint8_t *iv,
			   size_t iv_len, const uint8_t *in, size_t in_len, uint8_t *out,
			   size_t *out_len);

/* --- key agreement ------------------------------------------------------------------ */

/*
 * VKO (GOST R 34.10-2012 / 2001 key agreement) with a private key on the host:
 *   K = (m/q * UKM * d mod q) * Q_peer, KEK = H(x_K || y_K), the coordinates of K
 *   little-endian, each as long as the curve's field;
 * hash CKM_GOSTR3411_12_256 or CKM_GOSTR3411_12_512: VKO_GOSTR3410_2012_256/512 of
 * RFC 7836 4.3 (any 2012 curve); CKM_GOSTR3411: VKO GOST R 34.10-2001 of RFC 4357 5.2
 * (its curves have m/q = 1), with GOST R 34.11-94 under the CryptoPro parameters.
 * oid_der names the curve as CKA_GOSTR3410_PARAMS does; priv is the private key as
 * PKCS #11 holds it (CKA_VALUE, little-endian, the field's length), pub the peer's point
 * as CKA_VALUE of a GOST public key (x || y, each little-endian; or that in a DER OCTET
 * STRING); ukm 1 to 16 bytes read little-endian (RFC 7836 4.3; 8 bytes in RFC 4357), 0
 * taken as 1. out receives the hash (32 or 64 bytes).
 * CKR_CURVE_NOT_SUPPORTED for an unknown OID, CKR_KEY_SIZE_RANGE for a private key of
 * another length or outside 1..q-1, CKR_MECHANISM_PARAM_INVALID for a peer point not on
 * the curve or of the wrong length, or a bad UKM; CKR_MECHANISM_INVALID for another hash.
 */
CK_RV crypto_vko(CK_MECHANISM_TYPE hash, const uint8_t *oid_der, size_t oid_len,
		 const uint8_t *priv, size_t priv_len, const uint8_t *pub, size_t pub_len,
		 const uint8_t *ukm, size_t ukm_len, uint8_t *out, size_t *out_len);

/*
 * ECDH (SEC 1 3.3.1; PKCS #11 CKM_ECDH1_DERIVE with CKD_NULL): the x-coordinate of
 * d * Q_peer, big-endian, the field's length, on the named curve of ec_params (the DER
 * OID of CKA_EC_PARAMS). priv is the big-endian scalar (CKA_VALUE of an EC private key),
 * pub the peer's point (uncompressed or compressed, bare or in a DER OCTET STRING, as
 * CK_ECDH1_DERIVE_PARAMS.pPublicData may give it). Codes as for crypto_vko.
 */
CK_RV crypto_ecdh(const uint8_t *ec_params, size_t params_len, const uint8_t *priv,
		  size_t priv_len, const uint8_t *pub, size_t pub_len, uint8_t *out,
		  size_t *out_len);

/*
 * Cofactor Diffie-Hellman (SEC 1 3.3.2; SP 800-56A rev. 3 5.7.1.2, the ECC CDH
 * primitive; CKM_ECDH1_COFACTOR_DERIVE): the x-coordinate of h * d * Q_peer, h the
 * curve's cofactor. Arguments and codes as crypto_ecdh; on a curve of cofactor 1 the
 * same result.
 */
CK_RV crypto_ecdh_cofactor(const uint8_t *ec_params, size_t params_len, const uint8_t *priv,
			   size_t priv_len, const uint8_t *pub, size_t pub_len, uint8_t *out,
			   size_t *out_len);

/* The GOST R 34.10 curve of a DER OID (crypto_ec.c's, built once and kept until
 * crypto_fini), with the byte length of its field in *size; NULL when unknown. */
const EC_GROUP *crypto_gost_group_of(const uint8_t *oid_der, size_t len, size_t *size);

#endif
