/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7105 — C_InitToken with the virtual token answering 6F 00 to each APDU k of the call in
 * turn (drop_each): the call fails with a code its returns: list allows (after the erase,
 * which nothing can undo, CKR_GENERAL_ERROR) or completes; a call that fails before the
 * erase leaves the token's state file byte for byte as it was; after a failure the next
 * C_InitToken succeeds and leaves no orphan file. What the erase leaves is neither the old
 * token nor the new one (a TODO, tests/api/drop_token.h) but must be a token to
 * initialise: C_GetTokenInfo without CKF_TOKEN_INITIALIZED, asserted.
 */
#include "api/drop_token.h"

int main(int argc, char **argv)
{
	(void)argc;
	inittoken_setup(argv, 280);
	drop_each(&inittoken, "6F00", CKR_GENERAL_ERROR);
	return done_testing();
}
