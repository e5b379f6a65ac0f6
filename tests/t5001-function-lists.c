/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5001 — the function lists and interfaces, loaded as an application loads the module:
 * every slot of every list is non-NULL and is the exported function of that name; each
 * list carries its true version and the functions of that version, in spec order;
 * C_GetInterfaceList / C_GetInterface follow the standard's two-call and matching rules.
 */
#include <stddef.h>

#include "functions.h"
#include "module.h"
#include "tap.h"

static void *slot_of(const void *list, int index)
{
	const char *base = (const char *)list + offsetof(CK_FUNCTION_LIST_3_2, C_Initialize);
	return ((void *const *)(const void *)base)[index];
}

static int count_since(int max_since)
{
	int i, n = 0;
	for (i = 0; i < N_FUNCTIONS; i++)
		n += all_functions[i].since <= max_since;
	return n;
}

static void check_list(void *h, const void *list, int max_since, int major, int minor,
		       size_t size, const char *what)
{
	const CK_VERSION *v = list;
	int i, n = count_since(max_since), bad = 0;

	ok(v->major == major && v->minor == minor, "%s is stamped %d.%d (got %d.%d)", what,
	   major, minor, v->major, v->minor);
	is_ulong(size, offsetof(CK_FUNCTION_LIST_3_2, C_Initialize) + (size_t)n * sizeof(void *),
		 "%s holds exactly the %d functions of its version", what, n);
	for (i = 0; i < N_FUNCTIONS; i++) {
		const struct fn *f = &all_functions[i];
		void *p;
		if (f->since > max_since)
			continue;
		p = slot_of(list, f->index);
		if (p == NULL || p != dlsym(h, f->name)) {
			diag("%s slot %d (%s) is %p, the exported symbol is %p", what, f->index,
			     f->name, p, dlsym(h, f->name));
			bad++;
		}
	}
	ok(bad == 0, "%s: every slot is non-NULL and is the exported function of its name", what);
}

int main(void)
{
	void *h = module_open();
	CK_FUNCTION_LIST_PTR fl = module_functions(h);
	CK_C_GetInterfaceList getlist = (CK_C_GetInterfaceList)module_sym(h, "C_GetInterfaceList");
	CK_C_GetInterface getitf = (CK_C_GetInterface)module_sym(h, "C_GetInterface");
	CK_INTERFACE itf[8];
	CK_INTERFACE_PTR pi = NULL;
	CK_ULONG n = 0;
	CK_VERSION v30 = {3, 0}, v240 = {2, 40}, v99 = {9, 9};
	const void *l32 = NULL, *l30 = NULL, *l240 = NULL;
	CK_ULONG i;
	int k, positions_ok = 1;

	is_ulong(count_since(240), 68, "the spec has 68 functions of 2.40");
	is_ulong(count_since(300) - count_since(240), 24, "and 24 added in 3.0");
	is_ulong(N_FUNCTIONS - count_since(300), 12, "and 12 added in 3.2");
	for (k = 0; k < N_FUNCTIONS; k++)
		if (all_functions[k].index != k)
			positions_ok = 0;
	ok(positions_ok, "list positions follow the spec's order");

	check_list(h, fl, 240, 2, 40, sizeof(CK_FUNCTION_LIST), "C_GetFunctionList's list");

	/* interfaces: size query, too small, then the real call */
	is_rv(getlist(NULL, &n), CKR_OK, "C_GetInterfaceList size query works before C_Initialize");
	is_ulong(n, 3, "three interfaces are offered");
	n = 1;
	is_rv(getlist(itf, &n), CKR_BUFFER_TOO_SMALL, "a short buffer gets CKR_BUFFER_TOO_SMALL");
	is_ulong(n, 3, "... and the count needed");
	is_rv(getlist(NULL, NULL), CKR_ARGUMENTS_BAD, "a NULL count is CKR_ARGUMENTS_BAD");
	n = 8;
	is_rv(getlist(itf, &n), CKR_OK, "C_GetInterfaceList fills the list");
	for (i = 0; i < n && i < 8; i++) {
		const CK_VERSION *v = itf[i].pFunctionList;
		ok(strcmp((const char *)itf[i].pInterfaceName, "PKCS 11") == 0,
		   "interface %lu is named \"PKCS 11\"", i);
		ok(itf[i].flags == 0, "interface %lu claims no flags (no fork-safe promise)", i);
		if (v->major == 3 && v->minor == 2)
			l32 = v;
		else if (v->major == 3 && v->minor == 0)
			l30 = v;
		else if (v->major == 2 && v->minor == 40)
			l240 = v;
	}
	ok(l32 && l30 && l240, "the interfaces are 3.2, 3.0 and 2.40");
	if (l32 && l30 && l240) {
		ok(((const CK_VERSION *)itf[0].pFunctionList)->major == 3 &&
		   ((const CK_VERSION *)itf[0].pFunctionList)->minor == 2,
		   "the newest comes first");
		check_list(h, l32, 320, 3, 2, sizeof(CK_FUNCTION_LIST_3_2), "the 3.2 list");
		check_list(h, l30, 300, 3, 0, sizeof(CK_FUNCTION_LIST_3_0), "the 3.0 list");
		check_list(h, l240, 240, 2, 40, sizeof(CK_FUNCTION_LIST), "the 2.40 interface list");
	}

	is_rv(getitf(NULL, NULL, &pi, 0), CKR_OK, "C_GetInterface with no constraint");
	ok(pi && pi->pFunctionList == l32, "... gives the default, 3.2");
	is_rv(getitf((CK_UTF8CHAR_PTR) "PKCS 11", &v30, &pi, 0), CKR_OK, "asking for 3.0 by name");
	ok(pi && pi->pFunctionList == l30, "... gives the 3.0 list");
	is_rv(getitf(NULL, &v240, &pi, 0), CKR_OK, "asking for 2.40");
	ok(pi && pi->pFunctionList == l240, "... gives the 2.40 list");
	pi = NULL;
	is_rv(getitf(NULL, &v99, &pi, 0), CKR_ARGUMENTS_BAD, "an unknown version matches nothing");
	ok(pi == NULL, "... and leaves the output alone");
	is_rv(getitf((CK_UTF8CHAR_PTR) "Vendor X", NULL, &pi, 0), CKR_ARGUMENTS_BAD,
	      "an unknown name matches nothing");
	is_rv(getitf(NULL, NULL, &pi, CKF_INTERFACE_FORK_SAFE), CKR_ARGUMENTS_BAD,
	      "no interface claims to be fork-safe");
	is_rv(getitf(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD, "a NULL output is CKR_ARGUMENTS_BAD");

	dlclose(h);
	return done_testing();
}
