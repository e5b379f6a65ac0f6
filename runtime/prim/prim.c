/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * prim.c — what the primitive files share: the operation context, copying key
 * attributes, and the RSA key and block handling of the four RSA primitives; see prim.h.
 */
#include "prim.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

void prim_ctx_free(struct prim_ctx *c)
{
	if (c->m != NULL && c->m->ops != NULL && c->m->ops->release != NULL)
		c->m->ops->release(c);
	EVP_PKEY_free(c->pk);
	EVP_PKEY_free(c->priv);         /* OpenSSL clears a key's private parts */
	c->priv = NULL;
	if (c->key != NULL) {
		OPENSSL_cleanse(c->key, c->k);
		free(c->key);
		c->key = NULL;
	}
	free(c->modulus);
	free(c->params);
	free(c->point);
	c->pk = NULL;
	c->modulus = c->params = c->point = NULL;
}

CK_RV prim_copy_attr(const struct prim_attrs *a, CK_ATTRIBUTE_TYPE type, uint8_t **out,
		     size_t *len)
{
	const struct lb_attr *v = a->get(a->view, type);

	if (v == NULL || v->len == 0 || v->len == CK_UNAVAILABLE_INFORMATION || v->value == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	*out = malloc(v->len);
	if (*out == NULL)
		return CKR_HOST_MEMORY;
	memcpy(*out, v->value, v->len);
	*len = v->len;
	return CKR_OK;
}

CK_RV prim_secret_key(struct prim_ctx *c, const struct prim_attrs *a, int private_key)
{
	const struct lb_attr *v = a->get(a->view, CKA_VALUE);
	size_t len = 0;

	(void)private_key;
	if (v == NULL || v->value == NULL || v->len == 0 || v->len == CK_UNAVAILABLE_INFORMATION)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (c->m->ops->gen_len != NULL && c->m->ops->gen_len(c->m, 1, v->len, &len) != CKR_OK)
		return CKR_KEY_SIZE_RANGE;
	c->key = malloc(v->len);
	if (c->key == NULL)
		return CKR_HOST_MEMORY;
	memcpy(c->key, v->value, v->len);
	c->k = v->len;
	return CKR_OK;
}

CK_RV prim_rsa_key(struct prim_ctx *c, const struct prim_attrs *a, int private_key)
{
	const struct lb_attr *n = a->get(a->view, CKA_MODULUS), *e;
	int by_size = n == NULL && private_key && c->by_size && c->m->ops->sign_by_size;

	if (by_size) {
		/* signing on the token from the key's size alone: no modulus (prim.h) */
		const struct lb_attr *b = a->get(a->view, CKA_MODULUS_BITS);
		CK_ULONG bits;

		if (b == NULL || b->value == NULL || b->len != sizeof bits)
			return CKR_KEY_TYPE_INCONSISTENT;
		memcpy(&bits, b->value, sizeof bits);
		c->mod_bits = bits;
		c->k = (bits + 7) / 8;
	} else {
		if (n == NULL || n->value == NULL || crypto_be_len(n->value, n->len) == 0)
			return CKR_KEY_TYPE_INCONSISTENT;
		c->k = crypto_be_len(n->value, n->len);
		c->mod_bits = crypto_be_bits(n->value, n->len);
	}
	c->out_len = c->k;
	if (c->mod_bits < c->m->min_bits || c->mod_bits > c->m->max_bits)
		return CKR_KEY_SIZE_RANGE;
	if (by_size)
		return CKR_OK;
	if (private_key) {
		c->modulus = malloc(c->k);
		if (c->modulus == NULL)
			return CKR_HOST_MEMORY;
		memcpy(c->modulus, n->value + (n->len - c->k), c->k);
		return CKR_OK;
	}
	e = a->get(a->view, CKA_PUBLIC_EXPONENT);
	if (e == NULL || e->value == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	return crypto_rsa_pkey(n->value, n->len, e->value, e->len, &c->pk);
}

CK_RV prim_rsa_host_key(struct prim_ctx *c, const struct prim_attrs *a)
{
	static const CK_ATTRIBUTE_TYPE types[CRYPTO_RSA_NPARTS] = {
		CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
		CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT,
	};
	struct crypto_rsa_parts parts;
	const struct lb_attr *v;
	size_t i;

	memset(&parts, 0, sizeof parts);
	for (i = 0; i < CRYPTO_RSA_NPARTS; i++) {
		v = a->get(a->view, types[i]);
		if (v != NULL && v->value != NULL && v->len > 0 &&
		    v->len != CK_UNAVAILABLE_INFORMATION) {
			parts.v[i] = v->value;
			parts.len[i] = v->len;
		}
	}
	/* without CKA_PUBLIC_EXPONENT (optional in the private key's table) OpenSSL can
	 * neither blind nor check: such a key is refused */
	return crypto_rsa_private_pkey(&parts, &c->priv);
}

CK_RV prim_rsa_host_raw(const struct prim_ctx *c, const uint8_t *in, size_t in_len,
			uint8_t *out, size_t *out_len)
{
	uint8_t *em;
	CK_RV rv;

	if (c->priv == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (in_len > c->k)
		return CKR_DATA_LEN_RANGE;
	em = calloc(1, c->k);
	if (em == NULL)
		return CKR_HOST_MEMORY;
	memcpy(em + (c->k - in_len), in, in_len);
	rv = crypto_rsa_private_raw(c->priv, em, c->k, out);
	if (rv == CKR_OK)
		*out_len = c->k;
	OPENSSL_cleanse(em, c->k);
	free(em);
	return rv;
}

CK_RV prim_pair_add(struct lb_attr *a, size_t *n, CK_ATTRIBUTE_TYPE type, const void *v,
		    size_t len)
{
	if (*n >= PRIM_PAIR_MAX)
		return CKR_GENERAL_ERROR;
	a[*n].type = type;
	a[*n].len = len;
	a[*n].value = NULL;
	if (len > 0) {
		a[*n].value = malloc(len);
		if (a[*n].value == NULL)
			return CKR_HOST_MEMORY;
		memcpy(a[*n].value, v, len);
	}
	(*n)++;
	return CKR_OK;
}

static void prim_pair_wipe(struct lb_attr *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (a[i].value != NULL) {
			OPENSSL_cleanse(a[i].value, a[i].len);
			free(a[i].value);
		}
		a[i].value = NULL;
		a[i].len = 0;
	}
}

void prim_pair_free(struct prim_pair *p)
{
	prim_pair_wipe(p->pub, p->npub);
	prim_pair_wipe(p->priv, p->npriv);
	p->npub = p->npriv = 0;
}

CK_RV prim_rsa_block(const struct prim_ctx *c, const uint8_t *in, size_t in_len, uint8_t *em)
{
	if (in_len > c->k)
		return CKR_DATA_LEN_RANGE;
	memset(em, 0, c->k - in_len);
	if (in_len > 0)
		memcpy(em + (c->k - in_len), in, in_len);
	return CKR_OK;
}

void prim_rsa_align(const struct prim_ctx *c, uint8_t *buf, size_t *len)
{
	if (*len < c->k && *len > 0) {
		memmove(buf + (c->k - *len), buf, *len);
		memset(buf, 0, c->k - *len);
		*len = c->k;
	}
}

CK_RV prim_rsa_decrypt_check(const struct prim_ctx *c, const uint8_t *ct, size_t len)
{
	if (len != c->k || ct == NULL)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	/* public data: no need for constant time */
	if (c->modulus == NULL || memcmp(ct, c->modulus, c->k) >= 0)
		return CKR_ENCRYPTED_DATA_INVALID;
	return CKR_OK;
}

CK_RV prim_rsa_unpad(const struct prim_ctx *c, const struct crypto_rsa_params *p, uint8_t *em,
		     size_t em_len, uint8_t *out, size_t *out_len)
{
	if (em_len == 0 || em_len > c->k)
		return CKR_DEVICE_ERROR;
	prim_rsa_align(c, em, &em_len);
	return crypto_rsa_unpad(p, em, c->k, out, out_len);
}

/* --- secret-key ciphers ------------------------------------------------------------ */

CK_RV prim_sym_start(struct prim_ctx *c, const char *cipher, enum crypto_sym_mode mode,
		     int decrypt, const uint8_t *iv, size_t iv_len, const uint8_t *aad,
		     size_t aad_len, size_t tag_len, unsigned ctr_bits)
{
	struct crypto_sym *s = NULL;
	CK_RV rv;

	if (cipher == NULL)
		return CKR_KEY_SIZE_RANGE;
	rv = crypto_sym_new(cipher, mode, decrypt, c->key, c->k, iv, iv_len, aad, aad_len,
			    tag_len, ctr_bits, &s);
	if (rv == CKR_OK)
		c->state = s;
	return rv;
}

size_t prim_sym_update_len(const struct prim_ctx *c, size_t n)
{
	return crypto_sym_update_len(c->state, n);
}

CK_RV prim_sym_update(struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
		      size_t *out_len)
{
	return crypto_sym_update(c->state, in, n, out, out_len);
}

size_t prim_sym_final_len(const struct prim_ctx *c)
{
	return crypto_sym_final_len(c->state);
}

CK_RV prim_sym_final(struct prim_ctx *c, uint8_t *out, size_t cap, size_t *out_len)
{
	return crypto_sym_final(c->state, out, cap, out_len);
}

void prim_state_free(struct prim_ctx *c, size_t size)
{
	if (c->state != NULL)
		OPENSSL_cleanse(c->state, size);
	free(c->state);
	c->state = NULL;
}

CK_RV prim_unwrap_rv(CK_RV rv)
{
	if (rv == CKR_DATA_LEN_RANGE)
		return CKR_WRAPPED_KEY_LEN_RANGE;
	if (rv == CKR_ENCRYPTED_DATA_INVALID)
		return CKR_WRAPPED_KEY_INVALID;
	return rv;
}

void prim_sym_release(struct prim_ctx *c)
{
	crypto_sym_free(c->state);
	c->state = NULL;
}

/* --- message-based AEAD adapters ---------------------------------------------------- */

CK_RV prim_gcm_msg_param(const struct mech *m, void *param, CK_ULONG len, const uint8_t *aad,
			 size_t aad_len, CK_BYTE *stand_in, size_t stand_in_len,
			 CK_ULONG stand_in_tag_bits, struct prim_msg *out)
{
	const CK_GCM_MESSAGE_PARAMS *p = param;
	CK_GCM_PARAMS *g = &out->cls.gcm;

	memset(out, 0, sizeof *out);
	if (param == NULL && len == 0) {
		*g = (CK_GCM_PARAMS){ stand_in, stand_in_len, 8 * stand_in_len, NULL, 0,
				      stand_in_tag_bits };
	} else {
		if (p == NULL || len != sizeof *p || p->ulTagBits % 8 != 0 ||
		    (p->ulTagBits > 0 && p->pTag == NULL))
			return CKR_MECHANISM_PARAM_INVALID;
		out->iv = p->pIv;
		out->iv_len = p->ulIvLen;
		out->fixed_bits = p->ulIvFixedBits;
		out->gen = p->ivGenerator;
		out->tag = p->pTag;
		out->tag_len = p->ulTagBits / 8;
		*g = (CK_GCM_PARAMS){ p->pIv, p->ulIvLen, p->ulIvLen * 8, (CK_BYTE_PTR)aad,
				      aad_len, p->ulTagBits };
	}
	out->classic = (CK_MECHANISM){ m->type, g, sizeof *g };
	return CKR_OK;
}

CK_RV prim_ccm_msg_param(const struct mech *m, void *param, CK_ULONG len, const uint8_t *aad,
			 size_t aad_len, struct prim_msg *out)
{
	static CK_BYTE stand_in[12];    /* zeros: only the key is checked with it */
	const CK_CCM_MESSAGE_PARAMS *p = param;
	CK_CCM_PARAMS *c = &out->cls.ccm;

	memset(out, 0, sizeof *out);
	if (param == NULL && len == 0) {
		*c = (CK_CCM_PARAMS){ 0, stand_in, sizeof stand_in, NULL, 0, 16 };
	} else {
		if (p == NULL || len != sizeof *p || (p->ulMACLen > 0 && p->pMAC == NULL))
			return CKR_MECHANISM_PARAM_INVALID;
		out->iv = p->pNonce;
		out->iv_len = p->ulNonceLen;
		out->fixed_bits = p->ulNonceFixedBits;
		out->gen = p->nonceGenerator;
		out->tag = p->pMAC;
		out->tag_len = p->ulMACLen;
		*c = (CK_CCM_PARAMS){ p->ulDataLen, p->pNonce, p->ulNonceLen, (CK_BYTE_PTR)aad,
				      aad_len, p->ulMACLen };
	}
	out->classic = (CK_MECHANISM){ m->type, c, sizeof *c };
	return CKR_OK;
}

const char *prim_aes_name(const struct prim_ctx *c, const char *mode)
{
	static const char *const names[3][4] = {
		{ "AES-128-ECB", "AES-128-CBC", "AES-128-CTR", "AES-128-GCM" },
		{ "AES-192-ECB", "AES-192-CBC", "AES-192-CTR", "AES-192-GCM" },
		{ "AES-256-ECB", "AES-256-CBC", "AES-256-CTR", "AES-256-GCM" },
	};
	int row = c->k == 16 ? 0 : c->k == 24 ? 1 : c->k == 32 ? 2 : -1;
	int col = strcmp(mode, "ECB") == 0 ? 0 : strcmp(mode, "CBC") == 0 ? 1 :
		  strcmp(mode, "CTR") == 0 ? 2 : strcmp(mode, "GCM") == 0 ? 3 : -1;

	return row < 0 || col < 0 ? NULL : names[row][col];
}

size_t prim_rsa_wrap_len(const struct prim_ctx *c, size_t n)
{
	return n > 0 && n <= c->m->ops->max_plain(c) ? c->k : 0;
}

CK_RV prim_rsa_wrap(const struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
		    size_t *out_len)
{
	CK_RV rv = c->m->ops->encrypt(c, in, n, out, out_len);

	return rv == CKR_DATA_LEN_RANGE ? CKR_KEY_SIZE_RANGE : rv;
}

CK_RV prim_iv_param(const CK_MECHANISM *pm, size_t n)
{
	if (n == 0)
		return pm->ulParameterLen == 0 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
	return pm->pParameter != NULL && pm->ulParameterLen == n ? CKR_OK
								 : CKR_MECHANISM_PARAM_INVALID;
}

/* --- secret-key MACs ---------------------------------------------------------------- */

CK_RV prim_mac_start(struct prim_ctx *c, const char *mac, const char *digest,
		     const char *cipher, size_t len)
{
	struct crypto_mac *m = NULL;
	size_t full = 0;
	CK_RV rv;

	if (digest == NULL && cipher == NULL)
		return CKR_KEY_SIZE_RANGE;      /* no cipher of this key's length */
	rv = crypto_mac_new(mac, digest, cipher, c->key, c->k, &m, &full);
	if (rv != CKR_OK)
		return rv;
	if (len > full) {
		crypto_mac_free(m);
		return CKR_MECHANISM_PARAM_INVALID;
	}
	c->state = m;
	c->out_len = len > 0 ? len : full;
	return CKR_OK;
}

CK_RV prim_mac_update(struct prim_ctx *c, const uint8_t *in, size_t n, uint8_t *out,
		      size_t *out_len)
{
	(void)out;
	if (out_len != NULL)
		*out_len = 0;
	return crypto_mac_update(c->state, in, n);
}

CK_RV prim_mac_final(struct prim_ctx *c, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t full[CRYPTO_MD_MAX];
	CK_RV rv;

	*out_len = c->out_len;
	if (out == NULL || cap < c->out_len)
		return CKR_BUFFER_TOO_SMALL;
	rv = crypto_mac_final(c->state, full);
	if (rv == CKR_OK)
		memcpy(out, full, c->out_len);  /* _GENERAL: its first bytes */
	OPENSSL_cleanse(full, sizeof full);
	return rv;
}

void prim_mac_release(struct prim_ctx *c)
{
	crypto_mac_free(c->state);
	c->state = NULL;
}

CK_RV prim_mac_param(const CK_MECHANISM *pm, int general, CK_ULONG max)
{
	CK_ULONG len;

	if (!general)
		return pm->ulParameterLen == 0 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
	if (pm->pParameter == NULL || pm->ulParameterLen != sizeof(CK_MAC_GENERAL_PARAMS))
		return CKR_MECHANISM_PARAM_INVALID;
	memcpy(&len, pm->pParameter, sizeof len);
	return len > 0 && len <= max ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
}
