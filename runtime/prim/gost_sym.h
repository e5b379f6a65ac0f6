/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gost_sym.h — what the GOST cipher and MAC primitives share (gost_sym.c): the modes of
 * crypto_sym_gost.h run behind the hooks of struct prim_ops with the same streaming
 * rules as crypto_sym's (crypto.h): update gives exactly update_len bytes (ECB keeps a
 * partial block, an MGM decryption keeps everything until its tag is verified), final
 * computes the last part once and gives it again after CKR_BUFFER_TOO_SMALL.
 */
#ifndef SCRIPTOKI_PRIM_GOST_SYM_H
#define SCRIPTOKI_PRIM_GOST_SYM_H

#include "prim.h"
#include "crypto_sym_gost.h"

/* Kuznyechik or Magma, by the mechanism's key type. */
enum crypto_gost_alg gost_alg_of(const struct prim_ctx *c);

/* The key's CKA_GOST28147_PARAMS as the S-box set of crypto_gost89 (CryptoPro-A or
 * TC26-Z): CKR_KEY_TYPE_INCONSISTENT when the key has none or names another set. */
CK_RV gost89_set_of_key(const struct prim_attrs *a, enum crypto_gost89_set *set);

/* c->state for a cipher, under the key prim_secret_key took (c->key, c->k). */
CK_RV gost_sym_ecb(struct prim_ctx *c, int decrypt);
CK_RV gost_sym_ecb89(struct prim_ctx *c, enum crypto_gost89_set set, int decrypt);
CK_RV gost_sym_ctr(struct prim_ctx *c, const uint8_t *iv, size_t iv_len, size_t section);
CK_RV gost_sym_cnt89(struct prim_ctx *c, enum crypto_gost89_set set, int decrypt,
		     const uint8_t *iv);
CK_RV gost_sym_mgm(struct prim_ctx *c, int decrypt, const uint8_t *nonce, size_t nonce_len,
		   const uint8_t *aad, size_t aad_len, size_t tag_len);
size_t gost_sym_update_len(const struct prim_ctx *c, size_t n);
CK_RV gost_sym_update(struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
		      size_t *out_len);
size_t gost_sym_final_len(const struct prim_ctx *c);
CK_RV gost_sym_final(struct prim_ctx *c, uint8_t *out, size_t cap, size_t *out_len);
void gost_sym_release(struct prim_ctx *c);

/* MACs: c->state and c->out_len (len bytes of the MAC); update and final as prim.h's
 * MAC hooks. */
CK_RV gost_mac_start(struct prim_ctx *c, size_t len);
CK_RV gost89_mac_start(struct prim_ctx *c, enum crypto_gost89_set set, const uint8_t *iv,
		       size_t iv_len, size_t len);
CK_RV gost_mac_update(struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
		      size_t *out_len);
CK_RV gost_mac_final(struct prim_ctx *c, uint8_t *out, size_t cap, size_t *out_len);
void gost_mac_release(struct prim_ctx *c);

#endif
