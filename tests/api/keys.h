/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * keys.h — session secret keys and their wrapping, for the key-management tests (t56xx)
 * in session s of function list f:
 *
 *   api_secret_key(f, s, kt, v, n, wrap, ext)
 *       a session secret key of type kt and value v[0..n): CKA_WRAP and CKA_UNWRAP wrap,
 *       CKA_EXTRACTABLE ext, CKA_SENSITIVE and CKA_PRIVATE false (CK_INVALID_HANDLE when
 *       C_CreateObject refuses it); api_secret_key_with adds the attributes more[0..nmore);
 *   api_wrap(f, s, m, kek, k, out, &n)
 *       C_WrapKey with the size query first (CKR_GENERAL_ERROR when the size announced
 *       exceeds *n, out's room, or is not the size given);
 *   api_unwrap(f, s, m, kek, kt, w, wn, val, &vn, &h)
 *       C_UnwrapKey of w[0..wn) as an extractable, not sensitive, public session key of
 *       type kt (api_unwrap_with: and the attributes more[0..nmore)); its CKA_VALUE into
 *       val (*vn: its room before, the value's length after), its handle into h;
 *   api_awrap(f3, s, m, kek, k, aad, naad, out, &n), api_aunwrap(f3, s, m, kek, kt, w, wn,
 *       aad, naad, val, &vn, &h)
 *       the same with C_WrapKeyAuthenticated and C_UnwrapKeyAuthenticated of the 3.2 list
 *       (the unwrapping template does not name CKA_EXTRACTABLE: its default is tested; a
 *       NULL h destroys the new key once its value is read);
 *   api_get_bool(f, s, h, type)
 *       a CK_BBOOL attribute of h, or -1 when C_GetAttributeValue fails;
 *   api_py_aead(cls, tag_len, dec, k, nk, nonce, nn, aad, naad, in, n, out, cap, &on)
 *       the AEAD cls ("AESGCM", "AESCCM") of python3-cryptography in another process, the
 *       cross-check of the authenticated wrapping.
 */
#ifndef SCRIPTOKI_TEST_KEYS_H
#define SCRIPTOKI_TEST_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cryptoki.h"

#include "bytes.h"

#define API_KEYS_MAX_MORE 4     /* attributes api_*_with may add */

static inline CK_OBJECT_HANDLE api_secret_key_with(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s,
						   CK_KEY_TYPE kt, const uint8_t *v, size_t n,
						   CK_BBOOL wrap, CK_BBOOL ext,
						   const CK_ATTRIBUTE *more, size_t nmore)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_BBOOL no = CK_FALSE;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[8 + API_KEYS_MAX_MORE] = {
		{ CKA_CLASS, &cls, sizeof cls }, { CKA_KEY_TYPE, &kt, sizeof kt },
		{ CKA_VALUE, (void *)v, n }, { CKA_WRAP, &wrap, sizeof wrap },
		{ CKA_UNWRAP, &wrap, sizeof wrap }, { CKA_EXTRACTABLE, &ext, sizeof ext },
		{ CKA_SENSITIVE, &no, sizeof no }, { CKA_PRIVATE, &no, sizeof no },
	};

	if (nmore > API_KEYS_MAX_MORE)
		return CK_INVALID_HANDLE;
	if (nmore > 0)
		memcpy(t + 8, more, nmore * sizeof *more);
	if (f->C_CreateObject(s, t, 8 + nmore, &h) != CKR_OK)
		return CK_INVALID_HANDLE;
	return h;
}

static inline CK_OBJECT_HANDLE api_secret_key(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s,
					      CK_KEY_TYPE kt, const uint8_t *v, size_t n,
					      CK_BBOOL wrap, CK_BBOOL ext)
{
	return api_secret_key_with(f, s, kt, v, n, wrap, ext, NULL, 0);
}

static inline CK_RV api_wrap(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_MECHANISM *m,
			     CK_OBJECT_HANDLE kek, CK_OBJECT_HANDLE k, uint8_t *out, CK_ULONG *n)
{
	CK_ULONG need = 0;
	CK_RV rv = f->C_WrapKey(s, m, kek, k, NULL, &need);

	if (rv != CKR_OK)
		return rv;
	if (need > *n)
		return CKR_GENERAL_ERROR;
	*n = need;
	rv = f->C_WrapKey(s, m, kek, k, out, n);
	return rv == CKR_OK && *n != need ? CKR_GENERAL_ERROR : rv;
}

/* The CKA_VALUE of h into val (*vn: its room, then the value's length). */
static inline CK_RV api_value(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
			      uint8_t *val, CK_ULONG *vn)
{
	CK_ATTRIBUTE a = { CKA_VALUE, val, *vn };
	CK_RV rv = f->C_GetAttributeValue(s, h, &a, 1);

	*vn = a.ulValueLen;
	return rv;
}

static inline CK_RV api_unwrap_with(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s,
				    CK_MECHANISM *m, CK_OBJECT_HANDLE kek, CK_KEY_TYPE kt,
				    const CK_ATTRIBUTE *more, size_t nmore, const uint8_t *w,
				    size_t wn, uint8_t *val, CK_ULONG *vn, CK_OBJECT_HANDLE *ph)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[5 + API_KEYS_MAX_MORE] = {
		{ CKA_CLASS, &cls, sizeof cls }, { CKA_KEY_TYPE, &kt, sizeof kt },
		{ CKA_EXTRACTABLE, &yes, sizeof yes }, { CKA_SENSITIVE, &no, sizeof no },
		{ CKA_PRIVATE, &no, sizeof no },
	};
	CK_RV rv;

	if (nmore > API_KEYS_MAX_MORE)
		return CKR_GENERAL_ERROR;
	if (nmore > 0)
		memcpy(t + 5, more, nmore * sizeof *more);
	rv = f->C_UnwrapKey(s, m, kek, (CK_BYTE_PTR)w, wn, t, 5 + nmore, ph);
	return rv != CKR_OK ? rv : api_value(f, s, *ph, val, vn);
}

static inline CK_RV api_unwrap(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_MECHANISM *m,
			       CK_OBJECT_HANDLE kek, CK_KEY_TYPE kt, const uint8_t *w, size_t wn,
			       uint8_t *val, CK_ULONG *vn, CK_OBJECT_HANDLE *ph)
{
	return api_unwrap_with(f, s, m, kek, kt, NULL, 0, w, wn, val, vn, ph);
}

static inline CK_RV api_awrap(CK_FUNCTION_LIST_3_2_PTR f, CK_SESSION_HANDLE s, CK_MECHANISM *m,
			      CK_OBJECT_HANDLE kek, CK_OBJECT_HANDLE k, const uint8_t *aad,
			      size_t naad, uint8_t *out, CK_ULONG *n)
{
	CK_ULONG need = 0;
	CK_RV rv = f->C_WrapKeyAuthenticated(s, m, kek, k, (CK_BYTE_PTR)aad, naad, NULL, &need);

	if (rv != CKR_OK)
		return rv;
	if (need > *n)
		return CKR_GENERAL_ERROR;
	*n = need;
	rv = f->C_WrapKeyAuthenticated(s, m, kek, k, (CK_BYTE_PTR)aad, naad, out, n);
	return rv == CKR_OK && *n != need ? CKR_GENERAL_ERROR : rv;
}

static inline CK_RV api_aunwrap(CK_FUNCTION_LIST_3_2_PTR f, CK_SESSION_HANDLE s,
				CK_MECHANISM *m, CK_OBJECT_HANDLE kek, CK_KEY_TYPE kt,
				const uint8_t *w, size_t wn, const uint8_t *aad, size_t naad,
				uint8_t *val, CK_ULONG *vn, CK_OBJECT_HANDLE *ph)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof cls }, { CKA_KEY_TYPE, &kt, sizeof kt },
		{ CKA_SENSITIVE, &no, sizeof no }, { CKA_PRIVATE, &no, sizeof no },
	};
	CK_ATTRIBUTE a = { CKA_VALUE, val, *vn };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv = f->C_UnwrapKeyAuthenticated(s, m, kek, (CK_BYTE_PTR)w, wn, t, 4,
					       (CK_BYTE_PTR)aad, naad, ph != NULL ? ph : &h);

	if (rv != CKR_OK)
		return rv;
	rv = f->C_GetAttributeValue(s, ph != NULL ? *ph : h, &a, 1);
	*vn = a.ulValueLen;
	if (ph == NULL)
		f->C_DestroyObject(s, h);
	return rv;
}

static inline int api_get_bool(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
			       CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = 0x55;
	CK_ATTRIBUTE a = { type, &v, sizeof v };

	return f->C_GetAttributeValue(s, h, &a, 1) == CKR_OK ? v : -1;
}

/* cls of python3-cryptography's aead module under key k: enc (in -> ciphertext || tag) or
 * dec (ciphertext || tag -> in), the result into out[0..cap); tag_len the tag's length
 * for a class that takes one (AESCCM), else 0. 0 on success. */
static inline int api_py_aead(const char *cls, size_t tag_len, int dec, const uint8_t *k,
			      size_t nk, const uint8_t *nonce, size_t nn, const uint8_t *aad,
			      size_t naad, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
			      size_t *on)
{
	static const char script[] =
		"import sys\n"
		"from cryptography.hazmat.primitives.ciphers import aead\n"
		"cls, op, k, nonce, aad, t, d = sys.argv[1:8]\n"
		"c = getattr(aead, cls)(bytes.fromhex(k), *([int(t)] if t != '0' else []))\n"
		"f = c.decrypt if op == 'dec' else c.encrypt\n"
		"print(f(bytes.fromhex(nonce), bytes.fromhex(d), bytes.fromhex(aad)).hex())\n";
	char kh[65], nh[513], aadh[129], dh[257], cmd[2048];

	if (nk > 32 || nn > 256 || naad > 64 || n > 128)
		return -1;
	hex(k, nk, kh);
	hex(nonce, nn, nh);
	hex(aad, naad, aadh);
	hex(in, n, dh);
	if (snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"%s\" %s %s %s %s '%s' %zu %s",
		     script, cls, dec ? "dec" : "enc", kh, nh, aadh, tag_len, dh) >=
	    (int)sizeof cmd)
		return -1;
	return api_cmd_hex(cmd, out, cap, on);
}

#endif
