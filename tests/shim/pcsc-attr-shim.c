/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcsc-attr-shim.so — an LD_PRELOAD library for t5111: it stands in for a reader driver
 * that tells its vendor and version. SCardGetAttrib answers SCARD_ATTR_VENDOR_NAME and
 * SCARD_ATTR_VENDOR_IFD_VERSION (attribute values from pcsc-lite's reader.h) itself and
 * passes every other attribute to the real pcsc-lite; SCardConnect and SCardGetAttrib are
 * counted, so the test can see when the module connects and asks.
 */
#include <dlfcn.h>
#include <string.h>
#include <winscard.h>
#include <reader.h>

#define SHIM_VENDOR "Scriptoki Test Readers"
#define SHIM_VERSION 0x02050011u        /* 0xMMmmbbbb: 2.5, build 17 */

static int shim_connects, shim_getattribs;
static SCARDHANDLE shim_last_handle;

/* The real pcsc-lite: loaded by the module with RTLD_LOCAL, so RTLD_NEXT cannot see it. */
static void *shim_real(const char *name)
{
	void *lib = dlopen("libpcsclite.so.1", RTLD_NOW | RTLD_LOCAL);

	return lib != NULL ? dlsym(lib, name) : NULL;
}

__attribute__((visibility("default"))) int shim_connect_count(void);
__attribute__((visibility("default"))) int shim_getattrib_count(void);

int shim_connect_count(void)
{
	return shim_connects;
}

int shim_getattrib_count(void)
{
	return shim_getattribs;
}

LONG SCardConnect(SCARDCONTEXT ctx, LPCSTR reader, DWORD share, DWORD proto, LPSCARDHANDLE h,
		  LPDWORD active)
{
	LONG (*real)(SCARDCONTEXT, LPCSTR, DWORD, DWORD, LPSCARDHANDLE, LPDWORD) =
		(LONG (*)(SCARDCONTEXT, LPCSTR, DWORD, DWORD, LPSCARDHANDLE, LPDWORD))
			shim_real("SCardConnect");
	LONG rc = real != NULL ? real(ctx, reader, share, proto, h, active) : SCARD_F_INTERNAL_ERROR;

	__atomic_add_fetch(&shim_connects, 1, __ATOMIC_SEQ_CST);
	if (rc == SCARD_S_SUCCESS)
		shim_last_handle = *h;
	return rc;
}

LONG SCardGetAttrib(SCARDHANDLE h, DWORD id, LPBYTE attr, LPDWORD len)
{
	LONG (*real)(SCARDHANDLE, DWORD, LPBYTE, LPDWORD) =
		(LONG (*)(SCARDHANDLE, DWORD, LPBYTE, LPDWORD))shim_real("SCardGetAttrib");
	uint32_t v = SHIM_VERSION;

	__atomic_add_fetch(&shim_getattribs, 1, __ATOMIC_SEQ_CST);
	if (h != shim_last_handle || h == 0)
		return SCARD_E_INVALID_HANDLE;          /* only a connected card's handle */
	if (id == SCARD_ATTR_VENDOR_NAME) {
		if (attr == NULL || *len < sizeof SHIM_VENDOR) {
			*len = sizeof SHIM_VENDOR;
			return attr == NULL ? SCARD_S_SUCCESS : SCARD_E_INSUFFICIENT_BUFFER;
		}
		memcpy(attr, SHIM_VENDOR, sizeof SHIM_VENDOR);
		*len = sizeof SHIM_VENDOR;
		return SCARD_S_SUCCESS;
	}
	if (id == SCARD_ATTR_VENDOR_IFD_VERSION) {
		if (attr == NULL || *len < sizeof v) {
			*len = sizeof v;
			return attr == NULL ? SCARD_S_SUCCESS : SCARD_E_INSUFFICIENT_BUFFER;
		}
		memcpy(attr, &v, sizeof v);
		*len = sizeof v;
		return SCARD_S_SUCCESS;
	}
	return real != NULL ? real(h, id, attr, len) : SCARD_F_INTERNAL_ERROR;
}
