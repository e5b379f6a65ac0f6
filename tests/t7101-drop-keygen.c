/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7101 — all or nothing when the card is pulled in the middle of C_GenerateKeyPair: an
 * EC P-256 pair is generated while the virtual token drops its connection at APDU k, for
 * every k of the call. Each time the call fails with a code its returns: list allows
 * (the card went away: CKR_DEVICE_ERROR, CKR_DEVICE_REMOVED ...), or the pair is complete;
 * after reinsertion a fresh module instance shows the whole new pair or nothing of it,
 * and after the next generation (which succeeds) no file is left on the card that no
 * PKCS#15 directory references (tests/vtoken/vt-orphans reads the token's state).
 */
#include "api/drop.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE;
/* prime256v1 */
static CK_BYTE p256[] = { 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 };

#define ATTR(t, v) { (t), &(v), sizeof(v) }
#define LABEL "drop-pair"

static CK_RV gen(CK_SESSION_HANDLE s)
{
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_EC_PARAMS, p256),
			      { CKA_LABEL, LABEL, sizeof LABEL - 1 } };
	CK_ATTRIBUTE vt[] = { ATTR(CKA_TOKEN, yes), ATTR(CKA_PRIVATE, yes), ATTR(CKA_SIGN, yes),
			      { CKA_LABEL, LABEL, sizeof LABEL - 1 } };
	CK_OBJECT_HANDLE pub, priv;

	return f->C_GenerateKeyPair(s, &m, pt, 3, vt, 4, &pub, &priv);
}

int main(int argc, char **argv)
{
	CK_SESSION_HANDLE s;
	char orphans[4096];
	long n, k, mark, before;
	int bad_rv = 0, half = 0, left = 0, retry = 0, drops = 0, complete = 0;
	CK_RV rv, rrv;

	(void)argc;
	api_rig_timeout(argv, 1, 170);
	f = api_module();
	is_rv(f->C_Initialize(NULL), CKR_OK, "C_Initialize");
	is_rv(api_slot_of(f, 0, &drop_slot), CKR_OK, "the virtual token's slot");
	is_rv(api_prepare_token(f, drop_slot, "drops"), CKR_OK, "the token is initialised");
	is_rv(drop_reopen(f, &s, 1), CKR_OK, "a R/W session, the user logged in");

	/* one key pair there already, so that the directories exist and are shared */
	is_rv(gen(s), CKR_OK, "a first pair");
	before = drop_count(f, s, CK_UNAVAILABLE_INFORMATION, NULL);
	mark = api_apdus(0);
	is_rv(gen(s), CKR_OK, "a generation to count its APDUs");
	n = api_apdus(0) - mark;
	ok(n > 5 && n < 100, "... it sent %ld APDUs", n);
	ok(drop_destroy_all(f, s, CKO_PRIVATE_KEY, LABEL) == 2 &&
	   drop_destroy_all(f, s, CKO_PUBLIC_KEY, LABEL) == 2, "... both pairs destroyed");
	is_rv(gen(s), CKR_OK, "the first pair again");

	/* k = n + 1 (past the end: the call gets through), then n, n - 1, ... 1: the last
	 * APDUs first, so that what an earlier k leaves behind cannot move them */
	for (k = n + 1; k >= 1; k--) {
		long np, nq, all;
		int dropped;

		drop_arm(k);
		rv = gen(s);
		dropped = drop_recover(f, &s, 1, &rrv);
		drops += dropped;
		if (rrv != CKR_OK) {
			diag("k=%ld: the token does not come back: %s", k, sk_rv_name(rrv));
			bad_rv = 1;
			break;
		}
		if (k == n + 1) {
			ok(!dropped, "with the drop past its end, nothing drops");
			is_rv(rv, CKR_OK, "... and C_GenerateKeyPair succeeds");
		} else if (!dropped) {
			diag("k=%ld: no drop", k);
		}
		if (rv != CKR_OK && !drop_rv_allowed(rv)) {
			diag("k=%ld: C_GenerateKeyPair said %s", k, sk_rv_name(rv));
			bad_rv = 1;
		}
		np = drop_count(f, s, CKO_PRIVATE_KEY, LABEL);
		nq = drop_count(f, s, CKO_PUBLIC_KEY, LABEL);
		all = drop_count(f, s, CK_UNAVAILABLE_INFORMATION, NULL);
		if (getenv("DROP_VERBOSE") != NULL)
			diag("k=%ld: %s, %ld private, %ld public, %ld objects", k, sk_rv_name(rv), np,
			     nq, all);
		if (np == 2 && nq == 2 && all == before + 2) {
			complete++;
		} else if (!(np == 1 && nq == 1 && all == before)) {
			diag("k=%ld (%s): %ld private, %ld public keys, %ld objects (before: %ld)",
			     k, sk_rv_name(rv), np, nq, all, before);
			half = 1;
		}
		/* the next token-changing call reclaims what the dropped one left */
		if (gen(s) != CKR_OK) {
			diag("k=%ld: the next generation fails", k);
			retry = 1;
		}
		if (drop_orphans(orphans, sizeof orphans) != 0) {
			diag("k=%ld: after the next generation, orphans: %s", k, orphans);
			left = 1;
		}
		/* back to one pair */
		drop_destroy_all(f, s, CKO_PRIVATE_KEY, LABEL);
		drop_destroy_all(f, s, CKO_PUBLIC_KEY, LABEL);
		if (gen(s) != CKR_OK || drop_count(f, s, CK_UNAVAILABLE_INFORMATION, NULL) != before) {
			diag("k=%ld: cannot get back to one pair", k);
			retry = 1;
		}
	}
	is_ulong((CK_ULONG)drops, (CK_ULONG)n, "the card dropped at each of the %ld APDUs", n);
	ok(!bad_rv, "each time C_GenerateKeyPair fails with a code its returns: list allows");
	ok(!half, "after reinsertion the token shows the whole new pair or nothing of it "
	   "(%d times the whole)", complete);
	ok(!retry, "the next generation succeeds each time");
	ok(!left, "after it no file is left that no PKCS#15 directory references");
	f->C_Finalize(NULL);
	return done_testing();
}
