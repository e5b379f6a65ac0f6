/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * module.h — load the module under test the way applications do: dlopen() and
 * C_GetFunctionList / C_GetInterface, nothing else. The path is SCRIPTOKI_MODULE when set,
 * else scriptoki-pkcs11.so in the build folder: $BUILD when set (make check sets it, so a
 * sanitizer build in its own folder tests its own module and helpers), else build.
 */
#ifndef SCRIPTOKI_TEST_MODULE_H
#define SCRIPTOKI_TEST_MODULE_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "cryptoki.h"

/* The build folder the tests take the module and the helper programs from. */
static inline const char *build_dir(void)
{
	const char *b = getenv("BUILD");
	return b != NULL && *b != '\0' ? b : "build";
}

/* build_dir()/name in buf (cap bytes); buf. */
static inline const char *build_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", build_dir(), name);
	return buf;
}

/* The module's path: SCRIPTOKI_MODULE, else build_dir()/scriptoki-pkcs11.so (in buf). */
static inline const char *module_path(char *buf, size_t cap)
{
	const char *p = getenv("SCRIPTOKI_MODULE");

	if (p != NULL && *p != '\0')
		return p;
	return build_path(buf, cap, "scriptoki-pkcs11.so");
}

/* dlopen the module or bail out of the whole test with a TAP "Bail out!". */
static inline void *module_open(void)
{
	char buf[4096];
	const char *path = module_path(buf, sizeof buf);
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		printf("Bail out! cannot load %s: %s\n", path, dlerror());
		exit(255);
	}
	return h;
}

static inline void *module_sym(void *h, const char *name)
{
	void *p = dlsym(h, name);
	if (p == NULL) {
		printf("Bail out! the module has no symbol %s\n", name);
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
