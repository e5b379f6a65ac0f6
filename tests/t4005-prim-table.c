/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t4005 — the primitive table (spec/mechanisms.yaml `prim:`, generated as sk_prims)
 * against its implementations: each entry is sorted and found, has the struct prim_ops
 * of its file, and each operation the spec gives it has the hooks that operation calls
 * (the host's CKF_SIGN / CKF_DECRYPT of private keys held on the host: host_key,
 * host_sign, host_decrypt; CKF_GENERATE_KEY_PAIR: pair_gen); every composition of the
 * spec is either in the mechanism table, made of what the spec says, or left out with a
 * line in the debug log that names it and says why.
 */
#include <unistd.h>

#include "mech.h"
#include "prim/prim.h"
#include "crypto/crypto_test.h"

static char log_path[] = "/tmp/t4005-XXXXXX";

/* Whether the log file has a line with both a and b. */
static int logged(const char *a, const char *b)
{
	char line[1024];
	FILE *fp = fopen(log_path, "r");
	int found = 0;

	if (fp == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, fp) != NULL)
		found = strstr(line, a) != NULL && strstr(line, b) != NULL;
	fclose(fp);
	return found;
}

int main(void)
{
	size_t i, offered = 0;
	int fd = mkstemp(log_path);

	if (fd < 0) {
		printf("Bail out! mkstemp\n");
		return 255;
	}
	close(fd);
	/* the log reads these once, at its first use: before anything logs */
	setenv("SCRIPTOKI_DEBUG", "1", 1);
	setenv("SCRIPTOKI_DEBUG_FILE", log_path, 1);

	ok(sk_prims_count >= 7, "the spec has %zu primitives", sk_prims_count);
	for (i = 0; i < sk_prims_count; i++) {
		const struct sk_prim *p = &sk_prims[i];
		const struct prim_ops *o = p->ops;
		const char *name = sk_name(SK_FAM_CKM, p->mech);
		const struct mech *m = mech_find(p->mech);

		if (i > 0)
			ok(sk_prims[i - 1].mech < p->mech, "%s: the table is sorted", name);
		ok(sk_prim_of(p->mech) == p, "%s: found by sk_prim_of", name);
		ok(o != NULL && o->key != NULL, "%s: runtime/prim/%s.c checks its keys", name,
		   p->impl);
		if (o == NULL)
			continue;
		ok(m != NULL && m->ops == o && m->key_type == p->key_type &&
		   m->host_flags == p->host_flags && m->token_flags == p->token_flags &&
		   m->raw == p->raw && m->min_bits == p->min_bits && m->max_bits == p->max_bits,
		   "%s: in the mechanism table as the spec gives it", name);
		if ((p->host_flags & CKF_VERIFY) && !o->secret)
			ok(o->verify != NULL && o->max_input != NULL, "%s: verifies", name);
		if (p->token_flags & CKF_SIGN)
			ok(o->sign_encode != NULL && o->max_input != NULL && p->raw != 0,
			   "%s: encodes for the token's %s", name, sk_name(SK_FAM_CKM, p->raw));
		if (p->token_flags & CKF_SIGN_RECOVER)
			ok((p->token_flags & CKF_SIGN) && o->sign_encode != NULL,
			   "%s: signs with recovery as it signs", name);
		if (p->host_flags & CKF_VERIFY_RECOVER)
			ok(o->verify_recover != NULL, "%s: recovers signed data", name);
		else if (!(p->host_flags & CKF_GENERATE_KEY_PAIR))
			/* (a key-pair generation shares the file of its key type's primitive) */
			ok(o->verify_recover == NULL, "%s: recovers nothing it does not offer", name);
		if (o->secret && (p->host_flags & (CKF_ENCRYPT | CKF_DECRYPT)))
			ok(o->update != NULL && o->update_len != NULL && o->final != NULL &&
			   o->final_len != NULL && o->param != NULL && o->release != NULL,
			   "%s: a secret-key cipher, in parts", name);
		else if (p->host_flags & CKF_ENCRYPT)
			ok(o->encrypt != NULL && o->max_plain != NULL, "%s: encrypts", name);
		if (o->secret && (p->host_flags & (CKF_SIGN | CKF_VERIFY)))
			ok(o->update != NULL && o->final != NULL && o->param != NULL &&
			   o->release != NULL, "%s: a MAC, in parts", name);
		if (p->host_flags & (CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT))
			ok(o->secret && o->msg_param != NULL && o->update != NULL &&
			   o->final != NULL && o->param != NULL,
			   "%s: a message-based AEAD cipher (its msg_param adapter)", name);
		if (p->host_flags & CKF_GENERATE)
			ok(o->secret && o->gen_len != NULL, "%s: generates secret keys", name);
		/* private keys held on the host: the token's raw form computed there */
		if ((p->host_flags & CKF_SIGN) && !o->secret)
			ok(o->sign_encode != NULL && o->max_input != NULL && o->host_key != NULL &&
			   o->host_sign != NULL, "%s: signs with host-held keys", name);
		if ((p->host_flags & CKF_DECRYPT) && !o->secret)
			ok(o->decrypt_check != NULL && o->decrypt_decode != NULL &&
			   o->max_plain != NULL && o->host_key != NULL && o->host_decrypt != NULL,
			   "%s: decrypts with host-held keys", name);
		if (p->host_flags & CKF_GENERATE_KEY_PAIR)
			ok(!o->secret && o->pair_gen != NULL, "%s: generates key pairs", name);
		/* and a hook of host-held keys is there only for what the spec offers */
		if (o->host_sign != NULL && (p->host_flags & (CKF_SIGN | CKF_GENERATE_KEY_PAIR)) == 0)
			ok(0, "%s: host_sign without host CKF_SIGN", name);
		if (o->host_decrypt != NULL && !(p->host_flags & CKF_DECRYPT) &&
		    (p->host_flags & (CKF_SIGN | CKF_GENERATE_KEY_PAIR)) == 0)
			ok(0, "%s: host_decrypt without host CKF_DECRYPT", name);
		if (p->token_flags & CKF_DECRYPT)
			ok(o->decrypt_check != NULL && o->decrypt_decode != NULL &&
			   o->max_plain != NULL && p->raw != 0,
			   "%s: checks and decodes the token's decryption", name);
		if (p->host_flags & CKF_WRAP)
			ok(o->wrap != NULL && o->wrap_len != NULL, "%s: wraps keys", name);
		if (p->host_flags & CKF_UNWRAP)
			ok(o->unwrap != NULL, "%s: unwraps keys", name);
		if (p->host_flags & CKF_DERIVE)
			ok(o->derive != NULL && o->param != NULL, "%s: derives keys", name);
		if (p->param != SK_PRIM_PARAM_NONE || p->compose_param != SK_PRIM_PARAM_NONE)
			ok(o->param != NULL, "%s: checks its parameter", name);
		if (p->param == SK_PRIM_PARAM_STRUCT)
			ok(p->param_size > 0, "%s: its parameter has a size", name);
	}
	ok(sk_prim_of(CKM_DES_ECB) == NULL, "a mechanism without prim: is no primitive");

	/* compositions: offered, or left out and logged */
	for (i = 0; i < sk_mech_comps_count; i++) {
		const struct sk_mech_comp *c = &sk_mech_comps[i];
		const struct mech *m = mech_find(c->type);
		const char *name = sk_name(SK_FAM_CKM, c->type);
		char head[128];

		snprintf(head, sizeof head, "mech: %s (", name);
		if (m != NULL) {
			offered++;
			ok(m->hash == c->hash && m->primitive == c->primitive &&
			   m->ops == sk_prim_of(c->primitive)->ops &&
			   !((m->host_flags | m->token_flags) & (CKF_ENCRYPT | CKF_DECRYPT)),
			   "%s: composed as the spec says, signing and verifying only", name);
		} else {
			ok(logged(head, "is not offered: "), "%s: left out, and the log says why",
			   name);
		}
	}
	ok(offered >= 25, "%zu of the spec's %zu compositions are offered", offered,
	   sk_mech_comps_count);
	/* the spec composes DSA, which the runtime does not compute: the log's reason */
	ok(logged("mech: CKM_DSA_SHA256 (CKM_SHA256 + CKM_DSA) is not offered: ",
		  "no prim: in the spec"), "a left-out composition's reason is logged");
	unlink(log_path);
	return done_testing();
}
