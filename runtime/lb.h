/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb.h — the Lua bridge: one sandboxed Lua 5.4 state per token, running the token
 * family's script (scripts/README.md describes the script side of this contract).
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

/* The card as the runtime lends it to one script call. */
struct lb_card {
	/* Send one APDU, receive the answer (data + SW1 SW2) into resp (cap *resp_len, then
	 * the length). CKR_OK or the PC/SC failure as a CK_RV. */
	CK_RV (*transmit)(void *ctx, const uint8_t *apdu, size_t apdu_len, uint8_t *resp,
			  size_t *resp_len);
	void *ctx;
	const uint8_t *atr;
	size_t atr_len;
};

struct lb_vm;

/* The folder scripts are loaded from (SCRIPTOKI_SCRIPTS, the configuration file, or the
 * built-in default), read once per C_Initialize. Never NULL. */
const char *lb_scripts_dir(void);

/* Which family serves this ATR: the first folder of dir (in name order) holding a
 * token.lua whose match(atr) is true. CKR_OK and the family's folder name in family, or
 * CKR_TOKEN_NOT_RECOGNIZED. */
CK_RV lb_find_family(const char *dir, const uint8_t *atr, size_t atr_len, char *family,
		     size_t family_cap);

/* A VM running dir/family/token.lua. */
CK_RV lb_open(const char *dir, const char *family, struct lb_vm **vm);
void lb_close(struct lb_vm *vm);

struct lb_token_info {
	char label[33];          /* UTF-8, NUL-terminated; the runtime blank-pads */
	char serial[17];
	char model[17];
	char manufacturer[33];
	CK_VERSION hw, fw;
	CK_ULONG min_pin, max_pin;
	int initialized, user_pin_initialized, login_required, rng;
};

struct lb_pin_info {
	int max_tries;           /* -1 when unknown */
	int tries_left;          /* -1 when unknown */
};

struct lb_mechanism {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_INFO info;
};

CK_RV lb_token_info(struct lb_vm *vm, const struct lb_card *card, struct lb_token_info *out);
CK_RV lb_pin_info(struct lb_vm *vm, const struct lb_card *card, CK_USER_TYPE user,
		  struct lb_pin_info *out);
/* pin may be NULL with len 0 (protected authentication path: the script decides). */
CK_RV lb_login(struct lb_vm *vm, const struct lb_card *card, CK_USER_TYPE user,
	       const CK_UTF8CHAR *pin, CK_ULONG len);
CK_RV lb_logout(struct lb_vm *vm, const struct lb_card *card);
CK_RV lb_set_pin(struct lb_vm *vm, const struct lb_card *card, CK_USER_TYPE user,
		 const CK_UTF8CHAR *old_pin, CK_ULONG old_len, const CK_UTF8CHAR *new_pin,
		 CK_ULONG new_len);
CK_RV lb_init_pin(struct lb_vm *vm, const struct lb_card *card, const CK_UTF8CHAR *pin,
		  CK_ULONG len);
/* label: the 32 blank-padded bytes of C_InitToken */
CK_RV lb_init_token(struct lb_vm *vm, const struct lb_card *card, const CK_UTF8CHAR *so_pin,
		    CK_ULONG len, const CK_UTF8CHAR *label);
/* *n: in, the capacity of out; out, how many the script declared (CKR_BUFFER_TOO_SMALL
 * when more than the capacity). */
CK_RV lb_mechanisms(struct lb_vm *vm, const struct lb_card *card, struct lb_mechanism *out,
		    size_t *n);

#endif
