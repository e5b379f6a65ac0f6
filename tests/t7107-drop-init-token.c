/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t7107 — C_InitToken with the virtual token's card pulled out at each APDU k of the call
 * (drop_each): the call fails with a code its returns: list allows or completes; after
 * reinsertion the token has its old label, PIN and objects, or is freshly initialised;
 * the next C_InitToken succeeds and leaves no orphan file. C_InitToken erases the card
 * before it builds the new structure, so a card pulled out in between leaves neither
 * (a TODO, tests/api/drop_token.h), but it must leave a token to initialise: C_GetTokenInfo
 * without CKF_TOKEN_INITIALIZED, asserted.
 */
#include "api/drop_token.h"

int main(int argc, char **argv)
{
	(void)argc;
	inittoken_setup(argv, 280);
	drop_each(&inittoken, NULL, CKR_GENERAL_ERROR);
	return done_testing();
}
