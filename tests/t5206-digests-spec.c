/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5206 — every digest of spec/mechanisms.yaml (`digest:`, generated as sk_digests) through
 * the PKCS#11 API, driven by the generated table itself: each is in C_GetMechanismList
 * with CKF_DIGEST, C_Digest and the multi-part form agree with OpenSSL's command line in
 * another process (`openssl dgst -NAME`, the gost provider for the GOST ones), and
 * each that PKCS #1 names (it has a DigestInfo) makes an RSA-PSS signature on the token as
 * CK_RSA_PKCS_PSS_PARAMS.hashAlg that `openssl pkeyutl -verify` accepts. Known answers of
 * FIPS 180-4's examples for "abc" (SHA-1, SHA-256, SHA-512/224, SHA-512/256) where the
 * table has them. A digest added to the spec is tested here with no change to this file.
 */
#include "api/api.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

static CK_FUNCTION_LIST_PTR f;
static char dir[] = "/tmp/t5206-XXXXXX";

/* FIPS 180-4 examples (csrc.nist.gov "Examples with Intermediate Values"), message "abc" */
static const struct {
	CK_MECHANISM_TYPE mech;
	const char *hex;
} kat[] = {
	{ CKM_SHA_1, "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ CKM_SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ CKM_SHA512_224, "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa" },
	{ CKM_SHA512_256, "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23" },
};

static void hex(const CK_BYTE *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

/* `openssl dgst` of file in hex (lower case) into out; 0 on success. */
static int openssl_dgst(const struct sk_digest *d, const char *file, char *out, size_t cap)
{
	char cmd[512], line[512], *p;
	FILE *pp;
	int rc = -1;

	snprintf(cmd, sizeof cmd, "openssl dgst -provider default -provider gostprov "
		 "'-%s' -r '%s' 2>/dev/null", d->openssl, file);
	pp = popen(cmd, "r");
	if (pp == NULL)
		return -1;
	if (fgets(line, sizeof line, pp) != NULL && (p = strchr(line, ' ')) != NULL &&
	    (size_t)(p - line) < cap) {
		memcpy(out, line, (size_t)(p - line));
		out[p - line] = '\0';
		rc = 0;
	}
	pclose(pp);
	return rc;
}

static int listed(CK_SLOT_ID slot, CK_MECHANISM_TYPE m, CK_FLAGS *flags)
{
	CK_MECHANISM_TYPE list[512];
	CK_MECHANISM_INFO info;
	CK_ULONG n = 512, i;

	if (f->C_GetMechanismList(slot, list, &n) != CKR_OK)
		return 0;
	for (i = 0; i < n; i++)
		if (list[i] == m)
			break;
	if (i == n || f->C_GetMechanismInfo(slot, m, &info) != CKR_OK)
		return 0;
	*flags = info.flags;
	return 1;
}

/* The token key's public half as a PEM file. */
static int write_pub(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, const char *path)
{
	CK_BYTE n[512], e[16];
	CK_ATTRIBUTE a[] = { { CKA_MODULUS, n, sizeof n }, { CKA_PUBLIC_EXPONENT, e, sizeof e } };
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *k = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	FILE *fp;
	int rc = -1;

	if (f->C_GetAttributeValue(s, pub, a, 2) != CKR_OK || b == NULL || c == NULL)
		goto out;
	bn = BN_bin2bn(n, (int)a[0].ulValueLen, NULL);
	be = BN_bin2bn(e, (int)a[1].ulValueLen, NULL);
	if (!OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be) ||
	    (params = OSSL_PARAM_BLD_to_param(b)) == NULL || EVP_PKEY_fromdata_init(c) != 1 ||
	    EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	fp = fopen(path, "w");
	if (fp != NULL) {
		rc = PEM_write_PUBKEY(fp, k) == 1 ? 0 : -1;
		fclose(fp);
	}
out:
	BN_free(bn);
	BN_free(be);
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	return rc;
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "w");
	int rc;

	if (fp == NULL)
		return -1;
	rc = fwrite(p, 1, n, fp) == n ? 0 : -1;
	fclose(fp);
	return rc;
}

int main(int argc, char **argv)
{
	static CK_BBOOL yes = CK_TRUE;
	static CK_ULONG bits = 2048;
	static CK_BYTE e65537[] = { 1, 0, 1 };
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { { CKA_TOKEN, &yes, 1 }, { CKA_MODULUS_BITS, &bits, sizeof bits },
			      { CKA_PUBLIC_EXPONENT, e65537, 3 }, { CKA_ID, "\x06", 1 } };
	CK_ATTRIBUTE vt[] = { { CKA_TOKEN, &yes, 1 }, { CKA_PRIVATE, &yes, 1 },
			      { CKA_SIGN, &yes, 1 } };
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	char msg_path[64], pub_path[64], sig_path[64], dg_path[64];
	static const char msg[] = "abc";
	size_t i, k;

	api_rig(argv, 1);
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 255;
	}
	snprintf(msg_path, sizeof msg_path, "%s/msg", dir);
	snprintf(pub_path, sizeof pub_path, "%s/pub.pem", dir);
	snprintf(sig_path, sizeof sig_path, "%s/sig", dir);
	snprintf(dg_path, sizeof dg_path, "%s/digest", dir);
	write_file(msg_path, msg, 3);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5206"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	      CKR_OK, "a session");
	is_rv(f->C_Login(s, CKU_USER, API_PIN(API_USER_PIN)), CKR_OK, "user login");
	is_rv(f->C_GenerateKeyPair(s, &gen, pt, 4, vt, 3, &pub, &priv), CKR_OK,
	      "an RSA-2048 key pair for the PSS signatures");
	ok(write_pub(s, pub, pub_path) == 0, "its public key as PEM");
	ok(sk_digests_count >= 12, "the spec has %zu digests", sk_digests_count);

	for (i = 0; i < sk_digests_count; i++) {
		const struct sk_digest *d = &sk_digests[i];
		const char *name = sk_name(SK_FAM_CKM, d->mech);
		CK_MECHANISM m = { d->mech, NULL, 0 };
		CK_BYTE out[64], out2[64], sig[256];
		CK_ULONG n = sizeof out, n2 = sizeof out2, slen = sizeof sig;
		CK_FLAGS flags = 0;
		char got[160], ref[160] = "", cmd[1024];

		ok(listed(slot, d->mech, &flags) && (flags & CKF_DIGEST),
		   "%s: in the mechanism list, with CKF_DIGEST", name);
		is_rv(f->C_DigestInit(s, &m), CKR_OK, "%s: C_DigestInit", name);
		is_rv(f->C_Digest(s, (CK_BYTE_PTR)msg, 3, out, &n), CKR_OK, "%s: C_Digest", name);
		is_ulong(n, d->size, "%s: %u bytes", name, d->size);
		f->C_DigestInit(s, &m);
		f->C_DigestUpdate(s, (CK_BYTE_PTR)msg, 1);
		f->C_DigestUpdate(s, (CK_BYTE_PTR)msg + 1, 2);
		f->C_DigestFinal(s, out2, &n2);
		ok(n2 == n && memcmp(out, out2, n) == 0, "%s: multi-part gives the same", name);
		hex(out, n, got);
		ok(openssl_dgst(d, msg_path, ref, sizeof ref) == 0 && strcmp(got, ref) == 0,
		   "%s: the same as `openssl dgst -%s`", name, d->openssl);
		for (k = 0; k < sizeof kat / sizeof kat[0]; k++)
			if (kat[k].mech == d->mech)
				is_str(got, kat[k].hex, "%s: the FIPS 180-4 known answer", name);
		if (d->digest_info == NULL)
			continue;
		/* as the hash of RSA-PSS: signed on the token, checked by OpenSSL */
		{
			CK_RSA_PKCS_PSS_PARAMS pp = { d->mech, CKG_MGF1_SHA256, d->size };
			CK_MECHANISM pss = { CKM_RSA_PKCS_PSS, &pp, sizeof pp };

			is_rv(f->C_SignInit(s, &pss, priv), CKR_OK, "%s: RSA-PSS C_SignInit", name);
			is_rv(f->C_Sign(s, out, n, sig, &slen), CKR_OK, "%s: RSA-PSS C_Sign", name);
			write_file(sig_path, sig, slen);
			write_file(dg_path, out, n);
			snprintf(cmd, sizeof cmd, "openssl pkeyutl -verify -pubin -inkey '%s' -in '%s' "
				 "-sigfile '%s' -pkeyopt rsa_padding_mode:pss -pkeyopt 'digest:%s' "
				 "-pkeyopt rsa_mgf1_md:SHA256 -pkeyopt rsa_pss_saltlen:%u "
				 ">/dev/null 2>&1", pub_path, dg_path, sig_path, d->openssl, d->size);
			ok(system(cmd) == 0, "%s: openssl pkeyutl verifies the PSS signature", name);
		}
	}
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	unlink(msg_path);
	unlink(pub_path);
	unlink(sig_path);
	unlink(dg_path);
	rmdir(dir);
	return done_testing();
}
