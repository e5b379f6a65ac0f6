/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * info.c — the general-purpose functions that describe the library:
 * C_GetInfo, C_GetFunctionList, C_GetInterfaceList, C_GetInterface.
 * The lists and interfaces themselves are generated from spec/ (sk_lists.c).
 */
#include <string.h>

#include "sk_dispatch.h"
#include "util.h"

CK_RV rt_GetInfo(CK_INFO_PTR pInfo)
{
	memset(pInfo, 0, sizeof *pInfo);
	pInfo->cryptokiVersion.major = SK_CRYPTOKI_VERSION_MAJOR;
	pInfo->cryptokiVersion.minor = SK_CRYPTOKI_VERSION_MINOR;
	util_pad(pInfo->manufacturerID, sizeof pInfo->manufacturerID, SK_MODULE_MANUFACTURER);
	pInfo->flags = 0;
	util_pad(pInfo->libraryDescription, sizeof pInfo->libraryDescription,
		 SK_MODULE_DESCRIPTION);
	pInfo->libraryVersion.major = SK_LIBRARY_VERSION_MAJOR;
	pInfo->libraryVersion.minor = SK_LIBRARY_VERSION_MINOR;
	return CKR_OK;
}

CK_RV rt_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
	/* C_GetFunctionList is the 2.40 way in: it hands out the 2.40 list. */
	*ppFunctionList = &sk_function_list_2_40;
	return CKR_OK;
}

CK_RV rt_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
	CK_ULONG have = *pulCount;

	*pulCount = sk_interface_count;
	if (pInterfacesList == NULL)
		return CKR_OK;
	if (have < sk_interface_count)
		return CKR_BUFFER_TOO_SMALL;
	memcpy(pInterfacesList, sk_interfaces, sk_interface_count * sizeof sk_interfaces[0]);
	return CKR_OK;
}

static int info_version_of(const CK_INTERFACE *itf, CK_VERSION *v)
{
	/* every function list begins with its CK_VERSION */
	*v = *(const CK_VERSION *)itf->pFunctionList;
	return 1;
}

CK_RV rt_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
		      CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)
{
	CK_ULONG i;

	for (i = 0; i < sk_interface_count; i++) {
		CK_INTERFACE *itf = &sk_interfaces[i];
		CK_VERSION v;

		if (pInterfaceName != NULL &&
		    strcmp((const char *)pInterfaceName, (const char *)itf->pInterfaceName) != 0)
			continue;
		info_version_of(itf, &v);
		if (pVersion != NULL && (pVersion->major != v.major || pVersion->minor != v.minor))
			continue;
		if ((itf->flags & flags) != flags)
			continue;
		*ppInterface = itf;
		return CKR_OK;
	}
	/* PKCS #11 3.x names no better code for "no interface matches" */
	return CKR_ARGUMENTS_BAD;
}
