/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * op_toksym.c — encryption, decryption, signing and verification (MACs) with token
 * secret keys: the key lives on the token and is used there only (the family's
 * secret_crypt / secret_mac, spec/script-contract.yaml); see op_toksym.h.
 *
 * What the host holds between the calls of a multi-part operation is never secret: the
 * partial block not yet sent (the application's own data), the chaining value of CBC (the
 * last ciphertext block, which the application has seen), and for a MAC the message,
 * which goes to the token in one command at Final (at most TOKSYM_MAC_MAX bytes,
 * CKR_DATA_LEN_RANGE beyond: the card's chaining limit). The token keeps no state
 * between commands, so another session's use of the token in between changes nothing.
 *
 * CKM_AES_CBC_PAD (and CKM_DES3_CBC_PAD) is the token's CBC with the padding of PKCS #11
 * 3.2 (2.10.4, as PKCS #7) done here: encryption pads the last partial block at Final,
 * decryption holds the last whole block back until Final, where the padding is checked
 * and dropped. The family
 * declares the CBC it computes; the padded form needs nothing more of the card.
 *
 * The mechanisms are the family's (mechanisms with token_keys and the operation's flag):
 * one the family does not compute with token keys is CKR_MECHANISM_INVALID, the code of
 * all four Init functions' lists for a mechanism that cannot be used here. The rules of
 * op.h hold: an error ends the operation, a size query and CKR_BUFFER_TOO_SMALL keep it,
 * one-shot and multi-part calls do not mix (CKR_OPERATION_ACTIVE).
 */
#include "op_toksym.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lb.h"
#include "log.h"
#include "mech.h"
#include "obj.h"
#include "session.h"

#define TOKSYM_MAC_MAX 8192
#define TOKSYM_BLOCK_MAX 16

/* The mechanisms this path knows: the key type, the block (ciphers) or MAC length. */
struct toksym_mech {
	CK_MECHANISM_TYPE type;
	CK_KEY_TYPE key_type;
	size_t block;                   /* ciphers: block length; 0 for a MAC */
	int cbc;                        /* takes an IV of one block */
	size_t mac_len;                 /* MACs */
	CK_MECHANISM_TYPE token;        /* padded on the host: the token's mechanism; else 0 */
};

/* The mechanism the token computes (and the family must declare) for m. */
#define TOKSYM_ON_TOKEN(m) ((m)->token != 0 ? (m)->token : (m)->type)

static const struct toksym_mech toksym_mechs[] = {
	/* GOST 28147-89 (PKCS #11 2.40, 2.x "GOST 28147-89"): ECB on 8-byte blocks, MAC 4 */
	{ CKM_GOST28147_ECB, CKK_GOST28147, 8, 0, 0, 0 },
	{ CKM_GOST28147_MAC, CKK_GOST28147, 0, 0, 4, 0 },
	/* Kuznyechik (TC26): ECB on 16-byte blocks; OMAC (GOST R 34.13-2015 5.6) a block */
	{ CKM_KUZNYECHIK_ECB, CKK_KUZNECHIK, 16, 0, 0, 0 },
	{ CKM_KUZNYECHIK_MAC, CKK_KUZNECHIK, 0, 0, 16, 0 },
	/* AES, when a family offers token AES keys */
	{ CKM_AES_ECB, CKK_AES, 16, 0, 0, 0 },
	{ CKM_AES_CBC, CKK_AES, 16, 1, 0, 0 },
	{ CKM_AES_CMAC, CKK_AES, 0, 0, 16, 0 },
	{ CKM_AES_CBC_PAD, CKK_AES, 16, 1, 0, CKM_AES_CBC },
	/* DES3 (three-key TDEA, NIST SP 800-67), when a family offers token DES3 keys: 8-byte
	 * blocks, CBC_PAD padded here as AES's */
	{ CKM_DES3_ECB, CKK_DES3, 8, 0, 0, 0 },
	{ CKM_DES3_CBC, CKK_DES3, 8, 1, 0, 0 },
	{ CKM_DES3_CBC_PAD, CKK_DES3, 8, 1, 0, CKM_DES3_CBC },
};

struct op_toksym {
	struct op op;                   /* first: opstate's view */
	const struct toksym_mech *m;
	CK_SESSION_HANDLE session;
	struct token *tok;
	unsigned gen;
	char ref[LB_REF_MAX];
	uint8_t iv[TOKSYM_BLOCK_MAX];   /* CBC: the chaining value of the next part */
	uint8_t iv0[TOKSYM_BLOCK_MAX];  /* ... and the Init's (a retried one-shot call) */
	uint8_t part[TOKSYM_BLOCK_MAX]; /* a partial block not yet sent */
	size_t part_len;
	uint8_t *msg;                   /* MACs: the message so far */
	size_t len;
	int multipart, oneshot;
};

static void op_toksym_destroy(struct op *op)
{
	struct op_toksym *o = (struct op_toksym *)op;

	if (o->msg != NULL) {
		OPENSSL_cleanse(o->msg, o->len);
		free(o->msg);
	}
	OPENSSL_cleanse(o, sizeof *o);
	free(o);
}

int op_toksym_is(const struct op *op)
{
	return op != NULL && op->destroy == op_toksym_destroy;
}

static const struct toksym_mech *toksym_mech(CK_MECHANISM_TYPE type)
{
	size_t i;

	for (i = 0; i < sizeof toksym_mechs / sizeof toksym_mechs[0]; i++)
		if (toksym_mechs[i].type == type)
			return &toksym_mechs[i];
	return NULL;
}

static CK_FLAGS toksym_flag(enum op_kind kind)
{
	return kind == OP_ENCRYPT ? CKF_ENCRYPT : kind == OP_DECRYPT ? CKF_DECRYPT :
	       kind == OP_SIGN ? CKF_SIGN : CKF_VERIFY;
}

static CK_ATTRIBUTE_TYPE toksym_attr(enum op_kind kind)
{
	return kind == OP_ENCRYPT ? CKA_ENCRYPT : kind == OP_DECRYPT ? CKA_DECRYPT :
	       kind == OP_SIGN ? CKA_SIGN : CKA_VERIFY;
}

/* Under the token's lock: the card still belongs to the session, the user is logged in,
 * the family still computes the mechanism with its keys. */
static CK_RV toksym_check_inlock(struct op_toksym *o)
{
	CK_RV rv;

	if (token_generation(o->tok) != o->gen)
		return CKR_SESSION_HANDLE_INVALID;
	rv = token_load_inlock(o->tok);
	if (rv != CKR_OK)
		return rv;
	if (!o->tok->logged_in || o->tok->user != CKU_USER)
		return CKR_USER_NOT_LOGGED_IN;
	if (!mech_token_keys(o->tok->mechs, o->tok->nmechs, TOKSYM_ON_TOKEN(o->m),
			     toksym_flag(o->op.kind)))
		return CKR_MECHANISM_INVALID;
	return CKR_OK;
}

int op_toksym_init_view(CK_SESSION_HANDLE h, const struct sess_info *s, enum op_kind kind,
			const CK_MECHANISM *pm, const struct obj_view *v, CK_RV *rv)
{
	struct op_toksym *o;
	const struct toksym_mech *m;
	int mac = kind == OP_SIGN || kind == OP_VERIFY;

	if (v->cls != CKO_SECRET_KEY || !v->on_token)
		return 0;
	o = NULL;
	if (op_active(h, kind) == CKR_OK) {
		*rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	m = toksym_mech(pm->mechanism);
	if (m == NULL || (mac ? m->mac_len == 0 : m->block == 0)) {
		*rv = CKR_MECHANISM_INVALID;
		goto out;
	}
	if (m->cbc ? pm->pParameter == NULL || pm->ulParameterLen != m->block
		   : pm->ulParameterLen != 0) {
		*rv = CKR_MECHANISM_PARAM_INVALID;
		goto out;
	}
	if (v->key_type != m->key_type) {
		*rv = CKR_KEY_TYPE_INCONSISTENT;
		goto out;
	}
	if (!obj_view_bool(v, toksym_attr(kind), 0)) {
		*rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
		goto out;
	}
	if ((*rv = obj_allowed_check(v, pm->mechanism)) != CKR_OK)
		goto out;
	if (v->tok == NULL || v->tok != s->tok) {
		*rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
		goto out;
	}
	o = calloc(1, sizeof *o);
	if (o == NULL) {
		*rv = CKR_HOST_MEMORY;
		goto out;
	}
	o->op.kind = kind;
	o->op.destroy = op_toksym_destroy;
	o->m = m;
	o->session = h;
	o->tok = s->tok;
	o->gen = s->gen;
	snprintf(o->ref, sizeof o->ref, "%s", v->ref);
	if (m->cbc) {
		memcpy(o->iv, pm->pParameter, m->block);
		memcpy(o->iv0, pm->pParameter, m->block);
	}
	/* only the cached state here (no PC/SC transaction): the later calls check again */
	*rv = token_enter_cached(o->tok);
	if (*rv == CKR_OK) {
		*rv = toksym_check_inlock(o);
		token_leave(o->tok);
	}
	if (*rv == CKR_OK)
		*rv = op_start(h, &o->op);
	if (*rv == CKR_OK)
		o = NULL;
out:
	if (o != NULL)
		op_toksym_destroy(&o->op);
	return 1;
}

/* Run the token's secret_crypt (crypt) or secret_mac on in. */
static CK_RV toksym_token(struct op_toksym *o, int crypt, const uint8_t *in, size_t n,
			  uint8_t *out, size_t *out_len)
{
	struct lb_card card;
	struct sess_info si;
	CK_RV rv = token_enter(o->tok);

	if (rv != CKR_OK)
		return rv;
	if (!op_still_active(&o->op))
		rv = sess_lookup(o->session, &si) == CKR_OK ? CKR_FUNCTION_CANCELED
							    : CKR_SESSION_CLOSED;
	else
		rv = toksym_check_inlock(o);
	if (rv == CKR_OK) {
		token_card(o->tok, &card);
		if (crypt)
			rv = lb_secret_crypt(o->tok->vm, &card, o->ref, TOKSYM_ON_TOKEN(o->m),
					     o->op.kind == OP_ENCRYPT, o->m->cbc ? o->iv : NULL,
					     o->m->cbc ? o->m->block : 0, in, n, out, out_len);
		else
			rv = lb_secret_mac(o->tok->vm, &card, o->ref, o->m->type, in, n, out,
					   out_len);
	}
	token_leave(o->tok);
	return rv;
}

/* Encrypt or decrypt n bytes (whole blocks) into out, and move the CBC chaining on. */
static CK_RV toksym_blocks(struct op_toksym *o, const uint8_t *in, size_t n, uint8_t *out)
{
	uint8_t last[TOKSYM_BLOCK_MAX];
	size_t got = n, bl = o->m->block;
	CK_RV rv;

	if (n == 0)
		return CKR_OK;
	memcpy(last, in + n - bl, bl);          /* in and out may be one buffer */
	rv = toksym_token(o, 1, in, n, out, &got);
	if (rv == CKR_OK && got != n)
		rv = CKR_DEVICE_ERROR;
	if (rv == CKR_OK && o->m->cbc)
		memcpy(o->iv, o->op.kind == OP_ENCRYPT ? out + n - bl : last, bl);
	return rv;
}

static CK_RV toksym_len_range(const struct op_toksym *o)
{
	return o->op.kind == OP_ENCRYPT ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
}

static int toksym_pads(const struct op_toksym *o)
{
	return o->m->token != 0 && o->op.kind == OP_ENCRYPT;
}

static int toksym_unpads(const struct op_toksym *o)
{
	return o->m->token != 0 && o->op.kind == OP_DECRYPT;
}

/* Pad the n < bl bytes of blk to a whole block (PKCS #7: bl - n bytes of value bl - n). */
static void toksym_pad(uint8_t *blk, size_t n, size_t bl)
{
	memset(blk + n, (int)(bl - n), bl - n);
}

/* The length of the data in the decrypted last block blk, or 0 for a padding that is not
 * one (CKR_ENCRYPTED_DATA_INVALID); checked without branching on the bytes. */
static size_t toksym_unpad(const uint8_t *blk, size_t bl, int *bad)
{
	size_t p = blk[bl - 1], i;
	unsigned diff = (unsigned)(p == 0) | (unsigned)(p > bl);

	for (i = 0; i < bl; i++)
		diff |= (unsigned)(bl - i <= p) & (unsigned)(blk[i] != p);
	*bad = diff != 0;
	return *bad ? 0 : bl - p;
}

/* Padded Final: encrypt the padded partial block, or decrypt the held-back block and
 * give its data. A size query gives one block (at most that much: PKCS #11 3.2 5.2). */
static CK_RV toksym_pad_final(struct op_toksym *o, CK_BYTE_PTR out, CK_ULONG_PTR pulOut)
{
	size_t bl = o->m->block, got;
	uint8_t blk[TOKSYM_BLOCK_MAX], iv[TOKSYM_BLOCK_MAX];
	int bad = 0;
	CK_RV rv;

	if (toksym_unpads(o) && o->part_len != bl) {
		op_release(&o->op, 1);
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	}
	if (out == NULL) {
		*pulOut = bl;
		op_release(&o->op, 0);
		return CKR_OK;
	}
	if (toksym_pads(o) && *pulOut < bl) {
		*pulOut = bl;
		op_release(&o->op, 0);
		return CKR_BUFFER_TOO_SMALL;
	}
	memcpy(blk, o->part, o->part_len);
	if (toksym_pads(o))
		toksym_pad(blk, o->part_len, bl);
	memcpy(iv, o->iv, bl);                  /* a short buffer below keeps the chaining */
	rv = toksym_blocks(o, blk, bl, blk);
	got = bl;
	if (rv == CKR_OK && toksym_unpads(o)) {
		got = toksym_unpad(blk, bl, &bad);
		if (bad)
			rv = CKR_ENCRYPTED_DATA_INVALID;
	}
	if (rv == CKR_OK && *pulOut < got) {
		memcpy(o->iv, iv, bl);
		*pulOut = got;
		OPENSSL_cleanse(blk, sizeof blk);
		op_release(&o->op, 0);
		return CKR_BUFFER_TOO_SMALL;
	}
	if (rv == CKR_OK) {
		memcpy(out, blk, got);
		*pulOut = got;
	}
	OPENSSL_cleanse(blk, sizeof blk);
	op_release(&o->op, 1);
	return rv;
}

/* Padded one-shot: the data padded (encryption) or the padding checked (decryption), in
 * a buffer of the host's so that the size is known before out is written. */
static CK_RV toksym_pad_oneshot(struct op_toksym *o, const uint8_t *in, size_t n,
				CK_BYTE_PTR out, CK_ULONG_PTR pulOut)
{
	size_t bl = o->m->block, len, got;
	uint8_t *buf;
	int bad = 0;
	CK_RV rv;

	if (toksym_unpads(o) && (n == 0 || n % bl != 0)) {
		op_release(&o->op, 1);
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	}
	len = toksym_pads(o) ? n / bl * bl + bl : n;
	if (out == NULL || (toksym_pads(o) && *pulOut < len)) {
		rv = out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
		*pulOut = len;                  /* decryption: at most that */
		o->oneshot = 1;
		op_release(&o->op, 0);
		return rv;
	}
	buf = malloc(len);
	if (buf == NULL) {
		op_release(&o->op, 1);
		return CKR_HOST_MEMORY;
	}
	memcpy(buf, in, n);
	if (toksym_pads(o))
		toksym_pad(buf + len - bl, n % bl, bl);
	rv = toksym_blocks(o, buf, len, buf);
	got = len;
	if (rv == CKR_OK && toksym_unpads(o)) {
		got = len - bl + toksym_unpad(buf + len - bl, bl, &bad);
		if (bad)
			rv = CKR_ENCRYPTED_DATA_INVALID;
	}
	if (rv == CKR_OK && *pulOut < got) {
		rv = CKR_BUFFER_TOO_SMALL;      /* the operation stays, from the start */
		memcpy(o->iv, o->iv0, bl);
		*pulOut = got;
		o->oneshot = 1;
		OPENSSL_cleanse(buf, len);
		free(buf);
		op_release(&o->op, 0);
		return rv;
	}
	if (rv == CKR_OK) {
		memcpy(out, buf, got);
		*pulOut = got;
	}
	OPENSSL_cleanse(buf, len);
	free(buf);
	op_release(&o->op, 1);
	return rv;
}

CK_RV op_toksym_update(struct op *op, const uint8_t *in, size_t n, CK_BYTE_PTR out,
		       CK_ULONG_PTR pulOut)
{
	struct op_toksym *o = (struct op_toksym *)op;
	size_t bl = o->m->block, whole, take;
	uint8_t *buf = NULL;
	CK_RV rv;

	if (o->oneshot) {
		op_release(op, 1);
		return CKR_OPERATION_ACTIVE;    /* after a one-shot size query */
	}
	whole = (o->part_len + n) / bl * bl;
	/* padded decryption: the last whole block (its padding) waits for Final */
	if (toksym_unpads(o) && whole > 0 && whole == o->part_len + n)
		whole -= bl;
	if (!(out != NULL && *pulOut >= whole)) {
		rv = out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
		*pulOut = whole;
		op_release(op, 0);
		return rv;
	}
	o->multipart = 1;
	rv = CKR_OK;
	if (whole > 0) {
		buf = malloc(whole);
		if (buf == NULL) {
			rv = CKR_HOST_MEMORY;
			goto out;
		}
		take = whole - o->part_len;
		memcpy(buf, o->part, o->part_len);
		memcpy(buf + o->part_len, in, take);
		rv = toksym_blocks(o, buf, whole, buf);
		if (rv == CKR_OK) {
			memcpy(out, buf, whole);
			o->part_len = n - take;
			memcpy(o->part, in + take, o->part_len);
		}
		OPENSSL_cleanse(buf, whole);
		free(buf);
	} else if (n > 0) {
		memcpy(o->part + o->part_len, in, n);
		o->part_len += n;
	}
out:
	if (rv == CKR_OK)
		*pulOut = whole;
	op_release(op, rv != CKR_OK);
	return rv;
}

CK_RV op_toksym_final(struct op *op, CK_BYTE_PTR out, CK_ULONG_PTR pulOut)
{
	struct op_toksym *o = (struct op_toksym *)op;
	CK_RV rv;

	if (o->oneshot) {
		op_release(op, 1);
		return CKR_OPERATION_ACTIVE;
	}
	if (o->m->token != 0)
		return toksym_pad_final(o, out, pulOut);
	if (o->part_len != 0) {
		rv = toksym_len_range(o);       /* no padding: whole blocks only */
		op_release(op, 1);
		return rv;
	}
	*pulOut = 0;
	op_release(op, out != NULL);            /* a size query keeps the operation */
	return CKR_OK;
}

CK_RV op_toksym_oneshot(struct op *op, const uint8_t *in, size_t n, CK_BYTE_PTR out,
			CK_ULONG_PTR pulOut)
{
	struct op_toksym *o = (struct op_toksym *)op;
	CK_RV rv;

	if (o->multipart) {
		op_release(op, 1);
		return CKR_OPERATION_ACTIVE;
	}
	if (o->m->token != 0)
		return toksym_pad_oneshot(o, in, n, out, pulOut);
	if (n % o->m->block != 0) {
		rv = toksym_len_range(o);
		op_release(op, 1);              /* may free o */
		return rv;
	}
	/* the output is as long as the input: the size is known before the token works */
	if (!(out != NULL && *pulOut >= n)) {
		rv = out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
		*pulOut = n;
		o->oneshot = 1;
		op_release(op, 0);
		return rv;
	}
	rv = toksym_blocks(o, in, n, out);
	if (rv == CKR_OK)
		*pulOut = n;
	else
		OPENSSL_cleanse(out, n);
	op_release(op, 1);
	return rv;
}

static CK_RV toksym_feed(struct op_toksym *o, const uint8_t *in, size_t n)
{
	uint8_t *nb;

	if (n > TOKSYM_MAC_MAX || o->len > TOKSYM_MAC_MAX - n)
		return CKR_DATA_LEN_RANGE;
	if (o->msg == NULL) {
		nb = malloc(TOKSYM_MAC_MAX);
		if (nb == NULL)
			return CKR_HOST_MEMORY;
		o->msg = nb;
	}
	if (n > 0)
		memcpy(o->msg + o->len, in, n);
	o->len += n;
	return CKR_OK;
}

CK_RV op_toksym_mac_update(struct op *op, const uint8_t *in, size_t n)
{
	struct op_toksym *o = (struct op_toksym *)op;
	CK_RV rv;

	if (o->oneshot) {
		op_release(op, 1);
		return CKR_OPERATION_ACTIVE;
	}
	o->multipart = 1;
	rv = toksym_feed(o, in, n);
	op_release(op, rv != CKR_OK);
	return rv;
}

/* The MAC of the message so far (plus data for a one-shot call) into mac. */
static CK_RV toksym_mac(struct op_toksym *o, int oneshot, const uint8_t *data, size_t len,
			uint8_t *mac)
{
	size_t got = TOKSYM_BLOCK_MAX;
	CK_RV rv = oneshot ? toksym_feed(o, data, len) : CKR_OK;

	if (rv == CKR_OK)
		rv = toksym_token(o, 0, o->msg != NULL ? o->msg : (const uint8_t *)"", o->len,
				  mac, &got);
	if (rv == CKR_OK && got != o->m->mac_len)
		rv = CKR_DEVICE_ERROR;
	return rv;
}

CK_RV op_toksym_sign(struct op *op, int oneshot, const uint8_t *data, size_t len,
		     CK_BYTE_PTR sig, CK_ULONG_PTR pulSig)
{
	struct op_toksym *o = (struct op_toksym *)op;
	uint8_t mac[TOKSYM_BLOCK_MAX];
	CK_RV rv;

	if ((oneshot && o->multipart) || (!oneshot && o->oneshot)) {
		op_release(op, 1);
		return CKR_OPERATION_ACTIVE;
	}
	if (!(sig != NULL && *pulSig >= o->m->mac_len)) {
		rv = sig == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
		*pulSig = o->m->mac_len;
		if (oneshot)
			o->oneshot = 1;
		op_release(op, 0);
		return rv;
	}
	rv = toksym_mac(o, oneshot, data, len, mac);
	if (rv == CKR_OK) {
		memcpy(sig, mac, o->m->mac_len);
		*pulSig = o->m->mac_len;
	}
	OPENSSL_cleanse(mac, sizeof mac);
	op_release(op, 1);
	return rv;
}

CK_RV op_toksym_verify(struct op *op, int oneshot, const uint8_t *data, size_t len,
		       const uint8_t *sig, size_t sig_len)
{
	struct op_toksym *o = (struct op_toksym *)op;
	uint8_t mac[TOKSYM_BLOCK_MAX];
	CK_RV rv;

	if (oneshot && o->multipart) {
		op_release(op, 1);
		return CKR_OPERATION_ACTIVE;
	}
	if (sig_len != o->m->mac_len) {
		op_release(op, 1);
		return CKR_SIGNATURE_LEN_RANGE;
	}
	rv = toksym_mac(o, oneshot, data, len, mac);
	if (rv == CKR_OK && CRYPTO_memcmp(mac, sig, sig_len) != 0)
		rv = CKR_SIGNATURE_INVALID;
	OPENSSL_cleanse(mac, sizeof mac);
	op_release(op, 1);
	return rv;
}
