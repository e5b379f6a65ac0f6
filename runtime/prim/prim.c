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

	if (n == NULL || n->value == NULL || crypto_be_len(n->value, n->len) == 0)
		return CKR_KEY_TYPE_INCONSISTENT;
	c->k = crypto_be_len(n->value, n->len);
	c->mod_bits = crypto_be_bits(n->value, n->len);
	c->out_len = c->k;
	if (c->mod_bits < c->m->min_bits || c->mod_bits > c->m->max_bits)
		return CKR_KEY_SIZE_RANGE;
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
