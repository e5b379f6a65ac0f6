/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lb_card.c — the `card` object a script receives: card:transmit(apdu), card:atr(),
 * card:exclusive().
 *
 * A card object is lent for one call into the script. Like Wireshark's expired tvbs, it
 * remembers the call it was made for (a generation number of its VM); used after that
 * call returned, every method raises a clean error instead of touching a card the runtime
 * may have closed.
 *
 * card traffic goes to the debug log at LOG_CARD; the data of VERIFY, CHANGE REFERENCE
 * DATA and RESET RETRY COUNTER (INS 20/21, 24/25, 2C/2D, ISO/IEC 7816-4) is masked, and so
 * is any APDU the script marks sensitive (card:transmit(apdu, true)) or that holds a PIN
 * of the current call.
 */
#include "lb_int.h"
#include "log.h"
#include "sk_names.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <openssl/crypto.h>

#define LB_CARD_MT "scriptoki.card"
#define LB_LOG_BYTES 256        /* card traffic logged per APDU, at most */

struct lb_card_ud {
	struct lb_vm *vm;
	unsigned long gen;      /* the vm->card_gen of the call it was lent for */
};

/* [-0, +0, e] */
int lb_raise_rv(lua_State *L, CK_RV rv)
{
	CK_RV *p = lua_newuserdatauv(L, sizeof *p, 0);

	*p = rv;
	luaL_setmetatable(L, LB_RV_MT);
	return lua_error(L);
}

/* The checked accessor (liolib's tofile): the card lent to the running call. [-0, +0, e] */
static const struct lb_card *lb_checkcard(lua_State *L, int idx)
{
	struct lb_card_ud *u = luaL_checkudata(L, idx, LB_CARD_MT);

	if (u->vm->card == NULL || u->gen != u->vm->card_gen)
		luaL_error(L, "attempt to use an expired card object "
			      "(a card is lent for one call only)");
	return u->vm->card;
}

static int lb_masked_ins(uint8_t ins)
{
	switch (ins) {
	case 0x20: case 0x21:   /* VERIFY */
	case 0x24: case 0x25:   /* CHANGE REFERENCE DATA */
	case 0x2C: case 0x2D:   /* RESET RETRY COUNTER */
		return 1;
	default:
		return 0;
	}
}

/* "00 A4 04 00 ..." of at most LB_LOG_BYTES bytes into dst. */
static void lb_hexdump(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t i, o = 0, shown = n > LB_LOG_BYTES ? LB_LOG_BYTES : n;

	dst[0] = '\0';
	for (i = 0; i < shown && o + 4 < cap; i++)
		o += (size_t)snprintf(dst + o, cap - o, i ? " %02X" : "%02X", p[i]);
	if (shown < n)
		snprintf(dst + o, cap - o, " ... (%zu bytes)", n);
}

static void lb_log_apdu(const struct lb_vm *vm, const uint8_t *apdu, size_t len,
			int sensitive)
{
	char hex[3 * LB_LOG_BYTES + 32];

	if (!log_on(LOG_CARD))
		return;
	if (sensitive || lb_masked_ins(apdu[1]) || lb_has_secret(vm, apdu, len)) {
		lb_hexdump(hex, sizeof hex, apdu, 4);
		log_msg(LOG_CARD, "card > %s (%zu bytes in all; the rest masked)", hex, len);
	} else {
		lb_hexdump(hex, sizeof hex, apdu, len);
		log_msg(LOG_CARD, "card > %s", hex);
	}
}

static void lb_log_answer(const struct lb_vm *vm, const uint8_t *resp, size_t len,
			  int sensitive)
{
	char hex[3 * LB_LOG_BYTES + 32];

	if (!log_on(LOG_CARD))
		return;
	if ((sensitive || lb_has_secret(vm, resp, len)) && len > 2) {
		log_msg(LOG_CARD, "card < (%zu data bytes masked) %02X %02X", len - 2,
			resp[len - 2], resp[len - 1]);
	} else {
		lb_hexdump(hex, sizeof hex, resp, len);
		log_msg(LOG_CARD, "card < %s", hex);
	}
}

/* card:transmit(apdu [, sensitive]) -> data, sw. A PC/SC failure raises an error that
 * carries its CK_RV out of the script. [-2|3, +2, e] */
static int lb_card_transmit(lua_State *L)
{
	const struct lb_card *card = lb_checkcard(L, 1);
	struct lb_vm *vm = lb_vm_of(L);
	size_t len, rlen = LB_RESP_MAX;
	const uint8_t *apdu = (const uint8_t *)luaL_checklstring(L, 2, &len);
	int sensitive = lua_toboolean(L, 3);
	long long t0;
	CK_RV rv;

	luaL_argcheck(L, len >= 4 && len <= LB_APDU_MAX, 2, "an APDU is 4 to 65545 bytes");
	if (vm->transmit_rv != CKR_OK)
		return lb_raise_rv(L, vm->transmit_rv);  /* the card already failed */
	lb_log_apdu(vm, apdu, len, sensitive);
	t0 = lb_now_ns();
	rv = card->transmit(card->ctx, apdu, len, vm->resp, &rlen);
	vm->deadline_ns += lb_now_ns() - t0;    /* the card's time is not the script's */
	if (rv == CKR_OK && (rlen < 2 || rlen > LB_RESP_MAX)) {
		log_msg(LOG_CARD, "card < an answer of %zu bytes", rlen);
		rv = CKR_DEVICE_ERROR;
	}
	if (rv != CKR_OK) {
		log_msg(LOG_CARD, "card: transmit failed: %s", sk_rv_name(rv));
		vm->transmit_rv = rv;
		return lb_raise_rv(L, rv);
	}
	if (rlen > vm->resp_dirty)
		vm->resp_dirty = rlen;
	lb_log_answer(vm, vm->resp, rlen, sensitive);
	lua_pushlstring(L, (const char *)vm->resp, rlen - 2);
	lua_pushinteger(L, (lua_Integer)vm->resp[rlen - 2] << 8 | vm->resp[rlen - 1]);
	OPENSSL_cleanse(vm->resp, rlen);
	return 2;
}

/* card:atr() -> the ATR as a byte string. [-1, +1, e] */
static int lb_card_atr(lua_State *L)
{
	const struct lb_card *card = lb_checkcard(L, 1);

	lua_pushlstring(L, card->atr != NULL ? (const char *)card->atr : "", card->atr_len);
	return 1;
}

/* card:exclusive(): true when no other application can use the card between two calls.
 * [-1, +1, -] */
static int lb_card_exclusive(lua_State *L)
{
	const struct lb_card *card = lb_checkcard(L, 1);

	lua_pushboolean(L, card->exclusive);
	return 1;
}

/* [-1, +1, m] */
static int lb_card_tostring(lua_State *L)
{
	struct lb_card_ud *u = luaL_checkudata(L, 1, LB_CARD_MT);

	lua_pushstring(L, u->vm->card != NULL && u->gen == u->vm->card_gen ?
				  "card" : "card (expired)");
	return 1;
}

static const luaL_Reg lb_card_methods[] = {
	{ "transmit", lb_card_transmit },
	{ "atr", lb_card_atr },
	{ "exclusive", lb_card_exclusive },
	{ NULL, NULL },
};

static const luaL_Reg lb_card_meta[] = {
	{ "__tostring", lb_card_tostring },
	{ "__index", NULL },            /* set to the methods below */
	{ "__metatable", NULL },        /* getmetatable(card) does not give it away */
	{ NULL, NULL },
};

void lb_card_register(lua_State *L)
{
	luaL_newmetatable(L, LB_CARD_MT);
	luaL_setfuncs(L, lb_card_meta, 0);
	luaL_newlib(L, lb_card_methods);
	lua_setfield(L, -2, "__index");
	lua_pushliteral(L, "card");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);
}

void lb_card_push(lua_State *L, struct lb_vm *vm)
{
	struct lb_card_ud *u = lua_newuserdatauv(L, sizeof *u, 0);

	u->vm = vm;
	u->gen = vm->card_gen;
	luaL_setmetatable(L, LB_CARD_MT);
}
