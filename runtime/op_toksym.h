/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_toksym.h — operations with token secret keys (CKA_TOKEN CKO_SECRET_KEY objects), run
 * on the token through the family's secret_crypt / secret_mac (spec/script-contract.yaml);
 * see op_toksym.c. op_crypt.c and op_sign.c hand such operations over here: at Init
 * (op_pk.c's op_key_init asks op_toksym_init_view whether it takes the call) and in every
 * later call of the operation (op_toksym_is on the operation op_pk_get gave, before
 * anything of struct op_pk is read).
 * Each op_toksym_* call below receives the acquired operation and releases it.
 */
#ifndef SCRIPTOKI_OP_TOKSYM_H
#define SCRIPTOKI_OP_TOKSYM_H

#include <stddef.h>
#include <stdint.h>

#include "cryptoki.h"
#include "opstate.h"
#include "token.h"

struct obj_view;
struct sess_info;

/* The Init of kind with a token secret key, of session h (s: its sess_call) with the
 * mechanism pm (not NULL) and the key seen as v (obj.h, taken by the caller, who frees it):
 * returns 1 and sets *rv when the key is one (the call is then this file's), 0 otherwise
 * (nothing done; the host path goes on). op.h's op_key_init is its caller. */
int op_toksym_init_view(CK_SESSION_HANDLE h, const struct sess_info *s, enum op_kind kind,
			const CK_MECHANISM *pm, const struct obj_view *v, CK_RV *rv);
/* Whether op is an operation of this file. */
int op_toksym_is(const struct op *op);

/* Encryption and decryption: Update (the whole blocks so far), Final, one-shot. */
CK_RV op_toksym_update(struct op *op, const uint8_t *in, size_t n, CK_BYTE_PTR out,
		       CK_ULONG_PTR pulOut);
CK_RV op_toksym_final(struct op *op, CK_BYTE_PTR out, CK_ULONG_PTR pulOut);
CK_RV op_toksym_oneshot(struct op *op, const uint8_t *in, size_t n, CK_BYTE_PTR out,
			CK_ULONG_PTR pulOut);
/* MACs: Update (buffered on the host), sign (Final or one-shot: data non-NULL), verify. */
CK_RV op_toksym_mac_update(struct op *op, const uint8_t *in, size_t n);
CK_RV op_toksym_sign(struct op *op, int oneshot, const uint8_t *data, size_t len,
		     CK_BYTE_PTR sig, CK_ULONG_PTR pulSig);
CK_RV op_toksym_verify(struct op *op, int oneshot, const uint8_t *data, size_t len,
		       const uint8_t *sig, size_t sig_len);

/* Which key types and generating mechanisms a family offers for token secret keys:
 * mech.h's mech_token_keys_type and mech_token_keys on the token's declared list. */

#endif
