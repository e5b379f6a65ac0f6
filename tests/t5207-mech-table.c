/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5207 — the module's C_GetMechanismList and C_GetMechanismInfo against the spec's
 * tables (spec/mechanisms.yaml: `prim:` as sk_prims, `hash:` + `primitive:` as
 * sk_mech_comps, `digest:` as sk_digests), on a virtual token, driven by the generated
 * tables themselves: every primitive is listed with the host's operations and at most
 * those the spec gives it, and the token's when the token computes its raw form; every
 * composition and digest is listed the same way, or else the debug log
 * (SCRIPTOKI_DEBUG=1) names it and says why it is not. A mechanism added to the spec is
 * checked here with no change to this file.
 */
/* the table without the runtime's primitive files: their operations are not needed */
#define SK_PRIM_OPS_EXTERN extern __attribute__((weak))
#include "api/api.h"
#include "sk_prims.c"

#define OP_FLAGS (CKF_ENCRYPT | CKF_DECRYPT | CKF_DIGEST | CKF_SIGN | CKF_SIGN_RECOVER | \
		  CKF_VERIFY | CKF_VERIFY_RECOVER | CKF_GENERATE | CKF_GENERATE_KEY_PAIR | \
		  CKF_WRAP | CKF_UNWRAP | CKF_DERIVE | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | \
		  CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY | CKF_MULTI_MESSAGE)

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static CK_MECHANISM_TYPE list[1024];
static CK_ULONG nlist;
static char log_path[] = "/tmp/t5207-XXXXXX";

static int listed(CK_MECHANISM_TYPE m)
{
	CK_ULONG i, seen = 0;

	for (i = 0; i < nlist; i++)
		seen += list[i] == m;
	return (int)seen;
}

/* Whether the log has a line with both a and b. */
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

/* The token's operations on raw, as the module lists them for raw itself. */
static CK_FLAGS raw_flags(CK_MECHANISM_TYPE raw)
{
	CK_MECHANISM_INFO info;

	if (raw == 0 || f->C_GetMechanismInfo(slot, raw, &info) != CKR_OK)
		return 0;
	return info.flags;
}

/* One mechanism made of primitive p, with the host's and token's operations of its form:
 * listed once, with the host's operations, the token's ones when the token computes the
 * raw form, and no other operation. */
static void check_offered(CK_MECHANISM_TYPE type, const struct sk_prim *p, CK_FLAGS host,
			  CK_FLAGS token)
{
	const char *name = sk_name(SK_FAM_CKM, type);
	CK_MECHANISM_INFO info;
	CK_FLAGS rf = raw_flags(p->raw);
	/* message-based signing is the token's CKF_SIGN too (spec/mechanisms.yaml) */
	CK_FLAGS want = host | (rf & token) |
			((rf & token & CKF_SIGN) ? token & (CKF_MESSAGE_SIGN | CKF_MULTI_MESSAGE) : 0);

	/* unwrapping with a token key is the token's decryption (op_keymgmt.c) */
	if ((rf & CKF_DECRYPT) && (token & CKF_UNWRAP))
		want |= CKF_UNWRAP;

	is_ulong((unsigned long)listed(type), 1, "%s: listed once", name);
	is_rv(f->C_GetMechanismInfo(slot, type, &info), CKR_OK, "%s: C_GetMechanismInfo", name);
	is_ulong(info.flags & OP_FLAGS, want, "%s: the host's operations (0x%lx) and the "
		 "token's it computes (0x%lx)", name, host, want & ~host);
	if (!(want & token))
		ok(info.ulMinKeySize == p->min_bits && info.ulMaxKeySize == p->max_bits,
		   "%s: the spec's key sizes, %lu..%lu", name, p->min_bits, p->max_bits);
}

int main(int argc, char **argv)
{
	CK_MECHANISM_INFO info;
	size_t i, offered = 0, left = 0;
	int fd;

	api_rig(argv, 1);
	fd = mkstemp(log_path);
	if (fd < 0) {
		printf("Bail out! mkstemp\n");
		return 255;
	}
	close(fd);
	/* the module reads these once, at its first log line */
	setenv("SCRIPTOKI_DEBUG", "1", 1);
	setenv("SCRIPTOKI_DEBUG_FILE", log_path, 1);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	nlist = sizeof list / sizeof list[0];
	is_rv(f->C_GetMechanismList(slot, list, &nlist), CKR_OK, "C_GetMechanismList");
	ok(sk_prims_count >= 7, "the spec has %zu primitives", sk_prims_count);

	for (i = 0; i < sk_prims_count; i++)
		check_offered(sk_prims[i].mech, &sk_prims[i], sk_prims[i].host_flags,
			      sk_prims[i].token_flags);
	ok(raw_flags(CKM_RSA_X_509) & CKF_SIGN, "the virtual token computes raw RSA: the RSA "
	   "primitives sign");
	is_rv(f->C_GetMechanismInfo(slot, CKM_RSA_PKCS, &info), CKR_OK, "CKM_RSA_PKCS's info");
	ok((info.flags & (CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER)) ==
	   (CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER), "CKM_RSA_PKCS signs and verifies with recovery");
	is_rv(f->C_GetMechanismInfo(slot, CKM_SHA256_RSA_PKCS, &info), CKR_OK,
	      "CKM_SHA256_RSA_PKCS's info");
	ok(!(info.flags & (CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER)),
	   "CKM_SHA256_RSA_PKCS (a hash first) has no recovery");

	for (i = 0; i < sk_mech_comps_count; i++) {
		const struct sk_mech_comp *c = &sk_mech_comps[i];
		const struct sk_prim *p = sk_prim_of(c->primitive);
		const char *name = sk_name(SK_FAM_CKM, c->type);
		char head[128];

		snprintf(head, sizeof head, "mech: %s (", name);
		if (listed(c->type) && p != NULL) {
			offered++;
			/* a composition hashes, then signs or verifies: no encryption, no
			 * wrapping and no recovery */
			check_offered(c->type, p,
				      p->host_flags & ~(CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP |
							CKF_UNWRAP | CKF_VERIFY_RECOVER),
				      p->token_flags & ~(CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP |
							 CKF_UNWRAP | CKF_SIGN_RECOVER));
		} else {
			left++;
			ok(!listed(c->type) && (logged(head, "is not offered: ") ||
						logged(head, "is not offered by the host: ")),
			   "%s: not listed, and the log says why", name);
		}
	}
	ok(offered >= 25 && left >= 1, "%zu compositions offered, %zu left out (DSA)", offered,
	   left);

	for (i = 0; i < sk_digests_count; i++) {
		const struct sk_digest *d = &sk_digests[i];
		const char *name = sk_name(SK_FAM_CKM, d->mech);

		if (listed(d->mech))
			ok(f->C_GetMechanismInfo(slot, d->mech, &info) == CKR_OK &&
			   (info.flags & CKF_DIGEST), "%s: listed, with CKF_DIGEST", name);
		else
			ok(logged(d->openssl, "is not in OpenSSL's"),
			   "%s: not listed, and the log says why", name);
	}
	is_rv(f->C_GetMechanismInfo(slot, CKM_DSA_SHA256, &info), CKR_MECHANISM_INVALID,
	      "a left-out composition has no information either");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	unlink(log_path);
	return done_testing();
}
