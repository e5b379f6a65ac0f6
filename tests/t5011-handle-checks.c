/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t5011 — the handle checks of the generated entry points (spec/functions.yaml `handle:`),
 * on a virtual token, for every function the runtime implements (the table of
 * generated/sk_sweep.inc):
 *   - a session handle that was closed, and one whose token was removed:
 *     CKR_SESSION_HANDLE_INVALID, also when a pointer that may not be NULL is NULL (the
 *     codes of PKCS #11 3.2 §5.1.2 come before CKR_ARGUMENTS_BAD, §5.1.8);
 *   - a live session with each such pointer NULL: CKR_ARGUMENTS_BAD;
 *   - a valid slot with each such pointer NULL: CKR_ARGUMENTS_BAD;
 * and none of these calls sends an APDU. Each code is also one of the function's own
 * `returns:` (make check runs with the return-code check on).
 */
#include <stdalign.h>

#include "api/api.h"

#define SWEEP_BUF_SIZE 4096
static alignas(64) unsigned char sweep_buf[SWEEP_BUF_SIZE];

#include "sk_sweep.inc"

#define NFNS (sizeof sweep_fns / sizeof sweep_fns[0])

static CK_FUNCTION_LIST_PTR f;
static void *sym[NFNS];

/* Every implemented function of that handle kind with handle h: with all pointers set
 * (null_all == 0) or with each non-NULL pointer NULL in turn; each must give want. Counts
 * the calls in *n; 1 when every one did. */
static int sweep(enum sweep_handle kind, CK_ULONG h, int nulls, CK_RV want, unsigned *n,
		 const char *what)
{
	size_t i;
	int j, all = 1;
	CK_RV rv;

	for (i = 0; i < NFNS; i++) {
		const struct sweep_fn *s = &sweep_fns[i];

		if (s->handle != kind || !s->implemented)
			continue;
		if (!nulls) {
			memset(sweep_buf, 0, sizeof sweep_buf);
			rv = s->call(sym[i], -1, h);
			(*n)++;
			if (rv != want) {
				all = 0;
				diag("%s with %s: %s, not %s", s->name, what, sk_rv_name(rv),
				     sk_rv_name(want));
			}
			continue;
		}
		for (j = 0; j < 16 && s->nonnull[j] >= 0; j++) {
			memset(sweep_buf, 0, sizeof sweep_buf);
			rv = s->call(sym[i], s->nonnull[j], h);
			(*n)++;
			if (rv != want) {
				all = 0;
				diag("%s with %s, argument %d NULL: %s, not %s", s->name, what,
				     s->nonnull[j] + 1, sk_rv_name(rv), sk_rv_name(want));
			}
		}
	}
	return all;
}

int main(int argc, char **argv)
{
	CK_SESSION_HANDLE live = 0, closed = 0, removed = 0;
	CK_SLOT_ID slot = 0, ev = 0;
	unsigned n;
	long mark;
	size_t i;
	int r;
	char ans[256];

	api_rig(argv, 1);
	f = api_module();
	for (i = 0; i < NFNS; i++)
		sym[i] = module_sym(module_open(), sweep_fns[i].name);
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &slot), CKR_OK, "the token's slot");
	is_rv(api_prepare_token(f, slot, "t5011"), CKR_OK, "C_InitToken and C_InitPIN");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &live),
	      CKR_OK, "a live R/W session");
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &closed), CKR_OK,
	      "a session to close");
	is_rv(f->C_CloseSession(closed), CKR_OK, "... closed");

	mark = api_apdus(0);
	n = 0;
	r = sweep(SWEEP_SESSION, closed, 0, CKR_SESSION_HANDLE_INVALID, &n, "a closed session");
	ok(r, "a closed session: CKR_SESSION_HANDLE_INVALID (%u calls)", n);
	ok(n >= 30, "... every implemented session function was called");
	n = 0;
	r = sweep(SWEEP_SESSION, closed, 1, CKR_SESSION_HANDLE_INVALID, &n, "a closed session");
	ok(r, "a closed session and a NULL pointer: CKR_SESSION_HANDLE_INVALID first (%u calls)",
	   n);
	ok(n >= 15, "... each pointer that may not be NULL");
	n = 0;
	r = sweep(SWEEP_SESSION, live, 1, CKR_ARGUMENTS_BAD, &n, "a live session");
	ok(r, "a live session and a NULL pointer: CKR_ARGUMENTS_BAD (%u calls)", n);
	n = 0;
	r = sweep(SWEEP_SLOT, slot, 1, CKR_ARGUMENTS_BAD, &n, "a valid slot");
	ok(r, "a valid slot and a NULL pointer: CKR_ARGUMENTS_BAD (%u calls)", n);
	ok(n >= 5, "... in every implemented slot function");
	is_ulong(api_apdus(0) - mark, 0, "none of them sent an APDU");
	is_rv(f->C_CloseSession(live), CKR_OK, "the live session still works: closed");

	/* a token removed: its sessions are gone, whatever the call */
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &removed), CKR_OK,
	      "a session on the token to remove");
	is_ulong(api_ctl(0, "remove", ans, sizeof ans), 0, "the token removed (%s)", ans);
	is_rv(f->C_WaitForSlotEvent(0, &ev, NULL), CKR_OK, "the module saw the removal");
	is_ulong(ev, slot, "... in the token's slot");
	n = 0;
	r = sweep(SWEEP_SESSION, removed, 0, CKR_SESSION_HANDLE_INVALID, &n,
		 "the session of a removed token");
	ok(r, "the session of a removed token: CKR_SESSION_HANDLE_INVALID (%u calls)", n);
	n = 0;
	r = sweep(SWEEP_SESSION, removed, 1, CKR_SESSION_HANDLE_INVALID, &n,
		 "the session of a removed token");
	ok(r, "... also with a NULL pointer (%u calls)", n);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	return done_testing();
}
