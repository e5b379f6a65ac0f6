/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * module.h — load the module under test the way applications do: dlopen() and
 * C_GetFunctionList / C_GetInterface, nothing else. The path is build/scriptoki-pkcs11.so,
 * or SCRIPTOKI_MODULE when set.
 */
#ifndef SCRIPTOKI_TEST_MODULE_H
#define SCRIPTOKI_TEST_MODULE_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "cryptoki.h"

static inline const char *module_path(void)
{
	const char *p = getenv("SCRIPTOKI_MODULE");
	return p != NULL && *p != '\0' ? p : "build/scriptoki-pkcs11.so";
}

/* dlopen the module or bail out of the whole test with a TAP "Bail out!". */
static inline void *module_open(void)
{
	void *h = dlopen(module_path(), RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		printf("Bail out! cannot load %s: %s\n", module_path(), dlerror());
		exit(255);
	}
	return h;
}

static inline void *module_sym(void *h, const char *name)
{
	void *p = dlsym(h, name);
	if (p == NULL) {
		printf("Bail out! %s has no symbol %s\n", module_path(), name);
		exit(255);
	}
	return p;
}

static inline CK_FUNCTION_LIST_PTR module_functions(void *h)
{
	CK_C_GetFunctionList get = (CK_C_GetFunctionList)module_sym(h, "C_GetFunctionList");
	CK_FUNCTION_LIST_PTR fl = NULL;

	if (get(&fl) != CKR_OK || fl == NULL) {
		printf("Bail out! C_GetFunctionList failed\n");
		exit(255);
	}
	return fl;
}

#endif
