/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5009 — the return-code sweep, generated from spec/functions.yaml (generated/
 * sk_sweep.inc): every one of the 104 functions, reached by its exported name, is called
 *   - before C_Initialize: CKR_CRYPTOKI_NOT_INITIALIZED wherever the spec says `init`;
 *   - with an invalid session handle (`handle: session`): CKR_SESSION_HANDLE_INVALID —
 *     before anything else looks at the other arguments, whatever they hold;
 *   - with an invalid slot (`handle: slot`): CKR_SLOT_ID_INVALID;
 *   - with each pointer the spec does not let be NULL set to NULL: CKR_ARGUMENTS_BAD, or
 *     CKR_SESSION_HANDLE_INVALID when the function takes a session (the handle is still
 *     the invalid one, and its code comes first; t5011 repeats these with a valid one);
 * and a stub answers CKR_FUNCTION_NOT_SUPPORTED to all of it. Each code is also one of the
 * function's own `returns:` (make check runs with the return-code check, which would stop
 * this test otherwise). No token is needed: these answers come before any card.
 */
#include <stdalign.h>

#include "tap.h"
#include "module.h"
#include "sk_names.c"

#define SWEEP_BUF_SIZE 4096
static alignas(64) unsigned char sweep_buf[SWEEP_BUF_SIZE];

#include "sk_sweep.inc"

#define NFNS (sizeof sweep_fns / sizeof sweep_fns[0])
#define BAD_SESSION ((CK_ULONG)0x5EE5DEADUL)
#define BAD_SLOT ((CK_ULONG)0x510DEADUL)

/* Functions the sweep does not call after C_Initialize with everything valid but the
 * handle: those that start or end the library. */
static int lifecycle(const char *name)
{
	return strcmp(name, "C_Initialize") == 0 || strcmp(name, "C_Finalize") == 0 ||
	       strcmp(name, "C_GetFunctionList") == 0 || strcmp(name, "C_GetInterfaceList") == 0 ||
	       strcmp(name, "C_GetInterface") == 0;
}

int main(void)
{
	void *h = module_open();
	CK_FUNCTION_LIST_PTR f = module_functions(h);
	void *sym[NFNS];
	size_t i;
	int j, before = 1, handle = 1, slot = 1, nulls = 1, stubs = 1;
	unsigned nhandle = 0, nslot = 0, nnull = 0, nstub = 0;
	CK_RV rv;

	is_ulong(NFNS, 104, "the sweep covers the 104 functions of the spec");
	for (i = 0; i < NFNS; i++)
		sym[i] = module_sym(h, sweep_fns[i].name);

	for (i = 0; i < NFNS; i++) {
		if (!sweep_fns[i].need_init || lifecycle(sweep_fns[i].name))
			continue;
		memset(sweep_buf, 0, sizeof sweep_buf);
		rv = sweep_fns[i].call(sym[i], -1, BAD_SESSION);
		if (rv != CKR_CRYPTOKI_NOT_INITIALIZED) {
			before = 0;
			diag("%s before C_Initialize: %s", sweep_fns[i].name, sk_rv_name(rv));
		}
	}
	ok(before, "before C_Initialize every function that needs it: CKR_CRYPTOKI_NOT_INITIALIZED");

	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	for (i = 0; i < NFNS; i++) {
		const struct sweep_fn *s = &sweep_fns[i];

		if (lifecycle(s->name))
			continue;
		if (!s->implemented) {
			memset(sweep_buf, 0, sizeof sweep_buf);
			rv = s->call(sym[i], -1, s->handle == SWEEP_SLOT ? BAD_SLOT : BAD_SESSION);
			nstub++;
			if (rv != CKR_FUNCTION_NOT_SUPPORTED) {
				stubs = 0;
				diag("stub %s: %s", s->name, sk_rv_name(rv));
			}
			continue;
		}
		if (s->handle == SWEEP_SESSION || s->handle == SWEEP_SLOT) {
			CK_RV want = s->handle == SWEEP_SESSION ? CKR_SESSION_HANDLE_INVALID
								: CKR_SLOT_ID_INVALID;

			memset(sweep_buf, 0, sizeof sweep_buf);
			rv = s->call(sym[i], -1, s->handle == SWEEP_SESSION ? BAD_SESSION : BAD_SLOT);
			if (s->handle == SWEEP_SESSION)
				nhandle++;
			else
				nslot++;
			if (rv != want) {
				if (s->handle == SWEEP_SESSION)
					handle = 0;
				else
					slot = 0;
				diag("%s with an invalid %s: %s, not %s", s->name,
				     s->handle == SWEEP_SESSION ? "session" : "slot", sk_rv_name(rv),
				     sk_rv_name(want));
			}
		}
		for (j = 0; j < 16 && s->nonnull[j] >= 0; j++) {
			/* the invalid session handle still comes first (§5.1.8: the codes of
			 * §5.1.2 before CKR_ARGUMENTS_BAD); a slot ID is in CKR_ARGUMENTS_BAD's
			 * own group, and the pointers are checked before it */
			CK_RV want = s->handle == SWEEP_SESSION ? CKR_SESSION_HANDLE_INVALID
								: CKR_ARGUMENTS_BAD;

			memset(sweep_buf, 0, sizeof sweep_buf);
			rv = s->call(sym[i], s->nonnull[j], s->handle == SWEEP_SLOT ? BAD_SLOT
										 : BAD_SESSION);
			nnull++;
			if (rv != want) {
				nulls = 0;
				diag("%s with argument %d NULL: %s", s->name, s->nonnull[j] + 1,
				     sk_rv_name(rv));
			}
		}
	}
	ok(handle, "an invalid session handle: CKR_SESSION_HANDLE_INVALID first (%u functions)",
	   nhandle);
	ok(slot, "an invalid slot: CKR_SLOT_ID_INVALID (%u functions)", nslot);
	ok(nulls, "each pointer that may not be NULL: CKR_ARGUMENTS_BAD, or with the invalid "
	   "session CKR_SESSION_HANDLE_INVALID (%u calls)", nnull);
	ok(stubs, "every stub: CKR_FUNCTION_NOT_SUPPORTED (%u stubs)", nstub);
	/* (t5701 counts the stubs exactly: 5 of 3.2 are left) */
	ok(nhandle >= 30 && nslot >= 5 && nnull >= 20 && nstub >= 1, "the sweep made its calls");
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
