/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2011 — which family serves a card (runtime/lb_family.c): the family.yaml manifests.
 * ATR patterns (value, mask, exact length) are matched without starting any VM; ties go
 * by priority, then name; lib/ is never a family, nor a folder without a manifest; a
 * SELECT probe decides between families with the same ATR and a failing one falls through
 * to the next candidate; a probe function of the script is called only when the manifest
 * names it; lb_open_for_card starts exactly one VM, the chosen family's. A broken manifest
 * is logged with file:line and skipped, and when no family takes the card and one was
 * broken the answer is CKR_FUNCTION_FAILED (someone editing it hears that it is broken,
 * not that the card is unknown).
 */
#include "lb/lb_test.h"

static char log_path[300];

/* How many times needle occurs in the debug log so far. */
static int log_count(const char *needle)
{
	static char buf[1 << 20];
	FILE *f = fopen(log_path, "r");
	size_t n;
	int c = 0;
	const char *p;

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		c++;
	return c;
}

#define VMS() log_count(": VM started")

static CK_RV find(const char *dir, const uint8_t *atr, size_t len, char *fam, size_t cap)
{
	struct lb_card c = { .atr = atr, .atr_len = len };

	return lb_find_family(dir, &c, fam, cap);
}

/* A manifest that must be refused: the family is skipped, the log names file:line and why. */
static void refused(const char *yaml, int line, const char *why, const char *name)
{
	static const uint8_t atr[] = { 0x3B, 0x77 };
	char fam[64], want[700];

	make_tmp_dir();
	put_str("bad/token.lua", "-- SPDX-License-Identifier: BSD-2-Clause\nreturn {}\n");
	put_str("bad/family.yaml", yaml);
	snprintf(want, sizeof want, "%s/bad/family.yaml:%d: %s", tmp_dir, line, why);
	is_rv(find(tmp_dir, atr, sizeof atr, fam, sizeof fam), CKR_FUNCTION_FAILED,
	      "refused: %s", name);
	if (!ok(log_count(want) == 1, "... logged as '%s'", want + strlen(tmp_dir) + 1))
		diag("the log: %s", log_path);
	rm_tmp_dir();
}

#define TOKEN_LUA "-- SPDX-License-Identifier: BSD-2-Clause\nreturn {}\n"
#define SPDX "# SPDX-License-Identifier: BSD-2-Clause\n"
/* NIST SP 800-73-4 part 1, 2.2: the PIV application's AID, right-truncated as it is selected */
#define PIV_AID "A0 00 00 03 08 00 00 10 00"

int main(void)
{
	static const uint8_t probe_atr[] = { 0x3B, 0x90, 0x01 }, other_atr[] = { 0x3B, 0x91 };
	static const uint8_t none_atr[] = { 0x3B, 0x00 };
	static const uint8_t gen_atr[] = { 0x3B, 0x8A, 0x80, 0x01, 0x11, 0x22 };
	char fam[64];
	int vms;
	const char *base = getenv("TMPDIR");

	snprintf(log_path, sizeof log_path, "%s/t2011-log-%ld", base && *base ? base : "/tmp",
		 (long)getpid());
	unlink(log_path);
	setenv("SCRIPTOKI_DEBUG", "2", 1);
	setenv("SCRIPTOKI_DEBUG_FILE", log_path, 1);

	/* the fixtures: probe (3B 90, 3B 90 xx), other (3B 91), broken (a bad manifest that
	 * would take 3B 91 and sorts first), lib (a manifest for 3B 00, never a family) */
	vms = VMS();
	is_rv(find(LB_SCRIPTS, probe_atr, sizeof probe_atr, fam, sizeof fam), CKR_OK,
	      "an ATR of the probe family (3B 90 xx, masked)");
	is_str(fam, "probe", "... is probe");
	is_rv(find(LB_SCRIPTS, other_atr, sizeof other_atr, fam, sizeof fam), CKR_OK,
	      "an ATR of the other family");
	is_str(fam, "other", "... is other (broken/ sorts first and is skipped)");
	is_ulong(VMS() - vms, 0, "lb_find_family of ATR-only families starts no VM");
	ok(log_count("/broken/family.yaml:7: unknown key 'prority' (priority, atr, probe, "
		     "settings, description); the family broken is skipped") >= 1,
	   "the broken manifest is logged with its file and line");
	is_rv(find(LB_SCRIPTS, none_atr, sizeof none_atr, fam, sizeof fam),
	      CKR_FUNCTION_FAILED, "an unknown ATR with broken/ skipped: the manifest is reported");
	is_str(fam, "", "... leaves no name");
	is_rv(find(LB_SCRIPTS, probe_atr, 2, fam, sizeof fam), CKR_OK, "3B 90 (2 bytes)");
	is_rv(find(LB_SCRIPTS, (const uint8_t[]){ 0x3B, 0x90, 0x01, 0x02 }, 4, fam, sizeof fam),
	      CKR_FUNCTION_FAILED, "3B 90 01 02: no pattern of that length");
	is_rv(find(LB_SCRIPTS, probe_atr, sizeof probe_atr, fam, 5),
	      CKR_BUFFER_TOO_SMALL, "a name longer than the room for it");
	is_rv(find("/nonexistent/scripts", probe_atr, sizeof probe_atr, fam, sizeof fam),
	      CKR_TOKEN_NOT_RECOGNIZED, "a scripts folder that does not exist");
	is_rv(find(LB_SCRIPTS, NULL, 0, fam, sizeof fam), CKR_FUNCTION_FAILED,
	      "an empty ATR (broken/ again)");
	is_rv(lb_find_family(LB_SCRIPTS, NULL, fam, sizeof fam), CKR_FUNCTION_FAILED,
	      "no card at all");

	/* lb_open_for_card: the same choice, with the family's VM (and only it) started */
	{
		struct lb_vm *vm = NULL;
		struct fake f = { 0 };
		struct lb_card card = fake_card(&f);

		card.atr = probe_atr;
		card.atr_len = sizeof probe_atr;
		vms = VMS();
		is_rv(lb_open_for_card(LB_SCRIPTS, &card, fam, sizeof fam, &vm), CKR_OK,
		      "lb_open_for_card with the probe's ATR");
		is_str(fam, "probe", "... names the probe family");
		is_ulong(VMS() - vms, 1, "... and starts one VM");
		is_ulong(log_count("lb: probe: VM started") >= 1, 1, "... the probe family's");
		is_ulong(f.count, 0, "... no APDU sent (no probe)");
		ok(vm != NULL && lb_logout(vm, &card) == CKR_OK, "... and gives it, ready for calls");
		lb_close(vm);
		vm = (struct lb_vm *)&f;
		card.atr = none_atr;
		card.atr_len = sizeof none_atr;
		is_rv(lb_open_for_card(LB_SCRIPTS, &card, fam, sizeof fam, &vm),
		      CKR_FUNCTION_FAILED, "lb_open_for_card with an unknown ATR fails as above");
		ok(vm == NULL, "... and gives no VM");
	}

	/* priorities, names, lib/, folders without a manifest */
	make_tmp_dir();
	put_str("b_second/token.lua", TOKEN_LUA);
	put_str("b_second/family.yaml", SPDX "atr:\n  - { value: 3B 90 01 }\n");
	put_str("a_first/token.lua", TOKEN_LUA);
	put_str("a_first/family.yaml", SPDX "priority: 0\natr:\n  - value: 3B 90 01\n");
	put_str("0low/token.lua", TOKEN_LUA);
	put_str("0low/family.yaml", SPDX "priority: -5\natr:\n  - value: 3B 90 01\n");
	put_str("Upper/token.lua", TOKEN_LUA);
	put_str("Upper/family.yaml", SPDX "atr:\n  - value: 3B 90 01\n");
	put_str("0nomanifest/token.lua", TOKEN_LUA);
	put_str("0empty/readme.txt", "no token.lua here\n");
	put_str("lib/token.lua", TOKEN_LUA);
	put_str("lib/family.yaml", SPDX "priority: 99\natr:\n  - value: 3B 90 01\n");
	is_rv(find(tmp_dir, probe_atr, sizeof probe_atr, fam, sizeof fam), CKR_OK,
	      "three families of the same ATR");
	is_str(fam, "a_first", "... equal priority: the first in name order (lib/, Upper/ unused)");
	ok(log_count("lb: 0nomanifest has no family.yaml: it serves no card") >= 1,
	   "a script without a manifest serves no card, and the log says so");
	put_str("z_high/token.lua", TOKEN_LUA);
	put_str("z_high/family.yaml", SPDX "priority: 10\natr:\n  - value: 3B 90 01\n");
	is_rv(find(tmp_dir, probe_atr, sizeof probe_atr, fam, sizeof fam), CKR_OK,
	      "one more with priority 10");
	is_str(fam, "z_high", "... a higher priority wins over the name");
	put_str("z_high/token.lua", "-- SPDX-License-Identifier: BSD-2-Clause\nreturn {\n");
	{
		struct lb_vm *vm = NULL;
		struct fake f = { 0 };
		struct lb_card card = fake_card(&f);

		card.atr = probe_atr;
		card.atr_len = sizeof probe_atr;
		is_rv(lb_open_for_card(tmp_dir, &card, fam, sizeof fam, &vm), CKR_OK,
		      "the chosen family's script does not load");
		is_str(fam, "a_first", "... it is skipped for the next candidate");
		ok(log_count("lb: z_high: cannot load z_high/token.lua") >= 1, "... and logged");
		lb_close(vm);
	}
	rm_tmp_dir();

	/* only sound families, none of which takes the card: not recognised */
	make_tmp_dir();
	put_str("lib/token.lua", TOKEN_LUA);
	put_str("lib/family.yaml", SPDX "atr:\n  - { value: 3B 00, mask: 00 00 }\n");
	put_str("never/token.lua", TOKEN_LUA);
	put_str("never/family.yaml", SPDX "atr:\n  - value: 3B 01\n");
	put_str("masked/token.lua", TOKEN_LUA);
	put_str("masked/family.yaml", SPDX "atr:\n- value: 3B 10 00\n  mask:  FF F0 00\n"
		"- value: 3B 10 00 00  # a list at its key's column, as YAML allows\n"
		"priority: 1\n");
	is_rv(find(tmp_dir, none_atr, sizeof none_atr, fam, sizeof fam),
	      CKR_TOKEN_NOT_RECOGNIZED, "an unknown ATR among sound families (lib/ unused)");
	is_rv(find(tmp_dir, (const uint8_t[]){ 0x3B, 0x1F, 0xEE }, 3, fam, sizeof fam), CKR_OK,
	      "masked bits may differ");
	is_str(fam, "masked", "... masked");
	is_rv(find(tmp_dir, (const uint8_t[]){ 0x3B, 0x20, 0xEE }, 3, fam, sizeof fam),
	      CKR_TOKEN_NOT_RECOGNIZED, "unmasked bits may not");
	is_rv(find(tmp_dir, (const uint8_t[]){ 0x3B, 0x10, 0x00, 0x00 }, 4, fam, sizeof fam),
	      CKR_OK, "the second pattern of a list at its key's column");
	rm_tmp_dir();

	/* probes: three families share a generic ATR */
	make_tmp_dir();
	put_str("piv/token.lua", TOKEN_LUA);
	put_str("piv/family.yaml", SPDX "priority: 10\natr:\n"
		"  - { value: 3B 8A 80 01 00 00, mask: FF FF FF FF 00 00 }\n"
		"probe:\n  select_aid: " PIV_AID "  # the PIV application\n  expect_sw: 9000\n");
	put_str("plain/token.lua", TOKEN_LUA);
	put_str("plain/family.yaml", SPDX "atr:\n  - value: 3B 8A 80 01 00 00\n"
		"    mask:  FF FF FF FF 00 00\n");
	{
		struct lb_vm *vm = NULL;
		struct fake f = { 0 };
		struct lb_card card = fake_card(&f);
		static const uint8_t select[] = { 0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00,
						  0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00 };

		card.atr = gen_atr;
		card.atr_len = sizeof gen_atr;
		vms = VMS();
		is_rv(lb_open_for_card(tmp_dir, &card, fam, sizeof fam, &vm), CKR_OK,
		      "the card has the application (9000)");
		is_str(fam, "piv", "... the probing family serves it");
		is_ulong(f.count, 1, "... after one APDU");
		ok(f.last_len == sizeof select && memcmp(f.last, select, sizeof select) == 0,
		   "... SELECT by name of the AID, with Le");
		is_ulong(VMS() - vms, 1, "... one VM started");
		lb_close(vm);

		f.count = 0;
		memcpy(f.answer, "\x6A\x82", 2);
		f.answer_len = 2;
		vms = VMS();
		is_rv(lb_open_for_card(tmp_dir, &card, fam, sizeof fam, &vm), CKR_OK,
		      "the card lacks the application (6A82)");
		is_str(fam, "plain", "... the next candidate serves it");
		is_ulong(f.count, 1, "... after the one probe");
		is_ulong(VMS() - vms, 1, "... one VM started");
		ok(log_count("lb: plain: VM started") == 1 && log_count("lb: piv: VM started") == 1,
		   "... plain's (and piv's only the time before)");
		lb_close(vm);

		memcpy(f.answer, "\x61\x20", 2);
		is_rv(find(tmp_dir, gen_atr, sizeof gen_atr, fam, sizeof fam), CKR_OK,
		      "lb_find_family without a card to probe");
		is_str(fam, "plain", "... a probe without a card says no");
		is_rv(lb_find_family(tmp_dir, &card, fam, sizeof fam), CKR_OK, "61xx for 9000");
		is_str(fam, "piv", "... is a yes (T=0: the FCI waits)");

		f.fail_rv = CKR_DEVICE_REMOVED;
		is_rv(lb_find_family(tmp_dir, &card, fam, sizeof fam), CKR_DEVICE_REMOVED,
		      "the card fails during the probe: that is the answer");
		f.fail_rv = CKR_OK;

		/* a probe function of the script, between the two */
		put_str("fn/family.yaml", SPDX "priority: 5\natr:\n"
			"  - { value: 3B 8A 80 01 00 00, mask: FF FF FF FF 00 00 }\n"
			"probe: { function: is_mine }\n");
		put_str("fn/token.lua", "-- SPDX-License-Identifier: BSD-2-Clause\n"
			"return { is_mine = function(card)\n"
			"  local _, sw = card:transmit('\\x80\\xCA\\x00\\x01\\x00')\n"
			"  return sw == 0x6A82 end,\n"
			"  logout = function() return true end }\n");
		memcpy(f.answer, "\x6A\x82", 2);
		f.count = 0;
		vms = VMS();
		vm = NULL;
		is_rv(lb_open_for_card(tmp_dir, &card, fam, sizeof fam, &vm), CKR_OK,
		      "piv says no, fn's probe function yes");
		is_str(fam, "fn", "... fn serves the card");
		is_ulong(f.count, 2, "... after piv's SELECT and fn's APDU");
		is_ulong(VMS() - vms, 1, "... and the VM of the probe is the one kept");
		ok(vm != NULL && lb_logout(vm, &card) == CKR_OK, "... ready for calls");
		lb_close(vm);
		memcpy(f.answer, "\x6A\x86", 2);
		is_rv(lb_find_family(tmp_dir, &card, fam, sizeof fam), CKR_OK,
		      "both probes say no");
		is_str(fam, "plain", "... the family without a probe serves the card");
		put_str("fn/token.lua", "-- SPDX-License-Identifier: BSD-2-Clause\n"
			"return { is_mine = function(card) error('oops') end }\n");
		is_rv(lb_find_family(tmp_dir, &card, fam, sizeof fam), CKR_OK,
		      "a probe function that raises");
		is_str(fam, "plain", "... falls through to the next candidate");
		ok(log_count("lb: fn: its probe is_mine() failed") == 1, "... logged");
		put_str("fn/token.lua", TOKEN_LUA);
		is_rv(lb_find_family(tmp_dir, &card, fam, sizeof fam), CKR_OK,
		      "a probe function the script lacks");
		is_str(fam, "plain", "... falls through too");
		put_str("plain/family.yaml", SPDX "atr:\n  - value: 3B 00\n");
		is_rv(lb_find_family(tmp_dir, &card, fam, sizeof fam), CKR_FUNCTION_FAILED,
		      "... and when nothing else serves the card, the broken probe is reported");
	}
	rm_tmp_dir();

	/* broken manifests */
	refused(SPDX "atr:\n  - value: 3B 77\nprority: 1\n", 4,
		"unknown key 'prority' (priority, atr, probe, settings, description)", "a misspelt key");
	refused(SPDX "atr:\n\t- value: 3B 77\n", 3, "a tab (YAML indents with blanks)", "a tab");
	refused(SPDX "atr:\n  - value: 3B 7\n", 3, "value: hex bytes expected (like 3B 8B 01)",
		"odd hex");
	refused(SPDX "atr:\n  - value: 3B 77\n    mask: FF\n", 4,
		"value and mask differ in length (2 and 1 bytes)", "a mask of another length");
	refused(SPDX "atr:\n  - mask: FF FF\n", 3, "an atr item needs a value", "no value");
	refused(SPDX "priority: 3\n", 2, "no atr patterns (atr: with '- value: HEX' items)",
		"no atr");
	refused(SPDX "atr:\n  - value: 3B 77\n      mask: FF FF\n", 4,
		"unexpected indentation in atr", "a mask indented too far");
	refused(SPDX "atr: 3B 77\n", 2, "atr: a list of '- value: HEX' items on the lines below",
		"atr on one line");
	refused(SPDX "priority: high\natr:\n  - value: 3B 77\n", 2,
		"priority: an integer from -1000 to 1000", "a priority that is no number");
	refused(SPDX "priority: 1\npriority: 2\natr:\n  - value: 3B 77\n", 3,
		"priority given twice", "a key twice");
	refused(SPDX "atr:\n  - value: 3B 77\nprobe:\n  select_aid: A0 00 00 03 08\n"
		"  function: probe\n", 6, "probe: select_aid or function, not both",
		"two probes");
	refused(SPDX "atr:\n  - value: 3B 77\nprobe: { expect_sw: 9000 }\n", 4,
		"probe: expect_sw belongs to select_aid", "expect_sw alone");
	refused(SPDX "atr:\n  - value: 3B 77\nprobe: { select_aid: A0 00, expect_sw: 90 }\n", 4,
		"expect_sw: a status word of 2 bytes (like 9000)", "a 1-byte status word");
	refused(SPDX "atr:\n  - value: 3B 77\nprobe:\n  function: Probe-1\n", 5,
		"function: the name of a function of token.lua", "a bad function name");
	refused(SPDX "atr:\n  - { value: 3B 77, colour: red }\n", 3,
		"unknown key 'colour' in an atr item (value, mask)", "an unknown item key");
	refused(SPDX "  atr:\n", 2, "an indented line outside atr:, probe: and settings:", "indented top");
	{
		char fam2[64];

		make_tmp_dir();
		put_str("nolua/family.yaml", SPDX "atr:\n  - value: 3B 77\n");
		is_rv(find(tmp_dir, (const uint8_t[]){ 0x3B, 0x77 }, 2, fam2, sizeof fam2),
		      CKR_FUNCTION_FAILED, "a manifest without token.lua");
		ok(log_count("nolua/family.yaml:1: the family has no token.lua") == 1,
		   "... is refused and logged");
		rm_tmp_dir();
	}
	unlink(log_path);
	return done_testing();
}
