/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb.h — the Lua bridge: one sandboxed Lua 5.4 state per token, running the token
 * family's script (spec/script-contract.yaml states the contract, scripts/README.md
 * describes the script side of it).
 *
 * Locking: a struct lb_vm is not thread-safe; the caller holds the token's lock around
 * every call, which also serialises the card. Nothing here takes a module-wide lock.
 *
 * Errors: every function returns a CK_RV. A script that returns nil + "CKR_NAME" gives that
 * code; a script error, an exceeded memory cap or instruction budget, or a malformed return
 * value gives CKR_FUNCTION_FAILED (CKR_DEVICE_ERROR when the script says the card answered
 * nonsense), with the traceback in the debug log; a PC/SC failure raised by card:transmit
 * gives the code the transmit callback returned (CKR_DEVICE_REMOVED, ...).
 */
#ifndef SCRIPTOKI_LB_H
#define SCRIPTOKI_LB_H

#include <stddef.h>
#include <stdint.h>

#include "cryptoki.h"
#include "sk_contract.h"

/* The card as the runtime lends it to one script call. */
struct lb_card {
	/* Send one APDU, receive the answer (data + SW1 SW2) into resp (cap *resp_len, then
	 * the length). CKR_OK or the PC/SC failure as a CK_RV. */
	CK_RV (*transmit)(void *ctx, const uint8_t *apdu, size_t apdu_len, uint8_t *resp,
			  size_t *resp_len);
	void *ctx;
	const uint8_t *atr;
	size_t atr_len;
	/* The module holds the card exclusively (no other application can have changed its
	 * state between two calls), so a script may keep what it knows of the card's state
	 * from one call to the next. */
	int exclusive;
	/* Nobody is logged in through this application (token.h): the bridge refuses to ask
	 * the script for a private-key operation (CKR_USER_NOT_LOGGED_IN), and before it asks
	 * for a change of token objects it calls drop_rights(ctx) (when not NULL), which resets
	 * the card's access rights: the card's own security state, which another process may
	 * have left verified, never counts. 0 (the default) restricts nothing. */
	int public_only;
	CK_RV (*drop_rights)(void *ctx);
	/* When not NULL: a call without a PIN that failed with CKR_USER_NOT_LOGGED_IN is
	 * retried once after relogin(ctx) returned CKR_OK (the PIN verified again). */
	CK_RV (*relogin)(void *ctx);
};

struct lb_vm;

/* The folder scripts are loaded from (SCRIPTOKI_SCRIPTS, the configuration file, or the
 * built-in default), read once per C_Initialize, into buf (cap bytes); returns buf. */
const char *lb_scripts_dir_into(char *buf, size_t cap);
/* The same in one buffer of the process's: for single-threaded callers (the command, the
 * tests). Never NULL. */
const char *lb_scripts_dir(void);
/* The folder compiled in (used when neither names one). */
const char *lb_default_scripts_dir(void);

/* Which family serves this card (runtime/lb_family.c; the manifest format is in
 * scripts/README.md): of the folders of dir with a family.yaml whose ATR patterns match
 * card->atr, the first by priority (higher first), then name, that has no probe or whose
 * probe says yes. Only probes send APDUs (through card->transmit; without it a probe says
 * no); no VM is started except for a probe that names a function of its script. CKR_OK
 * and the family's folder name in family; CKR_TOKEN_NOT_RECOGNIZED; CKR_FUNCTION_FAILED
 * when none serves the card and a manifest or script was broken (logged); or the card's
 * failure during a probe. */
CK_RV lb_find_family(const char *dir, const struct lb_card *card, char *family,
		     size_t family_cap);

/* A VM running dir/family/token.lua. */
CK_RV lb_open(const char *dir, const char *family, struct lb_vm **vm);

/* lb_find_family and lb_open in one, starting exactly one VM: the chosen family's (kept
 * from its probe function when it has one). A family whose script does not load is
 * skipped like a broken manifest. */
CK_RV lb_open_for_card(const char *dir, const struct lb_card *card, char *family,
		       size_t family_cap, struct lb_vm **vm);
void lb_close(struct lb_vm *vm);

/* struct lb_token_info and struct lb_pin_info, the records token_info and pin_info return,
 * are generated from spec/script-contract.yaml (sk_contract.h), as are the rules the bridge
 * checks them with: their fields, types, bounds and defaults. */

struct lb_mechanism {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_INFO info;
	int token_keys;                 /* computed with the token's own secret keys */
};

CK_RV lb_token_info(struct lb_vm *vm, const struct lb_card *card, struct lb_token_info *out);
CK_RV lb_pin_info(struct lb_vm *vm, const struct lb_card *card, CK_USER_TYPE user,
		  struct lb_pin_info *out);
/* pin may be NULL with len 0 (protected authentication path: the script decides). */
CK_RV lb_login(struct lb_vm *vm, const struct lb_card *card, CK_USER_TYPE user,
	       const CK_UTF8CHAR *pin, CK_ULONG len);
/* The same with C_LoginUser's name (name NULL: none, as lb_login), passed to the script's
 * login as its fourth argument. */
CK_RV lb_login_user(struct lb_vm *vm, const struct lb_card *card, CK_USER_TYPE user,
		    const CK_UTF8CHAR *pin, CK_ULONG len, const CK_UTF8CHAR *name,
		    CK_ULONG name_len);
/* The token's clock (token_info said clock): utcTime's 16 characters, YYYYMMDDhhmmss00. */
CK_RV lb_utc_time(struct lb_vm *vm, const struct lb_card *card,
		  CK_CHAR out[SKC_UTC_TIME_LEN]);
CK_RV lb_logout(struct lb_vm *vm, const struct lb_card *card);
CK_RV lb_set_pin(struct lb_vm *vm, const struct lb_card *card, CK_USER_TYPE user,
		 const CK_UTF8CHAR *old_pin, CK_ULONG old_len, const CK_UTF8CHAR *new_pin,
		 CK_ULONG new_len);
CK_RV lb_init_pin(struct lb_vm *vm, const struct lb_card *card, const CK_UTF8CHAR *pin,
		  CK_ULONG len);
/* The same with the SO PIN the SO logged in with (so_pin NULL: nil), passed to the
 * script's init_pin as its second argument: for families whose token_info says
 * init_pin_so_pin. Both PINs are secrets of the call (masked, wiped after it). */
CK_RV lb_init_pin_so(struct lb_vm *vm, const struct lb_card *card, const CK_UTF8CHAR *pin,
		     CK_ULONG len, const CK_UTF8CHAR *so_pin, CK_ULONG so_len);
/* label: the 32 blank-padded bytes of C_InitToken */
CK_RV lb_init_token(struct lb_vm *vm, const struct lb_card *card, const CK_UTF8CHAR *so_pin,
		    CK_ULONG len, const CK_UTF8CHAR *label);
/* *n: in, the capacity of out; out, how many the script declared (CKR_BUFFER_TOO_SMALL
 * when more than the capacity). */
CK_RV lb_mechanisms(struct lb_vm *vm, const struct lb_card *card, struct lb_mechanism *out,
		    size_t *n);

/* --- token objects (the object layer, runtime/obj.h, is their only user) ------------ */

/* the room of struct lb_object's ref, NUL included (the contract's object.ref: 1..63 bytes) */
#define LB_REF_MAX 64

/* One attribute in Cryptoki's own encoding (CK_BBOOL one byte, CK_ULONG native). In Lua,
 * an object's attributes are a table keyed by CKA number whose values are typed by
 * spec/attributes.yaml: boolean, integer, or byte string. */
struct lb_attr {
	CK_ATTRIBUTE_TYPE type;
	CK_ULONG len;
	uint8_t *value;                 /* malloc'ed; NULL when len is 0 */
};

/* A token object as the script describes it, struct lb_object of sk_contract.h (the
 * contract's object record): its reference ref (the script's own name for it, e.g. a
 * PKCS#15 path, stable while the object exists) and its attributes attrs[nattrs]. */

void lb_attrs_free(struct lb_attr *a, size_t n);       /* cleanses the values */
void lb_object_clear(struct lb_object *o);
void lb_objects_free(struct lb_object *o, size_t n);

/* Every object on the token visible now: public ones, and private ones too when
 * logged_in. *objs is malloc'ed (lb_objects_free). */
CK_RV lb_objects(struct lb_vm *vm, const struct lb_card *card, int logged_in,
		 struct lb_object **objs, size_t *n);
/* The whole object ref that lb_objects listed lazy (its lazy field set: attributes left
 * out until needed, issue 11), as the script's object_attrs reads it from the card: out
 * is never lazy, and its ref is ref (else CKR_FUNCTION_FAILED). */
CK_RV lb_object_attrs(struct lb_vm *vm, const struct lb_card *card, const char *ref,
			struct lb_object *out);
/* Store a new object (certificate, data, public or private key); attrs are complete and
 * checked. out receives the object as stored. */
CK_RV lb_create_object(struct lb_vm *vm, const struct lb_card *card, const struct lb_attr *attrs,
		       size_t n, struct lb_object *out);
CK_RV lb_destroy_object(struct lb_vm *vm, const struct lb_card *card, const char *ref);
/* Change attributes of a stored object; out receives the object as stored now. */
CK_RV lb_set_attributes(struct lb_vm *vm, const struct lb_card *card, const char *ref,
			const struct lb_attr *attrs, size_t n, struct lb_object *out);
/* Generate a key pair on the token: mech is the key-pair generation mechanism, the
 * templates are complete and checked. All or nothing: on failure nothing is left. */
CK_RV lb_generate_key_pair(struct lb_vm *vm, const struct lb_card *card, CK_MECHANISM_TYPE mech,
			   const struct lb_attr *pub, size_t npub, const struct lb_attr *priv,
			   size_t npriv, struct lb_object *pub_out, struct lb_object *priv_out);

/* Generate a secret key on the token (the script's generate_key): mech is a key
 * generation mechanism the script declared with token_keys, attrs complete and checked.
 * All or nothing. out receives the object as stored (no CKA_VALUE). */
CK_RV lb_generate_key(struct lb_vm *vm, const struct lb_card *card, CK_MECHANISM_TYPE mech,
		      const struct lb_attr *attrs, size_t n, struct lb_object *out);

/* --- private-key primitives and the token's random generator ----------------------- */

/* The token's own primitive with a private key: mech is a mechanism the script declared
 * as computed by the token (CKM_RSA_X_509 on a modulus-sized block, CKM_GOSTR3410 on a
 * hash, CKM_ECDSA on a hash, ...). *out_len: in, the capacity; out, the length. */
CK_RV lb_sign(struct lb_vm *vm, const struct lb_card *card, const char *ref,
	      CK_MECHANISM_TYPE mech, const uint8_t *in, size_t in_len, uint8_t *out,
	      size_t *out_len);
/* A token secret key's cipher (secret_crypt): whole blocks of in, with the part's
 * chaining value iv (empty for ECB); *out_len: in, the capacity; out, the length (= in_len). */
CK_RV lb_secret_crypt(struct lb_vm *vm, const struct lb_card *card, const char *ref,
		      CK_MECHANISM_TYPE mech, int encrypt, const uint8_t *iv, size_t iv_len,
		      const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len);
/* A token secret key's MAC (secret_mac) of the whole message, at its full length. */
CK_RV lb_secret_mac(struct lb_vm *vm, const struct lb_card *card, const char *ref,
		    CK_MECHANISM_TYPE mech, const uint8_t *in, size_t in_len, uint8_t *out,
		    size_t *out_len);
CK_RV lb_decrypt(struct lb_vm *vm, const struct lb_card *card, const char *ref,
		 CK_MECHANISM_TYPE mech, const uint8_t *in, size_t in_len, uint8_t *out,
		 size_t *out_len);
CK_RV lb_random(struct lb_vm *vm, const struct lb_card *card, uint8_t *out, size_t len);
/* Key agreement with the token's private key (the script's derive): mech a raw
 * CKF_DERIVE mechanism the script declared, point the peer's public point as the card
 * takes it, ukm the VKO UKM (empty for ECDH). The answer is the agreed point before any
 * KDF and must have exactly *out_len bytes (ECDH: the field size; VKO: X ‖ Y), else
 * CKR_FUNCTION_FAILED. *out_len: in, the expected length; out, the length. */
CK_RV lb_derive(struct lb_vm *vm, const struct lb_card *card, const char *ref,
		CK_MECHANISM_TYPE mech, const uint8_t *point, size_t point_len,
		const uint8_t *ukm, size_t ukm_len, uint8_t *out, size_t *out_len);

#endif
