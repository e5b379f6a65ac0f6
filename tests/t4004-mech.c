/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t4004 — the mechanism table: compositions, parameter checks, and the mechanism list
 * joined from the host's mechanisms and what a token's script declares.
 */
#include "mech.h"
#include "crypto/crypto_test.h"

/* the message-based signing and verification of 3.0: signing where C_Sign signs */
#define MSG_SV (CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY | CKF_MULTI_MESSAGE)

static int in_list(const CK_MECHANISM_TYPE *l, CK_ULONG n, CK_MECHANISM_TYPE t)
{
	CK_ULONG i, seen = 0;

	for (i = 0; i < n; i++)
		seen += l[i] == t;
	return (int)seen;
}

int main(void)
{
	CK_RSA_PKCS_PSS_PARAMS pss = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_RSA_PKCS_OAEP_PARAMS oaep = { CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED,
					 (CK_VOID_PTR)"label", 5 };
	static const uint8_t gost12_256_oid[] = { 0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01,
						  0x02, 0x02 };
	CK_MECHANISM pm = { CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof pss };
	struct lb_mechanism decl[] = {
		{ CKM_RSA_PKCS_KEY_PAIR_GEN, { 1024, 4096, CKF_HW | CKF_GENERATE_KEY_PAIR }, 0 },
		{ CKM_RSA_PKCS, { 1024, 4096, CKF_HW | CKF_SIGN | CKF_DECRYPT }, 0 },
		{ CKM_RSA_X_509, { 1024, 4096, CKF_HW | CKF_SIGN | CKF_DECRYPT }, 0 },
		{ CKM_GOSTR3410, { 256, 256, CKF_HW | CKF_SIGN }, 0 },
		{ CKM_ECDSA, { 256, 256, CKF_HW | CKF_SIGN | CKF_EC_F_P | CKF_EC_OID }, 0 },
		{ CKM_ECDSA, { 256, 256, CKF_HW | CKF_SIGN }, 0 },      /* declared twice */
	};
	CK_MECHANISM_TYPE list[256];
	CK_MECHANISM_INFO info;
	struct mech_params prm;
	const struct mech *m;
	CK_ULONG n, n2;

	m = mech_find(CKM_SHA256_RSA_PKCS);
	ok(m != NULL && m->hash == CKM_SHA256 && m->primitive == CKM_RSA_PKCS &&
	   m->raw == CKM_RSA_X_509 && m->key_type == CKK_RSA,
	   "CKM_SHA256_RSA_PKCS is SHA-256 + RSA PKCS#1, raw RSA on the token");
	m = mech_find(CKM_GOSTR3410_WITH_GOSTR3411_12_512);
	ok(m != NULL && m->hash == CKM_GOSTR3411_12_512 && m->primitive == CKM_GOSTR3410_512 &&
	   m->key_type == CKK_GOSTR3410_512, "the 2012-512 mechanism is Streebog-512 + 34.10-512");
	m = mech_find(CKM_ECDSA_SHA384);
	ok(m != NULL && m->hash == CKM_SHA384 && m->raw == CKM_ECDSA, "ECDSA-SHA384");
	ok(mech_find(CKM_DES_ECB) == NULL, "DES is not the runtime's");

	/* every composition of the spec whose primitive the runtime computes is offered,
	 * made of what the spec says (t4005: the others are logged) */
	{
		size_t i, found = 0, want = 0;

		for (i = 0; i < sk_mech_comps_count; i++) {
			m = mech_find(sk_mech_comps[i].type);
			want += sk_prim_of(sk_mech_comps[i].primitive) != NULL;
			found += m != NULL && m->hash == sk_mech_comps[i].hash &&
				 m->primitive == sk_mech_comps[i].primitive;
		}
		is_ulong(found, want,
			 "each of the spec's %zu compositions of a primitive the runtime computes "
			 "is in the table, as composed there", want);
		ok(mech_find(CKM_DSA_SHA256) == NULL, "DSA compositions are not (no DSA here)");
		ok(sk_mech_comps_count >= 25, "the spec composes the RSA, PSS, ECDSA and GOST "
		   "hash-then-sign mechanisms");
	}

	/* PSS parameters */
	m = mech_find(CKM_SHA256_RSA_PKCS_PSS);
	is_rv(mech_check_param(m, &pm, &prm), CKR_OK, "PSS: good parameters");
	ok(prm.hash == CKM_SHA256 && prm.mgf_hash == CKM_SHA256 && prm.slen == 32,
	   "PSS: parsed");
	pss.hashAlg = CKM_SHA384;
	is_rv(mech_check_param(m, &pm, &prm), CKR_MECHANISM_PARAM_INVALID,
	      "PSS: hashAlg must be the mechanism's hash");
	is_rv(mech_check_param(mech_find(CKM_RSA_PKCS_PSS), &pm, &prm), CKR_OK,
	      "PSS: but CKM_RSA_PKCS_PSS takes any hash");
	pss.hashAlg = CKM_SHA256;
	pss.mgf = 0x77;
	is_rv(mech_check_param(m, &pm, &prm), CKR_MECHANISM_PARAM_INVALID, "PSS: unknown MGF");
	pss.mgf = CKG_MGF1_SHA1;
	pm.ulParameterLen = sizeof pss - 1;
	is_rv(mech_check_param(m, &pm, &prm), CKR_MECHANISM_PARAM_INVALID,
	      "PSS: a parameter of the wrong size");
	pm.pParameter = NULL;
	pm.ulParameterLen = 0;
	is_rv(mech_check_param(m, &pm, &prm), CKR_MECHANISM_PARAM_INVALID,
	      "PSS: a missing parameter");

	/* OAEP parameters */
	m = mech_find(CKM_RSA_PKCS_OAEP);
	pm.mechanism = CKM_RSA_PKCS_OAEP;
	pm.pParameter = &oaep;
	pm.ulParameterLen = sizeof oaep;
	is_rv(mech_check_param(m, &pm, &prm), CKR_OK, "OAEP: good parameters with a label");
	ok(prm.label_len == 5 && memcmp(prm.label, "label", 5) == 0, "OAEP: the label");
	oaep.source = 0;
	is_rv(mech_check_param(m, &pm, &prm), CKR_MECHANISM_PARAM_INVALID,
	      "OAEP: source data without CKZ_DATA_SPECIFIED");
	oaep.pSourceData = NULL;
	oaep.ulSourceDataLen = 0;
	is_rv(mech_check_param(m, &pm, &prm), CKR_OK, "OAEP: no source at all");
	oaep.source = 7;
	is_rv(mech_check_param(m, &pm, &prm), CKR_MECHANISM_PARAM_INVALID,
	      "OAEP: an unknown source");
	oaep.source = CKZ_DATA_SPECIFIED;
	oaep.ulSourceDataLen = 4;
	is_rv(mech_check_param(m, &pm, &prm), CKR_MECHANISM_PARAM_INVALID,
	      "OAEP: a length without data");
	oaep.ulSourceDataLen = 0;
	oaep.hashAlg = CKM_GOSTR3411_12_256;
	is_rv(mech_check_param(m, &pm, &prm), CKR_MECHANISM_PARAM_INVALID,
	      "OAEP: a hash without an MGF1 form");

	/* GOST: an optional hash OID */
	m = mech_find(CKM_GOSTR3410_WITH_GOSTR3411_12_256);
	pm.mechanism = m->type;
	pm.pParameter = NULL;
	pm.ulParameterLen = 0;
	is_rv(mech_check_param(m, &pm, &prm), CKR_OK, "GOST: no parameter");
	pm.pParameter = (CK_VOID_PTR)gost12_256_oid;
	pm.ulParameterLen = sizeof gost12_256_oid;
	is_rv(mech_check_param(m, &pm, &prm), CKR_OK, "GOST: the Streebog-256 OID");
	is_rv(mech_check_param(mech_find(CKM_GOSTR3410_WITH_GOSTR3411_12_512), &pm, &prm),
	      CKR_MECHANISM_PARAM_INVALID, "GOST: the 256 OID with the 512 mechanism");
	is_rv(mech_check_param(mech_find(CKM_SHA256), &pm, &prm), CKR_MECHANISM_PARAM_INVALID,
	      "a parameter where none is taken");

	/* the joined list */
	n = sizeof list / sizeof list[0];
	is_rv(mech_list(decl, sizeof decl / sizeof decl[0], list, &n), CKR_OK, "the joined list");
	ok(list[0] == CKM_RSA_PKCS_KEY_PAIR_GEN && list[1] == CKM_RSA_PKCS,
	   "the token's mechanisms come first, in its order");
	ok(in_list(list, n, CKM_SHA256_RSA_PKCS) == 1 && in_list(list, n, CKM_ECDSA) == 1 &&
	   in_list(list, n, CKM_GOSTR3410_WITH_GOSTR3411_12_256) == 1 &&
	   in_list(list, n, CKM_SHA256) == 1 && in_list(list, n, CKM_RSA_PKCS_OAEP) == 1,
	   "host mechanisms join, each once");
	ok(in_list(list, n, CKM_GOSTR3410_512) == 1,
	   "a verify-only host mechanism is listed even when the token cannot sign with it");
	n2 = 3;
	is_rv(mech_list(decl, sizeof decl / sizeof decl[0], list, &n2), CKR_BUFFER_TOO_SMALL,
	      "a short list is CKR_BUFFER_TOO_SMALL");
	is_ulong(n2, n, "and gives the count");
	n2 = 0;
	is_rv(mech_list(decl, sizeof decl / sizeof decl[0], NULL, &n2), CKR_OK,
	      "a count query");
	is_ulong(n2, n, "counts the same");

	is_rv(mech_info(decl, 6, CKM_SHA256_RSA_PKCS, &info), CKR_OK, "info of a composition");
	ok(info.flags == (CKF_SIGN | CKF_VERIFY | MSG_SV) && info.ulMinKeySize == 1024 &&
	   info.ulMaxKeySize == 4096, "signs with the token's RSA sizes, verifies on the host "
	   "(the message-based forms too)");
	is_rv(mech_info(decl, 6, CKM_RSA_PKCS, &info), CKR_OK, "info of RSA PKCS");
	ok(info.flags == (CKF_HW | CKF_SIGN | CKF_SIGN_RECOVER | CKF_VERIFY | CKF_VERIFY_RECOVER |
			  CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP | MSG_SV),
	   "RSA PKCS: the token's HW flag, its sign (also with recovery) and decrypt (and so "
	   "unwrap), the host's verify (also with recovery), encrypt and wrap, the "
	   "message-based forms");
	is_rv(mech_info(decl, 6, CKM_RSA_PKCS_OAEP, &info), CKR_OK, "info of OAEP");
	ok(info.flags == (CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP),
	   "OAEP: encrypt and wrap on the host, decrypt and unwrap raw");
	is_rv(mech_info(decl, 6, CKM_ECDSA_SHA256, &info), CKR_OK, "info of ECDSA-SHA256");
	ok(info.flags == (CKF_SIGN | CKF_VERIFY | MSG_SV | CKF_EC_F_P | CKF_EC_OID),
	   "ECDSA-SHA256 takes the curve flags of the token's ECDSA");
	is_rv(mech_info(decl, 6, CKM_GOSTR3410_512, &info), CKR_OK, "info of GOST-512");
	ok(info.flags == (CKF_SIGN | CKF_VERIFY | CKF_MESSAGE_VERIFY | CKF_MULTI_MESSAGE),
	   "GOST-512 without the token's primitive: verify (and message-based), and sign with "
	   "host-held keys");
	is_rv(mech_info(decl, 6, CKM_SHA3_256, &info), CKR_OK, "info of a digest");
	ok(info.flags == CKF_DIGEST, "a digest");
	is_rv(mech_info(decl, 6, CKM_RSA_PKCS_KEY_PAIR_GEN, &info), CKR_OK, "the token's own");
	ok(info.flags == (CKF_HW | CKF_GENERATE_KEY_PAIR), "passes through unchanged");
	is_rv(mech_info(decl, 6, CKM_AES_XTS, &info), CKR_MECHANISM_INVALID, "and no other");

	n = sizeof list / sizeof list[0];
	is_rv(mech_list(NULL, 0, list, &n), CKR_OK, "a token that declares nothing");
	ok(n > 20 && in_list(list, n, CKM_SHA256_RSA_PKCS) == 1,
	   "still gets the host's digests and verification");
	return done_testing();
}
