/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * token.h — what the tests of token objects (t5302, t5303, t5420, t5430, t5605) and the
 * tests that hand files to the openssl command line (t5201, t5501, t5502, t5702, t5703)
 * share, for function list f and session s:
 *
 *   api_state(i, &len)              token i's state file, whole and NUL-terminated (free
 *                                   it); NULL when there is none
 *   api_same_state(a, alen)         token 0's state file is byte for byte a (alen bytes)
 *   api_find_label(f, s, label, hs) how many objects are labelled label (at most 16; their
 *                                   handles in hs when not NULL, room for 16); -1 when
 *                                   C_FindObjectsInit fails, (CK_ULONG)-1 when C_FindObjects
 *   api_get_attr(f, s, h, t, out, cap)  attribute t's bytes into out: their number, 0 when
 *                                   C_GetAttributeValue refuses
 *   api_get_ulong(f, s, h, t)       a CK_ULONG attribute; API_NO_ULONG when refused
 *   api_get_bool(f, s, h, t)        a CK_BBOOL attribute; -1 when refused
 *   api_put_file(dir, name, p, n)   p[0..n) as the file dir/name: 0, or -1
 *   api_get_file(dir, name, out, cap)  the file dir/name into out (at most cap bytes): how
 *                                   many, or -1
 *   api_opensc_start(argv, s, dir, label, &slot)  the start of a test that hands its token
 *                                   to OpenSC's tools (t5122, t5127, t5307): see below
 */
#ifndef SCRIPTOKI_TEST_TOKEN_H
#define SCRIPTOKI_TEST_TOKEN_H

#include <sys/stat.h>

#include "api.h"

/* No attribute of the tests has this value (not CK_UNAVAILABLE_INFORMATION, which they
 * check for). */
#define API_NO_ULONG ((CK_ULONG)0x5A5A5A5AUL)

__attribute__((unused)) static char *api_state(int i, size_t *len)
{
	const char *path = api_env(i, "STATE");
	struct stat st;
	char *buf;
	FILE *fp;

	*len = 0;
	if (path == NULL || stat(path, &st) != 0 || (fp = fopen(path, "rb")) == NULL)
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	if (buf != NULL) {
		*len = fread(buf, 1, (size_t)st.st_size, fp);
		buf[*len] = '\0';
	}
	fclose(fp);
	return buf;
}

__attribute__((unused)) static int api_same_state(const char *a, size_t alen)
{
	size_t blen;
	char *b = api_state(0, &blen);
	int same = b != NULL && a != NULL && alen == blen && memcmp(a, b, alen) == 0;

	free(b);
	return same;
}

__attribute__((unused)) static long api_find_label(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s,
						   const char *label, CK_OBJECT_HANDLE *hs)
{
	CK_ATTRIBUTE t[] = { { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) } };
	CK_OBJECT_HANDLE dummy[16];
	CK_ULONG got = 0;

	if (hs == NULL)
		hs = dummy;
	if (f->C_FindObjectsInit(s, t, 1) != CKR_OK)
		return -1;
	if (f->C_FindObjects(s, hs, 16, &got) != CKR_OK)
		got = (CK_ULONG)-1;
	f->C_FindObjectsFinal(s);
	return (long)got;
}

__attribute__((unused)) static size_t api_get_attr(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s,
						   CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
						   CK_BYTE *out, size_t cap)
{
	CK_ATTRIBUTE a = { type, out, (CK_ULONG)cap };

	return f->C_GetAttributeValue(s, h, &a, 1) == CKR_OK ? a.ulValueLen : 0;
}

__attribute__((unused)) static CK_ULONG api_get_ulong(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s,
						      CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG v = API_NO_ULONG;
	CK_ATTRIBUTE a = { type, &v, sizeof v };

	return f->C_GetAttributeValue(s, h, &a, 1) == CKR_OK ? v : API_NO_ULONG;
}

__attribute__((unused)) static int api_get_bool(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s,
						CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = 0x55;
	CK_ATTRIBUTE a = { type, &v, sizeof v };

	return f->C_GetAttributeValue(s, h, &a, 1) == CKR_OK ? v : -1;
}

__attribute__((unused)) static int api_put_file(const char *dir, const char *name, const void *p,
						size_t n)
{
	char path[256];
	FILE *fp;
	int rc;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL)
		return -1;
	rc = fwrite(p, 1, n, fp) == n ? 0 : -1;
	return fclose(fp) != 0 ? -1 : rc;
}

__attribute__((unused)) static long api_get_file(const char *dir, const char *name, void *out,
						 size_t cap)
{
	char path[256];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fp = fopen(path, "rb");
	if (fp == NULL)
		return -1;
	n = fread(out, 1, cap, fp);
	fclose(fp);
	return (long)n;
}

/* The rig (one token, s seconds), pkcs15-init there (else the test fails for the opensc
 * package), dir made (api_temp_dir), the module, token 0 initialised through it with label
 * and both PINs, and C_Finalize again, so that OpenSC's tools have the card: the function
 * list, the token's slot in *slot. */
__attribute__((unused)) static CK_FUNCTION_LIST_PTR api_opensc_start(char **argv, int seconds,
								     char *dir, const char *label,
								     CK_SLOT_ID *slot)
{
	CK_FUNCTION_LIST_PTR f;

	api_rig_timeout(argv, 1, seconds);
	if (access("/usr/bin/pkcs15-init", X_OK) != 0)
		api_need_fail("opensc", "/usr/bin/pkcs15-init");
	api_temp_dir(dir);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, *slot, label), CKR_OK, "an initialised token");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize (OpenSC's turn)");
	return f;
}

#endif
