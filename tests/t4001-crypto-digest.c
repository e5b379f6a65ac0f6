/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t4001 — host digests in the private library context: known answers.
 *
 * Streebog: the examples of GOST R 34.11-2012 (appendix A, messages M1 and M2; the
 * standard prints messages and hashes as numbers, most significant byte first, so the
 * byte strings here are those numbers reversed). GOST R 34.11-94 with the CryptoPro
 * parameters: the widely published examples for that parameter set. SHA-2: FIPS 180-4
 * examples ("abc").
 */
#include "crypto.h"
#include "crypto/crypto_test.h"

#include <openssl/evp.h>

/* M2: the standard's number fbe2e5f0...e220e5d1, byte-reversed */
#define M2_HEX "d1e520e2e5f2f0e82c20d1f2f0e8e1eee6e820e2edf3f6e82c20e2e5fef2fa20f120ecee" \
	       "f0ff20f1f2f0e5ebe0ece820ede020f5f0e0e1f0fbff20efebfaeafb20c8e3eef0e5e2fb"

static const struct {
	const char *name;
	CK_MECHANISM_TYPE mech;
	const char *msg;        /* text, or hex when hex is set */
	int hex;
	const char *want;
} kat[] = {
	{ "Streebog-512 M1", CKM_GOSTR3411_12_512,
	  "012345678901234567890123456789012345678901234567890123456789012", 0,
	  "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa"
	  "00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48" },
	{ "Streebog-256 M1", CKM_GOSTR3411_12_256,
	  "012345678901234567890123456789012345678901234567890123456789012", 0,
	  "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500" },
	{ "Streebog-512 M2", CKM_GOSTR3411_12_512, M2_HEX, 1,
	  "1e88e62226bfca6f9994f1f2d51569e0daf8475a3b0fe61a5300eee46d961376"
	  "035fe83549ada2b8620fcd7c496ce5b33f0cb9dddc2b6460143b03dabac9fb28" },
	{ "Streebog-256 M2", CKM_GOSTR3411_12_256, M2_HEX, 1,
	  "9dd2fe4e90409e5da87f53976d7405b0c0cac628fc669a741d50063c557e8f50" },
	{ "GOST R 34.11-94 CryptoPro, 32-byte message", CKM_GOSTR3411,
	  "This is message, length=32 bytes", 0,
	  "2cefc2f7b7bdc514e18ea57fa74ff357e7fa17d652c75f69cb1be7893ede48eb" },
	{ "GOST R 34.11-94 CryptoPro, fox", CKM_GOSTR3411,
	  "The quick brown fox jumps over the lazy dog", 0,
	  "9004294a361a508c586fe53d1f1b02746765e71b765472786e4770d565830a76" },
	{ "SHA-1 abc", CKM_SHA_1, "abc", 0, "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ "SHA-256 abc", CKM_SHA256, "abc", 0,
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "SHA-384 abc", CKM_SHA384, "abc", 0,
	  "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
	  "8086072ba1e7cc2358baeca134c825a7" },
};

int main(void)
{
	uint8_t msg[256], out[CRYPTO_MD_MAX], out2[CRYPTO_MD_MAX];
	char hex[2 * CRYPTO_MD_MAX + 1];
	size_t i, n, len, len2, cut;
	EVP_MD_CTX *c = NULL;
	CK_RV rv;

	for (i = 0; i < sizeof kat / sizeof kat[0]; i++) {
		if (kat[i].hex) {
			n = (size_t)ct_unhex(kat[i].msg, msg, sizeof msg);
		} else {
			n = strlen(kat[i].msg);
			memcpy(msg, kat[i].msg, n);
		}
		len = 0;
		rv = crypto_digest(kat[i].mech, msg, n, out, &len);
		is_rv(rv, CKR_OK, "%s: computed", kat[i].name);
		ct_hex(out, len, hex);
		is_str(hex, kat[i].want, "%s: known answer", kat[i].name);
		is_ulong(len, crypto_md_size(kat[i].mech), "%s: size", kat[i].name);

		/* in parts, cut anywhere: the same answer */
		cut = n / 3;
		rv = crypto_digest_new(kat[i].mech, &c);
		if (rv == CKR_OK)
			rv = crypto_digest_update(c, msg, cut);
		if (rv == CKR_OK)
			rv = crypto_digest_update(c, msg + cut, 0);
		if (rv == CKR_OK)
			rv = crypto_digest_update(c, msg + cut, n - cut);
		if (rv == CKR_OK)
			rv = crypto_digest_final(c, out2, &len2);
		EVP_MD_CTX_free(c);
		c = NULL;
		ok(rv == CKR_OK && len2 == len && memcmp(out, out2, len) == 0,
		   "%s: multi-part gives the same digest", kat[i].name);
	}

	is_rv(crypto_digest_new(CKM_MD2, &c), CKR_MECHANISM_INVALID,
	      "a digest the host does not offer is CKR_MECHANISM_INVALID");
	ok(c == NULL, "and no context is returned");
	/* the saveable digests give their length without the table: the table's */
	{
		static const CK_MECHANISM_TYPE saveable[] = { CKM_SHA_1, CKM_SHA224, CKM_SHA256,
							      CKM_SHA384, CKM_SHA512 };
		size_t k;

		for (k = 0; k < sizeof saveable / sizeof saveable[0]; k++)
			is_ulong(crypto_mdsave_can(saveable[k]), crypto_md_size(saveable[k]),
				 "saveable digest %zu: its length is the table's", k);
		is_ulong(crypto_mdsave_can(CKM_SHA3_256), 0, "SHA3-256 is not saveable");
	}
	is_ulong(crypto_mgf_hash(CKG_MGF1_SHA256), CKM_SHA256, "MGF1-SHA256 uses SHA-256");
	is_ulong(crypto_mgf_hash(0x1234), 0, "an unknown MGF has no hash");

	/* the host application's default context is untouched: no GOST digest there */
	ok(EVP_get_digestbyname("md_gost12_256") == NULL,
	   "gostprov is not loaded into the application's default context");

	/* finalize and use again: the context comes back */
	crypto_fini();
	rv = crypto_digest(CKM_GOSTR3411_12_256, (const uint8_t *)"abc", 3, out, &len);
	is_rv(rv, CKR_OK, "after crypto_fini the next digest recreates the context");
	crypto_fini();
	return done_testing();
}
