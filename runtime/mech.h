/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mech.h — the mechanism table: what each mechanism the runtime handles is made of, which
 * keys it takes, which parameter it needs, and how the module's mechanism list joins the
 * host's mechanisms with those a token's script declares.
 *
 * A hash-then-sign mechanism is a hash plus a primitive (CKM_SHA256_RSA_PKCS = CKM_SHA256
 * + CKM_RSA_PKCS). A primitive is computed on the host where it needs only public data
 * (verification, encryption, padding) and by the token where it needs the private key:
 * then the token receives only its raw form (`raw`: CKM_RSA_X_509, CKM_GOSTR3410,
 * CKM_GOSTR3410_512, CKM_ECDSA), which its script must declare with CKF_SIGN or
 * CKF_DECRYPT for the module to offer signing or decryption. All of it is data of
 * spec/mechanisms.yaml (`digest:`, `prim:`, `hash:` + `primitive:`); what a primitive
 * computes is its file in runtime/prim/ (prim/prim.h).
 */
#ifndef SCRIPTOKI_MECH_H
#define SCRIPTOKI_MECH_H

#include <stddef.h>
#include <stdint.h>

#include "cryptoki.h"
#include "lb.h"
#include "sk_prims.h"

/* What a mechanism is: a digest (its hash is the mechanism itself), or a primitive (or a
 * hash-then-sign composition of one) that its prim_ops compute. */
enum mech_prim {
	MECH_DIGEST,
	MECH_PRIMITIVE,
};

struct prim_ops;

/* The primitives' facts come from spec/mechanisms.yaml (`prim:`, generated as sk_prims);
 * a composition takes its primitive's with its own type and hash. */
struct mech {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_TYPE hash;         /* computed on the host first; 0 for none */
	CK_MECHANISM_TYPE primitive;    /* what signs/encrypts the (hashed) data */
	enum mech_prim prim;
	CK_MECHANISM_TYPE raw;          /* the token's raw primitive; 0 for host-only */
	CK_KEY_TYPE key_type;           /* CK_UNAVAILABLE_INFORMATION for digests */
	CK_FLAGS host_flags;            /* what the host computes alone: VERIFY, ENCRYPT, DIGEST */
	CK_FLAGS token_flags;           /* what it can do when the token declares raw so */
	CK_FLAGS inherit_flags;         /* taken from the token's declaration of raw (EC) */
	CK_ULONG min_bits, max_bits;    /* key sizes for host operations */
	enum sk_prim_param param;       /* how pParameter is checked */
	size_t param_size;              /* SK_PRIM_PARAM_STRUCT: its size */
	const struct prim_ops *ops;     /* NULL for digests */
};

/* The entry of a mechanism, or NULL when the runtime does not handle it itself. */
const struct mech *mech_find(CK_MECHANISM_TYPE type);

/* Whether PKCS #1 names the digest mechanism hash (a DigestInfo in spec/mechanisms.yaml):
 * EMSA-PKCS1-v1_5, PSS and OAEP take only those. */
int mech_pkcs1_hash(CK_MECHANISM_TYPE hash);

/* A checked mechanism parameter. */
struct mech_params {
	CK_MECHANISM_TYPE hash;         /* PSS / OAEP hashAlg; for others the entry's hash */
	CK_MECHANISM_TYPE mgf_hash;     /* PSS / OAEP: the MGF1 hash */
	size_t slen;                    /* PSS */
	const uint8_t *label;           /* OAEP source data (the caller's memory) */
	size_t label_len;
};

/* Check pMechanism's parameter against the entry (its form here, the rest by the
 * primitive's prim_ops.param): CKR_OK and the parsed parameter, or
 * CKR_MECHANISM_PARAM_INVALID. */
CK_RV mech_check_param(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out);

/*
 * The module's mechanism list for a token that declared decl[0..ndecl): first the declared
 * mechanisms in the script's order, then the host's in table order. A mechanism in both
 * appears once, with the flags of the join. *count: in, the capacity of out (out may be
 * NULL for a count); out, how many there are. CKR_BUFFER_TOO_SMALL when out is too short.
 */
CK_RV mech_list(const struct lb_mechanism *decl, size_t ndecl, CK_MECHANISM_TYPE *out,
		CK_ULONG *count);
/* The joined information of one mechanism, or CKR_MECHANISM_INVALID. */
CK_RV mech_info(const struct lb_mechanism *decl, size_t ndecl, CK_MECHANISM_TYPE type,
		CK_MECHANISM_INFO *out);
/* Token secret keys (op_toksym.c): whether the family declares type with token_keys and
 * all of flags; whether it declares, with token_keys, a generating mechanism (CKF_GENERATE)
 * whose spec key type is kt, i.e. makes and uses keys of that type on the token. */
int mech_token_keys(const struct lb_mechanism *decl, size_t ndecl, CK_MECHANISM_TYPE type,
		    CK_FLAGS flags);
int mech_token_keys_type(const struct lb_mechanism *decl, size_t ndecl, CK_KEY_TYPE kt);
/* Whether the token declared raw with all of flags (CKF_SIGN, CKF_DECRYPT; CKF_SIGN_RECOVER
 * goes with CKF_SIGN: the same raw operation). */
int mech_token_can(const struct lb_mechanism *decl, size_t ndecl, CK_MECHANISM_TYPE raw,
		   CK_FLAGS flags);

#endif
