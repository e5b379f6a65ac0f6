/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2011 — lb_find_family: the first family folder, in name order, whose token.lua says
 * match(atr); lib/ is never a family; a broken family is skipped, but when no family takes
 * the card and one of them could not be asked, the answer is CKR_FUNCTION_FAILED (someone
 * editing a script hears that it is broken, not that the card is unknown).
 */
#include "lb/lb_test.h"

#define MATCH_ALL "-- SPDX-License-Identifier: BSD-2-Clause\nreturn { match = function() return true end }\n"

int main(void)
{
	static const uint8_t probe_atr[] = { 0x3B, 0x90, 0x01 }, other_atr[] = { 0x3B, 0x91 };
	static const uint8_t none_atr[] = { 0x3B, 0x00 };
	char fam[64];

	is_rv(lb_find_family(LB_SCRIPTS, probe_atr, sizeof probe_atr, fam, sizeof fam), CKR_OK,
	      "an ATR of the probe family");
	is_str(fam, "probe", "... is probe");
	is_rv(lb_find_family(LB_SCRIPTS, other_atr, sizeof other_atr, fam, sizeof fam), CKR_OK,
	      "an ATR of the other family");
	is_str(fam, "other", "... is other (broken/ sorts first and is skipped)");
	is_rv(lb_find_family(LB_SCRIPTS, none_atr, sizeof none_atr, fam, sizeof fam),
	      CKR_FUNCTION_FAILED, "an unknown ATR with broken/ unaskable: the script is reported");
	is_str(fam, "", "... leaves no name");
	is_rv(lb_find_family(LB_SCRIPTS, probe_atr, sizeof probe_atr, fam, 5),
	      CKR_BUFFER_TOO_SMALL, "a name longer than the room for it");
	is_rv(lb_find_family("/nonexistent/scripts", probe_atr, sizeof probe_atr, fam, sizeof fam),
	      CKR_TOKEN_NOT_RECOGNIZED, "a scripts folder that does not exist");
	is_rv(lb_find_family(LB_SCRIPTS, NULL, 0, fam, sizeof fam), CKR_FUNCTION_FAILED,
	      "an empty ATR (broken/ again)");

	/* lb_open_for_card: the same choice, with the family's VM kept open */
	{
		struct lb_vm *vm = NULL;
		struct fake f = { 0 };
		struct lb_card card = fake_card(&f);

		is_rv(lb_open_for_card(LB_SCRIPTS, probe_atr, sizeof probe_atr, fam, sizeof fam, &vm),
		      CKR_OK, "lb_open_for_card with the probe's ATR");
		is_str(fam, "probe", "... names the probe family");
		ok(vm != NULL && lb_logout(vm, &card) == CKR_OK, "... and gives its VM, ready for calls");
		lb_close(vm);
		vm = (struct lb_vm *)&f;
		is_rv(lb_open_for_card(LB_SCRIPTS, none_atr, sizeof none_atr, fam, sizeof fam, &vm),
		      CKR_FUNCTION_FAILED, "lb_open_for_card with an unknown ATR fails as above");
		ok(vm == NULL, "... and gives no VM");
	}

	make_tmp_dir();
	put_str("b_second/token.lua", MATCH_ALL);
	put_str("a_first/token.lua", MATCH_ALL);
	put_str("Upper/token.lua", MATCH_ALL);
	put_str("0raises/token.lua", "-- SPDX-License-Identifier: BSD-2-Clause\n"
				     "return { match = function() error('no') end }\n");
	put_str("0loops/token.lua", "-- SPDX-License-Identifier: BSD-2-Clause\n"
				    "return { match = function() while true do end end }\n");
	put_str("0nomatch/token.lua", "-- SPDX-License-Identifier: BSD-2-Clause\nreturn {}\n");
	put_str("0empty/readme.txt", "no token.lua here\n");
	put_str("0yes_string/token.lua", "-- SPDX-License-Identifier: BSD-2-Clause\n"
					 "return { match = function() return nil end }\n");
	is_rv(lb_find_family(tmp_dir, probe_atr, sizeof probe_atr, fam, sizeof fam), CKR_OK,
	      "two families that match");
	is_str(fam, "a_first", "... the first in name order wins, after skipping the broken");
	rm_tmp_dir();

	/* only sound families, none of which takes the card: not recognised */
	make_tmp_dir();
	put_str("lib/token.lua", MATCH_ALL);
	put_str("never/token.lua", "-- SPDX-License-Identifier: BSD-2-Clause\n"
				   "return { match = function() return false end }\n");
	is_rv(lb_find_family(tmp_dir, none_atr, sizeof none_atr, fam, sizeof fam),
	      CKR_TOKEN_NOT_RECOGNIZED, "an unknown ATR among sound families (lib/ unused)");
	rm_tmp_dir();
	return done_testing();
}
