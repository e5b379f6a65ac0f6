/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz-card — card answers into the token scripts' parsers (FCP, the PKCS#15 directory,
 * ODF, TokenInfo, the object directories, public keys, status words) through the same
 * lb_* entry points the runtime calls, with a fake card whose answers are the input
 * (a lazy object of the objects call is then made whole, as the runtime asks for it).
 *
 * Input: one byte that picks the call (see calls[] below; the byte modulo their number),
 * then the card's answers in order, each a 2-byte big-endian length and that many bytes
 * (data, then SW1 SW2; a length beyond the input takes what is left). The APDUs the script
 * sends are not checked: the answers come whatever was asked. When the answers run out
 * the card is gone (CKR_DEVICE_REMOVED), as when a card is pulled mid-call.
 *
 * What must hold: the call returns a CK_RV the spec names, never crashes or reads out of
 * bounds (the sanitizers watch), and what it returns with CKR_OK is well-formed: strings
 * NUL-terminated in their fields, object references NUL-terminated, attribute values
 * present when they have a length.
 *
 * The family is rutoken_ecp from the scripts folder the module would use
 * (SCRIPTOKI_SCRIPTS, else the folder compiled in). One VM serves every input, as one VM
 * serves a token for its lifetime; the card is lent non-exclusively. What the script
 * keeps between calls (the application's directory token_info read, for the objects
 * call after it; the public part objects read, for the object_attrs and logged-in
 * objects calls after it) may carry from one input to the next, as it carries from one
 * call to the next in the runtime.
 */
#include "fuzz.h"

#include "lb.h"
#include "lb_int.h"
#include "sk_names.h"

#include <string.h>

struct feed {
	const uint8_t *p;
	size_t left;
	unsigned answers;
};

static CK_RV feed_transmit(void *ctx, const uint8_t *apdu, size_t apdu_len, uint8_t *resp,
			   size_t *resp_len)
{
	struct feed *f = ctx;
	size_t n;

	(void)apdu;
	(void)apdu_len;
	if (f->left < 2 || f->answers >= 4096)
		return CKR_DEVICE_REMOVED;
	n = (size_t)f->p[0] << 8 | f->p[1];
	f->p += 2;
	f->left -= 2;
	if (n > f->left)
		n = f->left;
	if (n > *resp_len)
		n = *resp_len;
	memcpy(resp, f->p, n);
	*resp_len = n;
	f->p += n;
	f->left -= n;
	f->answers++;
	return CKR_OK;
}

/* The ATR of the virtual Rutoken ECP (tests/vtoken). */
static const uint8_t atr[] = { 0x3B, 0x8B, 0x01, 0x52, 0x75, 0x74, 0x6F, 0x6B, 0x65, 0x6E,
			       0x20, 0x45, 0x43, 0x50, 0xA0 };

enum { C_TOKEN_INFO, C_PIN_USER, C_PIN_SO, C_MECHS, C_OBJECTS, C_OBJECTS_PRIVATE, C_LOGIN,
       C_LOGOUT, C_RANDOM, C_SIGN, C_NCALLS };

static void check_str(const char *s, size_t cap)
{
	fuzz_assert(memchr(s, '\0', cap) != NULL);
}

static void check_objects(const struct lb_object *o, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		check_str(o[i].ref, sizeof o[i].ref);
		fuzz_assert(o[i].nattrs == 0 || o[i].attrs != NULL);
		for (j = 0; j < o[i].nattrs; j++)
			fuzz_assert(o[i].attrs[j].len == 0 || o[i].attrs[j].value != NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lb_vm *vm;
	struct feed f;
	struct lb_card card = { 0 };
	CK_RV rv = CKR_OK;
	unsigned call;

	if (size < 1)
		return 0;
	if (vm == NULL)
		fuzz_assert(lb_open(lb_scripts_dir(), "rutoken_ecp", &vm) == CKR_OK);
	call = data[0] % C_NCALLS;
	f.p = data + 1;
	f.left = size - 1;
	f.answers = 0;
	card.transmit = feed_transmit;
	card.ctx = &f;
	card.atr = atr;
	card.atr_len = sizeof atr;
	card.exclusive = 0;

	switch (call) {
	case C_TOKEN_INFO: {
		struct lb_token_info ti;

		memset(&ti, 0, sizeof ti);
		rv = lb_token_info(vm, &card, &ti);
		if (rv == CKR_OK) {
			check_str(ti.label, sizeof ti.label);
			check_str(ti.serial, sizeof ti.serial);
			check_str(ti.model, sizeof ti.model);
			check_str(ti.manufacturer, sizeof ti.manufacturer);
		}
		break;
	}
	case C_PIN_USER:
	case C_PIN_SO: {
		struct lb_pin_info pi;

		rv = lb_pin_info(vm, &card, call == C_PIN_USER ? CKU_USER : CKU_SO, &pi);
		if (rv == CKR_OK)
			fuzz_assert(pi.max_tries >= -1 && pi.tries_left >= -1);
		break;
	}
	case C_MECHS: {
		struct lb_mechanism m[64];
		size_t n = sizeof m / sizeof *m;

		rv = lb_mechanisms(vm, &card, m, &n);
		if (rv == CKR_OK)
			fuzz_assert(n <= sizeof m / sizeof *m);
		break;
	}
	case C_OBJECTS:
	case C_OBJECTS_PRIVATE: {
		struct lb_object *o = NULL;
		size_t n = 0;

		rv = lb_objects(vm, &card, call == C_OBJECTS_PRIVATE, &o, &n);
		if (rv == CKR_OK) {
			size_t i;

			fuzz_assert(n == 0 || o != NULL);
			check_objects(o, n);
			/* each lazy object made whole, as the runtime asks when it is needed:
			 * the certificates' and the public keys' values parsed from the answers
			 * that are left */
			for (i = 0; i < n; i++) {
				struct lb_object whole;
				CK_RV arv;

				if (!o[i].lazy)
					continue;
				memset(&whole, 0, sizeof whole);
				arv = lb_object_attrs(vm, &card, o[i].ref, &whole);
				fuzz_assert(sk_rv_name(arv) != NULL);
				if (arv == CKR_OK) {
					check_objects(&whole, 1);
					fuzz_assert(!whole.lazy);
					lb_object_clear(&whole);
				}
			}
			lb_objects_free(o, n);
		}
		break;
	}
	case C_LOGIN:
		rv = lb_login(vm, &card, CKU_USER, (const CK_UTF8CHAR *)"12345678", 8);
		break;
	case C_LOGOUT:
		rv = lb_logout(vm, &card);
		break;
	case C_RANDOM: {
		uint8_t out[64];

		rv = lb_random(vm, &card, out, sizeof out);
		break;
	}
	case C_SIGN: {
		/* a reference of the form the script gives a private key (t9004's objects) */
		uint8_t block[256], out[512];
		size_t n = sizeof out;

		memset(block, 0x5A, sizeof block);
		block[0] = 0;
		block[1] = 1;
		rv = lb_sign(vm, &card, "prkey:3F001000100060020001", CKM_RSA_X_509, block,
			     sizeof block, out, &n);
		if (rv == CKR_OK)
			fuzz_assert(n <= sizeof out);
		break;
	}
	}
	fuzz_assert(sk_rv_name(rv) != NULL);
	/* what the call left for Lua's collector goes now: libFuzzer looks for a leak after
	 * every input whose mallocs and frees do not balance, and that scan is slow */
	lua_gc(vm->L, LUA_GCCOLLECT, 0);
	return 0;
}
