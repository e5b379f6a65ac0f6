/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * obj_keygen.c — C_GenerateKeyPair: the templates are checked and completed by the rules
 * of spec/objects.yaml (obj_template, OBJ_GENERATE), the mechanism must be one
 * objects.yaml's `generation:` maps to a key type and the token declares for key-pair
 * generation, then the token's script generates the pair (all or nothing) and both halves
 * join the object cache.
 *
 * Both halves share CKA_ID: when only one template gives it, the other half gets the same.
 * A private-key template may repeat a domain parameter of the public-key template
 * (CKA_GOSTR3410_PARAMS, CKA_EC_PARAMS ... — OpenSC's pkcs11-tool does) although the
 * standard forbids it there at generation: an attribute forbidden at generation that the
 * public template gives with the same value is accepted and left to the script, which
 * reports the generated key's own value.
 */
#include <stdlib.h>
#include <string.h>

#include "obj_int.h"
#include "session.h"
#include "sk_dispatch.h"

static CK_RV kg_enter(CK_SESSION_HANDLE s, struct sess_info *si)
{
	CK_RV rv = sess_call(s, si);

	if (rv != CKR_OK)
		return rv;
	rv = token_enter(si->tok);
	if (rv != CKR_OK)
		return rv;
	if (token_generation(si->tok) != si->gen) {
		token_leave(si->tok);
		return CKR_SESSION_HANDLE_INVALID;
	}
	rv = obj_cache_inlock(si->tok);
	if (rv != CKR_OK)
		token_leave(si->tok);
	return rv;
}

/* The private template without the attributes forbidden at generation that the public
 * template repeats with the same value. *out is malloc'ed (or NULL when n is 0). */
static CK_RV kg_private_template(CK_KEY_TYPE kt, const CK_ATTRIBUTE *pub, CK_ULONG npub,
				 const CK_ATTRIBUTE *priv, CK_ULONG npriv, CK_ATTRIBUTE **out,
				 CK_ULONG *nout)
{
	const struct sk_obj_kind *k = obj_kind(CKO_PRIVATE_KEY, kt);
	CK_ATTRIBUTE *t;
	CK_ULONG i, j, n = 0;

	*out = NULL;
	*nout = 0;
	if (npriv == 0)
		return CKR_OK;
	t = malloc(npriv * sizeof *t);
	if (t == NULL)
		return CKR_HOST_MEMORY;
	for (i = 0; i < npriv; i++) {
		const struct sk_attr_rule *r = k != NULL ? obj_rule(k, priv[i].type) : NULL;
		int repeated = 0;

		if (r != NULL && (r->rules & SK_AR_GENERATE_FORBIDDEN))
			for (j = 0; j < npub && !repeated; j++)
				repeated = pub[j].type == priv[i].type &&
					   pub[j].ulValueLen == priv[i].ulValueLen &&
					   pub[j].pValue != NULL && priv[i].pValue != NULL &&
					   memcmp(pub[j].pValue, priv[i].pValue,
						  priv[i].ulValueLen) == 0;
		if (!repeated)
			t[n++] = priv[i];
	}
	*out = t;
	*nout = n;
	return CKR_OK;
}

static int kg_token_declares(const struct token *t, CK_MECHANISM_TYPE m)
{
	size_t i;

	for (i = 0; i < t->nmechs; i++)
		if (t->mechs[i].type == m)
			return (t->mechs[i].info.flags & CKF_GENERATE_KEY_PAIR) != 0;
	return 0;
}

/* Give both halves the same CKA_ID when only one has a non-empty one. */
static CK_RV kg_share_id(struct lb_attr **pub, size_t *npub, struct lb_attr **priv,
			 size_t *npriv)
{
	const struct lb_attr *a = obj_attrs_find(*pub, *npub, CKA_ID);
	const struct lb_attr *b = obj_attrs_find(*priv, *npriv, CKA_ID);
	size_t alen = a != NULL ? a->len : 0, blen = b != NULL ? b->len : 0;

	if (alen > 0 && blen == 0)
		return obj_attrs_set(priv, npriv, CKA_ID, a->value, a->len);
	if (blen > 0 && alen == 0)
		return obj_attrs_set(pub, npub, CKA_ID, b->value, b->len);
	return CKR_OK;
}

CK_RV rt_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			 CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
			 CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
			 CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey)
{
	struct sess_info si;
	struct token *t;
	struct lb_attr *pub = NULL, *priv = NULL;
	struct lb_object pub_out, priv_out;
	struct lb_card card;
	CK_ATTRIBUTE *ptmpl = NULL;
	CK_ULONG nptmpl = 0;
	size_t npub = 0, npriv = 0, i;
	CK_KEY_TYPE kt = 0;
	CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
	int user, so, found = 0;
	CK_RV rv = kg_enter(hSession, &si);

	if (rv != CKR_OK)
		return rv;
	t = si.tok;
	memset(&pub_out, 0, sizeof pub_out);
	memset(&priv_out, 0, sizeof priv_out);
	user = t->logged_in && t->user == CKU_USER;
	so = t->logged_in && t->user == CKU_SO;
	for (i = 0; i < sk_keygens_count; i++)
		if (sk_keygens[i].mech == pMechanism->mechanism) {
			kt = sk_keygens[i].key_type;
			found = 1;
		}
	if (!found || !kg_token_declares(t, pMechanism->mechanism)) {
		rv = CKR_MECHANISM_INVALID;
		goto out;
	}
	if (pMechanism->pParameter != NULL || pMechanism->ulParameterLen != 0) {
		rv = CKR_MECHANISM_PARAM_INVALID;
		goto out;
	}
	rv = kg_private_template(kt, pPublicKeyTemplate, ulPublicKeyAttributeCount,
				 pPrivateKeyTemplate, ulPrivateKeyAttributeCount, &ptmpl, &nptmpl);
	if (rv == CKR_OK)
		rv = obj_template_ex(OBJ_GENERATE, CKO_PUBLIC_KEY, kt, pPublicKeyTemplate,
				     ulPublicKeyAttributeCount, so, &pub, &npub);
	if (rv == CKR_OK)
		rv = obj_template_ex(OBJ_GENERATE, CKO_PRIVATE_KEY, kt, ptmpl, nptmpl, so, &priv,
				     &npriv);
	if (rv == CKR_OK)
		rv = obj_attrs_set_ulong(&pub, &npub, CKA_KEY_GEN_MECHANISM, pMechanism->mechanism);
	if (rv == CKR_OK)
		rv = obj_attrs_set_ulong(&priv, &npriv, CKA_KEY_GEN_MECHANISM,
					 pMechanism->mechanism);
	if (rv == CKR_OK)
		rv = kg_share_id(&pub, &npub, &priv, &npriv);
	if (rv != CKR_OK)
		goto out;
	/* the pair is made by the token: both halves are token objects */
	if (!obj_attrs_bool(pub, npub, CKA_TOKEN, 0) || !obj_attrs_bool(priv, npriv, CKA_TOKEN, 0)) {
		rv = CKR_TEMPLATE_INCONSISTENT;
		goto out;
	}
	if (!(si.flags & CKF_RW_SESSION)) {
		rv = CKR_SESSION_READ_ONLY;
		goto out;
	}
	if ((obj_attrs_bool(priv, npriv, CKA_PRIVATE, 1) || obj_attrs_bool(pub, npub, CKA_PRIVATE, 0))
	    && !user) {
		rv = CKR_USER_NOT_LOGGED_IN;
		goto out;
	}
	rv = obj_allowed_storable(t, pub, npub);
	if (rv == CKR_OK)
		rv = obj_allowed_storable(t, priv, npriv);
	if (rv != CKR_OK)
		goto out;
	token_card(t, &card);
	rv = lb_generate_key_pair(t->vm, &card, pMechanism->mechanism, pub, npub, priv, npriv,
				  &pub_out, &priv_out);
	if (rv != CKR_OK)
		goto out;
	rv = obj_add_token_object_inlock(t, &pub_out, &hpub);
	if (rv == CKR_OK)
		rv = obj_add_token_object_inlock(t, &priv_out, &hpriv);
	if (rv != CKR_OK) {
		t->objs_valid = 0;              /* the card has them: read them again */
		goto out;
	}
	*phPublicKey = hpub;
	*phPrivateKey = hpriv;
out:
	lb_object_clear(&pub_out);
	lb_object_clear(&priv_out);
	lb_attrs_free(pub, npub);
	lb_attrs_free(priv, npriv);
	free(ptmpl);
	token_leave(t);
	return rv;
}
