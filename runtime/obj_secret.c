/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * obj_secret.c — secret keys in host memory: C_GenerateKey, and the value rule of
 * C_CreateObject for them.
 *
 * (The value rule itself, obj_secret_check, is obj_tmpl.c's, with the other key values.)
 *
 * A secret key is a session object (obj.c holds it; its value is cleansed when it goes:
 * C_DestroyObject, C_Logout for private ones, C_CloseSession, C_Finalize), or a token
 * secret key (CKA_TOKEN true) of a key type the token's family makes and uses on the
 * token (op_toksym.h): C_GenerateKey then has the family's generate_key make it on the
 * card (obj_generate_token_secret: no value on the host at all), C_CreateObject hands the
 * value to the family's create_object, which writes it to the card; the object as stored
 * carries the CKA_CHECK_VALUE the card computed, and no CKA_VALUE (CKR_ATTRIBUTE_SENSITIVE).
 * Any other token secret key is refused with CKR_TEMPLATE_INCONSISTENT, the code of a
 * template the token cannot hold in the returns lists of both functions.
 *
 * Generation: the mechanism is a `prim:` entry of spec/mechanisms.yaml with
 * `host: [CKF_GENERATE]`; its file in runtime/prim/ says the key's length (gen_len, from
 * CKA_VALUE_LEN) and fixes the random bytes into a key (gen_fix: DES parity). The template
 * rules are spec/objects.yaml's, applied by obj_template_ex (OBJ_GENERATE): CKA_LOCAL true,
 * CKA_ALWAYS_SENSITIVE = CKA_SENSITIVE and CKA_NEVER_EXTRACTABLE = !CKA_EXTRACTABLE
 * (PKCS #11 3.2, 4.10); here CKA_KEY_GEN_MECHANISM and the value, and the attributes
 * derived from it (CKA_VALUE_LEN, CKA_CHECK_VALUE) after it exists.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "mech.h"
#include "obj_int.h"
#include "prim/prim.h"
#include "sk_dispatch.h"

struct sec_gen {
	const struct mech *m;
};

/* The value: random bytes of the length the mechanism gives, then what follows from it. */
static CK_RV sec_fill(void *arg, const struct sk_obj_kind *k, struct lb_attr **a, size_t *n)
{
	const struct sec_gen *g = arg;
	const struct lb_attr *vl = obj_attrs_find(*a, *n, CKA_VALUE_LEN);
	uint8_t key[512];
	CK_ULONG want = 0;
	size_t len = 0;
	CK_RV rv;

	if (vl != NULL && vl->len == sizeof want)
		memcpy(&want, vl->value, sizeof want);
	rv = g->m->ops->gen_len(g->m, vl != NULL, want, &len);
	if (rv == CKR_OK && (len == 0 || len > sizeof key))
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	if (rv != CKR_OK)
		return rv;
	rv = crypto_random(key, len);
	if (rv == CKR_OK && g->m->ops->gen_fix != NULL)
		g->m->ops->gen_fix(key, len);
	if (rv == CKR_OK)
		rv = obj_attrs_set(a, n, CKA_VALUE, key, len);
	OPENSSL_cleanse(key, sizeof key);
	if (rv == CKR_OK && k != NULL)
		rv = obj_attrs_derive_value(k, a, n);
	if (rv == CKR_OK)
		rv = obj_attrs_set_ulong(a, n, CKA_KEY_GEN_MECHANISM, g->m->type);
	return rv;
}

/* CKA_TOKEN true in the template (its first CKA_TOKEN, as the template rules read it). */
static int sec_on_token(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	CK_ULONG i;

	for (i = 0; i < n; i++)
		if (t[i].type == CKA_TOKEN && t[i].pValue != NULL &&
		    t[i].ulValueLen == sizeof(CK_BBOOL))
			return *(const CK_BBOOL *)t[i].pValue == CK_TRUE;
	return 0;
}

CK_RV rt_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		     CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey)
{
	struct sec_gen g;
	struct mech_params prm;
	CK_ULONG i;
	CK_RV rv;

	g.m = mech_find(pMechanism->mechanism);
	if (g.m == NULL || !(g.m->host_flags & CKF_GENERATE) || g.m->ops == NULL ||
	    g.m->ops->gen_len == NULL)
		return CKR_MECHANISM_INVALID;
	rv = mech_check_param(g.m, pMechanism, &prm);
	if (rv != CKR_OK)
		return rv;
	for (i = 0; i < ulCount; i++) {
		rv = obj_attr_check(&pTemplate[i]);
		if (rv != CKR_OK)
			return rv;
	}
	if (sec_on_token(pTemplate, ulCount))
		return obj_generate_token_secret(hSession, g.m->type, g.m->key_type, pTemplate,
						 ulCount, phKey);
	return obj_create_filled(hSession, OBJ_GENERATE, CKO_SECRET_KEY, g.m->key_type, pTemplate,
				 ulCount, sec_fill, &g, phKey);
}
