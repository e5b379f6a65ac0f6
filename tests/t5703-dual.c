/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5703 — the dual-function updates (PKCS #11 3.2, 5.17) with session secret keys on the
 * host: C_DigestEncryptUpdate (SHA-256 + AES-CBC), C_DecryptDigestUpdate, C_SignEncryptUpdate
 * (HMAC-SHA-256 + AES-CBC), C_DecryptVerifyUpdate, each fed in uneven parts. The ciphertext
 * is the known answer of NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt); the digest and the MAC
 * of the plaintext are checked against `openssl dgst` (-sha256, and -mac HMAC) in another
 * process. The rules: both operations active, else CKR_OPERATION_NOT_INITIALIZED with the
 * active one left as it was; the size query and CKR_BUFFER_TOO_SMALL advance neither (the
 * results stay the known ones); an error (CKR_OPERATION_ACTIVE after a one-shot size query,
 * a NULL length pointer) ends both; a wrong MAC fails C_VerifyFinal after the dual calls.
 */
#include "api/api.h"
#include "api/token.h"
#include "api/bytes.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static char tmp[] = "/tmp/t5703-XXXXXX";
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS c_secret = CKO_SECRET_KEY;

#define ATTR(t, v) { (t), &(v), sizeof(v) }

/* NIST SP 800-38A F.2.1 */
static const char *const k_hex = "2b7e151628aed2a6abf7158809cf4f3c";
static const char *const iv_hex = "000102030405060708090a0b0c0d0e0f";
static const char *const pt_hex =
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
static const char *const ct_hex =
	"7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
	"73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7";
static const char *const hmac_key_hex = "000102030405060708090a0b0c0d0e0f10111213";

static uint8_t key[16], iv[16], pt[64], ct[64], hkey[20];

/* `openssl dgst <opts> -r` of p[0..n), in another process, as bytes: its length or -1. */
static long dgst(const char *opts, const uint8_t *p, size_t n, uint8_t *out)
{
	char cmd[512], line[512];
	FILE *pp;
	long len = -1;

	if (api_put_file(tmp, "in", p, n) != 0)
		return -1;
	snprintf(cmd, sizeof cmd, "openssl dgst %s -r %s/in", opts, tmp);
	pp = popen(cmd, "r");
	if (pp == NULL)
		return -1;
	if (fgets(line, sizeof line, pp) != NULL) {
		char *sp = strchr(line, ' ');
		if (sp != NULL) {
			*sp = '\0';
			len = (long)unhex(line, out);
		}
	}
	return pclose(pp) == 0 ? len : -1;
}

static CK_OBJECT_HANDLE secret(CK_KEY_TYPE kt, const uint8_t *v, size_t n)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		ATTR(CKA_CLASS, c_secret), ATTR(CKA_KEY_TYPE, kt), { CKA_VALUE, (void *)v, n },
		ATTR(CKA_ENCRYPT, yes), ATTR(CKA_DECRYPT, yes), ATTR(CKA_SIGN, yes),
		ATTR(CKA_VERIFY, yes), ATTR(CKA_PRIVATE, no),
	};

	if (f->C_CreateObject(s, t, sizeof t / sizeof t[0], &h) != CKR_OK)
		return CK_INVALID_HANDLE;
	return h;
}

static CK_OBJECT_HANDLE aes, hmac;
static CK_MECHANISM m_cbc = { CKM_AES_CBC, iv, 16 };
static CK_MECHANISM m_sha = { CKM_SHA256, NULL, 0 };
static CK_MECHANISM m_hmac = { CKM_SHA256_HMAC, NULL, 0 };

static const size_t pieces[] = { 7, 16, 1, 25, 15 };       /* 64 in all */

enum which { DIGEST_ENCRYPT, DECRYPT_DIGEST, SIGN_ENCRYPT, DECRYPT_VERIFY };

static CK_RV dual(enum which w, CK_BYTE_PTR in, CK_ULONG n, CK_BYTE_PTR out, CK_ULONG_PTR len)
{
	switch (w) {
	case DIGEST_ENCRYPT:
		return f->C_DigestEncryptUpdate(s, in, n, out, len);
	case DECRYPT_DIGEST:
		return f->C_DecryptDigestUpdate(s, in, n, out, len);
	case SIGN_ENCRYPT:
		return f->C_SignEncryptUpdate(s, in, n, out, len);
	default:
		return f->C_DecryptVerifyUpdate(s, in, n, out, len);
	}
}

static const char *const wname[] = { "C_DigestEncryptUpdate", "C_DecryptDigestUpdate",
				     "C_SignEncryptUpdate", "C_DecryptVerifyUpdate" };

/* The whole message through w in pieces, with a size query and a short buffer before
 * each piece; out gets the cipher's output (64 bytes), tag the digest or MAC. */
static void run_dual(enum which w, const uint8_t *want_tag, size_t tag_len, int bad_tag)
{
	int dec = w == DECRYPT_DIGEST || w == DECRYPT_VERIFY;
	const uint8_t *in = dec ? ct : pt;
	const uint8_t *want = dec ? pt : ct;
	uint8_t out[80], tag[64], bad[64];
	CK_ULONG got, done = 0, tl = sizeof tag, need;
	size_t off = 0, i;
	int fine = 1, queried = 1;
	CK_RV rv;

	if (w == DIGEST_ENCRYPT || w == DECRYPT_DIGEST)
		rv = f->C_DigestInit(s, &m_sha);
	else if (w == SIGN_ENCRYPT)
		rv = f->C_SignInit(s, &m_hmac, hmac);
	else
		rv = f->C_VerifyInit(s, &m_hmac, hmac);
	is_rv(rv, CKR_OK, "%s: the digest, signature or verification", wname[w]);
	is_rv(dec ? f->C_DecryptInit(s, &m_cbc, aes) : f->C_EncryptInit(s, &m_cbc, aes), CKR_OK,
	      "%s: the AES-CBC %scryption", wname[w], dec ? "de" : "en");
	for (i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
		need = 99;
		rv = dual(w, (CK_BYTE_PTR)in + off, pieces[i], NULL, &need);
		fine &= rv == CKR_OK;
		/* whole blocks of what is buffered and the piece */
		queried &= need == ((off + pieces[i]) / 16 - off / 16) * 16;
		if (need > 0) {
			got = need - 1;
			fine &= dual(w, (CK_BYTE_PTR)in + off, pieces[i], out + done, &got) ==
				CKR_BUFFER_TOO_SMALL && got == need;
		}
		got = sizeof out - done;
		fine &= dual(w, (CK_BYTE_PTR)in + off, pieces[i], out + done, &got) == CKR_OK;
		fine &= got == need;
		done += got;
		off += pieces[i];
	}
	ok(fine, "%s: 5 uneven parts, each after a size query and a short buffer", wname[w]);
	ok(queried, "%s: the size query says the exact output (whole blocks)", wname[w]);
	got = sizeof out - done;
	is_rv(dec ? f->C_DecryptFinal(s, out + done, &got) : f->C_EncryptFinal(s, out + done, &got),
	      CKR_OK, "%s: the cipher's Final", wname[w]);
	done += got;
	ok(done == 64 && memcmp(out, want, 64) == 0, "%s: the %s of NIST SP 800-38A F.2.1",
	   wname[w], dec ? "plaintext" : "ciphertext");
	if (w == DECRYPT_VERIFY) {
		memcpy(bad, want_tag, tag_len);
		if (bad_tag)
			bad[3] ^= 0x40;
		is_rv(f->C_VerifyFinal(s, bad, tag_len), bad_tag ? CKR_SIGNATURE_INVALID : CKR_OK,
		      "%s: C_VerifyFinal with %s MAC (openssl dgst -mac HMAC)", wname[w],
		      bad_tag ? "a wrong" : "the right");
		return;
	}
	rv = w == SIGN_ENCRYPT ? f->C_SignFinal(s, tag, &tl) : f->C_DigestFinal(s, tag, &tl);
	is_rv(rv, CKR_OK, "%s: the other operation's Final", wname[w]);
	ok(tl == tag_len && memcmp(tag, want_tag, tag_len) == 0,
	   "%s: its result is openssl dgst's of the plaintext (another process)", wname[w]);
}

static void rules(void)
{
	uint8_t out[64], tag[64];
	CK_ULONG got, tl = sizeof tag;

	got = sizeof out;
	is_rv(f->C_DigestEncryptUpdate(s, pt, 16, out, &got), CKR_OPERATION_NOT_INITIALIZED,
	      "nothing active: CKR_OPERATION_NOT_INITIALIZED");
	is_rv(f->C_DigestInit(s, &m_sha), CKR_OK, "a digest alone");
	got = sizeof out;
	is_rv(f->C_DigestEncryptUpdate(s, pt, 16, out, &got), CKR_OPERATION_NOT_INITIALIZED,
	      "C_DigestEncryptUpdate without an encryption: CKR_OPERATION_NOT_INITIALIZED");
	got = sizeof out;
	is_rv(f->C_DecryptDigestUpdate(s, ct, 16, out, &got), CKR_OPERATION_NOT_INITIALIZED,
	      "C_DecryptDigestUpdate without a decryption: likewise");
	is_rv(f->C_DigestUpdate(s, pt, 16), CKR_OK, "... and the digest is still there");
	is_rv(f->C_DigestFinal(s, tag, &tl), CKR_OK, "C_DigestFinal");
	is_rv(f->C_EncryptInit(s, &m_cbc, aes), CKR_OK, "an encryption alone");
	got = sizeof out;
	is_rv(f->C_SignEncryptUpdate(s, pt, 16, out, &got), CKR_OPERATION_NOT_INITIALIZED,
	      "C_SignEncryptUpdate without a signature: CKR_OPERATION_NOT_INITIALIZED");
	got = sizeof out;
	is_rv(f->C_EncryptUpdate(s, pt, 16, out, &got), CKR_OK, "... the encryption goes on");
	ok(got == 16 && memcmp(out, ct, 16) == 0, "... from its first block");

	/* an error ends both: the digest after a C_Digest size query refuses Update */
	is_rv(f->C_DigestInit(s, &m_sha), CKR_OK, "a digest beside it");
	tl = 0;
	is_rv(f->C_Digest(s, pt, 16, NULL, &tl), CKR_OK, "a C_Digest size query");
	got = sizeof out;
	is_rv(f->C_DigestEncryptUpdate(s, pt + 16, 16, out, &got), CKR_OPERATION_ACTIVE,
	      "then C_DigestEncryptUpdate: CKR_OPERATION_ACTIVE");
	got = sizeof out;
	is_rv(f->C_EncryptUpdate(s, pt + 16, 16, out, &got), CKR_OPERATION_NOT_INITIALIZED,
	      "... which ended the encryption");
	tl = sizeof tag;
	is_rv(f->C_DigestFinal(s, tag, &tl), CKR_OPERATION_NOT_INITIALIZED,
	      "... and the digest");

	is_rv(f->C_DecryptInit(s, &m_cbc, aes), CKR_OK, "a decryption");
	is_rv(f->C_VerifyInit(s, &m_hmac, hmac), CKR_OK, "and a verification");
	is_rv(f->C_DecryptVerifyUpdate(s, ct, 16, out, NULL), CKR_ARGUMENTS_BAD,
	      "C_DecryptVerifyUpdate with no length pointer: CKR_ARGUMENTS_BAD");
	got = sizeof out;
	is_rv(f->C_DecryptUpdate(s, ct, 16, out, &got), CKR_OPERATION_NOT_INITIALIZED,
	      "... which ended the decryption");
	is_rv(f->C_VerifyFinal(s, tag, 32), CKR_OPERATION_NOT_INITIALIZED,
	      "... and the verification");
}

int main(int argc, char **argv)
{
	uint8_t dg[64], mac[64];
	long dl, ml;
	char opts[128];
	CK_SLOT_ID slot = 0;

	api_rig(argv, 1);
	f = api_module();
	if (mkdtemp(tmp) == NULL)
		return printf("Bail out! mkdtemp\n"), 255;
	unhex(k_hex, key);
	unhex(iv_hex, iv);
	unhex(pt_hex, pt);
	unhex(ct_hex, ct);
	unhex(hmac_key_hex, hkey);
	dl = dgst("-sha256", pt, sizeof pt, dg);
	snprintf(opts, sizeof opts, "-sha256 -mac HMAC -macopt hexkey:%s", hmac_key_hex);
	ml = dgst(opts, pt, sizeof pt, mac);
	ok(dl == 32 && ml == 32, "openssl dgst: SHA-256 and HMAC-SHA-256 of the plaintext");

	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK, "a session");
	aes = secret(CKK_AES, key, sizeof key);
	hmac = secret(CKK_GENERIC_SECRET, hkey, sizeof hkey);
	ok(aes != CK_INVALID_HANDLE && hmac != CK_INVALID_HANDLE, "an AES and an HMAC key");

	run_dual(DIGEST_ENCRYPT, dg, 32, 0);
	run_dual(DECRYPT_DIGEST, dg, 32, 0);
	run_dual(SIGN_ENCRYPT, mac, 32, 0);
	run_dual(DECRYPT_VERIFY, mac, 32, 0);
	run_dual(DECRYPT_VERIFY, mac, 32, 1);
	rules();

	is_rv(f->C_CloseSession(s), CKR_OK, "close the session");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	remove(strcat(strcpy((char[300]){0}, tmp), "/in"));
	rmdir(tmp);
	return done_testing();
}
