/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * prim.h — the primitives: one file per primitive (runtime/prim/<impl>.c), each one
 * struct prim_ops, found through the generated table sk_prims (spec/mechanisms.yaml
 * `prim:`, whose `impl:` names the file and the symbol prim_<impl>_ops).
 *
 * The operations of op_*.c (op.h) do what every primitive shares: the Init checks, the
 * two-call output convention, feeding data in parts, hashing, the token's lock and the
 * script call. The primitive does what is its own, through these hooks: its parameter
 * rule, the key it takes and the sizes that follow from it, the input limits, the block
 * the token's raw form receives and the form of its answer, and the host's half
 * (verification, encryption, removing decryption padding). A hook an operation needs is
 * set exactly when the spec gives the primitive that operation (host: CKF_VERIFY ->
 * verify; token: CKF_SIGN -> sign_encode ...; host CKF_SIGN / CKF_DECRYPT -> host_key and
 * host_sign / host_decrypt, the token's raw form computed with a private key held on the
 * host; CKF_GENERATE_KEY_PAIR -> pair_gen); t4005 checks the two against each other.
 *
 * Adding a primitive is one `prim:` entry and one file defining its prim_<impl>_ops. A
 * primitive of another kind (a secret-key cipher or MAC) fills the hooks of the
 * operations it serves and leaves the others NULL; prim_ctx is the state it gets. A
 * secret-key primitive (secret set) checks its whole parameter in param (form
 * included: a CBC IV is no struct of types.yaml), takes CKO_SECRET_KEY objects and runs
 * on the host for every operation.
 */
#ifndef SCRIPTOKI_PRIM_H
#define SCRIPTOKI_PRIM_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "crypto.h"
#include "cryptoki.h"
#include "lb.h"
#include "mech.h"

/* The key's attributes, as the caller reads them (op_pk.c: its object view). */
struct prim_attrs {
	const void *view;
	const struct lb_attr *(*get)(const void *view, CK_ATTRIBUTE_TYPE type);
};

/* What an operation with a primitive holds: its mechanism and parameter, and the key's
 * facts the key hook takes (freed by prim_ctx_free). */
struct prim_ctx {
	const struct mech *m;
	struct mech_params prm;
	size_t k;                       /* RSA: modulus bytes; EC/GOST: bytes of r or s */
	size_t mod_bits;                /* RSA */
	size_t out_len;                 /* signature (or ciphertext) length */
	uint8_t *modulus;               /* RSA private keys: the modulus, k bytes (NULL when
					 * by_size let the key hook do without it) */
	int by_size;                    /* set by the caller before key: signing on the token
					 * with a private key whose modulus is not at hand (a
					 * lazy object, issue 11); a primitive with sign_by_size
					 * then takes the key's size from CKA_MODULUS_BITS */
	EVP_PKEY *pk;                   /* RSA public keys */
	uint8_t *params, *point;        /* EC / GOST public keys: CKA_EC_PARAMS or
					 * CKA_GOSTR3410_PARAMS, CKA_EC_POINT or CKA_VALUE */
	size_t params_len, point_len;
	void *state;                    /* a primitive's own state (a cipher's context),
					 * freed by its release hook */
	uint8_t *key;                   /* secret keys: CKA_VALUE (cleansed when freed) */
	const CK_MECHANISM *init_mech;  /* the caller's mechanism, during the Init call only */
	EVP_PKEY *priv;                 /* a host-held private key (host_key), or NULL */
};

/* The halves of a key pair made on the host (pair_gen): the attributes each half gets
 * (values malloc'ed; prim_pair_free cleanses them). */
#define PRIM_PAIR_MAX 10
struct prim_pair {
	struct lb_attr pub[PRIM_PAIR_MAX], priv[PRIM_PAIR_MAX];
	size_t npub, npriv;
};

/*
 * One message of a message-based AEAD process (PKCS #11 3.2, 5.9 and 5.11; prim_ops.
 * msg_param): the message's parameter (CK_GCM_MESSAGE_PARAMS, CK_CCM_MESSAGE_PARAMS ...)
 * in a form op_msg.c handles for every such mechanism, and the classic parameter of the
 * same message (CK_GCM_PARAMS, CK_CCM_PARAMS ...) that the primitive's own param and key
 * hooks take, as C_EncryptInit would give them: a message is then one classic operation,
 * fed by update and ended by final, the tag appended to the ciphertext as the classic
 * form has it (op_msg.c takes it off into tag, or appends it from there).
 */
struct prim_msg {
	CK_BYTE_PTR iv;                 /* the caller's IV or nonce: op_msg.c writes the
					 * generated one there (encryption), before the key hook */
	CK_ULONG iv_len;
	CK_ULONG fixed_bits;            /* kept of iv when generating (its leading bits) */
	CK_GENERATOR_FUNCTION gen;      /* CKG_NO_GENERATE ... (encryption only) */
	CK_BYTE_PTR tag;                /* the caller's tag or MAC (written by encryption) */
	size_t tag_len;                 /* its length in bytes */
	CK_MECHANISM classic;           /* the classic mechanism, its parameter in cls */
	union {
		CK_GCM_PARAMS gcm;
		CK_CCM_PARAMS ccm;
		CK_BYTE any[96];
	} cls;
};

struct prim_ops {
	/* The primitive's own parameter rule, after mech_check_param checked the form the
	 * entry gives (a struct of param_size bytes, or a non-empty OID); out->hash is
	 * already the mechanism's hash. CKR_OK or CKR_MECHANISM_PARAM_INVALID. */
	CK_RV (*param)(const struct mech *m, const CK_MECHANISM *pm, struct mech_params *out);
	/* Check the key and take its facts: sizes (k, out_len), and for a public key
	 * (private_key 0) the values host work needs. CKR_KEY_TYPE_INCONSISTENT,
	 * CKR_KEY_SIZE_RANGE, CKR_MECHANISM_PARAM_INVALID (a parameter the key cannot
	 * carry), CKR_HOST_MEMORY. */
	CK_RV (*key)(struct prim_ctx *c, const struct prim_attrs *a, int private_key);
	/* The longest unhashed input signing and verification accept. */
	size_t (*max_input)(const struct prim_ctx *c);

	/* Signing on the token: the block its raw form receives, either written into
	 * em[0..k) or *tin pointing into in, and its length. CKR_DATA_LEN_RANGE,
	 * CKR_DATA_INVALID. */
	CK_RV (*sign_encode)(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			     uint8_t *em, const uint8_t **tin, size_t *tlen);
	/* The token's answer sig[0..*len) into the signature's form (sig holds out_len
	 * bytes); NULL when it is the signature as it is. The caller then requires
	 * *len == out_len (else CKR_DEVICE_ERROR). */
	void (*sign_decode)(const struct prim_ctx *c, uint8_t *sig, size_t *len);
	/* Verification on the host: CKR_OK, CKR_SIGNATURE_INVALID, CKR_SIGNATURE_LEN_RANGE,
	 * CKR_DATA_LEN_RANGE ... */
	CK_RV (*verify)(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			const uint8_t *sig, size_t sig_len);

	/* Verification with recovery on the host (host CKF_VERIFY_RECOVER; op_recover.c):
	 * the data the signature sig carries, into out (room for k bytes).
	 * CKR_SIGNATURE_LEN_RANGE, CKR_SIGNATURE_INVALID. Signing with recovery (token
	 * CKF_SIGN_RECOVER) uses sign_encode and sign_decode, as signing does. */
	CK_RV (*verify_recover)(const struct prim_ctx *c, const uint8_t *sig, size_t sig_len,
				uint8_t *out, size_t *out_len);

	/* The longest plaintext encryption takes (and decryption can give). */
	size_t (*max_plain)(const struct prim_ctx *c);
	/* Encryption on the host into out (k bytes). */
	CK_RV (*encrypt)(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			 uint8_t *out, size_t *out_len);
	/* Decryption: the ciphertext checked on the host before the token sees it
	 * (CKR_ENCRYPTED_DATA_INVALID, CKR_ENCRYPTED_DATA_LEN_RANGE) ... */
	CK_RV (*decrypt_check)(const struct prim_ctx *c, const uint8_t *ct, size_t len);
	/* ... and the token's raw answer em[0..em_len) (em holds k bytes) turned into the
	 * plaintext out (room for k bytes), in constant time with respect to the padding.
	 * CKR_ENCRYPTED_DATA_INVALID, CKR_DEVICE_ERROR (an answer of a wrong size). */
	CK_RV (*decrypt_decode)(const struct prim_ctx *c, uint8_t *em, size_t em_len,
				uint8_t *out, size_t *out_len);
	/* Free c->state (NULL: the primitive keeps none). */
	void (*release)(struct prim_ctx *c);

	/* Private keys held on the host (session objects with their private values; host
	 * CKF_SIGN / CKF_DECRYPT): after key (private_key 1), take the private values into
	 * c->priv (or c->key). CKR_KEY_TYPE_INCONSISTENT (a value missing or not a key of
	 * the type), CKR_HOST_MEMORY. */
	CK_RV (*host_key)(struct prim_ctx *c, const struct prim_attrs *a);
	/* The token's raw form computed on the host with that key: the same input the token
	 * gets (sign_encode's block; decrypt_check's ciphertext) and the same answer (into
	 * out, room for out_len or k bytes), which sign_decode / decrypt_decode then take as
	 * they take the token's. A decryption gives the raw block: the padding is removed by
	 * decrypt_decode in constant time, as for the token's answer. */
	CK_RV (*host_sign)(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			   uint8_t *out, size_t *out_len);
	CK_RV (*host_decrypt)(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			      uint8_t *out, size_t *out_len);
	/* Key-pair generation on the host (host CKF_GENERATE_KEY_PAIR, C_GenerateKeyPair of
	 * session keys): from the completed public template pub (CKA_MODULUS_BITS,
	 * CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS, CKA_GOSTR3410_PARAMS ...), the values of both
	 * halves. CKR_ATTRIBUTE_VALUE_INVALID (a size outside the entry's, an exponent the
	 * host does not take), CKR_CURVE_NOT_SUPPORTED, CKR_TEMPLATE_INCOMPLETE,
	 * CKR_HOST_MEMORY, CKR_FUNCTION_FAILED. */
	CK_RV (*pair_gen)(const struct mech *m, const struct prim_attrs *pub,
			  struct prim_pair *out);

	/* A primitive of secret keys (CKO_SECRET_KEY, all its operations on the host). */
	int secret;
	/* Signing on the token needs only the key's size (RSA PKCS #1 v1.5 and PSS encode
	 * for k bytes, mod_bits; X.509's raw block is compared with the modulus and is not
	 * so): with c->by_size the key hook accepts a private key with CKA_MODULUS_BITS and
	 * no CKA_MODULUS, and the operation reads no more of a lazy key from the card. */
	int sign_by_size;
	/* Secret-key generation (host CKF_GENERATE, C_GenerateKey): the length in bytes of
	 * the key to make, from the template's CKA_VALUE_LEN (given 0: the template has
	 * none), or of a key's value (given 1, value_len its length; C_CreateObject):
	 * CKR_OK, or CKR_TEMPLATE_INCOMPLETE (a length is needed and none is given) or
	 * CKR_ATTRIBUTE_VALUE_INVALID (a length the key type does not have). */
	CK_RV (*gen_len)(const struct mech *m, int given, CK_ULONG value_len, size_t *len);
	/* ... and the random bytes key[0..len) made into a key of its type (the DES parity
	 * bits); NULL: they are the key as they are. */
	void (*gen_fix)(uint8_t *key, size_t len);

	/* Secret-key ciphers (host CKF_ENCRYPT / CKF_DECRYPT with secret set): the key hook
	 * (private_key: decryption) sets up c->state from the key and c->init_mech's
	 * parameter; then, as crypto_sym_* of crypto.h say, the exact output of an update
	 * of n bytes, the update, an upper bound of the last part, and the last part
	 * (computed once; CKR_BUFFER_TOO_SMALL with *out_len its length keeps it). */
	/* Secret-key primitives: whether it takes keys of type kt (NULL: only the entry's
	 * key_type). MACs (host CKF_SIGN / CKF_VERIFY with secret set) use update (out
	 * unused) and final (the MAC of out_len bytes, set by the key hook). */
	int (*key_type_ok)(const struct mech *m, CK_KEY_TYPE kt);
	size_t (*update_len)(const struct prim_ctx *c, size_t n);
	CK_RV (*update)(struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
			size_t *out_len);
	size_t (*final_len)(const struct prim_ctx *c);
	CK_RV (*final)(struct prim_ctx *c, uint8_t *out, size_t cap, size_t *out_len);

	/* Message-based AEAD (host CKF_MESSAGE_ENCRYPT / CKF_MESSAGE_DECRYPT, op_msg.c): one
	 * message's parameter param/len with its associated data into *out (the form only:
	 * CKR_MECHANISM_PARAM_INVALID; the values are the classic param hook's to check).
	 * param NULL with len 0 asks for a stand-in message (any valid IV, the full tag)
	 * with which C_MessageEncryptInit checks the key. The primitive's update and final
	 * then run the message, giving exactly as many bytes as they take (the tag aside):
	 * a stream cipher's property, which GCM, CCM and MGM have. */
	CK_RV (*msg_param)(const struct mech *m, void *param, CK_ULONG len, const uint8_t *aad,
			   size_t aad_len, struct prim_msg *out);

	/* Key wrapping (host CKF_WRAP / CKF_UNWRAP; C_WrapKey, C_UnwrapKey: op_keymgmt.c):
	 * the key hook took the wrapping key and c->init_mech's parameter; wrap_len is the
	 * length of the wrapping of a key value of n bytes (0: a value this mechanism cannot
	 * wrap, CKR_KEY_SIZE_RANGE); wrap writes it into out (wrap_len bytes); unwrap writes
	 * the key value into out (room for n bytes, cleansed by the caller):
	 * CKR_WRAPPED_KEY_LEN_RANGE (a length no wrapping has) or CKR_WRAPPED_KEY_INVALID
	 * (the integrity check failed). */
	size_t (*wrap_len)(const struct prim_ctx *c, size_t n);
	CK_RV (*wrap)(const struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
		      size_t *out_len);
	CK_RV (*unwrap)(const struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
			size_t *out_len);
	/* Key derivation (host CKF_DERIVE; C_DeriveKey): the key hook (private_key 1) took
	 * the base key's private value (c->key, c->k bytes) and domain parameters
	 * (c->params); derive computes from pm's parameter (checked by param) the secret of
	 * want bytes (0: the length the mechanism gives by itself) into out (cap bytes, at
	 * least 64). CKR_MECHANISM_PARAM_INVALID (a peer key not on the curve ...),
	 * CKR_TEMPLATE_INCONSISTENT (a length the mechanism cannot give). */
	CK_RV (*derive)(const struct prim_ctx *c, const CK_MECHANISM *pm, size_t want,
			uint8_t *out, size_t cap, size_t *out_len);
	/* The same with the token's private key (op_keymgmt.c; the script's derive, whose
	 * answer is the agreed point before any KDF): token_peer gives from pm's parameter
	 * (checked by param) what the card takes — the peer's point as the contract's derive
	 * has it and the UKM (NULL, 0 for none), pointers into the parameter — and the
	 * exact length of the card's answer; token_finish computes the key of want bytes
	 * (0: the mechanism's own length) from that answer, as derive does from its own. */
	CK_RV (*token_peer)(const CK_MECHANISM *pm, const uint8_t **pt, size_t *pt_len,
			    const uint8_t **ukm, size_t *ukm_len, size_t *answer_len);
	CK_RV (*token_finish)(const struct mech *m, const CK_MECHANISM *pm, const uint8_t *z,
			      size_t zlen, size_t want, uint8_t *out, size_t cap,
			      size_t *out_len);
};

/* Free what the key hook took, and cleanse the context. */
void prim_ctx_free(struct prim_ctx *c);

/* --- what the primitive files share (prim.c) ---------------------------------------- */

/* A copy of the key's attribute type: CKR_KEY_TYPE_INCONSISTENT when absent or empty. */
CK_RV prim_copy_attr(const struct prim_attrs *a, CK_ATTRIBUTE_TYPE type, uint8_t **out,
		     size_t *len);
/* Secret keys: CKA_VALUE checked by the mechanism's gen_len (when set; else any
 * non-empty value) and copied into c->state's place key/key_len: c->k is its length.
 * CKR_KEY_TYPE_INCONSISTENT (no value), CKR_KEY_SIZE_RANGE. */
CK_RV prim_secret_key(struct prim_ctx *c, const struct prim_attrs *a, int private_key);

/* The key wrap primitives (AES KW/KWP, GOST 28147 key wrap, KExp15): a fixed-size
 * c->state (size bytes, malloc'ed) cleansed and freed; an unwrapping's error as the
 * function's (CKR_DATA_LEN_RANGE: CKR_WRAPPED_KEY_LEN_RANGE, CKR_ENCRYPTED_DATA_INVALID:
 * CKR_WRAPPED_KEY_INVALID). */
void prim_state_free(struct prim_ctx *c, size_t size);
CK_RV prim_unwrap_rv(CK_RV rv);

/* Secret-key ciphers: c->state a crypto_sym of cipher (OpenSSL's name; NULL: a key
 * length the cipher does not have, CKR_KEY_SIZE_RANGE) in mode, with the key taken by
 * prim_secret_key; and the hooks that run it. */
CK_RV prim_sym_start(struct prim_ctx *c, const char *cipher, enum crypto_sym_mode mode,
		     int decrypt, const uint8_t *iv, size_t iv_len, const uint8_t *aad,
		     size_t aad_len, size_t tag_len, unsigned ctr_bits);
size_t prim_sym_update_len(const struct prim_ctx *c, size_t n);
CK_RV prim_sym_update(struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
		      size_t *out_len);
size_t prim_sym_final_len(const struct prim_ctx *c);
CK_RV prim_sym_final(struct prim_ctx *c, uint8_t *out, size_t cap, size_t *out_len);
void prim_sym_release(struct prim_ctx *c);
/* Secret-key MACs: c->state a crypto_mac (mac "HMAC" with digest, "CMAC" with cipher)
 * under the key prim_secret_key took; c->out_len its length, or len when not 0 (the
 * _GENERAL forms: 1 up to the full length, else CKR_MECHANISM_PARAM_INVALID); and the
 * hooks that run it. */
CK_RV prim_mac_start(struct prim_ctx *c, const char *mac, const char *digest,
		     const char *cipher, size_t len);
CK_RV prim_mac_update(struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
		      size_t *out_len);
CK_RV prim_mac_final(struct prim_ctx *c, uint8_t *out, size_t cap, size_t *out_len);
void prim_mac_release(struct prim_ctx *c);
/* The CK_MAC_GENERAL_PARAMS of a _GENERAL form (a CK_ULONG, not 0), or none at all
 * (general 0). */
CK_RV prim_mac_param(const CK_MECHANISM *pm, int general, CK_ULONG max);

/* Message-based AEAD with CK_GCM_MESSAGE_PARAMS whose classic form is CK_GCM_PARAMS
 * (AES-GCM, and MGM, which takes the same parameter): pIv/ulIvLen the IV (generated into
 * pIv per ivGenerator and ulIvFixedBits when encrypting), pTag the tag of ulTagBits,
 * given back or checked, the message's own associated data; the stand-in message (param
 * NULL) is stand_in (stand_in_len zero bytes the caller keeps) with a tag of
 * stand_in_tag_bits. For prim_ops.msg_param. */
CK_RV prim_gcm_msg_param(const struct mech *m, void *param, CK_ULONG len, const uint8_t *aad,
			 size_t aad_len, CK_BYTE *stand_in, size_t stand_in_len,
			 CK_ULONG stand_in_tag_bits, struct prim_msg *out);
/* Message-based AES-CCM (PKCS #11 3.2, AES-CCM "MessageEncrypt"): CK_CCM_MESSAGE_PARAMS
 * into the generic message and its classic CK_CCM_PARAMS, for prim_ops.msg_param of the
 * CCM primitive (its nonce the IV, pMAC/ulMACLen the tag; NULL: a stand-in of a 12-byte
 * nonce, a 16-byte MAC and no data). */
CK_RV prim_ccm_msg_param(const struct mech *m, void *param, CK_ULONG len, const uint8_t *aad,
			 size_t aad_len, struct prim_msg *out);

/* OpenSSL's name of AES in mode ("CBC", "ECB", "CTR", "GCM") for a key of c->k bytes. */
const char *prim_aes_name(const struct prim_ctx *c, const char *mode);
/* A parameter that is an IV of n bytes (CBC), or none at all (ECB). */
CK_RV prim_iv_param(const CK_MECHANISM *pm, size_t n);

/* RSA: CKA_MODULUS (its size within the entry's bits) and, for a public key,
 * CKA_PUBLIC_EXPONENT as c->pk; for a private key the modulus itself. */
CK_RV prim_rsa_key(struct prim_ctx *c, const struct prim_attrs *a, int private_key);
/* RSA key wrapping (CKF_WRAP): the key's value as the plaintext of the primitive's own
 * encryption (max_plain, encrypt), the wrapping k bytes. */
size_t prim_rsa_wrap_len(const struct prim_ctx *c, size_t n);
CK_RV prim_rsa_wrap(const struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
		    size_t *out_len);

/* Key pairs: add a copy of v[0..len) to a half (CKR_HOST_MEMORY; CKR_GENERAL_ERROR when
 * full), and free both halves, cleansed. */
CK_RV prim_pair_add(struct lb_attr *a, size_t *n, CK_ATTRIBUTE_TYPE type, const void *v,
		    size_t len);
void prim_pair_free(struct prim_pair *p);

/* RSA private keys on the host: c->priv from CKA_MODULUS, CKA_PUBLIC_EXPONENT,
 * CKA_PRIVATE_EXPONENT and the CRT values when all are given; and the raw private
 * operation m^d mod n on a block of k bytes (signing's block, decryption's ciphertext),
 * CKR_DATA_INVALID when the block is not below the modulus. */
CK_RV prim_rsa_host_key(struct prim_ctx *c, const struct prim_attrs *a);
CK_RV prim_rsa_host_raw(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			uint8_t *out, size_t *out_len);

/* RSA: in right-aligned into em[0..k) (CKR_DATA_LEN_RANGE when longer). */
CK_RV prim_rsa_block(const struct prim_ctx *c, const uint8_t *in, size_t in_len, uint8_t *em);
/* RSA: the token's answer right-aligned to k bytes (the integer's leading zeros, which a
 * script may drop). */
void prim_rsa_align(const struct prim_ctx *c, uint8_t *buf, size_t *len);
/* RSA decryption: the ciphertext is an integer below the modulus (RFC 8017 5.1.2 step 1:
 * "ciphertext representative out of range"), else CKR_ENCRYPTED_DATA_INVALID. */
CK_RV prim_rsa_decrypt_check(const struct prim_ctx *c, const uint8_t *ct, size_t len);
/* RSA decryption: align the token's answer and remove the padding p names. */
CK_RV prim_rsa_unpad(const struct prim_ctx *c, const struct crypto_rsa_params *p, uint8_t *em,
		     size_t em_len, uint8_t *out, size_t *out_len);

#endif
