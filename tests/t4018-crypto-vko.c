/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t4018 — key agreement on the host.
 *
 * VKO GOST R 34.10-2012 256 and 512: the examples of RFC 7836 appendix B (those of
 * R 50.1.113-2016 A.9 and A.10), from both sides; then, for every GOST curve, key pairs
 * made by the gost ENGINE in separate `openssl` processes (never in this one) and the
 * engine's own VKO (`openssl pkeyutl -derive`, GOST R 34.11-94 for 2001 keys, vko:256 and
 * vko:512 for 2012 keys) against ours for random UKMs.
 * ECDH: RFC 5903 section 8.1 (P-256) and 8.2 (P-384), then random keys of P-256, P-384 and
 * P-521 against `openssl pkeyutl -derive` in another process. Cofactor ECDH: NIST's
 * ECC CDH primitive vector (CAVS KAS ECC CDH primitive test, P-256 COUNT = 0), random keys
 * against `openssl pkeyutl -derive -pkeyopt ecdh_cofactor_mode:1`, and, on secp128r2
 * (cofactor 4: the curve shows the multiplication, though the module's mechanism takes
 * curves of 192 bits and more, all of cofactor 1), both modes against OpenSSL's, which
 * differ there.
 * Every bad peer point, UKM, private key and curve is refused with its CKR_*.
 */
#include "crypto.h"
#include "crypto_sym_gost.h"
#include "crypto/crypto_test.h"
#include "cavs_ecc_cdh.h"

#include <ctype.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

static char dir[] = "/tmp/t4018-XXXXXX";

static size_t hx(const char *hex, uint8_t *out, size_t cap)
{
	int n = ct_unhex(hex, out, cap);

	if (n < 0) {
		printf("Bail out! bad hex in the test\n");
		exit(255);
	}
	return (size_t)n;
}

/* RFC 7836 appendix B: id-tc26-gost-3410-12-512-paramSetA; keys little-endian. */
static const char *oid_512a = "06092a8503070102010201";
static const char *a_priv =
	"c990ecd972fce84ec4db022778f50fcac726f46708384b8d458304962d7147f8"
	"c2db41cef22c90b102f2968404f9b9be6d47c79692d81826b32b8daca43cb667";
static const char *a_pub =
	"aab0eda4abff21208d18799fb9a8556654ba783070eba10cb9abb253ec56dcf5"
	"d3ccba6192e464e6e5bcb6dea137792f2431f6c897eb1b3c0cc14327b1adc0a7"
	"914613a3074e363aedb204d38d3563971bd8758e878c9db11403721b48002d38"
	"461f92472d40ea92f9958c0ffa4c93756401b97f89fdbe0b5e46e4a4631cdb5a";
static const char *b_priv =
	"48c859f7b6f11585887cc05ec6ef1390cfea739b1a18c0d4662293ef63b79e3b"
	"8014070b44918590b4b996acfea4edfbbbcccc8c06edd8bf5bda92a51392d0db";
static const char *b_pub =
	"192fe183b9713a077253c72c8735de2ea42a3dbc66ea317838b65fa32523cd5e"
	"fca974eda7c863f4954d1147f1f2b25c395fce1c129175e876d132e94ed5a651"
	"04883b414c9b592ec4dc84826f07d0b6d9006dda176ce48c391e3f97d102e03b"
	"b598bf132a228a45f7201aba08fc524a2d77e43a362ab022ad4028f75bde3b79";
static const char *ukm_b = "1d80603c8544c727";
static const char *kek_256 =
	"c9a9a77320e2cc559ed72dce6f47e2192ccea95fa648670582c054c0ef36c221";
static const char *kek_512 =
	"79f002a96940ce7bde3259a52e015297adaad84597a0d205b50e3e1719f97bfa"
	"7ee1d2661fa9979a5aa235b558a7e6d9f88f982dd63fc35a8ec0dd5e242d3bdf";

/* d * P, as x || y little-endian, on the group of oid. */
static int gost_pub_of(const uint8_t *oid, size_t oid_len, const uint8_t *priv, uint8_t *pub)
{
	size_t size = 0;
	const EC_GROUP *g = crypto_gost_group_of(oid, oid_len, &size);
	BIGNUM *d = NULL, *x = BN_new(), *y = BN_new();
	EC_POINT *p = NULL;
	int r = -1;

	if (g == NULL || x == NULL || y == NULL)
		goto out;
	d = BN_lebin2bn(priv, (int)size, NULL);
	p = EC_POINT_new(g);
	if (d != NULL && p != NULL && EC_POINT_mul(g, p, d, NULL, NULL, NULL) &&
	    EC_POINT_get_affine_coordinates(g, p, x, y, NULL) &&
	    BN_bn2lebinpad(x, pub, (int)size) == (int)size &&
	    BN_bn2lebinpad(y, pub + size, (int)size) == (int)size)
		r = 0;
out:
	EC_POINT_free(p);
	BN_free(d);
	BN_free(x);
	BN_free(y);
	return r;
}

static void vko_kat(void)
{
	uint8_t oid[16], ap[64], aq[128], bp[64], bq[128], ukm[8], want[64], out[64], q[128];
	uint8_t wrapped[131];
	size_t ol = hx(oid_512a, oid, sizeof oid), n = 0;

	hx(a_priv, ap, sizeof ap);
	hx(a_pub, aq, sizeof aq);
	hx(b_priv, bp, sizeof bp);
	hx(b_pub, bq, sizeof bq);
	hx(ukm_b, ukm, sizeof ukm);
	ok(gost_pub_of(oid, ol, ap, q) == 0 && memcmp(q, aq, 128) == 0,
	   "RFC 7836 B: the typed public key of A is d_A * P");
	ok(gost_pub_of(oid, ol, bp, q) == 0 && memcmp(q, bq, 128) == 0,
	   "RFC 7836 B: the typed public key of B is d_B * P");

	hx(kek_256, want, sizeof want);
	is_rv(crypto_vko(CKM_GOSTR3411_12_256, oid, ol, ap, 64, bq, 128, ukm, 8, out, &n), CKR_OK,
	      "VKO_GOSTR3410_2012_256, A's side");
	ok(n == 32 && memcmp(out, want, 32) == 0, "RFC 7836 B (R 50.1.113-2016 A.9): KEK_VKO");
	is_rv(crypto_vko(CKM_GOSTR3411_12_256, oid, ol, bp, 64, aq, 128, ukm, 8, out, &n), CKR_OK,
	      "VKO_GOSTR3410_2012_256, B's side");
	ok(n == 32 && memcmp(out, want, 32) == 0, "B's side gives the same KEK");

	hx(kek_512, want, sizeof want);
	is_rv(crypto_vko(CKM_GOSTR3411_12_512, oid, ol, ap, 64, bq, 128, ukm, 8, out, &n), CKR_OK,
	      "VKO_GOSTR3410_2012_512, A's side");
	ok(n == 64 && memcmp(out, want, 64) == 0, "RFC 7836 B (R 50.1.113-2016 A.10): KEK_VKO");
	/* the peer's point in a DER OCTET STRING (04 81 80 ...) */
	wrapped[0] = 0x04;
	wrapped[1] = 0x81;
	wrapped[2] = 0x80;
	memcpy(wrapped + 3, aq, 128);
	is_rv(crypto_vko(CKM_GOSTR3411_12_512, oid, ol, bp, 64, wrapped, 131, ukm, 8, out, &n),
	      CKR_OK, "VKO 512, B's side, the point in an OCTET STRING");
	ok(n == 64 && memcmp(out, want, 64) == 0, "gives the same KEK");

	/* bad input */
	aq[5] ^= 1;
	is_rv(crypto_vko(CKM_GOSTR3411_12_256, oid, ol, bp, 64, aq, 128, ukm, 8, out, &n),
	      CKR_MECHANISM_PARAM_INVALID, "a peer point off the curve is refused");
	aq[5] ^= 1;
	is_rv(crypto_vko(CKM_GOSTR3411_12_256, oid, ol, bp, 64, aq, 127, ukm, 8, out, &n),
	      CKR_MECHANISM_PARAM_INVALID, "a peer point of 127 bytes is refused");
	is_rv(crypto_vko(CKM_GOSTR3411_12_256, oid, ol, bp, 64, aq, 128, ukm, 0, out, &n),
	      CKR_MECHANISM_PARAM_INVALID, "an empty UKM is refused");
	is_rv(crypto_vko(CKM_GOSTR3411_12_256, oid, ol, bp, 32, aq, 128, ukm, 8, out, &n),
	      CKR_KEY_SIZE_RANGE, "a 32-byte private key on a 512-bit curve is refused");
	memset(q, 0xff, 64);
	is_rv(crypto_vko(CKM_GOSTR3411_12_256, oid, ol, q, 64, aq, 128, ukm, 8, out, &n),
	      CKR_KEY_SIZE_RANGE, "a private key above q is refused");
	memset(q, 0, 64);
	is_rv(crypto_vko(CKM_GOSTR3411_12_256, oid, ol, q, 64, aq, 128, ukm, 8, out, &n),
	      CKR_KEY_SIZE_RANGE, "a zero private key is refused");
	is_rv(crypto_vko(CKM_SHA256, oid, ol, bp, 64, aq, 128, ukm, 8, out, &n),
	      CKR_MECHANISM_INVALID, "VKO with SHA-256 is refused");
	oid[ol - 1] = 0x09;
	is_rv(crypto_vko(CKM_GOSTR3411_12_256, oid, ol, bp, 64, aq, 128, ukm, 8, out, &n),
	      CKR_CURVE_NOT_SUPPORTED, "an unknown curve OID is refused");
	ok(n == 0, "and no output length is given");
}

/* "LABEL:HEX" (big-endian, maybe shorter) from `openssl pkey -text` into size bytes
 * little-endian. */
static int text_field(const char *text, const char *label, uint8_t *le, size_t size)
{
	const char *p = strstr(text, label);
	char hex[300];
	uint8_t be[160];
	size_t n = 0, i;
	int len;

	if (p == NULL)
		return -1;
	p += strlen(label);
	while (*p == ' ')
		p++;
	while (isxdigit((unsigned char)*p) && n + 1 < sizeof hex)
		hex[n++] = *p++;
	hex[n] = '\0';
	if (n % 2 != 0) {
		memmove(hex + 1, hex, n + 1);
		hex[0] = '0';
	}
	len = ct_unhex(hex, be, sizeof be);
	if (len <= 0 || (size_t)len > size)
		return -1;
	memset(le, 0, size);
	for (i = 0; i < (size_t)len; i++)
		le[i] = be[len - 1 - i];
	return 0;
}

static int engine_key(const char *alg, const char *ps, const char *name, uint8_t *priv,
		      uint8_t *pub, size_t size)
{
	char path[512], text[4096];
	long n;

	if (ct_run("cd %s && openssl genpkey -engine gost -algorithm %s -pkeyopt paramset:%s "
		   "-out %s.pem >/dev/null 2>&1 && openssl pkey -engine gost -in %s.pem "
		   "-pubout -out %s.pub >/dev/null 2>&1 && openssl pkey -engine gost -in %s.pem "
		   "-text -noout -out %s.txt >/dev/null 2>&1", dir, alg, ps, name, name, name,
		   name, name) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/%s.txt", dir, name);
	n = ct_read(path, (uint8_t *)text, sizeof text - 1);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	if (text_field(text, "Private key:", priv, size) != 0 ||
	    text_field(text, "X:", pub, size) != 0 || text_field(text, "Y:", pub + size, size) != 0)
		return -1;
	return 0;
}

static const struct {
	const char *alg, *ps, *oid, *name;
	size_t size;
} curves[] = {
	{ "gost2001", "A", "06072a850302022301", "2001 CryptoPro-A", 32 },
	{ "gost2001", "B", "06072a850302022302", "2001 CryptoPro-B", 32 },
	{ "gost2001", "C", "06072a850302022303", "2001 CryptoPro-C", 32 },
	{ "gost2001", "XA", "06072a850302022400", "2001 CryptoPro-XchA", 32 },
	{ "gost2012_256", "A", "06072a850302022301", "2012-256 CryptoPro-A", 32 },
	{ "gost2012_256", "TCA", "06092a8503070102010101", "2012-256 TC26-A", 32 },
	{ "gost2012_512", "A", "06092a8503070102010201", "2012-512 TC26-A", 64 },
	{ "gost2012_512", "B", "06092a8503070102010202", "2012-512 TC26-B", 64 },
	{ "gost2012_512", "C", "06092a8503070102010203", "2012-512 TC26-C", 64 },
};

static void vko_engine(void)
{
	uint8_t oid[16], ap[64], aq[128], bp[64], bq[128], ukm[8], ours[64], theirs[128];
	char uh[17], cmd[512];
	size_t i, ol, n, v;
	long tl;
	int is2001;

	for (i = 0; i < sizeof curves / sizeof curves[0]; i++) {
		ol = hx(curves[i].oid, oid, sizeof oid);
		is2001 = strcmp(curves[i].alg, "gost2001") == 0;
		if (engine_key(curves[i].alg, curves[i].ps, "a", ap, aq, curves[i].size) != 0 ||
		    engine_key(curves[i].alg, curves[i].ps, "b", bp, bq, curves[i].size) != 0) {
			ok(0, "%s: key pairs from the gost engine", curves[i].name);
			continue;
		}
		for (v = 0; v < (is2001 ? 1u : 2u); v++) {
			CK_MECHANISM_TYPE h = is2001 ? CKM_GOSTR3411 :
					      v == 0 ? CKM_GOSTR3411_12_256 : CKM_GOSTR3411_12_512;

			crypto_random(ukm, sizeof ukm);
			ct_hex(ukm, sizeof ukm, uh);
			snprintf(cmd, sizeof cmd, "openssl pkeyutl -engine gost -derive -inkey a.pem "
				 "-peerkey b.pub -pkeyopt ukmhex:%s %s%s -out out.bin", uh,
				 is2001 ? "" : "-pkeyopt vko:", is2001 ? "" : v == 0 ? "256" : "512");
			tl = ct_filter(dir, cmd, ukm, 0, theirs, sizeof theirs);
			n = 0;
			is_rv(crypto_vko(h, oid, ol, bp, curves[i].size, aq, 2 * curves[i].size, ukm,
					 8, ours, &n), CKR_OK, "%s: VKO %s", curves[i].name,
			      is2001 ? "2001" : v == 0 ? "2012-256" : "2012-512");
			ok(tl > 0 && (size_t)tl == n && memcmp(ours, theirs, n) == 0,
			   "%s: B's side here equals A's side in the gost engine", curves[i].name);
		}
	}
}

/* RFC 5903 8.1 and 8.2: i, g^i, r, g^r and the shared x (big-endian). */
static const struct {
	const char *oid, *i, *gi, *r, *gr, *x, *name;
} ecdh_kat[] = {
	{ "06082a8648ce3d030107",
	  "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
	  "04DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
	  "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
	  "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
	  "04D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
	  "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
	  "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE", "RFC 5903 8.1" },
	{ "06052b81040022",
	  "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF"
	  "896783AB194",
	  "04667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6DE3AC808ACB4BDB4C"
	  "88732AEE95F41AA9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38EEB9"
	  "FCFF3C2C947DAE69B4C634573A81C",
	  "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942E0308312916B8ED2960"
	  "E4BD55A7448FC",
	  "04E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D0D1AC43A0336DEF96"
	  "FDA41D0774A3571DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FFF83F"
	  "A40142209DFF5EAAD96DB9E6386C",
	  "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF"
	  "5D4A270F59746", "RFC 5903 8.2" },
};

static void ecdh_kats(void)
{
	uint8_t oid[16], i_[80], gi[160], r[80], gr[160], x[80], out[80], wrapped[164];
	size_t k, ol, il, gil, rl, grl, xl, n;

	for (k = 0; k < sizeof ecdh_kat / sizeof ecdh_kat[0]; k++) {
		ol = hx(ecdh_kat[k].oid, oid, sizeof oid);
		il = hx(ecdh_kat[k].i, i_, sizeof i_);
		gil = hx(ecdh_kat[k].gi, gi, sizeof gi);
		rl = hx(ecdh_kat[k].r, r, sizeof r);
		grl = hx(ecdh_kat[k].gr, gr, sizeof gr);
		xl = hx(ecdh_kat[k].x, x, sizeof x);
		is_rv(crypto_ecdh(oid, ol, i_, il, gr, grl, out, &n), CKR_OK, "%s: i * g^r",
		      ecdh_kat[k].name);
		ok(n == xl && memcmp(out, x, xl) == 0, "%s: the shared x", ecdh_kat[k].name);
		wrapped[0] = 0x04;
		wrapped[1] = (uint8_t)gil;
		memcpy(wrapped + 2, gi, gil);
		is_rv(crypto_ecdh(oid, ol, r, rl, wrapped, gil + 2, out, &n), CKR_OK,
		      "%s: r * g^i, the point in an OCTET STRING", ecdh_kat[k].name);
		ok(n == xl && memcmp(out, x, xl) == 0, "%s: the same x", ecdh_kat[k].name);
	}
	/* bad input on P-256 */
	ol = hx(ecdh_kat[0].oid, oid, sizeof oid);
	il = hx(ecdh_kat[0].i, i_, sizeof i_);
	grl = hx(ecdh_kat[0].gr, gr, sizeof gr);
	gr[10] ^= 1;
	is_rv(crypto_ecdh(oid, ol, i_, il, gr, grl, out, &n), CKR_MECHANISM_PARAM_INVALID,
	      "ECDH: a peer point off the curve is refused");
	gr[10] ^= 1;
	is_rv(crypto_ecdh(oid, ol, i_, il, gr, grl - 1, out, &n), CKR_MECHANISM_PARAM_INVALID,
	      "ECDH: a truncated peer point is refused");
	memset(r, 0xff, 32);
	is_rv(crypto_ecdh(oid, ol, r, 32, gr, grl, out, &n), CKR_KEY_SIZE_RANGE,
	      "ECDH: a scalar above the order is refused");
	is_rv(crypto_ecdh(oid, ol, i_, 0, gr, grl, out, &n), CKR_KEY_SIZE_RANGE,
	      "ECDH: an empty scalar is refused");
	hx("06072a850302022301", oid, sizeof oid);
	is_rv(crypto_ecdh(oid, 9, i_, il, gr, grl, out, &n), CKR_CURVE_NOT_SUPPORTED,
	      "ECDH: a GOST curve is not an ECDH curve");
	ok(n == 0, "ECDH: no output length after a failure");
}

static void ecdh_cofactor_kat(void)
{
	uint8_t oid[16], d[40], q[80], z[40], out[80];
	size_t ol = hx("06082a8648ce3d030107", oid, sizeof oid), dl = hx(CDH_D, d, sizeof d);
	size_t ql = hx(CDH_Q, q, sizeof q), zl = hx(CDH_Z, z, sizeof z), n = 0;

	is_rv(crypto_ecdh_cofactor(oid, ol, d, dl, q, ql, out, &n), CKR_OK,
	      "ECC CDH primitive (CAVS, P-256 COUNT 0)");
	ok(n == zl && memcmp(out, z, zl) == 0, "... gives ZIUT");
	q[10] ^= 1;
	is_rv(crypto_ecdh_cofactor(oid, ol, d, dl, q, ql, out, &n), CKR_MECHANISM_PARAM_INVALID,
	      "cofactor ECDH: a peer point off the curve is refused");
	ok(n == 0, "... with no output length");
}

/* Random pairs made here (default context) and derived by `openssl pkeyutl` (with
 * cofactor: in its cofactor mode, and ours by crypto_ecdh_cofactor). */
static void ecdh_cross_mode(const char *curve, const char *oid_hex, int cofactor)
{
	EVP_PKEY *a = EVP_EC_gen(curve), *b = EVP_EC_gen(curve);
	uint8_t oid[16], bd[80], ap[160], ours[80], theirs[80];
	size_t ol = hx(oid_hex, oid, sizeof oid), apl = 0, n = 0;
	BIGNUM *d = NULL;
	char path[512];
	FILE *f;
	long tl = -1;
	int bdl;

	if (a == NULL || b == NULL || !EVP_PKEY_get_bn_param(b, OSSL_PKEY_PARAM_PRIV_KEY, &d) ||
	    !EVP_PKEY_get_octet_string_param(a, OSSL_PKEY_PARAM_PUB_KEY, ap, sizeof ap, &apl)) {
		ok(0, "%s: key pairs", curve);
		goto out;
	}
	bdl = BN_bn2bin(d, bd);
	snprintf(path, sizeof path, "%s/a.pem", dir);
	f = fopen(path, "w");
	if (f != NULL) {
		PEM_write_PrivateKey(f, a, NULL, NULL, 0, NULL, NULL);
		fclose(f);
	}
	snprintf(path, sizeof path, "%s/b.pub", dir);
	f = fopen(path, "w");
	if (f != NULL) {
		PEM_write_PUBKEY(f, b);
		fclose(f);
	}
	tl = ct_filter(dir, cofactor ? "openssl pkeyutl -derive -inkey a.pem -peerkey b.pub "
		       "-pkeyopt ecdh_cofactor_mode:1 -out out.bin" :
		       "openssl pkeyutl -derive -inkey a.pem -peerkey b.pub -out out.bin",
		       ap, 0, theirs, sizeof theirs);
	is_rv((cofactor ? crypto_ecdh_cofactor : crypto_ecdh)(oid, ol, bd, (size_t)bdl, ap, apl,
							     ours, &n), CKR_OK,
	      "%s: %s", curve, cofactor ? "cofactor ECDH" : "ECDH");
	ok(tl > 0 && (size_t)tl == n && memcmp(ours, theirs, n) == 0,
	   "%s: B's side here equals A's side in openssl pkeyutl -derive%s", curve,
	   cofactor ? " -pkeyopt ecdh_cofactor_mode:1" : "");
out:
	BN_clear_free(d);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

/* secp128r2 (SEC 2, OID 1.3.132.0.29), cofactor 4: the same key pair in both modes, each
 * as OpenSSL computes it, and the two differ */
static void ecdh_small_cofactor(void)
{
	static const char oid[] = "06052b8104001d";
	uint8_t plain[80], cof[80];
	size_t pn = sizeof plain, cn = sizeof cof;
	EVP_PKEY *a = EVP_EC_gen("secp128r2"), *b = EVP_EC_gen("secp128r2");
	uint8_t o[16], bd[40], ap[80];
	size_t ol = hx(oid, o, sizeof o), apl = 0;
	BIGNUM *d = NULL;
	int bdl;

	/* one pair in both modes here (ecdh_cross_mode makes a pair for each) */
	if (a == NULL || b == NULL || !EVP_PKEY_get_bn_param(b, OSSL_PKEY_PARAM_PRIV_KEY, &d) ||
	    !EVP_PKEY_get_octet_string_param(a, OSSL_PKEY_PARAM_PUB_KEY, ap, sizeof ap, &apl)) {
		ok(0, "secp128r2: key pairs");
		goto out;
	}
	bdl = BN_bn2bin(d, bd);
	ok(crypto_ecdh(o, ol, bd, (size_t)bdl, ap, apl, plain, &pn) == CKR_OK &&
	   crypto_ecdh_cofactor(o, ol, bd, (size_t)bdl, ap, apl, cof, &cn) == CKR_OK &&
	   pn == 16 && cn == 16 && memcmp(plain, cof, 16) != 0,
	   "secp128r2: d * Q and 4 * d * Q differ");
out:
	BN_clear_free(d);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	/* and each against OpenSSL's own, in another process */
	ecdh_cross_mode("secp128r2", oid, 0);
	ecdh_cross_mode("secp128r2", oid, 1);
}

int main(void)
{
	if (!crypto_have_gost())
		skip_all("no gostprov provider");
	vko_kat();
	ecdh_kats();
	if (mkdtemp(dir) == NULL) {
		ok(0, "a temporary folder");
		return done_testing();
	}
	ecdh_cross_mode("P-256", "06082a8648ce3d030107", 0);
	ecdh_cross_mode("P-384", "06052b81040022", 0);
	ecdh_cross_mode("P-521", "06052b81040023", 0);
	ecdh_cofactor_kat();
	ecdh_cross_mode("P-256", "06082a8648ce3d030107", 1);
	ecdh_cross_mode("P-384", "06052b81040022", 1);
	ecdh_small_cofactor();
	if (ct_run("openssl engine gost >/dev/null 2>&1") != 0)
		ok(0, "OpenSSL's gost engine is there (Debian package libengine-gost-openssl)");
	else
		vko_engine();
	ct_run("rm -rf %s", dir);
	crypto_fini();
	return done_testing();
}
