/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vt_sym.c — the virtual token's secret-key crypto (an extension, README.md "Secret keys"):
 * GOST 28147-89, Kuznyechik, AES and three-key TDEA (DES3) block functions, and the modes
 * the PSO ENCIPHER, DECIPHER and MAC commands offer on them (ECB, CBC, CTR; the GOST
 * 28147-89 MAC, OMAC; DES3 ECB and CBC only).
 *
 * GOST 28147-89 is computed here, with the S-boxes of id-tc26-gost-28147-param-Z
 * (RFC 7836 appendix A.1, the same table as GOST R 34.12-2015's pi' for Magma) and the
 * byte order of the OpenSSL gost engine (the block is two 32-bit little-endian halves, the
 * key eight 32-bit little-endian words): the tests check it against that engine in another
 * process. Kuznyechik is the gostprov provider's "kuznyechik-ecb" in a private library
 * context, AES and DES3 (TDEA, NIST SP 800-67 Rev. 2: DES-EDE3 with three independent
 * keys) OpenSSL's default provider's. The token never needs the gost engine.
 */
#include "vt.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

/* RFC 7836 A.1 (id-tc26-gost-28147-param-Z); row n substitutes bits 4n..4n+3. */
static const unsigned char vt_sbox_z[8][16] = {
	{ 12, 4, 6, 2, 10, 5, 11, 9, 14, 8, 13, 7, 0, 3, 15, 1 },
	{ 6, 8, 2, 3, 9, 10, 5, 12, 1, 14, 4, 7, 11, 13, 0, 15 },
	{ 11, 3, 5, 8, 2, 15, 10, 13, 14, 1, 7, 4, 12, 9, 6, 0 },
	{ 12, 8, 2, 1, 13, 4, 15, 6, 7, 0, 10, 5, 3, 14, 9, 11 },
	{ 7, 15, 5, 10, 8, 1, 6, 13, 0, 9, 3, 14, 11, 4, 2, 12 },
	{ 5, 13, 15, 6, 9, 2, 12, 10, 11, 7, 8, 1, 4, 3, 14, 0 },
	{ 8, 14, 2, 5, 6, 9, 1, 12, 15, 4, 11, 0, 13, 10, 3, 7 },
	{ 1, 7, 14, 13, 0, 5, 8, 3, 4, 15, 10, 6, 9, 12, 11, 2 },
};

static unsigned long le32(const unsigned char *p)
{
	return (unsigned long)p[0] | (unsigned long)p[1] << 8 | (unsigned long)p[2] << 16 |
	       (unsigned long)p[3] << 24;
}

static void put_le32(unsigned char *p, unsigned long v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* The round function: add the subkey, substitute, rotate left by 11. */
static unsigned long g89_f(unsigned long x)
{
	unsigned long y = 0;
	int i;

	for (i = 0; i < 8; i++)
		y |= (unsigned long)vt_sbox_z[i][(x >> (4 * i)) & 15] << (4 * i);
	y &= 0xFFFFFFFFUL;
	return ((y << 11) | (y >> 21)) & 0xFFFFFFFFUL;
}

/*
 * rounds: 32 for the cipher, 16 for the MAC. Encryption uses the subkeys 0..7 three times,
 * then 7..0; decryption the reverse; the MAC 0..7 twice and leaves the halves unswapped.
 */
static void g89_rounds(const unsigned char *key, int enc, int mac, const unsigned char *in,
		       unsigned char *out)
{
	unsigned long k[8], n1 = le32(in), n2 = le32(in + 4), t;
	int i, r, idx;

	for (i = 0; i < 8; i++)
		k[i] = le32(key + 4 * i);
	for (r = 0; r < (mac ? 16 : 32); r++) {
		if (mac)
			idx = r % 8;
		else if (enc)
			idx = r < 24 ? r % 8 : 7 - r % 8;
		else
			idx = r < 8 ? r : 7 - r % 8;
		t = n2 ^ g89_f((n1 + k[idx]) & 0xFFFFFFFFUL);
		n2 = n1;
		n1 = t;
	}
	if (mac) {
		put_le32(out, n1);
		put_le32(out + 4, n2);
	} else {
		put_le32(out, n2);
		put_le32(out + 4, n1);
	}
	OPENSSL_cleanse(k, sizeof k);
}

static OSSL_LIB_CTX *vt_libctx;
static int vt_libctx_tried;

static OSSL_LIB_CTX *vt_ctx(void)
{
	if (!vt_libctx_tried) {
		vt_libctx_tried = 1;
		vt_libctx = OSSL_LIB_CTX_new();
		if (vt_libctx != NULL && (OSSL_PROVIDER_load(vt_libctx, "default") == NULL ||
					  OSSL_PROVIDER_load(vt_libctx, "gostprov") == NULL)) {
			OSSL_LIB_CTX_free(vt_libctx);
			vt_libctx = NULL;
		}
	}
	return vt_libctx;
}

size_t vt_sym_block_len(int alg)
{
	return alg == VT_ALG_GOST28147 || alg == VT_ALG_DES3 ? 8 : 16;
}

int vt_sym_mode_ok(int alg, int mode)
{
	if (alg == VT_ALG_DES3)
		return mode == VT_SYM_ECB || mode == VT_SYM_CBC;
	return VT_IS_SYM(alg);
}

/*
 * A generated key: random bytes; a DES3 key's eight bytes of each of its three DES keys
 * then get odd parity (FIPS 46-3 / NIST SP 800-67 Rev. 2 3.1: the least significant bit
 * of each byte makes its number of ones odd). Imported keys keep the parity they have
 * (DES ignores those bits).
 */
int vt_sym_generate(int alg, unsigned char *key, size_t len)
{
	size_t i;

	if (!vt_sym_key_ok(alg, len) || vt_random(key, len))
		return -1;
	if (alg == VT_ALG_DES3)
		for (i = 0; i < len; i++) {
			unsigned v = key[i] >> 1, ones = 0;

			while (v) {
				ones += v & 1;
				v >>= 1;
			}
			key[i] = (unsigned char)((key[i] & 0xFE) | (ones % 2 == 0));
		}
	return 0;
}

int vt_sym_key_ok(int alg, size_t len)
{
	switch (alg) {
	case VT_ALG_GOST28147:
	case VT_ALG_KUZNYECHIK:
		return len == 32;
	case VT_ALG_AES:
		return len == 16 || len == 24 || len == 32;
	case VT_ALG_DES3:
		return len == 24;       /* keying option 1: K1, K2, K3 (SP 800-67 3.1) */
	default:
		return 0;
	}
}

/* One block through the cipher. 0 on success. */
static int vt_block(int alg, const unsigned char *key, size_t klen, int enc,
		    const unsigned char *in, unsigned char *out)
{
	EVP_CIPHER *ci = NULL;
	EVP_CIPHER_CTX *cx = NULL;
	const char *name;
	int l1 = 0, l2 = 0, rc = -1, bl = (int)vt_sym_block_len(alg);

	if (alg == VT_ALG_GOST28147) {
		g89_rounds(key, enc, 0, in, out);
		return 0;
	}
	if (alg == VT_ALG_KUZNYECHIK)
		name = "kuznyechik-ecb";
	else if (alg == VT_ALG_DES3)
		name = "DES-EDE3-ECB";
	else
		name = klen == 16 ? "AES-128-ECB" : klen == 24 ? "AES-192-ECB" : "AES-256-ECB";
	if (vt_ctx() == NULL)
		return -1;
	ci = EVP_CIPHER_fetch(vt_ctx(), name, NULL);
	cx = EVP_CIPHER_CTX_new();
	if (ci == NULL || cx == NULL ||
	    !EVP_CipherInit_ex2(cx, ci, key, NULL, enc, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(cx, 0) ||
	    !EVP_CipherUpdate(cx, out, &l1, in, bl) ||
	    !EVP_CipherFinal_ex(cx, out + l1, &l2) || l1 + l2 != bl)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(cx);
	EVP_CIPHER_free(ci);
	return rc;
}

/*
 * ECB (mode 1) and CBC (2) take whole blocks; CTR (3) any length, the counter block being
 * the IV incremented as one big-endian integer per block (GOST R 34.13-2015 5.2 with a
 * full-block initial counter, as PKCS #11's CKM_AES_CTR). iv: one block, CBC and CTR only.
 * Returns 0, or -1 for a length or key the mode refuses.
 */
int vt_sym_crypt(int alg, const unsigned char *key, size_t klen, int mode, int enc,
		 const unsigned char *iv, const unsigned char *in, size_t len,
		 unsigned char *out)
{
	size_t bl = vt_sym_block_len(alg), i, j;
	unsigned char chain[16], ctr[16], tmp[16];
	int rc = -1;

	if (!vt_sym_key_ok(alg, klen) || !vt_sym_mode_ok(alg, mode))
		return -1;
	if (mode != VT_SYM_CTR && len % bl)
		return -1;
	if (mode != VT_SYM_ECB)
		memcpy(chain, iv, bl);
	for (i = 0; i < len; i += bl) {
		size_t n = len - i < bl ? len - i : bl;

		switch (mode) {
		case VT_SYM_ECB:
			if (vt_block(alg, key, klen, enc, in + i, out + i))
				goto out;
			break;
		case VT_SYM_CBC:
			if (enc) {
				for (j = 0; j < bl; j++)
					tmp[j] = in[i + j] ^ chain[j];
				if (vt_block(alg, key, klen, 1, tmp, out + i))
					goto out;
				memcpy(chain, out + i, bl);
			} else {
				memcpy(tmp, in + i, bl);
				if (vt_block(alg, key, klen, 0, in + i, out + i))
					goto out;
				for (j = 0; j < bl; j++)
					out[i + j] ^= chain[j];
				memcpy(chain, tmp, bl);
			}
			break;
		case VT_SYM_CTR:
			if (vt_block(alg, key, klen, 1, chain, ctr))
				goto out;
			for (j = 0; j < n; j++)
				out[i + j] = in[i + j] ^ ctr[j];
			for (j = bl; j-- > 0;)
				if (++chain[j] != 0)
					break;
			break;
		default:
			goto out;
		}
	}
	rc = 0;
out:
	OPENSSL_cleanse(ctr, sizeof ctr);
	OPENSSL_cleanse(tmp, sizeof tmp);
	return rc;
}

/* Double in GF(2^n) for the OMAC subkeys (GOST R 34.13-2015 5.6; NIST SP 800-38B). */
static void omac_double(unsigned char *b, size_t bl)
{
	unsigned char carry = b[0] >> 7;
	size_t i;

	for (i = 0; i + 1 < bl; i++)
		b[i] = (unsigned char)(b[i] << 1 | b[i + 1] >> 7);
	b[bl - 1] = (unsigned char)(b[bl - 1] << 1);
	if (carry)
		b[bl - 1] ^= bl == 16 ? 0x87 : 0x1B;
}

/*
 * The MAC of msg: GOST 28147-89 (section 5 of the standard: 16-round chaining, the last
 * block zero-padded, a one-block message chained with a zero block as the gost engine
 * does; *maclen 4) or OMAC/CMAC (Kuznyechik, AES; *maclen one block). 0 on success.
 */
int vt_sym_mac(int alg, const unsigned char *key, size_t klen, const unsigned char *msg,
	       size_t len, unsigned char *mac, size_t *maclen)
{
	size_t bl = vt_sym_block_len(alg), i, j, nblk;
	unsigned char s[16] = { 0 }, k1[16] = { 0 }, last[16];
	int rc = -1;

	if (!vt_sym_key_ok(alg, klen) || !vt_sym_mode_ok(alg, 0))
		return -1;
	if (alg == VT_ALG_GOST28147) {
		nblk = len == 0 ? 1 : (len + 7) / 8;
		for (i = 0; i < nblk; i++) {
			for (j = 0; j < 8 && 8 * i + j < len; j++)
				s[j] ^= msg[8 * i + j];
			g89_rounds(key, 1, 1, s, s);
		}
		if (nblk == 1)
			g89_rounds(key, 1, 1, s, s);
		memcpy(mac, s, 4);
		*maclen = 4;
		rc = 0;
		goto out;
	}
	if (vt_block(alg, key, klen, 1, k1, k1))
		goto out;
	omac_double(k1, bl);                         /* K1 */
	nblk = len == 0 ? 1 : (len + bl - 1) / bl;
	memset(last, 0, sizeof last);
	if (len > 0 && len % bl == 0) {
		memcpy(last, msg + (nblk - 1) * bl, bl);
	} else {
		size_t r = len - (nblk - 1) * bl;

		if (r > 0)      /* an empty message: msg may be NULL */
			memcpy(last, msg + (nblk - 1) * bl, r);
		last[r] = 0x80;
		omac_double(k1, bl);                 /* K2 */
	}
	for (j = 0; j < bl; j++)
		last[j] ^= k1[j];
	for (i = 0; i + 1 < nblk; i++) {
		for (j = 0; j < bl; j++)
			s[j] ^= msg[i * bl + j];
		if (vt_block(alg, key, klen, 1, s, s))
			goto out;
	}
	for (j = 0; j < bl; j++)
		s[j] ^= last[j];
	if (vt_block(alg, key, klen, 1, s, mac))
		goto out;
	*maclen = bl;
	rc = 0;
out:
	OPENSSL_cleanse(s, sizeof s);
	OPENSSL_cleanse(k1, sizeof k1);
	OPENSSL_cleanse(last, sizeof last);
	return rc;
}
