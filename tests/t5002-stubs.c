/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5002 — every function the runtime does not implement is a stub, reachable through
 * the newest function list, that answers CKR_CRYPTOKI_NOT_INITIALIZED before
 * C_Initialize and CKR_FUNCTION_NOT_SUPPORTED after it; every other function but the
 * four the standard allows before C_Initialize answers CKR_CRYPTOKI_NOT_INITIALIZED too.
 *
 * The functions are called through one generic pointer type with twelve zero arguments.
 * Every Cryptoki argument is an integer or a pointer, so on the SysV ABIs this is the
 * same call as with the real prototype; a stub looks at none of them anyway.
 */
#include <stddef.h>

#include "functions.h"
#include "module.h"
#include "tap.h"

typedef CK_RV (*any_fn)(CK_ULONG, CK_ULONG, CK_ULONG, CK_ULONG, CK_ULONG, CK_ULONG, CK_ULONG,
			CK_ULONG, CK_ULONG, CK_ULONG, CK_ULONG, CK_ULONG);

static const char *const before_init_ok[] = {"C_Initialize", "C_GetFunctionList",
					     "C_GetInterfaceList", "C_GetInterface"};

static int works_before_init(const char *name)
{
	size_t i;
	for (i = 0; i < sizeof before_init_ok / sizeof before_init_ok[0]; i++)
		if (strcmp(name, before_init_ok[i]) == 0)
			return 1;
	return 0;
}

static CK_RV call(const CK_FUNCTION_LIST_3_2 *l, const struct fn *f)
{
	const char *base = (const char *)l + offsetof(CK_FUNCTION_LIST_3_2, C_Initialize);
	any_fn p = (any_fn)((void *const *)(const void *)base)[f->index];
	return p(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

static void sweep(const CK_FUNCTION_LIST_3_2 *l, int initialised, const char *when)
{
	int i, stubs = 0, bad = 0;

	for (i = 0; i < N_FUNCTIONS; i++) {
		const struct fn *f = &all_functions[i];
		CK_RV want, got;

		if (works_before_init(f->name))
			continue;
		if (is_implemented(f->name)) {
			if (initialised)
				continue;   /* real functions are tested with real arguments */
			want = CKR_CRYPTOKI_NOT_INITIALIZED;
		} else {
			stubs++;
			want = initialised ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED;
		}
		got = call(l, f);
		if (got != want) {
			diag("%s %s: got 0x%lx, expected 0x%lx", when, f->name, got, want);
			bad++;
		}
	}
	ok(bad == 0 && stubs > 0, "%s: all %d stubs (and the implemented functions) answer as they must",
	   when, stubs);
}

int main(void)
{
	void *h = module_open();
	CK_C_GetInterface getitf = (CK_C_GetInterface)module_sym(h, "C_GetInterface");
	CK_VERSION v32 = {3, 2};
	CK_INTERFACE_PTR itf = NULL;
	const CK_FUNCTION_LIST_3_2 *l;

	if (getitf(NULL, &v32, &itf, 0) != CKR_OK || itf == NULL) {
		printf("Bail out! no 3.2 interface\n");
		return 255;
	}
	l = itf->pFunctionList;

	sweep(l, 0, "before C_Initialize");
	is_rv(l->C_Initialize(NULL), CKR_OK, "C_Initialize(NULL)");
	sweep(l, 1, "after C_Initialize");
	is_rv(l->C_Finalize(NULL), CKR_OK, "C_Finalize(NULL)");
	sweep(l, 0, "after C_Finalize");
	dlclose(h);
	return done_testing();
}
