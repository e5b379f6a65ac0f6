/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t4003 — signature verification on elliptic curves.
 *
 * GOST R 34.10-2001/2012: keys and signatures are made by the gost ENGINE in separate
 * `openssl` processes (never in this one), for every parameter set of RFC 4357 and
 * RFC 7836 the module knows; our verification, computed with OpenSSL's EC/BN API, must
 * accept them and refuse them once damaged. ECDSA: OpenSSL's own signatures on P-256,
 * P-384 and P-521, converted to PKCS #11's r || s.
 */
#include "crypto.h"
#include "crypto/crypto_test.h"

#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

static char dir[] = "/tmp/t4003-XXXXXX";

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof cmd)
		return -1;
	return system(cmd);
}

static const struct {
	const char *alg, *paramset, *oid_hex, *md, *name;
	size_t size;
	CK_MECHANISM_TYPE hash;
} gost[] = {
	{ "gost2001", "A", "06072a850302022301", "md_gost94", "2001 CryptoPro-A", 32, CKM_GOSTR3411 },
	{ "gost2001", "B", "06072a850302022302", "md_gost94", "2001 CryptoPro-B", 32, CKM_GOSTR3411 },
	{ "gost2001", "C", "06072a850302022303", "md_gost94", "2001 CryptoPro-C", 32, CKM_GOSTR3411 },
	{ "gost2001", "XA", "06072a850302022400", "md_gost94", "2001 CryptoPro-XchA", 32,
	  CKM_GOSTR3411 },
	{ "gost2001", "XB", "06072a850302022401", "md_gost94", "2001 CryptoPro-XchB", 32,
	  CKM_GOSTR3411 },
	{ "gost2012_256", "TCA", "06092a8503070102010101", "md_gost12_256", "2012-256 TC26-A",
	  32, CKM_GOSTR3411_12_256 },
	{ "gost2012_256", "TCB", "06092a8503070102010102", "md_gost12_256", "2012-256 TC26-B",
	  32, CKM_GOSTR3411_12_256 },
	{ "gost2012_256", "TCC", "06092a8503070102010103", "md_gost12_256", "2012-256 TC26-C",
	  32, CKM_GOSTR3411_12_256 },
	{ "gost2012_256", "TCD", "06092a8503070102010104", "md_gost12_256", "2012-256 TC26-D",
	  32, CKM_GOSTR3411_12_256 },
	{ "gost2012_256", "A", "06072a850302022301", "md_gost12_256", "2012-256 CryptoPro-A", 32,
	  CKM_GOSTR3411_12_256 },
	{ "gost2012_512", "A", "06092a8503070102010201", "md_gost12_512", "2012-512 TC26-A", 64,
	  CKM_GOSTR3411_12_512 },
	{ "gost2012_512", "B", "06092a8503070102010202", "md_gost12_512", "2012-512 TC26-B", 64,
	  CKM_GOSTR3411_12_512 },
	{ "gost2012_512", "C", "06092a8503070102010203", "md_gost12_512", "2012-512 TC26-C", 64,
	  CKM_GOSTR3411_12_512 },
};

static void gost_tests(void)
{
	static const char msg[] = "a message signed by the gost engine in another process";
	uint8_t oid[16], der[512], pub[128], h[64], sig[128];
	char p[600];
	size_t i, size, hl;
	long n;
	int oid_len;

	snprintf(p, sizeof p, "%s/msg", dir);
	ct_write(p, (const uint8_t *)msg, sizeof msg - 1);
	for (i = 0; i < sizeof gost / sizeof gost[0]; i++) {
		size = gost[i].size;
		oid_len = ct_unhex(gost[i].oid_hex, oid, sizeof oid);
		is_ulong(crypto_gost_size(oid, (size_t)oid_len), size, "%s: curve size by OID",
			 gost[i].name);
		if (run("cd %s && openssl genpkey -engine gost -algorithm %s -pkeyopt paramset:%s "
			"-out k.pem >/dev/null 2>&1 && openssl pkey -engine gost -in k.pem -pubout "
			"-outform DER -out pub.der >/dev/null 2>&1", dir, gost[i].alg,
			gost[i].paramset) != 0) {
			ok(0, "%s: the gost engine makes a key", gost[i].name);
			continue;
		}
		snprintf(p, sizeof p, "%s/pub.der", dir);
		n = ct_read(p, der, sizeof der);
		/* the SubjectPublicKeyInfo ends in OCTET STRING { x || y, little-endian } */
		if (n < (long)(2 * size)) {
			ok(0, "%s: a public key", gost[i].name);
			continue;
		}
		memcpy(pub, der + n - 2 * size, 2 * size);
		ok(memmem(der, (size_t)n, oid, (size_t)oid_len) != NULL,
		   "%s: the engine's key names the OID we expect", gost[i].name);

		/* the raw primitive: the engine signs our 32/64-byte "hash" */
		crypto_random(h, size);
		snprintf(p, sizeof p, "%s/h.bin", dir);
		ct_write(p, h, size);
		if (run("cd %s && openssl pkeyutl -engine gost -sign -inkey k.pem -in h.bin "
			"-out s.bin >/dev/null 2>&1", dir) != 0) {
			ok(0, "%s: the engine signs", gost[i].name);
			continue;
		}
		snprintf(p, sizeof p, "%s/s.bin", dir);
		n = ct_read(p, sig, sizeof sig);
		is_ulong(n, 2 * size, "%s: an s || r signature of %zu bytes", gost[i].name,
			 2 * size);
		is_rv(crypto_gost_verify(oid, (size_t)oid_len, pub, 2 * size, h, size, sig,
					 2 * size), CKR_OK,
		      "%s: the engine's signature of a hash verifies", gost[i].name);
		h[size - 1] ^= 0x80;
		is_rv(crypto_gost_verify(oid, (size_t)oid_len, pub, 2 * size, h, size, sig,
					 2 * size), CKR_SIGNATURE_INVALID,
		      "%s: another hash is CKR_SIGNATURE_INVALID", gost[i].name);
		h[size - 1] ^= 0x80;
		sig[3] ^= 0x01;
		is_rv(crypto_gost_verify(oid, (size_t)oid_len, pub, 2 * size, h, size, sig,
					 2 * size), CKR_SIGNATURE_INVALID,
		      "%s: a damaged s is CKR_SIGNATURE_INVALID", gost[i].name);
		sig[3] ^= 0x01;
		is_rv(crypto_gost_verify(oid, (size_t)oid_len, pub, 2 * size, h, size, sig,
					 2 * size - 1), CKR_SIGNATURE_LEN_RANGE,
		      "%s: a short signature is CKR_SIGNATURE_LEN_RANGE", gost[i].name);
		pub[0] ^= 0x01;
		is_rv(crypto_gost_verify(oid, (size_t)oid_len, pub, 2 * size, h, size, sig,
					 2 * size), CKR_PUBLIC_KEY_INVALID,
		      "%s: a point off the curve is CKR_PUBLIC_KEY_INVALID", gost[i].name);
		pub[0] ^= 0x01;

		/* hash-then-sign: the engine hashes and signs the message, we hash and verify */
		if (run("cd %s && openssl dgst -engine gost -%s -sign k.pem -out s.bin msg "
			">/dev/null 2>&1", dir, gost[i].md) != 0) {
			ok(0, "%s: the engine signs with %s", gost[i].name, gost[i].md);
			continue;
		}
		n = ct_read(p, sig, sizeof sig);
		ok(crypto_digest(gost[i].hash, (const uint8_t *)msg, sizeof msg - 1, h, &hl) ==
			   CKR_OK && n == (long)(2 * size) &&
		   crypto_gost_verify(oid, (size_t)oid_len, pub, 2 * size, h, hl, sig, 2 * size) ==
			   CKR_OK,
		   "%s: the engine's %s signature of a message verifies with our hash",
		   gost[i].name, gost[i].md);
	}
	oid[oid_len - 1] = 0x7f;
	is_ulong(crypto_gost_size(oid, (size_t)oid_len), 0, "an unknown OID names no curve");
	is_rv(crypto_gost_verify(oid, (size_t)oid_len, pub, 128, h, 64, sig, 128),
	      CKR_KEY_SIZE_RANGE, "and verification with it is CKR_KEY_SIZE_RANGE");
}

static void ecdsa_tests(const char *curve, CK_MECHANISM_TYPE hash)
{
	EVP_PKEY *k = EVP_EC_gen(curve);
	EVP_PKEY_CTX *c = NULL;
	uint8_t params[32], *pp = params, point[160], pub[164], der[160], sig[140], h[64];
	const unsigned char *dp = der;
	size_t plen = 0, dlen = sizeof der, size, hl;
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *s;
	int params_len;

	params_len = i2d_ASN1_OBJECT(OBJ_nid2obj(OBJ_sn2nid(curve)), &pp);
	if (k == NULL || params_len <= 0 ||
	    !EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point,
					     &plen)) {
		ok(0, "%s: a key", curve);
		goto out;
	}
	size = crypto_ec_size(params, (size_t)params_len);
	is_ulong(size, (EVP_PKEY_get_bits(k) + 7) / 8, "%s: order size from CKA_EC_PARAMS",
		 curve);
	pub[0] = 0x04;
	pub[1] = (uint8_t)plen;         /* < 128 for P-256 and P-384 */
	if (plen >= 128) {
		pub[1] = 0x81;
		pub[2] = (uint8_t)plen;
	}
	memcpy(pub + (plen >= 128 ? 3 : 2), point, plen);
	crypto_digest(hash, (const uint8_t *)curve, strlen(curve), h, &hl);
	c = EVP_PKEY_CTX_new(k, NULL);
	if (c == NULL || EVP_PKEY_sign_init(c) != 1 ||
	    EVP_PKEY_sign(c, der, &dlen, h, hl) != 1 ||
	    (es = d2i_ECDSA_SIG(NULL, &dp, (long)dlen)) == NULL) {
		ok(0, "%s: OpenSSL signs", curve);
		goto out;
	}
	ECDSA_SIG_get0(es, &r, &s);
	BN_bn2binpad(r, sig, (int)size);
	BN_bn2binpad(s, sig + size, (int)size);
	is_rv(crypto_ecdsa_verify(params, (size_t)params_len, pub, plen + (plen >= 128 ? 3 : 2),
				  h, hl, sig, 2 * size), CKR_OK,
	      "%s: OpenSSL's signature verifies (CKA_EC_POINT as an OCTET STRING)", curve);
	is_rv(crypto_ecdsa_verify(params, (size_t)params_len, point, plen, h, hl, sig, 2 * size),
	      CKR_OK, "%s: and with the bare point", curve);
	h[0] ^= 1;
	is_rv(crypto_ecdsa_verify(params, (size_t)params_len, point, plen, h, hl, sig, 2 * size),
	      CKR_SIGNATURE_INVALID, "%s: another hash is CKR_SIGNATURE_INVALID", curve);
	h[0] ^= 1;
	is_rv(crypto_ecdsa_verify(params, (size_t)params_len, point, plen, h, hl, sig,
				  2 * size + 1), CKR_SIGNATURE_LEN_RANGE,
	      "%s: a long signature is CKR_SIGNATURE_LEN_RANGE", curve);
	point[plen - 1] ^= 1;
	is_rv(crypto_ecdsa_verify(params, (size_t)params_len, point, plen, h, hl, sig, 2 * size),
	      CKR_PUBLIC_KEY_INVALID, "%s: a point off the curve is CKR_PUBLIC_KEY_INVALID",
	      curve);
out:
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(k);
}

int main(void)
{
	ecdsa_tests("prime256v1", CKM_SHA256);
	ecdsa_tests("secp384r1", CKM_SHA384);
	ecdsa_tests("secp521r1", CKM_SHA512);
	ecdsa_tests("prime256v1", CKM_SHA512);    /* a hash longer than the order */

	if (mkdtemp(dir) == NULL) {
		ok(0, "a temporary folder");
		return done_testing();
	}
	if (run("openssl engine gost >/dev/null 2>&1") != 0) {
		ok(0, "OpenSSL's gost engine is there (Debian package libengine-gost-openssl, "
		      "tools/ensure-deps test)");
	} else {
		gost_tests();
	}
	run("rm -rf %s", dir);
	crypto_fini();
	return done_testing();
}
