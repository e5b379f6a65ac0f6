/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7102 — all or nothing when the card is pulled in the middle of C_CreateObject and
 * C_CopyObject of a certificate: for each APDU k of the call the virtual token drops its
 * connection at k (tests/api/drop.h, drop_each); the call fails with a code its returns:
 * list allows or the change is complete, after reinsertion a fresh module instance shows
 * the new certificate whole or not at all, and the next such call succeeds and leaves no
 * file that no PKCS#15 directory references. Then the same with the APDU answered 6F 00
 * instead (the undo runs): a failed call leaves the state file byte for byte as it was.
 */
#include "api/drop_objs.h"

int main(int argc, char **argv)
{
	(void)argc;
	dob_setup(argv, 170);
	drop_each(&dob_create, NULL, CKR_OK);
	drop_each(&dob_copy, NULL, CKR_OK);
	/* the same with a status word instead: the undo runs */
	drop_each(&dob_create, "6F00", CKR_OK);
	drop_each(&dob_copy, "6F00", CKR_OK);
	drop_each(&dob_gen, "6F00", CKR_OK);
	return done_testing();
}
