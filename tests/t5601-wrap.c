/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5601 — C_WrapKey and C_UnwrapKey with session AES keys: CKM_AES_KEY_WRAP (RFC 3394) and
 * CKM_AES_KEY_WRAP_KWP (RFC 5649) through PKCS#11 with the known answers of RFC 3394
 * section 4 (4.1 and 4.6) and RFC 5649 section 6 (both examples); random keys wrapped here
 * and by `openssl enc -id-aesNNN-wrap[-pad]` in another process, each unwrapping the
 * other's; and the rules of PKCS #11 3.2 (5.18, 4.7-4.10): the two-call size rule,
 * CKA_WRAP / CKA_UNWRAP (CKR_KEY_FUNCTION_NOT_PERMITTED), CKA_EXTRACTABLE
 * (CKR_KEY_UNEXTRACTABLE), CKA_WRAP_WITH_TRUSTED (CKR_KEY_NOT_WRAPPABLE), the handle, type
 * and size codes of both keys, the optional IV, a wrapped key of a bad length
 * (CKR_WRAPPED_KEY_LEN_RANGE) or a broken integrity check (CKR_WRAPPED_KEY_INVALID),
 * templates without CKA_CLASS or CKA_KEY_TYPE (CKR_TEMPLATE_INCOMPLETE), a token key
 * as C_CreateObject takes one, and the attributes of an unwrapped key (CKA_LOCAL,
 * CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE false; CKA_UNWRAP_TEMPLATE joined), the
 * wrapping key's CKA_WRAP_TEMPLATE and a trusted wrapping key (CKA_TRUSTED, set by the SO).
 */
#include "api/api.h"
#include "api/bytes.h"
#include "api/keys.h"

#include <fcntl.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;
static CK_KEY_TYPE k_aes = CKK_AES, k_gen = CKK_GENERIC_SECRET;
static char dir[] = "/tmp/t5601-XXXXXX";

#define ATTR(t, v) { (t), &(v), sizeof(v) }

/* Known answer: wrap(kek, key) == want, and unwrap(want) == key. */
static void kat(const char *what, CK_MECHANISM_TYPE mt, const char *kek_hex,
		const char *key_hex, const char *want_hex)
{
	uint8_t kek[32], key[64], want[80], out[80], val[64];
	size_t nk = unhex(kek_hex, kek), nv = unhex(key_hex, key), nw = unhex(want_hex, want);
	CK_MECHANISM m = { mt, NULL, 0 };
	CK_OBJECT_HANDLE hk = api_secret_key(f, s, CKK_AES, kek, nk, yes, no), hv, hu = 0;
	CK_ULONG n = sizeof out, vn = sizeof val;
	CK_KEY_TYPE kt = nv == 16 || nv == 24 || nv == 32 ? CKK_AES : CKK_GENERIC_SECRET;

	hv = api_secret_key(f, s, kt, key, nv, no, yes);
	ok(hk != CK_INVALID_HANDLE && hv != CK_INVALID_HANDLE, "%s: the keys", what);
	ok(api_wrap(f, s, &m, hk, hv, out, &n) == CKR_OK && n == nw &&
	   memcmp(out, want, nw) == 0, "%s: C_WrapKey gives the known answer", what);
	ok(api_unwrap(f, s, &m, hk, kt, want, nw, val, &vn, &hu) == CKR_OK && vn == nv &&
	   memcmp(val, key, nv) == 0,
	   "%s: C_UnwrapKey gives the key back", what);
	(void)hu;
}

static void known_answers(void)
{
	/* RFC 3394 4.1: 128 bits of key data with a 128-bit KEK */
	kat("RFC 3394 4.1", CKM_AES_KEY_WRAP, "000102030405060708090a0b0c0d0e0f",
	    "00112233445566778899aabbccddeeff",
	    "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
	/* RFC 3394 4.6: 256 bits of key data with a 256-bit KEK */
	kat("RFC 3394 4.6", CKM_AES_KEY_WRAP,
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    "00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f",
	    "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21");
	/* RFC 5649 6: a 20-octet and a 7-octet key with a 192-bit KEK */
	kat("RFC 5649 6 (20 octets)", CKM_AES_KEY_WRAP_KWP,
	    "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8",
	    "c37b7e6492584340bed12207808941155068f738",
	    "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a");
	kat("RFC 5649 6 (7 octets)", CKM_AES_KEY_WRAP_KWP,
	    "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", "466f7250617369",
	    "afbeb0f07dfbf5419200f2ccb50bb24f");
}

/* `openssl enc -id-aesNNN-wrap[-pad] -K kek -iv iv` of in, in another process. */
static int openssl_wrap(int pad, int dec, const uint8_t *kek, size_t nk, const uint8_t *in,
			size_t n, uint8_t *out, size_t *on)
{
	char khex[65], cmd[768], path[64];
	int fd, rc;

	snprintf(path, sizeof path, "%s/in", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, in, n) != (ssize_t)n) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	hex(kek, nk, khex);
	snprintf(cmd, sizeof cmd, "openssl enc %s -id-aes%zu-wrap%s -K %s -iv %s -in %s |"
		 " od -An -tx1 -v", dec ? "-d" : "", nk * 8, pad ? "-pad" : "", khex,
		 pad ? "A65959A6" : "A6A6A6A6A6A6A6A6", path);
	rc = api_cmd_hex(cmd, out, 128, on);
	unlink(path);
	return rc;
}

/* Random keys of every wrappable length, both ways against openssl. */
static void cross_check(void)
{
	static const size_t keks[] = { 16, 24, 32 };
	static const size_t lens[] = { 16, 24, 32, 40, 1, 5, 17, 33 };
	uint8_t kek[32], key[64], w[128], o[128], val[64];
	size_t i, j, on;
	int pad, good_w = 0, good_u = 0, tries = 0;

	for (i = 0; i < 3; i++)
		for (j = 0; j < sizeof lens / sizeof lens[0]; j++) {
			CK_OBJECT_HANDLE hk, hv, hu = 0;
			CK_ULONG n = sizeof w, vn = sizeof val;
			CK_MECHANISM m;

			pad = lens[j] % 8 != 0 || lens[j] > 32 || j >= 4;
			m.mechanism = pad ? CKM_AES_KEY_WRAP_KWP : CKM_AES_KEY_WRAP;
			m.pParameter = NULL;
			m.ulParameterLen = 0;
			if (f->C_GenerateRandom(s, kek, keks[i]) != CKR_OK ||
			    f->C_GenerateRandom(s, key, lens[j]) != CKR_OK)
				continue;
			tries++;
			hk = api_secret_key(f, s, CKK_AES, kek, keks[i], yes, no);
			hv = api_secret_key(f, s, CKK_GENERIC_SECRET, key, lens[j], no, yes);
			if (api_wrap(f, s, &m, hk, hv, w, &n) == CKR_OK &&
			    openssl_wrap(pad, 1, kek, keks[i], w, n, o, &on) == 0 &&
			    on == lens[j] && memcmp(o, key, on) == 0)
				good_w++;
			else
				diag("wrap: kek %zu, key %zu, pad %d", keks[i], lens[j], pad);
			if (openssl_wrap(pad, 0, kek, keks[i], key, lens[j], o, &on) == 0 &&
			    api_unwrap(f, s, &m, hk, k_gen, o, on, val, &vn, &hu) == CKR_OK &&
			    vn == lens[j] && memcmp(val, key, vn) == 0)
				good_u++;
			else
				diag("unwrap: kek %zu, key %zu, pad %d", keks[i], lens[j], pad);
			f->C_DestroyObject(s, hk);
			f->C_DestroyObject(s, hv);
			if (hu != 0)
				f->C_DestroyObject(s, hu);
		}
	ok(tries == 24 && good_w == tries, "openssl enc unwraps what C_WrapKey wrapped (%d of %d)",
	   good_w, tries);
	ok(good_u == tries, "C_UnwrapKey unwraps what openssl enc wrapped (%d of %d)", good_u,
	   tries);
}

static void rules(void)
{
	uint8_t kek[16], key[40], w[64], val[32];
	uint8_t iv8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, iv4[4] = { 0xa6, 0x59, 0x59, 0xa6 };
	CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 }, kwp = { CKM_AES_KEY_WRAP_KWP, NULL, 0 };
	CK_MECHANISM kwiv = { CKM_AES_KEY_WRAP, iv8, 8 }, kwbad = { CKM_AES_KEY_WRAP, iv8, 7 };
	CK_MECHANISM kwpiv = { CKM_AES_KEY_WRAP_KWP, iv4, 4 }, ecb = { CKM_AES_ECB, NULL, 0 };
	CK_OBJECT_HANDLE hk, hnw, hv, hne, h20, h40, hu = 0, htr, hdes;
	CK_ULONG n, vn, len16 = 16;
	CK_OBJECT_CLASS c_data = CKO_DATA;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), ATTR(CKA_EXTRACTABLE, yes),
		ATTR(CKA_SENSITIVE, yes), ATTR(CKA_PRIVATE, no), ATTR(CKA_TOKEN, yes),
	};
	CK_ATTRIBUTE tdata[] = { ATTR(CKA_CLASS, c_data), ATTR(CKA_KEY_TYPE, k_aes) };
	CK_ATTRIBUTE tnoext[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), ATTR(CKA_PRIVATE, no),
		ATTR(CKA_EXTRACTABLE, no),
	};
	CK_ATTRIBUTE tlen[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_gen), ATTR(CKA_VALUE_LEN, len16),
		ATTR(CKA_PRIVATE, no),
	};
	CK_ATTRIBUTE ttrust[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), { CKA_VALUE, key, 16 },
		ATTR(CKA_EXTRACTABLE, yes), ATTR(CKA_WRAP_WITH_TRUSTED, yes), ATTR(CKA_PRIVATE, no),
	};
	uint8_t des[24];

	f->C_GenerateRandom(s, kek, sizeof kek);
	f->C_GenerateRandom(s, key, sizeof key);
	memset(des, 0x5e, sizeof des);
	hk = api_secret_key(f, s, CKK_AES, kek, 16, yes, no);
	hnw = api_secret_key(f, s, CKK_AES, kek, 16, no, no);
	hv = api_secret_key(f, s, CKK_AES, key, 16, no, yes);
	hne = api_secret_key(f, s, CKK_AES, key, 16, no, no);
	h20 = api_secret_key(f, s, CKK_GENERIC_SECRET, key, 12, no, yes);
	h40 = api_secret_key(f, s, CKK_GENERIC_SECRET, key, 40, no, yes);
	hdes = api_secret_key(f, s, CKK_DES3, des, 24, yes, yes);
	ok(f->C_CreateObject(s, ttrust, 6, &htr) == CKR_OK, "a key with CKA_WRAP_WITH_TRUSTED");

	/* the two-call rule */
	n = 0;
	is_rv(f->C_WrapKey(s, &kw, hk, hv, NULL, &n), CKR_OK, "size query");
	is_ulong(n, 24, "RFC 3394: 8 bytes more than the key");
	n = 23;
	is_rv(f->C_WrapKey(s, &kw, hk, hv, w, &n), CKR_BUFFER_TOO_SMALL, "a short buffer");
	is_ulong(n, 24, "... says the length");
	n = 0;
	is_rv(f->C_WrapKey(s, &kwp, hk, h20, NULL, &n), CKR_OK, "KWP size query");
	is_ulong(n, 24, "RFC 5649: 12 bytes padded to 16, plus 8");
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &kw, hk, h20, w, &n), CKR_KEY_SIZE_RANGE,
	      "RFC 3394 takes no 12-byte key");

	/* the keys and their attributes */
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &kw, hnw, hv, w, &n), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "a wrapping key without CKA_WRAP");
	is_rv(f->C_WrapKey(s, &kw, hk, hne, w, &n), CKR_KEY_UNEXTRACTABLE,
	      "a key without CKA_EXTRACTABLE");
	is_rv(f->C_WrapKey(s, &kw, hk, htr, w, &n), CKR_KEY_NOT_WRAPPABLE,
	      "CKA_WRAP_WITH_TRUSTED with a wrapping key that is not trusted");
	is_rv(f->C_WrapKey(s, &kw, 0x7fff0001, hv, w, &n), CKR_WRAPPING_KEY_HANDLE_INVALID,
	      "a wrapping key handle that is none");
	is_rv(f->C_WrapKey(s, &kw, hk, 0x7fff0001, w, &n), CKR_KEY_HANDLE_INVALID,
	      "a key handle that is none");
	is_rv(f->C_WrapKey(s, &kw, hdes, hv, w, &n), CKR_WRAPPING_KEY_TYPE_INCONSISTENT,
	      "a DES3 wrapping key for AES key wrap");
	is_rv(f->C_WrapKey(s, &ecb, hk, hv, w, &n), CKR_MECHANISM_INVALID,
	      "AES-ECB is no wrapping mechanism here");
	is_rv(f->C_WrapKey(s, &kwbad, hk, hv, w, &n), CKR_MECHANISM_PARAM_INVALID,
	      "an IV of 7 bytes");

	/* an IV of one's own (RFC 3394 2.2.3.2), and KWP's */
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &kwiv, hk, hv, w, &n), CKR_OK, "wrap with an IV of one's own");
	vn = sizeof val;
	is_rv(api_unwrap(f, s, &kw, hk, k_aes, w, n, val, &vn, &hu), CKR_WRAPPED_KEY_INVALID,
	      "the default IV does not unwrap it");
	vn = sizeof val;
	ok(api_unwrap(f, s, &kwiv, hk, k_aes, w, n, val, &vn, &hu) == CKR_OK && vn == 16 &&
	   memcmp(val, key, 16) == 0, "the same IV does");
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &kwpiv, hk, hv, w, &n), CKR_OK, "KWP with its explicit constant");
	vn = sizeof val;
	ok(api_unwrap(f, s, &kwp, hk, k_aes, w, n, val, &vn, &hu) == CKR_OK && vn == 16 &&
	   memcmp(val, key, 16) == 0, "... is KWP with the default");

	/* unwrapping */
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &kw, hk, hv, w, &n), CKR_OK, "wrap an AES key");
	vn = sizeof val;
	ok(api_unwrap(f, s, &kw, hk, k_aes, w, n, val, &vn, &hu) == CKR_OK && vn == 16 &&
	   memcmp(val, key, 16) == 0, "unwrap it");
	is_ulong(api_get_bool(f, s, hu, CKA_LOCAL), CK_FALSE, "an unwrapped key: CKA_LOCAL false");
	is_ulong(api_get_bool(f, s, hu, CKA_ALWAYS_SENSITIVE), CK_FALSE,
		 "CKA_ALWAYS_SENSITIVE false");
	is_ulong(api_get_bool(f, s, hu, CKA_NEVER_EXTRACTABLE), CK_FALSE,
		 "CKA_NEVER_EXTRACTABLE false");
	/* CKA_EXTRACTABLE "is by default set to CK_TRUE" (5.18 C_UnwrapKey); a template
	 * that says false keeps it */
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n, tnoext, 3, &hu), CKR_OK,
	      "unwrap with a template that does not name CKA_EXTRACTABLE");
	is_ulong(api_get_bool(f, s, hu, CKA_EXTRACTABLE), CK_TRUE,
		 "... CKA_EXTRACTABLE true by default");
	is_ulong(api_get_bool(f, s, hu, CKA_NEVER_EXTRACTABLE), CK_FALSE,
		 "... CKA_NEVER_EXTRACTABLE false");
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n, tnoext, 4, &hu), CKR_OK,
	      "unwrap with CKA_EXTRACTABLE false");
	is_ulong(api_get_bool(f, s, hu, CKA_EXTRACTABLE), CK_FALSE, "... keeps it false");
	is_ulong(api_get_bool(f, s, hu, CKA_NEVER_EXTRACTABLE), CK_FALSE,
		 "... and CKA_NEVER_EXTRACTABLE is still false (the value was outside)");
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n, t, 5, &hu), CKR_OK, "a sensitive one");
	is_ulong(api_get_bool(f, s, hu, CKA_ALWAYS_SENSITIVE), CK_FALSE,
		 "... is not CKA_ALWAYS_SENSITIVE either");
	/* the Rutoken family keeps AES keys on the token (t5426): as C_CreateObject, the
	 * token wants its user logged in */
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n, t, 6, &hu), CKR_USER_NOT_LOGGED_IN,
	      "a token AES key (as C_CreateObject)");
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n, t + 1, 4, &hu), CKR_TEMPLATE_INCOMPLETE,
	      "no CKA_CLASS");
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n, t, 1, &hu), CKR_TEMPLATE_INCOMPLETE,
	      "no CKA_KEY_TYPE");
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n, tdata, 2, &hu), CKR_TEMPLATE_INCONSISTENT,
	      "a data object");
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n, tlen, 4, &hu), CKR_OK,
	      "CKA_VALUE_LEN that agrees");
	tlen[2].pValue = &n;            /* 24 */
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n, tlen, 4, &hu), CKR_ATTRIBUTE_VALUE_INVALID,
	      "CKA_VALUE_LEN that does not (as C_GenerateKey's derived attributes)");
	is_rv(f->C_UnwrapKey(s, &kw, hnw, w, n, t, 5, &hu), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "an unwrapping key without CKA_UNWRAP");
	is_rv(f->C_UnwrapKey(s, &kw, 0x7fff0001, w, n, t, 5, &hu),
	      CKR_UNWRAPPING_KEY_HANDLE_INVALID, "an unwrapping key handle that is none");
	is_rv(f->C_UnwrapKey(s, &kw, hdes, w, n, t, 5, &hu), CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT,
	      "a DES3 unwrapping key");
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n - 1, t, 5, &hu), CKR_WRAPPED_KEY_LEN_RANGE,
	      "a wrapped key one byte short");
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, 16, t, 5, &hu), CKR_WRAPPED_KEY_LEN_RANGE,
	      "RFC 3394: 16 bytes wrap no key");
	w[5] ^= 1;
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n, t, 5, &hu), CKR_WRAPPED_KEY_INVALID,
	      "one bit changed: the integrity check fails");
	w[5] ^= 1;
	is_rv(f->C_UnwrapKey(s, &kwbad, hk, w, n, t, 5, &hu), CKR_MECHANISM_PARAM_INVALID,
	      "unwrap with an IV of 7 bytes");
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &kw, hk, h40, w, &n), CKR_OK, "wrap a generic secret of 40 bytes");
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n, t, 5, &hu), CKR_WRAPPED_KEY_INVALID,
	      "authentic, but no AES key: CKR_WRAPPED_KEY_INVALID");
}

/* CKA_UNWRAP_TEMPLATE of the unwrapping key joins the template. */
static void unwrap_template(void)
{
	uint8_t kek[16], key[16], w[64];
	CK_ULONG n = sizeof w;
	CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 };
	CK_OBJECT_HANDLE hk = 0, hv, hu = 0;
	CK_ATTRIBUTE ut = { CKA_UNWRAP_TEMPLATE, NULL, 0 };
	CK_ATTRIBUTE kt[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), { CKA_VALUE, kek, 16 },
		ATTR(CKA_WRAP, yes), ATTR(CKA_UNWRAP, yes), ATTR(CKA_PRIVATE, no), ut,
	};
	CK_ATTRIBUTE t[] = { ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes),
			     ATTR(CKA_PRIVATE, no), ATTR(CKA_DECRYPT, yes) };
	CK_ATTRIBUTE tpl[] = { ATTR(CKA_DECRYPT, no) };

	kt[6].pValue = tpl;
	kt[6].ulValueLen = sizeof tpl;
	f->C_GenerateRandom(s, kek, sizeof kek);
	f->C_GenerateRandom(s, key, sizeof key);
	ok(f->C_CreateObject(s, kt, 7, &hk) == CKR_OK, "a KEK with CKA_UNWRAP_TEMPLATE "
	   "{CKA_DECRYPT false}");
	hv = api_secret_key(f, s, CKK_AES, key, 16, no, yes);
	is_rv(f->C_WrapKey(s, &kw, hk, hv, w, &n), CKR_OK, "wrap with it");
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n, t, 3, &hu), CKR_OK, "unwrap with it");
	is_ulong(api_get_bool(f, s, hu, CKA_DECRYPT), CK_FALSE,
		 "the unwrapped key took CKA_DECRYPT false");
	is_rv(f->C_UnwrapKey(s, &kw, hk, w, n, t, 4, &hu), CKR_TEMPLATE_INCONSISTENT,
	      "a template that says CKA_DECRYPT true");
}

/* CKA_WRAP_TEMPLATE of the wrapping key, and CKA_TRUSTED (set by the SO) for keys with
 * CKA_WRAP_WITH_TRUSTED. */
static void wrap_template_trusted(void)
{
	uint8_t kek[16], key[16], w[64];
	CK_ULONG n;
	CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 };
	CK_OBJECT_HANDLE hk = 0, ht = 0, hv, hg, htr = 0;
	CK_ATTRIBUTE tpl[] = { ATTR(CKA_KEY_TYPE, k_aes) };
	CK_ATTRIBUTE kt[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), { CKA_VALUE, kek, 16 },
		ATTR(CKA_WRAP, yes), ATTR(CKA_PRIVATE, no), { CKA_WRAP_TEMPLATE, tpl, sizeof tpl },
	};
	CK_ATTRIBUTE tt[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), { CKA_VALUE, kek, 16 },
		ATTR(CKA_WRAP, yes), ATTR(CKA_PRIVATE, no), ATTR(CKA_TRUSTED, yes),
	};
	CK_ATTRIBUTE ttrust[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, k_aes), { CKA_VALUE, key, 16 },
		ATTR(CKA_EXTRACTABLE, yes), ATTR(CKA_WRAP_WITH_TRUSTED, yes), ATTR(CKA_PRIVATE, no),
	};

	f->C_GenerateRandom(s, kek, sizeof kek);
	f->C_GenerateRandom(s, key, sizeof key);
	ok(f->C_CreateObject(s, kt, 6, &hk) == CKR_OK, "a KEK with CKA_WRAP_TEMPLATE "
	   "{CKA_KEY_TYPE CKK_AES}");
	hv = api_secret_key(f, s, CKK_AES, key, 16, no, yes);
	hg = api_secret_key(f, s, CKK_GENERIC_SECRET, key, 16, no, yes);
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &kw, hk, hv, w, &n), CKR_OK, "it wraps an AES key");
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &kw, hk, hg, w, &n), CKR_KEY_NOT_WRAPPABLE,
	      "not a generic secret: CKR_KEY_NOT_WRAPPABLE");
	is_rv(f->C_CreateObject(s, tt, 6, &ht), CKR_ATTRIBUTE_READ_ONLY,
	      "CKA_TRUSTED is the SO's to set");
	is_rv(f->C_Login(s, CKU_SO, API_PIN(API_SO_PIN)), CKR_OK, "SO login");
	is_rv(f->C_CreateObject(s, tt, 6, &ht), CKR_OK, "a trusted KEK, made by the SO");
	is_rv(f->C_Logout(s), CKR_OK, "SO logout (public session objects stay)");
	ok(f->C_CreateObject(s, ttrust, 6, &htr) == CKR_OK, "a key with CKA_WRAP_WITH_TRUSTED");
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &kw, ht, htr, w, &n), CKR_OK, "the trusted KEK wraps it");
	n = sizeof w;
	is_rv(f->C_WrapKey(s, &kw, hk, htr, w, &n), CKR_KEY_NOT_WRAPPABLE,
	      "an untrusted one does not");
}

static void mechanisms(CK_SLOT_ID slot)
{
	CK_MECHANISM_INFO mi;

	ok(f->C_GetMechanismInfo(slot, CKM_AES_KEY_WRAP, &mi) == CKR_OK &&
	   (mi.flags & (CKF_WRAP | CKF_UNWRAP)) == (CKF_WRAP | CKF_UNWRAP) &&
	   mi.ulMinKeySize == 16 && mi.ulMaxKeySize == 32, "CKM_AES_KEY_WRAP: wrap, unwrap, 16-32");
	ok(f->C_GetMechanismInfo(slot, CKM_AES_KEY_WRAP_KWP, &mi) == CKR_OK &&
	   (mi.flags & (CKF_WRAP | CKF_UNWRAP)) == (CKF_WRAP | CKF_UNWRAP),
	   "CKM_AES_KEY_WRAP_KWP: wrap, unwrap");
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot = 0;

	(void)argc;
	api_rig(argv, 1);
	api_temp_dir(dir);
	f = api_module();
	api_start(f, "t5601", CKF_SERIAL_SESSION | CKF_RW_SESSION,
		  "a R/W session (the SO logs in on it)", &slot, &s);
	mechanisms(slot);
	known_answers();
	cross_check();
	rules();
	unwrap_template();
	wrap_template_trusted();
	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	api_remove_dir(dir);
	return done_testing();
}
