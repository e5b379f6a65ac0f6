/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op.h — the crypto operations of a session (sign, verify, encrypt, decrypt, digest) as
 * the op_*.c files implement them, and what they share.
 *
 * The rules of PKCS #11 3.2 (section 5.2 and the function descriptions): an operation
 * ends with the call that returns its result, and with any call that fails, except
 * CKR_BUFFER_TOO_SMALL and a successful size query (a NULL output buffer gives the length
 * and keeps the operation). A one-shot call (C_Sign, C_Verify, C_Encrypt, C_Decrypt,
 * C_Digest) after an Update of the same operation is refused with CKR_OPERATION_ACTIVE
 * and, being an error, ends the operation; so is an Update or a Final after a one-shot
 * call that kept the operation (a size query), which would otherwise finish it over
 * other data. Mechanisms without a hash (raw RSA, PSS, ECDSA, GOST R 34.10) sign and
 * verify in one part only: their Update and Final are refused with
 * CKR_FUNCTION_NOT_SUPPORTED (in none of those functions' lists, none of which fits;
 * it is the code applications test for: pkcs11-tool --test then starts again with
 * C_SignInit), and, being an error, that ends the operation.
 *
 * Private keys held on the host (session objects made by C_CreateObject or by
 * C_GenerateKeyPair with CKA_TOKEN false) compute the same raw primitive on the host
 * (op_pk_private: the primitive's host_sign / host_decrypt), the rest unchanged.
 * Private-key operations of token keys run on the token: the host hashes and pads, the token's script
 * computes the raw primitive (lb_sign / lb_decrypt) under token_enter/token_leave, and the
 * host removes decryption padding in constant time. Public-key operations (verification,
 * encryption) and digests run on the host only (crypto.h). What is the primitive's own
 * (its parameter, key, input limits, encodings) is in runtime/prim/, behind struct
 * prim_ops: these files never ask which primitive they run.
 *
 * Signatures with recovery (op_recover.c) are OP_SIGN_RECOVER / OP_VERIFY_RECOVER
 * operations of op_pk, single-part; the dual functions (op_dual.c) hold two operations of
 * a session at once, in the order of their kinds; op_state.c saves digests and
 * hash-then-verify operations (their crypto_mdsave state).
 *
 * Secret-key primitives (prim_ops.secret: AES, DES3) run wholly on the host with session
 * secret keys: the Init checks take CKO_SECRET_KEY, C_EncryptUpdate/C_DecryptUpdate give
 * output as the mode allows (whole blocks; a padded or authenticated decryption keeps
 * its end for Final), and a one-shot call is computed once and kept with its input, so
 * that the retry after CKR_BUFFER_TOO_SMALL or a size query gets the same result.
 */
#ifndef SCRIPTOKI_OP_H
#define SCRIPTOKI_OP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "cryptoki.h"
#include "lb.h"
#include "mech.h"
#include "opstate.h"
#include "prim/prim.h"
#include "token.h"

/* A public- or private-key operation (OP_SIGN, OP_VERIFY, OP_ENCRYPT, OP_DECRYPT). */
struct op_pk {
	struct op op;                   /* first: opstate's view */
	struct prim_ctx p;              /* the mechanism, its parameter, the key's facts;
					 * computed by p.m->ops (prim/prim.h) */
	uint8_t *label;                 /* OAEP source data, copied */
	CK_SESSION_HANDLE session;
	struct token *tok;              /* private-key operations: the key's token */
	unsigned gen;                   /* the session's token generation */
	char ref[LB_REF_MAX];           /* the script's reference of the private key */
	int host_key;                   /* the private key is a session object with its
					 * values: the host computes (prim host_sign ...) */
	int always_auth;                /* CKA_ALWAYS_AUTHENTICATE: C_Login(CONTEXT_SPECIFIC) */
	atomic_int authed;              /* ... which happened for this operation (set by
					 * C_Login while another call may hold the operation) */
	int multipart;                  /* an Update was called */
	int oneshot;                    /* a one-shot call (C_Sign, C_Encrypt, C_Decrypt) kept
					 * the operation: a size query or a short buffer */
	EVP_MD_CTX *md;                 /* hash-then-sign fed in parts ... */
	struct crypto_mdsave *mst;      /* ... or, for SHA-1 and SHA-2, a hash whose state
					 * C_GetOperationState can save (op_state.c) */
	CK_OBJECT_HANDLE key;           /* the key's handle at Init */
	uint8_t *buf;                   /* data of mechanisms without a hash, fed in parts */
	size_t len, cap;
	uint8_t *result;                /* a decryption kept for the retry after
					 * CKR_BUFFER_TOO_SMALL (cleansed) */
	size_t result_len;
	uint8_t *result_in;             /* ... and the ciphertext it belongs to */
	size_t result_cap;              /* secret-key ciphers: the size of result (0: k) */
	size_t result_in_len;           /* ... and of result_in */
};

/* Start an operation of kind with the mechanism and key: all the checks of the Init call
 * (session, active operation, mechanism and its parameter, key handle, class, type,
 * usage flag, size, login), then opstate's op_start. */
CK_RV op_pk_init(CK_SESSION_HANDLE h, enum op_kind kind, const CK_MECHANISM *pm,
		 CK_OBJECT_HANDLE key);
/* C_SignInit, C_VerifyInit, C_EncryptInit, C_DecryptInit: with a token secret key the
 * operation is op_toksym.h's (op_toksym_init_view), with any other key op_pk_init's; the
 * key is looked up once for both (one obj_view, not one each). */
CK_RV op_key_init(CK_SESSION_HANDLE h, enum op_kind kind, const CK_MECHANISM *pm,
		  CK_OBJECT_HANDLE key);
/*
 * op_pk_init's checks, without starting: the operation (of size bytes, at least a
 * struct op_pk, which it begins; zeroed) for the caller to op_start, or to free with
 * op_pk_free. kind names the key's usage and where the primitive runs (OP_SIGN: CKA_SIGN,
 * the token's CKF_SIGN); need is the flag the mechanism must have (CKF_SIGN, or
 * CKF_MESSAGE_SIGN ...); key_mech (NULL: pm) is the mechanism whose parameter the
 * primitive checks and its key hook starts with. pm is not NULL. The message-based
 * operations of op_msg.c embed an op_pk so.
 */
CK_RV op_pk_prepare(CK_SESSION_HANDLE h, enum op_kind kind, CK_FLAGS need,
		    const CK_MECHANISM *pm, const CK_MECHANISM *key_mech, CK_OBJECT_HANDLE key,
		    size_t size, struct op_pk **out);
/* Free an operation of size bytes (0: a struct op_pk) that begins with o, cleansed. */
void op_pk_free(struct op_pk *o, size_t size);
/* The active operation of kind, held by the caller (opstate.h: op_acquire) until
 * op_pk_put, or CKR_OPERATION_NOT_INITIALIZED (for a session that is gone:
 * CKR_SESSION_HANDLE_INVALID first). */
CK_RV op_pk_get(CK_SESSION_HANDLE h, enum op_kind kind, struct op_pk **out);
/* Give it back; end != 0 ends the operation (its last call, or an error). */
void op_pk_put(struct op_pk *o, int end);
/* Feed data (Update): hashed when the mechanism hashes, else kept (at most max bytes,
 * CKR_DATA_LEN_RANGE beyond). */
CK_RV op_pk_feed(struct op_pk *o, const uint8_t *p, size_t n, size_t max);
/* A fresh hash for a hash-then-sign/verify operation (its Init, and each message of a
 * message-based one): the saveable SHA-1/SHA-2 state or OpenSSL's EVP, whatever was fed
 * before dropped. */
CK_RV op_pk_hash_restart(struct op_pk *o);
/* The data to sign or verify: the finished hash, or the kept bytes. out holds 64 bytes
 * or more; *in points to out or to the kept buffer. */
CK_RV op_pk_input(struct op_pk *o, uint8_t *out, const uint8_t **in, size_t *in_len);
/* The longest unhashed input the mechanism accepts (for op_pk_feed). */
size_t op_pk_max_input(const struct op_pk *o);

/* Run the token's raw primitive with the operation's key: token_enter, generation and
 * login checks, lb_sign or lb_decrypt, token_leave. CKR_SESSION_CLOSED (or
 * CKR_FUNCTION_CANCELED after C_SessionCancel) when another thread ended the operation
 * meanwhile: the key is then not used. */
CK_RV op_pk_token(struct op_pk *o, int decrypt, const uint8_t *in, size_t in_len,
		  uint8_t *out, size_t *out_len);

/* The raw private-key primitive of the operation: on the host for a host-held key
 * (prim_ops host_sign / host_decrypt), else op_pk_token. */
CK_RV op_pk_private(struct op_pk *o, int decrypt, const uint8_t *in, size_t in_len,
		    uint8_t *out, size_t *out_len);

/* The token's signature of in (the hash, or an unhashed mechanism's data) into
 * sig[0..o->p.out_len): the primitive's encoding, the token's raw primitive, the
 * primitive's decoding (op_sign.c). */
CK_RV op_sign_compute(struct op_pk *o, const uint8_t *in, size_t in_len, uint8_t *sig);

/* A digest (OP_DIGEST; op_digest.c). */
struct op_digest {
	struct op op;                   /* first: opstate's view */
	CK_MECHANISM_TYPE mech;
	struct crypto_mdsave *st;       /* SHA-1 and SHA-2: a state that can be saved ... */
	EVP_MD_CTX *md;                 /* ... the other digests: OpenSSL's EVP */
	size_t size;
	int multipart;                  /* C_DigestUpdate (or C_DigestKey) was called */
	int oneshot;                    /* a C_Digest size query kept the operation */
	int keyed;                      /* C_DigestKey fed a key's value into it */
	/* where st lives when the operation started here (no allocation of its own; a
	 * state restored by C_SetOperationState is allocated) */
	_Alignas(max_align_t) unsigned char st_space[CRYPTO_MDSAVE_SPACE];
};

/* The session's active digest, held until op_release (as op_pk_get). */
CK_RV op_digest_get(CK_SESSION_HANDLE h, struct op_digest **out);
/* One more part of a held digest (C_DigestUpdate and the dual functions):
 * CKR_OPERATION_ACTIVE after a C_Digest size query; the caller ends the operation on an
 * error. */
CK_RV op_digest_feed(struct op_digest *o, const uint8_t *p, size_t n);
/* Start a digest of mech in session h from a restored state st (taken over, freed on
 * error) with its multipart and oneshot marks (C_SetOperationState, op_state.c). */
CK_RV op_digest_resume(CK_SESSION_HANDLE h, CK_MECHANISM_TYPE mech, struct crypto_mdsave *st,
		       int multipart, int oneshot);

/*
 * C_Login(hSession, CKU_CONTEXT_SPECIFIC, pin): the re-authentication a key with
 * CKA_ALWAYS_AUTHENTICATE asks for before each use. The caller (session.c) holds the
 * token's lock (token_enter) and has loaded its cache. CKR_OPERATION_NOT_INITIALIZED when
 * no signing or decryption operation of the session needs it, CKR_USER_NOT_LOGGED_IN
 * when the user is not logged in, else what the token says of the PIN. A refused PIN
 * cancels an earlier success of the same operation (PKCS #11 3.2, 4.9: "as if C_Login had
 * not been called"), and CKR_PIN_LOCKED logs the user out.
 */
CK_RV op_context_login_inlock(CK_SESSION_HANDLE h, struct token *t, const CK_UTF8CHAR *pin,
			      CK_ULONG len);

/*
 * What C_WrapKey/C_UnwrapKey (op_keymgmt.c) share with C_WrapKeyAuthenticated/
 * C_UnwrapKeyAuthenticated (op_authwrap.c): the rules of PKCS #11 3.2 section 5.18 on the
 * keys and templates, the mechanism's computation apart.
 */
struct obj_view;
struct lb_attr;

#define KM_SECRET_MAX 512               /* the longest key value made or wrapped here */

/* A key handle's snapshot; a bad handle is bad_handle (the function's own code). */
CK_RV km_view(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k, CK_RV bad_handle, struct obj_view *v);
/* The key v for mechanism pm: its class cls and a type the mechanism takes (else
 * bad_type), its usage attribute true (else CKR_KEY_FUNCTION_NOT_PERMITTED),
 * CKA_ALLOWED_MECHANISMS. */
CK_RV km_key_usable(const struct mech *m, const CK_MECHANISM *pm, const struct obj_view *v,
		    CK_OBJECT_CLASS cls, CK_ATTRIBUTE_TYPE usage, CK_RV bad_type);
/* km_key_usable, then the primitive's key hook into c (c->m set; pm as c->init_mech,
 * private_key as the hook's argument); its size error is bad_size. */
CK_RV km_key(struct prim_ctx *c, const CK_MECHANISM *pm, const struct obj_view *v,
	     CK_OBJECT_CLASS cls, CK_ATTRIBUTE_TYPE usage, int private_key, CK_RV bad_type,
	     CK_RV bad_size);
/* The key type of a template that names CKA_CLASS (CKO_SECRET_KEY, else
 * CKR_TEMPLATE_INCONSISTENT) and CKA_KEY_TYPE (else CKR_TEMPLATE_INCOMPLETE). */
CK_RV km_template_kind(const CK_ATTRIBUTE *t, CK_ULONG n, CK_KEY_TYPE *kt);
/* The key v matches the wrapping key wk's CKA_WRAP_TEMPLATE (absent or empty: any). */
int km_wrap_template_ok(const struct obj_view *wk, const struct obj_view *v);
/* The template with the unwrapping key's CKA_UNWRAP_TEMPLATE joined (*out malloc'ed, its
 * values pointing into t and uk; a conflict: CKR_TEMPLATE_INCONSISTENT). */
CK_RV km_join_unwrap_template(const struct obj_view *uk, const CK_ATTRIBUTE *t, CK_ULONG n,
			      CK_ATTRIBUTE **out, CK_ULONG *nout);
/* The snapshot (into k) of the key hKey to wrap under wk, which must be: a handle
 * (CKR_KEY_HANDLE_INVALID), CKA_EXTRACTABLE (else CKR_KEY_UNEXTRACTABLE), a secret key
 * with a value (*val), CKA_WRAP_WITH_TRUSTED only under a wrapping key with CKA_TRUSTED,
 * matching wk's CKA_WRAP_TEMPLATE (else CKR_KEY_NOT_WRAPPABLE). Only a CKR_OK leaves k
 * for the caller to free. */
CK_RV km_wrapped_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE hKey, const struct obj_view *wk,
		     struct obj_view *k, const struct lb_attr **val);
/* The unwrapped value[0..len) stored as a new secret key of type kt from the joined
 * template t (a length no key of kt has: CKR_WRAPPED_KEY_INVALID); CKA_EXTRACTABLE true
 * unless t names it (5.18), CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE false. */
CK_RV km_unwrapped_key(CK_SESSION_HANDLE h, CK_KEY_TYPE kt, const CK_ATTRIBUTE *t, CK_ULONG nt,
		       const uint8_t *value, size_t len, CK_OBJECT_HANDLE_PTR phKey);

/*
 * The standard's two-call convention for an output of need bytes: a NULL buffer asks for
 * the size (CKR_OK), a short one gets CKR_BUFFER_TOO_SMALL; both set *len = need and keep
 * the operation. Returns 1 when the output fits, else 0 with *rv the call's answer.
 */
static inline int op_output_fits(const void *out, CK_ULONG_PTR len, CK_ULONG need, CK_RV *rv)
{
	if (out != NULL && *len >= need)
		return 1;
	*rv = out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
	*len = need;
	return 0;
}

#endif
