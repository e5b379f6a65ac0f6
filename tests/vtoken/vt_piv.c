/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vt_piv.c — the APDU processor of the virtual PIV card.
 *
 * Sources (public facts of the protocol; section numbers are cited where used):
 *   NIST SP 800-73-4 Part 1 (data model: AID, data objects, key references) and Part 2
 *   (card commands), NIST SP 800-78-4 (algorithm identifiers, Table 6-2), and Yubico's PIV
 *   documentation ("PIV commands", APDU pages) for the vendor instructions F7..FF.
 * Where these are silent the card decides; README.md lists each decision.
 */
#include "vt_piv.h"
#include "vt.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#define SW_OK 0x9000
#define SW_WRONG_LENGTH 0x6700
#define SW_SECURITY 0x6982
#define SW_BLOCKED 0x6983
#define SW_CONDITIONS 0x6985
#define SW_WRONG_DATA 0x6A80
#define SW_NOT_FOUND 0x6A82
#define SW_NO_MEMORY 0x6A84
#define SW_WRONG_P1P2 0x6A86
#define SW_REF_NOT_FOUND 0x6A88
#define SW_INS_NOT_SUPPORTED 0x6D00
#define SW_CLA_NOT_SUPPORTED 0x6E00
#define SW_UNKNOWN 0x6F00

/* SP 800-73-4 Part 1 section 2.2: the PIV AID, A0 00 00 03 08 00 00 10 00 01 00. */
static const unsigned char piv_aid[11] = {
	0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00
};

/* SP 800-78-4 Table 6-2 (and Yubico's documentation for the management key choices). */
enum {
	ALG_3DES = 0x03, ALG_RSA1024 = 0x06, ALG_RSA2048 = 0x07, ALG_AES128 = 0x08,
	ALG_AES192 = 0x0A, ALG_AES256 = 0x0C, ALG_P256 = 0x11, ALG_P384 = 0x14,
};

/* Key references, SP 800-73-4 Part 1 Table 4b: 9A PIV authentication, 9B card management,
 * 9C digital signature, 9D key management, 9E card authentication, 82..95 retired key
 * management keys; 80 PIV PIN and 81 PUK (Table 4a). */
#define REF_PIN 0x80
#define REF_PUK 0x81
#define REF_MGMT 0x9B

/* The factory credentials every PIV test tool knows (Yubico's documented defaults). */
static const char default_pin[] = "123456";
static const char default_puk[] = "12345678";
static const unsigned char default_mgmt[24] = {
	1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8
};
#define DEFAULT_TRIES 3

/* Yubico's firmware version answered by GET VERSION: 5.4.3 (GET SERIAL and GET METADATA
 * exist from 5.0 and 5.3 on; the tools pick their code paths by this number). */
static const unsigned char fw_version[3] = { 5, 4, 3 };

struct apdu {
	unsigned cla, ins, p1, p2;
	const unsigned char *data;
	size_t lc, ne;
	int has_le, ext;
};

/* ---- small functions ------------------------------------------------------------ */

static int is_key_slot(unsigned ref)
{
	return ref == 0x9A || ref == 0x9C || ref == 0x9D || ref == 0x9E ||
	       (ref >= 0x82 && ref <= 0x95);
}

static size_t put_len(unsigned char *out, size_t n)
{
	if (n < 0x80) {
		out[0] = (unsigned char)n;
		return 1;
	}
	if (n < 0x100) {
		out[0] = 0x81;
		out[1] = (unsigned char)n;
		return 2;
	}
	out[0] = 0x82;
	out[1] = (unsigned char)(n >> 8);
	out[2] = (unsigned char)n;
	return 3;
}

/* One BER-TLV (tags of one or two bytes, lengths of up to three bytes) at *p. */
static int get_tlv(const unsigned char **p, const unsigned char *end, unsigned *tag,
		   const unsigned char **val, size_t *len)
{
	const unsigned char *q = *p;
	size_t n;

	if (q >= end)
		return -1;
	*tag = *q++;
	if ((*tag & 0x1F) == 0x1F) {
		if (q >= end)
			return -1;
		*tag = *tag << 8 | *q++;
	}
	if (q >= end)
		return -1;
	n = *q++;
	if (n == 0x81 || n == 0x82) {
		size_t k = n & 3, i;

		if ((size_t)(end - q) < k)
			return -1;
		for (n = 0, i = 0; i < k; i++)
			n = n << 8 | *q++;
	} else if (n > 0x80) {
		return -1;
	}
	if ((size_t)(end - q) < n)
		return -1;
	*val = q;
	*len = n;
	*p = q + n;
	return 0;
}

static void set_ref(struct vt_piv_ref *r, const char *value)
{
	memset(r->value, 0xFF, sizeof r->value);
	memcpy(r->value, value, strlen(value));
	r->max_tries = r->tries_left = DEFAULT_TRIES;
}

/* SP 800-73-4 Part 2 section 2.4.3: a PIN is 6 to 8 bytes, padded to 8 with FF. */
static int valid_pin(const unsigned char *v)
{
	size_t n = 0, i;

	while (n < 8 && v[n] != 0xFF)
		n++;
	for (i = n; i < 8; i++)
		if (v[i] != 0xFF)
			return 0;
	return n >= 6;
}

static unsigned tries_sw(unsigned left)
{
	return left == 0 ? SW_BLOCKED : 0x63C0 | (left > 15 ? 15 : left);
}

/* the card's chain buffer, lent to its io (which the calloc of the card leaves unset) */
static struct vt_apdu_io *io_of(struct vt_piv *c)
{
	c->io.chain_buf = c->chain_buf;
	c->io.chain_cap = sizeof c->chain_buf;
	return &c->io;
}

static void drop_pending(struct vt_piv *c)
{
	vt_io_drop_pending(io_of(c));
}

static void drop_chain(struct vt_piv *c)
{
	vt_io_drop_chain(io_of(c));
}

void vt_piv_power_reset(struct vt_piv *c)
{
	c->pin_verified = 0;
	c->pin_fresh = 0;
	c->mgmt_ok = 0;
	c->auth_step = 0;
	OPENSSL_cleanse(c->auth_buf, sizeof c->auth_buf);
	drop_chain(c);
	drop_pending(c);
}

static void key_clear(struct vt_piv_key *k)
{
	if (k->der) {
		OPENSSL_cleanse(k->der, k->der_len);
		free(k->der);
	}
	memset(k, 0, sizeof *k);
}

static void obj_clear(struct vt_piv_obj *o)
{
	free(o->data);
	memset(o, 0, sizeof *o);
}

static void wipe(struct vt_piv *c)
{
	size_t i;

	for (i = 0; i < 256; i++)
		key_clear(&c->keys[i]);
	for (i = 0; i < VT_PIV_OBJECTS; i++)
		obj_clear(&c->objs[i]);
	vt_piv_power_reset(c);
}

void vt_piv_free(struct vt_piv *c)
{
	if (!c)
		return;
	wipe(c);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

static struct vt_piv_obj *obj_find(struct vt_piv *c, unsigned tag)
{
	size_t i;

	for (i = 0; i < VT_PIV_OBJECTS; i++)
		if (c->objs[i].tag == tag)
			return &c->objs[i];
	return NULL;
}

static int obj_set(struct vt_piv *c, unsigned tag, const unsigned char *v, size_t n)
{
	struct vt_piv_obj *o = obj_find(c, tag);
	unsigned char *d;

	if (n == 0) {
		if (o)
			obj_clear(o);
		return 0;
	}
	if (!o)
		o = obj_find(c, 0);
	if (!o)
		return -1;
	d = malloc(n);
	if (!d)
		return -1;
	memcpy(d, v, n);
	free(o->data);
	o->tag = tag;
	o->data = d;
	o->len = n;
	return 0;
}

/* Factory defaults of the credentials and the discovery object (factory and RESET). */
static int factory_fill(struct vt_piv *c)
{
	/* SP 800-73-4 Part 1 section 3.3.2: the discovery object, 7E { 4F AID, 5F2F PIN usage
	 * policy }; 40 00 = the PIV PIN only, no global PIN. */
	static const unsigned char disc[] = {
		0x4F, 0x0B, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
		0x5F, 0x2F, 0x02, 0x40, 0x00
	};

	set_ref(&c->pin, default_pin);
	set_ref(&c->puk, default_puk);
	c->mgmt_alg = ALG_3DES;
	c->mgmt_touch = 0;
	memset(c->mgmt_key, 0, sizeof c->mgmt_key);
	memcpy(c->mgmt_key, default_mgmt, sizeof default_mgmt);
	return obj_set(c, 0x7E, disc, sizeof disc);
}

struct vt_piv *vt_piv_new_factory(void)
{
	struct vt_piv *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	if (vt_random(c->serial, sizeof c->serial) || factory_fill(c)) {
		vt_piv_free(c);
		return NULL;
	}
	c->serial[0] &= 0x7F;       /* a positive 31-bit number, as tools print it */
	c->dirty = 1;
	return c;
}

/* ---- algorithms ------------------------------------------------------------------ */

static size_t mgmt_key_len(unsigned alg)
{
	switch (alg) {
	case ALG_3DES: return 24;
	case ALG_AES128: return 16;
	case ALG_AES192: return 24;
	case ALG_AES256: return 32;
	default: return 0;
	}
}

static const EVP_CIPHER *mgmt_cipher(unsigned alg)
{
	switch (alg) {
	case ALG_3DES: return EVP_des_ede3_ecb();
	case ALG_AES128: return EVP_aes_128_ecb();
	case ALG_AES192: return EVP_aes_192_ecb();
	case ALG_AES256: return EVP_aes_256_ecb();
	default: return NULL;
	}
}

static size_t mgmt_block(unsigned alg)
{
	return alg == ALG_3DES ? 8 : 16;
}

/* One block with the management key, ECB (SP 800-73-4 Part 2 Appendix A.1/A.2). */
static int mgmt_crypt(const struct vt_piv *c, int enc, const unsigned char *in,
		      unsigned char *out)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	if (!x)
		return -1;
	ok = EVP_CipherInit_ex(x, mgmt_cipher(c->mgmt_alg), NULL, c->mgmt_key, NULL, enc) &&
	     EVP_CIPHER_CTX_set_padding(x, 0) &&
	     EVP_CipherUpdate(x, out, &n, in, (int)mgmt_block(c->mgmt_alg)) &&
	     n == (int)mgmt_block(c->mgmt_alg);
	EVP_CIPHER_CTX_free(x);
	return ok ? 0 : -1;
}

static int is_rsa(unsigned alg)
{
	return alg == ALG_RSA1024 || alg == ALG_RSA2048;
}

static unsigned rsa_bits(unsigned alg)
{
	return alg == ALG_RSA1024 ? 1024 : 2048;
}

static size_t ec_size(unsigned alg)
{
	return alg == ALG_P256 ? 32 : alg == ALG_P384 ? 48 : 0;
}

static const char *ec_name(unsigned alg)
{
	return alg == ALG_P256 ? "P-256" : "P-384";
}

static EVP_PKEY *key_pkey(const struct vt_piv_key *k)
{
	const unsigned char *p = k->der;

	return d2i_AutoPrivateKey(NULL, &p, (long)k->der_len);
}

static int key_store(struct vt_piv_key *k, EVP_PKEY *pk, unsigned alg, unsigned origin,
		     unsigned pin_policy, unsigned touch_policy)
{
	unsigned char *der = NULL;
	int n = i2d_PrivateKey(pk, &der);

	if (n <= 0)
		return -1;
	key_clear(k);
	k->present = 1;
	k->alg = alg;
	k->origin = origin;
	k->pin_policy = pin_policy;
	k->touch_policy = touch_policy;
	k->der = malloc((size_t)n);
	if (!k->der) {
		OPENSSL_cleanse(der, (size_t)n);
		OPENSSL_free(der);
		return -1;
	}
	memcpy(k->der, der, (size_t)n);
	k->der_len = (size_t)n;
	OPENSSL_cleanse(der, (size_t)n);
	OPENSSL_free(der);
	return 0;
}

/* The public key as the inner TLVs of 7F49 (SP 800-73-4 Part 2 section 3.3.2, Table 10):
 * RSA 81 modulus, 82 exponent; EC 86 the uncompressed point. Returns the length or 0. */
static size_t pub_tlvs(EVP_PKEY *pk, unsigned alg, unsigned char *out)
{
	size_t n = 0;

	if (is_rsa(alg)) {
		BIGNUM *bn_n = NULL, *bn_e = NULL;
		int nl, el, ok;

		ok = EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &bn_n) &&
		     EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &bn_e);
		if (ok) {
			nl = BN_num_bytes(bn_n);
			el = BN_num_bytes(bn_e);
			out[n++] = 0x81;
			n += put_len(out + n, (size_t)nl);
			BN_bn2bin(bn_n, out + n);
			n += (size_t)nl;
			out[n++] = 0x82;
			n += put_len(out + n, (size_t)el);
			BN_bn2bin(bn_e, out + n);
			n += (size_t)el;
		}
		BN_free(bn_n);
		BN_free(bn_e);
		return ok ? n : 0;
	} else {
		unsigned char pt[133];
		size_t ptlen = 0;

		if (!EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt,
						     &ptlen) || ptlen != 2 * ec_size(alg) + 1)
			return 0;
		out[n++] = 0x86;
		n += put_len(out + n, ptlen);
		memcpy(out + n, pt, ptlen);
		return n + ptlen;
	}
}

/* ---- SELECT (SP 800-73-4 Part 2 section 3.1.1) -------------------------------------- */

static unsigned cmd_select(struct vt_piv *c, const struct apdu *a, unsigned char *out,
			   size_t *outlen)
{
	/* The application property template: 61 { 4F PIX-derived AID, 79 { 4F RID-based
	 * coexistent tag allocation authority }, 50 label, AC { 80 algorithms ..., 06 00 } }. */
	static const unsigned char apt[] = {
		0x61, 0x2E,
		0x4F, 0x06, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
		0x79, 0x07, 0x4F, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08,
		0x50, 0x0A, 'v', 't', 'o', 'k', 'e', 'n', ' ', 'P', 'I', 'V',
		0xAC, 0x0F, 0x80, 0x01, ALG_3DES, 0x80, 0x01, ALG_RSA2048, 0x80, 0x01, ALG_P256,
		0x80, 0x01, ALG_P384, 0x06, 0x01, 0x00,
	};

	(void)c;
	if (a->p1 != 0x04 || (a->p2 & ~0x0Cu) != 0)
		return SW_WRONG_P1P2;
	/* a right-truncated AID selects too (ISO 7816-4 5.3.1; SP 800-73-4 Part 2 3.1.1) */
	if (a->lc < 5 || a->lc > sizeof piv_aid || memcmp(a->data, piv_aid, a->lc))
		return SW_NOT_FOUND;
	if (a->p2 & 0x0C)
		return SW_OK;
	memcpy(out, apt, sizeof apt);
	*outlen = sizeof apt;
	return SW_OK;
}

/* ---- GET DATA / PUT DATA (SP 800-73-4 Part 2 sections 3.1.2 and 3.3.2) --------------- */

/* Part 1 Table 3: the data objects and their BER-TLV tags. Returns 1 for a valid tag; *pin
 * says whether reading needs the PIN (Table 2: fingerprints, facial image, printed
 * information, iris images). */
static int valid_tag(unsigned tag, int *pin)
{
	*pin = 0;
	if (tag == 0x7E || tag == 0x7F61)
		return 1;
	if (tag >= 0x5FC101 && tag <= 0x5FC123 && tag != 0x5FC104) {
		*pin = tag == 0x5FC103 || tag == 0x5FC108 || tag == 0x5FC109 ||
		       tag == 0x5FC121;
		return 1;
	}
	/* Yubico's own objects (admin data 5FFF00, attestation certificate 5FFF01, ...) */
	return tag >= 0x5FFF00 && tag <= 0x5FFF15;
}

static int parse_tag_list(const unsigned char *v, size_t n, unsigned *tag)
{
	size_t i;

	if (n < 1 || n > 3)
		return -1;
	for (*tag = 0, i = 0; i < n; i++)
		*tag = *tag << 8 | v[i];
	return 0;
}

static unsigned cmd_get_data(struct vt_piv *c, const struct apdu *a, unsigned char *out,
			     size_t *outlen)
{
	const unsigned char *p = a->data, *v;
	unsigned t, tag;
	struct vt_piv_obj *o;
	size_t n, k;
	int pin;

	if (a->p1 != 0x3F || a->p2 != 0xFF)
		return SW_WRONG_P1P2;
	if (get_tlv(&p, a->data + a->lc, &t, &v, &n) || t != 0x5C || p != a->data + a->lc ||
	    parse_tag_list(v, n, &tag))
		return SW_WRONG_DATA;
	if (!valid_tag(tag, &pin))
		return SW_NOT_FOUND;
	if (pin && !c->pin_verified)
		return SW_SECURITY;
	o = obj_find(c, tag);
	if (!o)
		return SW_NOT_FOUND;
	/* answered as 53 L value; the discovery object and the BIT group template keep their
	 * own tag (Part 1 section 3.3.2, 3.3.3) */
	k = 0;
	if (tag == 0x7E) {
		out[k++] = 0x7E;
	} else if (tag == 0x7F61) {
		out[k++] = 0x7F;
		out[k++] = 0x61;
	} else {
		out[k++] = 0x53;
	}
	k += put_len(out + k, o->len);
	memcpy(out + k, o->data, o->len);
	*outlen = k + o->len;
	return SW_OK;
}

static unsigned cmd_put_data(struct vt_piv *c, const struct apdu *a)
{
	const unsigned char *p = a->data, *end = a->data + a->lc, *v, *tv;
	unsigned t, tag, want;
	size_t n, tn;
	int pin;

	if (a->p1 != 0x3F || a->p2 != 0xFF)
		return SW_WRONG_P1P2;
	if (!c->mgmt_ok)
		return SW_SECURITY;
	if (get_tlv(&p, end, &t, &tv, &tn) || t != 0x5C || parse_tag_list(tv, tn, &tag))
		return SW_WRONG_DATA;
	if (!valid_tag(tag, &pin))
		return SW_WRONG_DATA;
	want = tag == 0x7E ? 0x7E : tag == 0x7F61 ? 0x7F61 : 0x53;
	if (get_tlv(&p, end, &t, &v, &n) || t != want || p != end)
		return SW_WRONG_DATA;
	if (n > VT_PIV_OBJ_MAX)
		return SW_NO_MEMORY;
	if (obj_set(c, tag, v, n))
		return SW_NO_MEMORY;
	c->dirty = 1;
	return SW_OK;
}

/* ---- PINs (SP 800-73-4 Part 2 sections 3.2.1, 3.2.2, 3.2.3) -------------------------- */

static struct vt_piv_ref *ref_of(struct vt_piv *c, unsigned p2)
{
	return p2 == REF_PIN ? &c->pin : p2 == REF_PUK ? &c->puk : NULL;
}

static unsigned check_ref(struct vt_piv *c, struct vt_piv_ref *r, const unsigned char *v)
{
	if (r->tries_left == 0)
		return SW_BLOCKED;
	if (CRYPTO_memcmp(r->value, v, 8) != 0) {
		r->tries_left--;
		c->dirty = 1;
		return tries_sw(r->tries_left);
	}
	if (r->tries_left != r->max_tries) {
		r->tries_left = r->max_tries;
		c->dirty = 1;
	}
	return SW_OK;
}

static unsigned cmd_verify(struct vt_piv *c, const struct apdu *a)
{
	struct vt_piv_ref *r = ref_of(c, a->p2);
	unsigned sw;

	if (!r)
		return SW_REF_NOT_FOUND;
	if (a->p1 == 0xFF) {        /* reset the security status (3.2.1) */
		if (a->lc)
			return SW_WRONG_P1P2;
		if (r == &c->pin)
			c->pin_verified = c->pin_fresh = 0;
		return SW_OK;
	}
	if (a->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (a->lc == 0) {           /* status query: 90 00 when verified, else 63 Cx */
		if (r->tries_left == 0)
			return SW_BLOCKED;
		if (r == &c->pin && c->pin_verified)
			return SW_OK;
		return tries_sw(r->tries_left);
	}
	if (a->lc != 8)
		return SW_WRONG_DATA;
	sw = check_ref(c, r, a->data);
	if (r == &c->pin) {
		c->pin_verified = sw == SW_OK;
		c->pin_fresh = sw == SW_OK;
	}
	return sw;
}

static unsigned cmd_change(struct vt_piv *c, const struct apdu *a)
{
	struct vt_piv_ref *r = ref_of(c, a->p2);
	unsigned sw;

	if (a->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (!r)
		return SW_REF_NOT_FOUND;
	if (a->lc != 16)
		return SW_WRONG_DATA;
	if (r->tries_left == 0)
		return SW_BLOCKED;
	if (!valid_pin(a->data + 8))
		return SW_WRONG_DATA;
	sw = check_ref(c, r, a->data);
	if (sw != SW_OK) {
		if (r == &c->pin)
			c->pin_verified = c->pin_fresh = 0;
		return sw;
	}
	memcpy(r->value, a->data + 8, 8);
	c->dirty = 1;
	return SW_OK;
}

static unsigned cmd_reset_retry(struct vt_piv *c, const struct apdu *a)
{
	unsigned sw;

	if (a->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (a->p2 != REF_PIN)
		return SW_REF_NOT_FOUND;
	if (a->lc != 16)
		return SW_WRONG_DATA;
	if (c->puk.tries_left == 0)
		return SW_BLOCKED;
	if (!valid_pin(a->data + 8))
		return SW_WRONG_DATA;
	sw = check_ref(c, &c->puk, a->data);
	if (sw != SW_OK)
		return sw;
	memcpy(c->pin.value, a->data + 8, 8);
	c->pin.tries_left = c->pin.max_tries;
	c->pin_verified = c->pin_fresh = 0;
	c->dirty = 1;
	return SW_OK;
}

/* ---- GENERAL AUTHENTICATE (SP 800-73-4 Part 2 section 3.2.4, Appendix A) ------------- */

struct dyn_auth {               /* the parts of the 7C template; len SIZE_MAX = absent */
	const unsigned char *v[6];  /* 80 witness, 81 challenge, 82 response, 85 exponent. */
	size_t n[6];
};

static int dyn_index(unsigned tag)
{
	switch (tag) {
	case 0x80: return 0;
	case 0x81: return 1;
	case 0x82: return 2;
	case 0x85: return 5;
	default: return -1;
	}
}

static int parse_dyn(const unsigned char *d, size_t len, struct dyn_auth *da)
{
	const unsigned char *p = d, *v, *q, *qend;
	unsigned t;
	size_t n, i;
	int ix;

	for (i = 0; i < 6; i++)
		da->n[i] = (size_t)-1;
	if (get_tlv(&p, d + len, &t, &v, &n) || t != 0x7C || p != d + len)
		return -1;
	q = v;
	qend = v + n;
	while (q < qend) {
		const unsigned char *iv;
		size_t in;

		if (get_tlv(&q, qend, &t, &iv, &in))
			return -1;
		ix = dyn_index(t);
		if (ix < 0 || da->n[ix] != (size_t)-1)
			return -1;
		da->v[ix] = iv;
		da->n[ix] = in;
	}
	return 0;
}

static size_t dyn_answer(unsigned char *out, unsigned tag, const unsigned char *v, size_t n)
{
	unsigned char hdr[4];
	size_t h = put_len(hdr, n), k = 0;

	out[k++] = 0x7C;
	k += put_len(out + k, 1 + h + n);
	out[k++] = (unsigned char)tag;
	memcpy(out + k, hdr, h);
	k += h;
	memmove(out + k, v, n);
	return k + n;
}

static unsigned mgmt_auth(struct vt_piv *c, const struct apdu *a, const struct dyn_auth *da,
			  unsigned char *out, size_t *outlen)
{
	size_t bs = mgmt_block(c->mgmt_alg);
	unsigned char blk[16], enc[16];
	int step = c->auth_step;

	if (a->p1 != c->mgmt_alg)
		return SW_WRONG_P1P2;
	c->auth_step = 0;
	c->mgmt_ok = 0;
	if (da->n[0] == 0 && da->n[1] == (size_t)-1 && da->n[2] == (size_t)-1) {
		/* mutual authentication, step 1: the card sends an encrypted witness */
		if (vt_random(c->auth_buf, bs) || mgmt_crypt(c, 1, c->auth_buf, enc))
			return SW_UNKNOWN;
		*outlen = dyn_answer(out, 0x80, enc, bs);
		c->auth_step = 1;
		return SW_OK;
	}
	if (da->n[0] == bs && da->n[1] == bs && da->n[2] == (size_t)-1) {
		/* step 2: the decrypted witness and the terminal's challenge */
		if (step != 1 || CRYPTO_memcmp(da->v[0], c->auth_buf, bs) != 0)
			return SW_SECURITY;
		memcpy(blk, da->v[1], bs);
		if (mgmt_crypt(c, 1, blk, enc))
			return SW_UNKNOWN;
		c->mgmt_ok = 1;
		*outlen = dyn_answer(out, 0x82, enc, bs);
		return SW_OK;
	}
	if (da->n[1] == 0 && da->n[0] == (size_t)-1 && da->n[2] == (size_t)-1) {
		/* card authenticates the terminal (A.2), step 1: a plain challenge */
		if (vt_random(c->auth_buf, bs))
			return SW_UNKNOWN;
		*outlen = dyn_answer(out, 0x81, c->auth_buf, bs);
		c->auth_step = 2;
		return SW_OK;
	}
	if (da->n[2] == bs && da->n[0] == (size_t)-1 && da->n[1] == (size_t)-1) {
		if (step != 2 || mgmt_crypt(c, 1, c->auth_buf, enc) ||
		    CRYPTO_memcmp(enc, da->v[2], bs) != 0)
			return SW_SECURITY;
		c->mgmt_ok = 1;
		return SW_OK;
	}
	return SW_WRONG_DATA;
}

static int pin_ok(struct vt_piv *c, const struct vt_piv_key *k)
{
	switch (k->pin_policy) {
	case 1: return 1;                       /* never */
	case 3: return c->pin_fresh;            /* always: a VERIFY before each use */
	default: return c->pin_verified;        /* once */
	}
}

static unsigned key_op(struct vt_piv *c, const struct apdu *a, const struct dyn_auth *da,
		       unsigned char *out, size_t *outlen)
{
	struct vt_piv_key *k = &c->keys[a->p2];
	EVP_PKEY *pk = NULL, *peer = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	unsigned char res[512];
	size_t rlen = sizeof res;
	unsigned sw = SW_UNKNOWN;

	if (!k->present)
		return SW_REF_NOT_FOUND;
	if (a->p1 != k->alg)
		return SW_WRONG_P1P2;
	if (da->n[2] != 0 || (da->n[1] == (size_t)-1) == (da->n[5] == (size_t)-1))
		return SW_WRONG_DATA;
	if (!pin_ok(c, k))
		return SW_SECURITY;
	pk = key_pkey(k);
	if (!pk)
		return SW_UNKNOWN;
	if (is_rsa(k->alg)) {
		/* 81: a block as long as the modulus, raw RSA (the caller pads) */
		if (da->n[1] == (size_t)-1 || da->n[1] != rsa_bits(k->alg) / 8) {
			sw = SW_WRONG_DATA;
			goto out;
		}
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
		if (!ctx || EVP_PKEY_decrypt_init(ctx) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) <= 0)
			goto out;
		if (EVP_PKEY_decrypt(ctx, res, &rlen, da->v[1], da->n[1]) <= 0) {
			sw = SW_WRONG_DATA;     /* input not below the modulus */
			goto out;
		}
	} else if (da->n[1] != (size_t)-1) {
		/* 81: the hash to sign (ECDSA, the leftmost bits as FIPS 186-4 6.4 says);
		 * the answer is the DER signature, as PIV cards give it */
		if (da->n[1] == 0 || da->n[1] > 2 * ec_size(k->alg)) {
			sw = SW_WRONG_DATA;
			goto out;
		}
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
		if (!ctx || EVP_PKEY_sign_init(ctx) <= 0 ||
		    EVP_PKEY_sign(ctx, res, &rlen, da->v[1], da->n[1]) <= 0)
			goto out;
	} else {
		/* 85: the peer's uncompressed point; the answer is the x coordinate (ECDH,
		 * SP 800-73-4 Part 2 Appendix A.5, key establishment) */
		OSSL_PARAM_BLD *b = NULL;
		OSSL_PARAM *params = NULL;
		EVP_PKEY_CTX *pctx = NULL;
		int ok = 0;

		if (da->n[5] != 2 * ec_size(k->alg) + 1 || da->v[5][0] != 0x04) {
			sw = SW_WRONG_DATA;
			goto out;
		}
		b = OSSL_PARAM_BLD_new();
		pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		if (b && pctx &&
		    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
						    ec_name(k->alg), 0) &&
		    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, da->v[5],
						     da->n[5]) &&
		    (params = OSSL_PARAM_BLD_to_param(b)) &&
		    EVP_PKEY_fromdata_init(pctx) > 0 &&
		    EVP_PKEY_fromdata(pctx, &peer, EVP_PKEY_PUBLIC_KEY, params) > 0)
			ok = 1;
		OSSL_PARAM_free(params);
		OSSL_PARAM_BLD_free(b);
		EVP_PKEY_CTX_free(pctx);
		if (!ok) {
			sw = SW_WRONG_DATA;
			goto out;
		}
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
		if (!ctx || EVP_PKEY_derive_init(ctx) <= 0 ||
		    EVP_PKEY_derive_set_peer(ctx, peer) <= 0) {
			sw = SW_WRONG_DATA;     /* a point not on the curve */
			goto out;
		}
		if (EVP_PKEY_derive(ctx, res, &rlen) <= 0)
			goto out;
	}
	if (k->pin_policy == 3)
		c->pin_fresh = 0;
	*outlen = dyn_answer(out, 0x82, res, rlen);
	sw = SW_OK;
out:
	OPENSSL_cleanse(res, sizeof res);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(peer);
	return sw;
}

static unsigned cmd_general_auth(struct vt_piv *c, const struct apdu *a, unsigned char *out,
				 size_t *outlen)
{
	struct dyn_auth da;

	if (parse_dyn(a->data, a->lc, &da))
		return SW_WRONG_DATA;
	if (a->p2 == REF_MGMT)
		return mgmt_auth(c, a, &da, out, outlen);
	if (!is_key_slot(a->p2))
		return SW_REF_NOT_FOUND;
	return key_op(c, a, &da, out, outlen);
}

/* ---- key generation (SP 800-73-4 Part 2 section 3.3.2) and import (Yubico FE) -------- */

/* Yubico's default PIN policies: 9C always, 9E never, the others once; touch never. */
static unsigned default_pin_policy(unsigned slot)
{
	return slot == 0x9C ? 3 : slot == 0x9E ? 1 : 2;
}

static int policy_tlv(unsigned tag, const unsigned char *v, size_t n, unsigned *pol)
{
	if (n != 1 || v[0] > 3)
		return -1;
	(void)tag;
	*pol = v[0];
	return 0;
}

static unsigned cmd_generate(struct vt_piv *c, const struct apdu *a, unsigned char *out,
			     size_t *outlen)
{
	const unsigned char *p = a->data, *end = a->data + a->lc, *v, *q, *qend;
	unsigned t, alg = 0, pinp = 0, touchp = 0;
	unsigned char pub[600];
	EVP_PKEY *pk = NULL;
	size_t n, plen, k;

	if (a->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (!is_key_slot(a->p2))
		return SW_REF_NOT_FOUND;
	if (!c->mgmt_ok)
		return SW_SECURITY;
	/* AC { 80 algorithm, [AA PIN policy], [AB touch policy] } */
	if (get_tlv(&p, end, &t, &v, &n) || t != 0xAC || p != end)
		return SW_WRONG_DATA;
	q = v;
	qend = v + n;
	while (q < qend) {
		const unsigned char *iv;
		size_t in;

		if (get_tlv(&q, qend, &t, &iv, &in))
			return SW_WRONG_DATA;
		if (t == 0x80 && in == 1)
			alg = iv[0];
		else if (t == 0xAA && !policy_tlv(t, iv, in, &pinp))
			;
		else if (t == 0xAB && !policy_tlv(t, iv, in, &touchp))
			;
		else
			return SW_WRONG_DATA;
	}
	if (is_rsa(alg))
		pk = EVP_RSA_gen(rsa_bits(alg));
	else if (ec_size(alg))
		pk = EVP_EC_gen(ec_name(alg));
	else
		return SW_WRONG_DATA;
	if (!pk)
		return SW_UNKNOWN;
	plen = pub_tlvs(pk, alg, pub);
	if (!plen || key_store(&c->keys[a->p2], pk, alg, 1,
			       pinp ? pinp : default_pin_policy(a->p2), touchp ? touchp : 1)) {
		EVP_PKEY_free(pk);
		return SW_UNKNOWN;
	}
	EVP_PKEY_free(pk);
	c->dirty = 1;
	k = 0;
	out[k++] = 0x7F;
	out[k++] = 0x49;
	k += put_len(out + k, plen);
	memcpy(out + k, pub, plen);
	*outlen = k + plen;
	return SW_OK;
}

static EVP_PKEY *rsa_from_crt(const unsigned char *const *v, const size_t *n, unsigned bits)
{
	BN_CTX *bctx = BN_CTX_new();
	BIGNUM *p = NULL, *q = NULL, *dp = NULL, *dq = NULL, *qi = NULL, *nn, *e, *d, *p1, *q1,
	       *l, *g;
	OSSL_PARAM_BLD *b = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *pk = NULL;

	if (!bctx)
		return NULL;
	BN_CTX_start(bctx);
	nn = BN_CTX_get(bctx);
	e = BN_CTX_get(bctx);
	d = BN_CTX_get(bctx);
	p1 = BN_CTX_get(bctx);
	q1 = BN_CTX_get(bctx);
	l = BN_CTX_get(bctx);
	g = BN_CTX_get(bctx);
	p = BN_bin2bn(v[0], (int)n[0], NULL);
	q = BN_bin2bn(v[1], (int)n[1], NULL);
	dp = BN_bin2bn(v[2], (int)n[2], NULL);
	dq = BN_bin2bn(v[3], (int)n[3], NULL);
	qi = BN_bin2bn(v[4], (int)n[4], NULL);
	if (!g || !p || !q || !dp || !dq || !qi || BN_is_zero(p) || BN_is_zero(q))
		goto out;
	/* e = 65537 (the only exponent the import format implies); d = e^-1 mod lcm(p-1, q-1) */
	if (!BN_mul(nn, p, q, bctx) || (unsigned)BN_num_bits(nn) != bits ||
	    !BN_set_word(e, 65537) || !BN_sub(p1, p, BN_value_one()) ||
	    !BN_sub(q1, q, BN_value_one()) || !BN_gcd(g, p1, q1, bctx) ||
	    !BN_mul(l, p1, q1, bctx) || !BN_div(l, NULL, l, g, bctx) ||
	    !BN_mod_inverse(d, e, l, bctx))
		goto out;
	b = OSSL_PARAM_BLD_new();
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!b || !pctx || !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, nn) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_D, d) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR1, p) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR2, q) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi) ||
	    !(params = OSSL_PARAM_BLD_to_param(b)) || EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_KEYPAIR, params) <= 0)
		pk = NULL;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(pctx);
	BN_clear_free(p);
	BN_clear_free(q);
	BN_clear_free(dp);
	BN_clear_free(dq);
	BN_clear_free(qi);
	BN_CTX_end(bctx);
	BN_CTX_free(bctx);
	return pk;
}

static EVP_PKEY *ec_from_scalar(const unsigned char *v, size_t n, unsigned alg)
{
	BN_CTX *bctx = BN_CTX_new();
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(alg == ALG_P256 ? NID_X9_62_prime256v1 :
						   NID_secp384r1);
	EC_POINT *pt = NULL;
	BIGNUM *d = BN_bin2bn(v, (int)n, NULL);
	unsigned char pub[97];
	size_t plen;
	OSSL_PARAM_BLD *b = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *pk = NULL;

	if (!bctx || !grp || !d || BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(grp)) >= 0)
		goto out;
	pt = EC_POINT_new(grp);
	if (!pt || !EC_POINT_mul(grp, pt, d, NULL, NULL, bctx))
		goto out;
	plen = EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub, bctx);
	b = OSSL_PARAM_BLD_new();
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!plen || !b || !pctx ||
	    !OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, ec_name(alg), 0) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, plen) ||
	    !(params = OSSL_PARAM_BLD_to_param(b)) || EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_KEYPAIR, params) <= 0)
		pk = NULL;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(pctx);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	BN_clear_free(d);
	BN_CTX_free(bctx);
	return pk;
}

/* Yubico IMPORT KEY: 00 FE alg slot, TLVs 01 p, 02 q, 03 dP, 04 dQ, 05 qInv (RSA, each
 * half the modulus long) or 06 the private scalar (EC), then [AA PIN policy] [AB touch]. */
static unsigned cmd_import(struct vt_piv *c, const struct apdu *a)
{
	const unsigned char *p = a->data, *end = a->data + a->lc, *v[7] = { 0 };
	size_t n[7] = { 0 }, len;
	unsigned t, pinp = 0, touchp = 0, want;
	const unsigned char *val;
	EVP_PKEY *pk;
	int seen = 0;

	if (!is_key_slot(a->p2))
		return SW_REF_NOT_FOUND;
	if (!is_rsa(a->p1) && !ec_size(a->p1))
		return SW_WRONG_P1P2;
	if (!c->mgmt_ok)
		return SW_SECURITY;
	want = is_rsa(a->p1) ? 0x3E : 0x40;     /* bits 1..5 or bit 6 */
	while (p < end) {
		if (get_tlv(&p, end, &t, &val, &len))
			return SW_WRONG_DATA;
		if (t >= 1 && t <= 6) {
			if (seen & (1 << t))
				return SW_WRONG_DATA;
			seen |= 1 << t;
			v[t] = val;
			n[t] = len;
		} else if (t == 0xAA) {
			if (policy_tlv(t, val, len, &pinp))
				return SW_WRONG_DATA;
		} else if (t == 0xAB) {
			if (policy_tlv(t, val, len, &touchp))
				return SW_WRONG_DATA;
		} else {
			return SW_WRONG_DATA;
		}
	}
	if ((unsigned)seen != want)
		return SW_WRONG_DATA;
	if (is_rsa(a->p1)) {
		size_t half = rsa_bits(a->p1) / 16, i;

		for (i = 1; i <= 5; i++)
			if (n[i] != half)
				return SW_WRONG_DATA;
		pk = rsa_from_crt(v + 1, n + 1, rsa_bits(a->p1));
	} else {
		if (n[6] != ec_size(a->p1))
			return SW_WRONG_DATA;
		pk = ec_from_scalar(v[6], n[6], a->p1);
	}
	if (!pk)
		return SW_WRONG_DATA;
	if (key_store(&c->keys[a->p2], pk, a->p1, 2, pinp ? pinp : default_pin_policy(a->p2),
		      touchp ? touchp : 1)) {
		EVP_PKEY_free(pk);
		return SW_UNKNOWN;
	}
	EVP_PKEY_free(pk);
	c->dirty = 1;
	return SW_OK;
}

/* ---- Yubico extensions ------------------------------------------------------------ */

static unsigned cmd_version(const struct apdu *a, unsigned char *out, size_t *outlen)
{
	if (a->p1 || a->p2)
		return SW_WRONG_P1P2;
	memcpy(out, fw_version, 3);
	*outlen = 3;
	return SW_OK;
}

static unsigned cmd_serial(struct vt_piv *c, const struct apdu *a, unsigned char *out,
			   size_t *outlen)
{
	if (a->p1 || a->p2)
		return SW_WRONG_P1P2;
	memcpy(out, c->serial, 4);
	*outlen = 4;
	return SW_OK;
}

/* SET MANAGEMENT KEY: 00 FF FF FF|FE (touch) { alg 9B len key } */
static unsigned cmd_set_mgmt(struct vt_piv *c, const struct apdu *a)
{
	size_t klen;

	if (a->p1 != 0xFF || (a->p2 != 0xFF && a->p2 != 0xFE))
		return SW_WRONG_P1P2;
	if (!c->mgmt_ok)
		return SW_SECURITY;
	if (a->lc < 3 || a->data[1] != REF_MGMT)
		return SW_WRONG_DATA;
	klen = mgmt_key_len(a->data[0]);
	if (!klen || a->data[2] != klen || a->lc != 3 + klen)
		return SW_WRONG_DATA;
	c->mgmt_alg = a->data[0];
	c->mgmt_touch = a->p2 == 0xFE;
	memset(c->mgmt_key, 0, sizeof c->mgmt_key);
	memcpy(c->mgmt_key, a->data + 3, klen);
	c->dirty = 1;
	return SW_OK;
}

/* RESET: only when both the PIN and the PUK are blocked (Yubico's documentation). */
static unsigned cmd_reset(struct vt_piv *c, const struct apdu *a)
{
	if (a->p1 || a->p2)
		return SW_WRONG_P1P2;
	if (c->pin.tries_left || c->puk.tries_left)
		return SW_CONDITIONS;
	wipe(c);
	if (factory_fill(c))
		return SW_UNKNOWN;
	c->dirty = 1;
	return SW_OK;
}

/* SET PIN RETRIES: 00 FA pin-tries puk-tries; needs the management key and the PIN;
 * the PIN and PUK return to their defaults. */
static unsigned cmd_set_retries(struct vt_piv *c, const struct apdu *a)
{
	if (a->p1 == 0 || a->p2 == 0)
		return SW_WRONG_P1P2;
	if (!c->mgmt_ok || !c->pin_verified)
		return SW_SECURITY;
	set_ref(&c->pin, default_pin);
	set_ref(&c->puk, default_puk);
	c->pin.max_tries = c->pin.tries_left = a->p1;
	c->puk.max_tries = c->puk.tries_left = a->p2;
	c->pin_verified = c->pin_fresh = 0;
	c->dirty = 1;
	return SW_OK;
}

static int is_default_ref(const struct vt_piv_ref *r, const char *def)
{
	unsigned char v[8];

	memset(v, 0xFF, sizeof v);
	memcpy(v, def, strlen(def));
	return memcmp(v, r->value, 8) == 0;
}

/* GET METADATA: 00 F7 00 ref -> 01 algorithm, 02 policy, 03 origin, 04 public key,
 * 05 default value, 06 retries (Yubico's "Get metadata" page, Table 1). */
static unsigned cmd_metadata(struct vt_piv *c, const struct apdu *a, unsigned char *out,
			     size_t *outlen)
{
	size_t k = 0;

	if (a->p1)
		return SW_WRONG_P1P2;
	if (a->p2 == REF_PIN || a->p2 == REF_PUK) {
		const struct vt_piv_ref *r = a->p2 == REF_PIN ? &c->pin : &c->puk;
		unsigned char m[] = {
			0x01, 0x01, 0xFF, 0x02, 0x02, 0x00, 0x00, 0x05, 0x01, 0x00,
			0x06, 0x02, 0x00, 0x00
		};

		m[9] = (unsigned char)is_default_ref(r, r == &c->pin ? default_pin : default_puk);
		m[12] = (unsigned char)r->max_tries;
		m[13] = (unsigned char)r->tries_left;
		memcpy(out, m, sizeof m);
		*outlen = sizeof m;
		return SW_OK;
	}
	if (a->p2 == REF_MGMT) {
		unsigned char m[] = { 0x01, 0x01, 0x00, 0x02, 0x02, 0x00, 0x01, 0x05, 0x01, 0x00 };

		m[2] = (unsigned char)c->mgmt_alg;
		m[6] = c->mgmt_touch ? 2 : 1;
		m[9] = c->mgmt_alg == ALG_3DES &&
		       memcmp(c->mgmt_key, default_mgmt, sizeof default_mgmt) == 0;
		memcpy(out, m, sizeof m);
		*outlen = sizeof m;
		return SW_OK;
	}
	if (!is_key_slot(a->p2))
		return SW_REF_NOT_FOUND;
	{
		const struct vt_piv_key *key = &c->keys[a->p2];
		EVP_PKEY *pk;
		size_t plen;

		if (!key->present)
			return SW_REF_NOT_FOUND;
		pk = key_pkey(key);
		if (!pk)
			return SW_UNKNOWN;
		out[k++] = 0x01;
		out[k++] = 0x01;
		out[k++] = (unsigned char)key->alg;
		out[k++] = 0x02;
		out[k++] = 0x02;
		out[k++] = (unsigned char)key->pin_policy;
		out[k++] = (unsigned char)key->touch_policy;
		out[k++] = 0x03;
		out[k++] = 0x01;
		out[k++] = (unsigned char)key->origin;
		plen = pub_tlvs(pk, key->alg, out + k + 4);
		EVP_PKEY_free(pk);
		if (!plen)
			return SW_UNKNOWN;
		out[k++] = 0x04;
		{
			unsigned char hdr[3];
			size_t h = put_len(hdr, plen);

			memmove(out + k + h, out + k + 3, plen);
			memcpy(out + k, hdr, h);
			k += h + plen;
		}
		*outlen = k;
		return SW_OK;
	}
}

/* ---- GET RESPONSE, parsing, dispatch ------------------------------------------------ */

static unsigned cmd_get_response(struct vt_piv *c, const struct apdu *a, unsigned char *out,
				 size_t *outlen)
{
	return vt_io_get_response(io_of(c), a->p1, a->p2, a->has_le, a->ne, out, outlen);
}

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* ISO 7816-4 5.1: the four cases, short and extended. */
static unsigned parse_apdu(const unsigned char *b, size_t len, struct apdu *a)
{
	memset(a, 0, sizeof *a);
	if (len < 4)
		return SW_WRONG_LENGTH;
	a->cla = b[0];
	a->ins = b[1];
	a->p1 = b[2];
	a->p2 = b[3];
	if (len == 4)
		return SW_OK;
	if (len == 5) {
		a->has_le = 1;
		a->ne = b[4] ? b[4] : 256;
		return SW_OK;
	}
	if (b[4] != 0) {
		size_t lc = b[4];

		a->lc = lc;
		a->data = b + 5;
		if (len == 5 + lc)
			return SW_OK;
		if (len == 6 + lc) {
			a->has_le = 1;
			a->ne = b[5 + lc] ? b[5 + lc] : 256;
			return SW_OK;
		}
		return SW_WRONG_LENGTH;
	}
	a->ext = 1;
	if (len == 7) {
		a->has_le = 1;
		a->ne = be16(b + 5) ? be16(b + 5) : 65536;
		return SW_OK;
	}
	if (len >= 8) {
		size_t lc = be16(b + 5);

		if (lc == 0)
			return SW_WRONG_LENGTH;
		a->lc = lc;
		a->data = b + 7;
		if (len == 7 + lc)
			return SW_OK;
		if (len == 9 + lc) {
			a->has_le = 1;
			a->ne = be16(b + 7 + lc) ? be16(b + 7 + lc) : 65536;
			return SW_OK;
		}
	}
	return SW_WRONG_LENGTH;
}

static unsigned dispatch(struct vt_piv *c, const struct apdu *a, unsigned char *out,
			 size_t *outlen)
{
	switch (a->ins) {
	case 0xA4: return cmd_select(c, a, out, outlen);
	case 0xCB: return cmd_get_data(c, a, out, outlen);
	case 0xDB: return cmd_put_data(c, a);
	case 0x20: return cmd_verify(c, a);
	case 0x24: return cmd_change(c, a);
	case 0x2C: return cmd_reset_retry(c, a);
	case 0x87: return cmd_general_auth(c, a, out, outlen);
	case 0x47: return cmd_generate(c, a, out, outlen);
	case 0xC0: return cmd_get_response(c, a, out, outlen);
	case 0xFD: return cmd_version(a, out, outlen);
	case 0xF8: return cmd_serial(c, a, out, outlen);
	case 0xFE: return cmd_import(c, a);
	case 0xF7: return cmd_metadata(c, a, out, outlen);
	case 0xFF: return cmd_set_mgmt(c, a);
	case 0xFB: return cmd_reset(c, a);
	case 0xFA: return cmd_set_retries(c, a);
	default: return SW_INS_NOT_SUPPORTED;
	}
}

static void finish(unsigned char *resp, size_t n, unsigned sw, size_t *resplen)
{
	resp[n] = (unsigned char)(sw >> 8);
	resp[n + 1] = (unsigned char)sw;
	*resplen = n + 2;
}

void vt_piv_process(struct vt_piv *c, const unsigned char *apdu, size_t len,
		    unsigned char *resp, size_t *resplen)
{
	struct apdu a;
	unsigned sw;
	size_t outlen = 0, ne;

	sw = parse_apdu(apdu, len, &a);
	if (sw != SW_OK)
		goto done;
	/* CLA 00, and 10 for chaining (SP 800-73-4 Part 2 section 3: no secure messaging
	 * on this card, no logical channels) */
	if ((a.cla & ~0x10u) != 0x00) {
		sw = SW_CLA_NOT_SUPPORTED;
		goto done;
	}
	if (a.ins != 0xC0)
		drop_pending(c);
	/* chaining; another command during a chain ends it unexecuted and runs (a client
	 * that died mid-chain must not lock the next one out) */
	if (vt_io_chain(io_of(c), a.cla, a.cla & ~0x10u, a.ins, a.p1, a.p2, 0, &a.data, &a.lc,
			&sw) == VT_CHAIN_ANSWER)
		goto done;
	sw = dispatch(c, &a, resp, &outlen);
	vt_io_chain_done(&c->io, a.data);
	if (sw != SW_OK && (sw & 0xFF00) != 0x6100)
		outlen = 0;
	ne = a.has_le ? a.ne : (a.ext ? 65536 : 256);
	if (ne > 65533)
		ne = 65533;
	sw = vt_io_keep_rest(&c->io, resp, &outlen, ne, sw);
done:
	finish(resp, outlen, sw, resplen);
}

/* ---- state file ----------------------------------------------------------------------
 *
 *   vtoken-piv-state 1
 *   serial <hex>
 *   pin <max> <left> <value hex>          (and "puk ...")
 *   mgmt <alg hex> <touch 0|1> <key hex>
 *   key <ref hex> <alg hex> <origin> <pin policy> <touch policy> <PKCS#8 DER hex>
 *   object <tag hex> <value hex>
 *   end
 *
 * Like the Rutoken state file it holds the PIN and the keys in clear (mode 0600, written
 * atomically by vtoken.c). */

static void put_hex(FILE *f, const unsigned char *p, size_t n)
{
	size_t i;

	if (n == 0)
		fputc('-', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

int vt_piv_save(const struct vt_piv *c, FILE *out)
{
	size_t i;

	fprintf(out, "vtoken-piv-state 1\nserial ");
	put_hex(out, c->serial, 4);
	fprintf(out, "\npin %u %u ", c->pin.max_tries, c->pin.tries_left);
	put_hex(out, c->pin.value, 8);
	fprintf(out, "\npuk %u %u ", c->puk.max_tries, c->puk.tries_left);
	put_hex(out, c->puk.value, 8);
	fprintf(out, "\nmgmt %02x %u ", c->mgmt_alg, c->mgmt_touch);
	put_hex(out, c->mgmt_key, mgmt_key_len(c->mgmt_alg));
	fputc('\n', out);
	for (i = 0; i < 256; i++) {
		const struct vt_piv_key *k = &c->keys[i];

		if (!k->present)
			continue;
		fprintf(out, "key %02zx %02x %u %u %u ", i, k->alg, k->origin, k->pin_policy,
			k->touch_policy);
		put_hex(out, k->der, k->der_len);
		fputc('\n', out);
	}
	for (i = 0; i < VT_PIV_OBJECTS; i++) {
		if (!c->objs[i].tag)
			continue;
		fprintf(out, "object %x ", c->objs[i].tag);
		put_hex(out, c->objs[i].data, c->objs[i].len);
		fputc('\n', out);
	}
	fprintf(out, "end\n");
	return ferror(out) ? -1 : 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A hex string into a new buffer (*n bytes); "-" is not accepted: values are never empty. */
static unsigned char *get_hex_alloc(const char *s, size_t *n)
{
	size_t l = s ? strlen(s) : 0, i;
	unsigned char *b;

	if (l == 0 || l % 2)
		return NULL;
	b = malloc(l / 2);
	if (!b)
		return NULL;
	for (i = 0; i < l / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(b);
			return NULL;
		}
		b[i] = (unsigned char)(hi << 4 | lo);
	}
	*n = l / 2;
	return b;
}

static int get_num(const char *s, unsigned long max, unsigned long *v, int base)
{
	char *end;

	if (!s || !*s)
		return -1;
	*v = strtoul(s, &end, base);
	return *end || *v > max ? -1 : 0;
}

static int get_fixed(const char *s, unsigned char *out, size_t want)
{
	size_t n = 0;
	unsigned char *b = get_hex_alloc(s, &n);
	int rv = -1;

	if (b && n == want) {
		memcpy(out, b, n);
		rv = 0;
	}
	if (b) {
		OPENSSL_cleanse(b, n);
		free(b);
	}
	return rv;
}

static int load_ref(struct vt_piv_ref *r, char **tok)
{
	unsigned long mx, left;

	if (get_num(tok[1], 255, &mx, 10) || mx == 0 || get_num(tok[2], mx, &left, 10) ||
	    get_fixed(tok[3], r->value, 8))
		return -1;
	r->max_tries = (unsigned)mx;
	r->tries_left = (unsigned)left;
	return 0;
}

struct vt_piv *vt_piv_load(FILE *in, char *err, size_t errlen)
{
	struct vt_piv *c = calloc(1, sizeof *c);
	char *tok[8];
	struct vt_lines r = { .in = in };
	size_t n;
	unsigned long v[5];
	int ntok, ended = 0, ok = 0, have = 0;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while ((ntok = vt_state_lines(&r, tok, 8)) >= 0) {
		if (ended)
			goto bad;
		if (r.lineno == 1) {
			if (ntok != 2 || strcmp(tok[0], "vtoken-piv-state") || strcmp(tok[1], "1"))
				goto bad;
		} else if (!strcmp(tok[0], "serial") && ntok == 2) {
			if (get_fixed(tok[1], c->serial, 4))
				goto bad;
			have |= 1;
		} else if (!strcmp(tok[0], "pin") && ntok == 4) {
			if (load_ref(&c->pin, tok))
				goto bad;
			have |= 2;
		} else if (!strcmp(tok[0], "puk") && ntok == 4) {
			if (load_ref(&c->puk, tok))
				goto bad;
			have |= 4;
		} else if (!strcmp(tok[0], "mgmt") && ntok == 4) {
			if (get_num(tok[1], 0xFF, &v[0], 16) || !mgmt_key_len((unsigned)v[0]) ||
			    get_num(tok[2], 1, &v[1], 10) ||
			    get_fixed(tok[3], c->mgmt_key, mgmt_key_len((unsigned)v[0])))
				goto bad;
			c->mgmt_alg = (unsigned)v[0];
			c->mgmt_touch = (unsigned)v[1];
			have |= 8;
		} else if (!strcmp(tok[0], "key") && ntok == 7) {
			struct vt_piv_key *k;
			EVP_PKEY *pk;

			if (get_num(tok[1], 0xFF, &v[0], 16) || !is_key_slot((unsigned)v[0]) ||
			    get_num(tok[2], 0xFF, &v[1], 16) ||
			    (!is_rsa((unsigned)v[1]) && !ec_size((unsigned)v[1])) ||
			    get_num(tok[3], 2, &v[2], 10) || v[2] == 0 ||
			    get_num(tok[4], 3, &v[3], 10) || get_num(tok[5], 3, &v[4], 10))
				goto bad;
			k = &c->keys[v[0]];
			if (k->present)
				goto bad;
			k->der = get_hex_alloc(tok[6], &n);
			if (!k->der)
				goto bad;
			k->der_len = n;
			k->present = 1;
			k->alg = (unsigned)v[1];
			k->origin = (unsigned)v[2];
			k->pin_policy = (unsigned)v[3];
			k->touch_policy = (unsigned)v[4];
			pk = key_pkey(k);
			if (!pk)
				goto bad;
			EVP_PKEY_free(pk);
		} else if (!strcmp(tok[0], "object") && ntok == 3) {
			int pin;
			unsigned char *d;

			if (get_num(tok[1], 0xFFFFFF, &v[0], 16) || !valid_tag((unsigned)v[0], &pin) ||
			    obj_find(c, (unsigned)v[0]))
				goto bad;
			d = get_hex_alloc(tok[2], &n);
			if (!d || n > VT_PIV_OBJ_MAX || obj_set(c, (unsigned)v[0], d, n)) {
				free(d);
				goto bad;
			}
			free(d);
		} else if (!strcmp(tok[0], "end") && ntok == 1) {
			ended = 1;
		} else {
			goto bad;
		}
	}
	if (!ended || have != 15) {
		snprintf(err, errlen, "state file truncated or incomplete");
		goto out;
	}
	ok = 1;
	goto out;
bad:
	snprintf(err, errlen, "state file line %lu is malformed", r.lineno);
out:
	vt_lines_end(&r);
	if (!ok) {
		vt_piv_free(c);
		return NULL;
	}
	vt_piv_power_reset(c);
	c->dirty = 0;
	return c;
}
