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
 *
 * Session key pairs (CKA_TOKEN false in both templates) are made on the host by the
 * mechanism's primitive file (spec/mechanisms.yaml `host: [CKF_GENERATE_KEY_PAIR]`,
 * prim_ops.pair_gen: RSA, EC, GOST R 34.10-2012, EdDSA) and stored as session objects
 * (obj_create_filled), with the values the standard gives them: CKA_LOCAL true,
 * CKA_KEY_GEN_MECHANISM, CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE from the template
 * (obj_template_ex), the public values in both halves where the key type's tables have
 * them, the private ones only in the private half (CKA_SENSITIVE keeps them unread). The
 * templates are checked and the session's rights (a logged-in user for private objects)
 * before the work, and the token's lock is not held while the host generates. A read-only
 * session may make session keys (PKCS #11 3.2, 5.7: only token objects need R/W).
 *
 * A pair with one half on the token and the other in the session is refused with
 * CKR_TEMPLATE_INCONSISTENT: a token private key needs its public half on the card for
 * the card's own format (and OpenSC's view of it), and a session private key's public half
 * on the token would outlive its private key. PKCS #11 leaves this to the token; SoftHSM
 * refuses it the same way.
 */
#include <stdlib.h>
#include <string.h>

#include "mech.h"
#include "obj_int.h"
#include "prim/prim.h"
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

/* A CK_BBOOL of a raw template (the template engine checks its form later), or dflt. */
static int kg_tmpl_bool(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type, int dflt)
{
	CK_ULONG i;

	for (i = 0; i < n; i++)
		if (t[i].type == type && t[i].pValue != NULL && t[i].ulValueLen == sizeof(CK_BBOOL))
			return *(const CK_BBOOL *)t[i].pValue != CK_FALSE;
	return dflt;
}

/* The prim_attrs view of an attribute list (pair_gen reads the public template). */
struct kg_list {
	const struct lb_attr *a;
	size_t n;
};

static const struct lb_attr *kg_list_get(const void *view, CK_ATTRIBUTE_TYPE type)
{
	const struct kg_list *l = view;

	return obj_attrs_find(l->a, l->n, type);
}

/* What fills one half: the generated values, the mechanism, the shared CKA_ID. */
struct kg_fill {
	const struct lb_attr *vals;
	size_t nvals;
	CK_MECHANISM_TYPE mech;
	const struct lb_attr *id;       /* the other half's CKA_ID, or NULL */
};

static CK_RV kg_fill_half(void *arg, const struct sk_obj_kind *k, struct lb_attr **a, size_t *n)
{
	const struct kg_fill *f = arg;
	const struct lb_attr *id = obj_attrs_find(*a, *n, CKA_ID);
	size_t i;
	CK_RV rv = CKR_OK;

	(void)k;
	for (i = 0; i < f->nvals && rv == CKR_OK; i++)
		rv = obj_attrs_set(a, n, f->vals[i].type, f->vals[i].value, f->vals[i].len);
	if (rv == CKR_OK)
		rv = obj_attrs_set_ulong(a, n, CKA_KEY_GEN_MECHANISM, f->mech);
	if (rv == CKR_OK && f->id != NULL && f->id->len > 0 && (id == NULL || id->len == 0))
		rv = obj_attrs_set(a, n, CKA_ID, f->id->value, f->id->len);
	return rv;
}

/* C_GenerateKeyPair of two session objects, on the host. */
static CK_RV kg_session(CK_SESSION_HANDLE hSession, const struct mech *m,
			CK_ATTRIBUTE_PTR pub_t, CK_ULONG npub_t, CK_ATTRIBUTE_PTR priv_t,
			CK_ULONG npriv_t, CK_OBJECT_HANDLE_PTR phPublicKey,
			CK_OBJECT_HANDLE_PTR phPrivateKey)
{
	struct sess_info si;
	struct lb_attr *pub = NULL, *priv = NULL;
	size_t npub = 0, npriv = 0;
	CK_ATTRIBUTE *ptmpl = NULL;
	CK_ULONG nptmpl = 0;
	struct prim_pair pair;
	struct prim_attrs view;
	struct kg_list list;
	struct kg_fill fpub, fpriv;
	CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
	int user, so;
	CK_RV rv = kg_enter(hSession, &si);

	if (rv != CKR_OK)
		return rv;
	memset(&pair, 0, sizeof pair);
	user = si.tok->logged_in && si.tok->user == CKU_USER;
	so = si.tok->logged_in && si.tok->user == CKU_SO;
	/* the checks of both templates and of the session's rights, before any work */
	rv = kg_private_template(m->key_type, pub_t, npub_t, priv_t, npriv_t, &ptmpl, &nptmpl);
	if (rv == CKR_OK)
		rv = obj_template_ex(OBJ_GENERATE, CKO_PUBLIC_KEY, m->key_type, pub_t, npub_t, so,
				     &pub, &npub);
	if (rv == CKR_OK)
		rv = obj_template_ex(OBJ_GENERATE, CKO_PRIVATE_KEY, m->key_type, ptmpl, nptmpl, so,
				     &priv, &npriv);
	token_leave(si.tok);
	if (rv == CKR_OK && (obj_attrs_bool(priv, npriv, CKA_PRIVATE, 1) ||
			     obj_attrs_bool(pub, npub, CKA_PRIVATE, 0)) && !user)
		rv = CKR_USER_NOT_LOGGED_IN;
	if (rv != CKR_OK)
		goto out;
	list.a = pub;
	list.n = npub;
	view.view = &list;
	view.get = kg_list_get;
	rv = m->ops->pair_gen(m, &view, &pair);
	if (rv != CKR_OK)
		goto out;
	fpub.vals = pair.pub;
	fpub.nvals = pair.npub;
	fpub.mech = m->type;
	fpub.id = obj_attrs_find(priv, npriv, CKA_ID);
	fpriv.vals = pair.priv;
	fpriv.nvals = pair.npriv;
	fpriv.mech = m->type;
	fpriv.id = obj_attrs_find(pub, npub, CKA_ID);
	rv = obj_create_filled(hSession, OBJ_GENERATE, CKO_PUBLIC_KEY, m->key_type, pub_t, npub_t,
			       kg_fill_half, &fpub, &hpub);
	if (rv == CKR_OK)
		rv = obj_create_filled(hSession, OBJ_GENERATE, CKO_PRIVATE_KEY, m->key_type, ptmpl,
				       nptmpl, kg_fill_half, &fpriv, &hpriv);
	if (rv != CKR_OK && hpub != CK_INVALID_HANDLE)
		obj_destroy_session_object(hSession, hpub);     /* all or nothing */
	if (rv == CKR_OK) {
		*phPublicKey = hpub;
		*phPrivateKey = hpriv;
	}
out:
	prim_pair_free(&pair);
	lb_attrs_free(pub, npub);
	lb_attrs_free(priv, npriv);
	free(ptmpl);
	return rv;
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
	int user, so, found = 0, pub_token, priv_token;
	const struct mech *m;
	CK_RV rv;

	pub_token = kg_tmpl_bool(pPublicKeyTemplate, ulPublicKeyAttributeCount, CKA_TOKEN, 0);
	priv_token = kg_tmpl_bool(pPrivateKeyTemplate, ulPrivateKeyAttributeCount, CKA_TOKEN, 0);
	if (!pub_token && !priv_token) {
		/* a session pair: the host makes it */
		m = mech_find(pMechanism->mechanism);
		for (i = 0; i < sk_keygens_count && !found; i++)
			found = sk_keygens[i].mech == pMechanism->mechanism;
		if (!found || m == NULL || !(m->host_flags & CKF_GENERATE_KEY_PAIR) ||
		    m->ops == NULL || m->ops->pair_gen == NULL)
			return CKR_MECHANISM_INVALID;
		if (pMechanism->pParameter != NULL || pMechanism->ulParameterLen != 0)
			return CKR_MECHANISM_PARAM_INVALID;
		return kg_session(hSession, m, pPublicKeyTemplate, ulPublicKeyAttributeCount,
				  pPrivateKeyTemplate, ulPrivateKeyAttributeCount, phPublicKey,
				  phPrivateKey);
	}
	rv = kg_enter(hSession, &si);
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
	/* the pair is made by the token: both halves are token objects (one half in the
	 * session: see the top of this file) */
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
