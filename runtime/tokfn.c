/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tokfn.c — the slot-and-token functions that ask the token: C_GetTokenInfo,
 * C_GetMechanismList, C_GetMechanismInfo, C_InitToken. Token information comes from the
 * token's cache (token.h): only the first call after an insertion talks to the card.
 *
 * A card the family serves by its ATR but whose structure the script cannot read (an
 * interrupted C_InitToken leaves one) is CKR_TOKEN_NOT_RECOGNIZED everywhere but in
 * C_GetTokenInfo, which shows it as a token to initialise, and C_InitToken, which does
 * not read the old structure at all: it needs only the card, and its SO PIN is checked
 * by the card.
 */
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "mech.h"
#include "session.h"
#include "sk_dispatch.h"
#include "sk_names.h"
#include "slot.h"
#include "token.h"
#include "util.h"

/*
 * A PIN's counter as CK_TOKEN_INFO flags. With the maximum known: fewer tries left than
 * the maximum is COUNT_LOW, one left FINAL_TRY, none LOCKED. With only the remaining
 * count known (cards that never tell the maximum): one left is FINAL_TRY and none LOCKED,
 * but COUNT_LOW ("an incorrect PIN was entered since the last success") is not claimed,
 * since a fresh PIN may have few tries.
 */
static CK_FLAGS pin_counter_flags(const struct lb_pin_info *p, CK_FLAGS low, CK_FLAGS final,
				  CK_FLAGS locked)
{
	if (p->tries_left < 0)
		return 0;
	if (p->tries_left == 0)
		return locked;
	if (p->max_tries < 0)
		return p->tries_left == 1 ? final : 0;
	if (p->tries_left == 1)
		return final | (p->max_tries > 1 ? low : 0);
	return p->tries_left < p->max_tries ? low : 0;
}

CK_RV rt_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	struct token *t;
	CK_ULONG all, rw;
	CK_RV rv = slot_enter_card(slotID, 1, &t);

	if (rv != CKR_OK)
		return rv;
	rv = token_load_inlock(t);
	if (rv != CKR_OK && !(rv == CKR_TOKEN_NOT_RECOGNIZED && t->info_valid)) {
		token_leave(t);
		return rv;
	}
	memset(pInfo, 0, sizeof *pInfo);
	util_pad(pInfo->label, sizeof pInfo->label, t->info.label);
	util_pad(pInfo->manufacturerID, sizeof pInfo->manufacturerID, t->info.manufacturer);
	util_pad(pInfo->model, sizeof pInfo->model, t->info.model);
	util_pad(pInfo->serialNumber, sizeof pInfo->serialNumber, t->info.serial);
	pInfo->flags = (t->info.rng ? CKF_RNG : 0) |
		       (t->info.login_required ? CKF_LOGIN_REQUIRED : 0) |
		       (t->info.user_pin_initialized ? CKF_USER_PIN_INITIALIZED : 0) |
		       (t->info.initialized ? CKF_TOKEN_INITIALIZED : 0) |
		       (t->info.write_protected ? CKF_WRITE_PROTECTED : 0) |
		       (t->info.protected_auth_path ? CKF_PROTECTED_AUTHENTICATION_PATH : 0) |
		       (t->info.clock ? CKF_CLOCK_ON_TOKEN : 0) |
		       pin_counter_flags(&t->pin_user, CKF_USER_PIN_COUNT_LOW,
					 CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED) |
		       pin_counter_flags(&t->pin_so, CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_FINAL_TRY,
					 CKF_SO_PIN_LOCKED);
	sess_count_moment(t, &all, &rw);
	/* the family's limits (0, CK_EFFECTIVELY_INFINITE, when it states none) */
	pInfo->ulMaxSessionCount = t->info.max_sessions;
	pInfo->ulSessionCount = all;
	pInfo->ulMaxRwSessionCount = t->info.max_rw_sessions;
	pInfo->ulRwSessionCount = rw;
	/* the user PIN's rule: what an application needs to choose one (the SO PIN's own
	 * rule, so_min_pin/so_max_pin, is checked where an SO PIN is set) */
	pInfo->ulMaxPinLen = t->info.max_pin;
	pInfo->ulMinPinLen = t->info.min_pin;
	/* CK_UNAVAILABLE_INFORMATION unless the family tells them */
	pInfo->ulTotalPublicMemory = t->info.total_public_memory;
	pInfo->ulFreePublicMemory = t->info.free_public_memory;
	pInfo->ulTotalPrivateMemory = t->info.total_private_memory;
	pInfo->ulFreePrivateMemory = t->info.free_private_memory;
	pInfo->hardwareVersion = t->info.hw;
	pInfo->firmwareVersion = t->info.fw;
	memset(pInfo->utcTime, ' ', sizeof pInfo->utcTime);
	if (t->info.clock && t->info_valid) {
		/* the clock is read at each call, never cached */
		struct lb_card card;

		token_card(t, &card);
		rv = lb_utc_time(t->vm, &card, pInfo->utcTime);
		if (rv != CKR_OK && rv != CKR_DEVICE_ERROR && rv != CKR_DEVICE_REMOVED &&
		    rv != CKR_DEVICE_MEMORY && rv != CKR_HOST_MEMORY && rv != CKR_GENERAL_ERROR) {
			/* a family that says clock must tell the time (and nothing else) */
			log_msg(LOG_ERROR, "token: utc_time: %s; the family said clock",
				sk_rv_name(rv));
			rv = CKR_FUNCTION_FAILED;
		}
		if (rv != CKR_OK) {
			memset(pInfo, 0, sizeof *pInfo);
			token_leave(t);
			return rv;
		}
	}
	token_leave(t);
	return CKR_OK;
}

CK_RV rt_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
			  CK_ULONG_PTR pulCount)
{
	struct token *t;
	CK_RV rv = slot_enter_token(slotID, 1, &t);

	if (rv != CKR_OK)
		return rv;
	/* what the token's script declares, joined with what the host computes */
	rv = mech_list(t->mechs, t->nmechs, pMechanismList, pulCount);
	token_leave(t);
	return rv;
}

CK_RV rt_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo)
{
	struct token *t;
	CK_RV rv = slot_enter_token(slotID, 1, &t);

	if (rv != CKR_OK)
		return rv;
	rv = mech_info(t->mechs, t->nmechs, type, pInfo);
	token_leave(t);
	return rv;
}

/*
 * pLabel is 32 bytes of blank-padded UTF-8. Bindings often pass a short label NUL-
 * terminated (and NUL-padded): trailing NULs count as padding like blanks. What is left
 * must be UTF-8 without NUL bytes, or the label on the card would be one no reader can
 * show: CKR_ARGUMENTS_BAD, and the card is not touched. out: the label blank-padded.
 */
static CK_RV tok_label(const CK_UTF8CHAR *in, CK_UTF8CHAR out[32])
{
	size_t n = 32, i = 0;

	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\0'))
		n--;
	while (i < n) {
		unsigned c = in[i], need, k;
		uint32_t cp;

		if (c == 0)
			return CKR_ARGUMENTS_BAD;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return CKR_ARGUMENTS_BAD;
		}
		if (i + need >= n)
			return CKR_ARGUMENTS_BAD;
		for (k = 1; k <= need; k++) {
			if ((in[i + k] & 0xC0) != 0x80)
				return CKR_ARGUMENTS_BAD;
			cp = cp << 6 | (in[i + k] & 0x3F);
		}
		/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return CKR_ARGUMENTS_BAD;
		i += need + 1;
	}
	memset(out, ' ', 32);
	memcpy(out, in, n);
	return CKR_OK;
}

CK_RV rt_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
		   CK_UTF8CHAR_PTR pLabel)
{
	struct token *t;
	struct lb_card card;
	CK_UTF8CHAR label[32];
	CK_ULONG all, rw;
	CK_RV rv;

	if (pPin == NULL)
		return CKR_ARGUMENTS_BAD;   /* no protected authentication path */
	rv = tok_label(pLabel, label);
	if (rv != CKR_OK)
		return rv;
	/* not token_load_inlock: the old structure may be what needs repairing */
	rv = slot_enter_card(slotID, 0, &t);
	if (rv != CKR_OK)
		return rv;
	sess_count(t, &all, &rw);
	if (all != 0) {
		rv = CKR_SESSION_EXISTS;
		goto out;
	}
	token_card(t, &card);
	rv = lb_init_token(t->vm, &card, pPin, ulPinLen, label);
	/* whatever happened, the card is not what the cache says any more */
	t->info_valid = 0;
	t->unrecognized = 0;
	t->pins_valid = 0;
	t->logged_in = 0;
	t->objs_valid = 0;
	t->objs_private_valid = 0;
out:
	token_leave(t);
	return rv;
}
