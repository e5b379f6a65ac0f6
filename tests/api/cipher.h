/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cipher.h — the two ways the cipher tests (t5402, t5404, t5405) run C_Encrypt* and
 * C_Decrypt* with one mechanism and key in session s of function list f:
 *
 *   api_oneshot(f, s, dec, m, k, in, n, out, &olen)
 *       Init, a size query, then the one-shot call (CKR_GENERAL_ERROR when the size it
 *       announced exceeds *olen, out's room);
 *   api_parts(f, s, dec, m, k, in, n, out, &olen)
 *       Init, then Update in pieces of 1, 7, 16, 17, 3, 40, 5, 9 ... bytes, each one's
 *       size asked first and required to be the size given (CKR_GENERAL_ERROR
 *       otherwise: the two-call rule), then Final.
 *
 * dec: decryption. *olen: out's room before, the output's length after.
 */
#ifndef SCRIPTOKI_TEST_CIPHER_H
#define SCRIPTOKI_TEST_CIPHER_H

#include <stddef.h>
#include <stdint.h>

#include "cryptoki.h"

static inline CK_RV api_oneshot(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, int dec,
				CK_MECHANISM *m, CK_OBJECT_HANDLE k, const uint8_t *in, size_t n,
				uint8_t *out, CK_ULONG *olen)
{
	CK_ULONG need = 0;
	CK_RV rv = dec ? f->C_DecryptInit(s, m, k) : f->C_EncryptInit(s, m, k);

	if (rv != CKR_OK)
		return rv;
	rv = dec ? f->C_Decrypt(s, (CK_BYTE_PTR)in, n, NULL, &need)
		 : f->C_Encrypt(s, (CK_BYTE_PTR)in, n, NULL, &need);
	if (rv != CKR_OK)
		return rv;
	if (need > *olen)
		return CKR_GENERAL_ERROR;
	*olen = need;
	return dec ? f->C_Decrypt(s, (CK_BYTE_PTR)in, n, out, olen)
		   : f->C_Encrypt(s, (CK_BYTE_PTR)in, n, out, olen);
}

static inline CK_RV api_parts(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, int dec,
			      CK_MECHANISM *m, CK_OBJECT_HANDLE k, const uint8_t *in, size_t n,
			      uint8_t *out, CK_ULONG *olen)
{
	static const size_t sizes[] = { 1, 7, 16, 17, 3, 40, 5, 9 };
	size_t off = 0, done = 0, i = 0, piece;
	CK_ULONG got, need, cap = *olen;
	CK_RV rv = dec ? f->C_DecryptInit(s, m, k) : f->C_EncryptInit(s, m, k);

	while (rv == CKR_OK && off < n) {
		piece = sizes[i++ % (sizeof sizes / sizeof sizes[0])];
		if (piece > n - off)
			piece = n - off;
		need = 0;
		rv = dec ? f->C_DecryptUpdate(s, (CK_BYTE_PTR)in + off, piece, NULL, &need)
			 : f->C_EncryptUpdate(s, (CK_BYTE_PTR)in + off, piece, NULL, &need);
		if (rv != CKR_OK || need > cap - done)
			return rv != CKR_OK ? rv : CKR_GENERAL_ERROR;
		got = cap - done;
		rv = dec ? f->C_DecryptUpdate(s, (CK_BYTE_PTR)in + off, piece, out + done, &got)
			 : f->C_EncryptUpdate(s, (CK_BYTE_PTR)in + off, piece, out + done, &got);
		if (rv == CKR_OK && got != need)
			return CKR_GENERAL_ERROR;       /* the size asked was not the size given */
		off += piece;
		done += got;
	}
	if (rv != CKR_OK)
		return rv;
	got = cap - done;
	rv = dec ? f->C_DecryptFinal(s, out + done, &got) : f->C_EncryptFinal(s, out + done, &got);
	*olen = done + got;
	return rv;
}

#endif
