/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2015 — token_info through the contract (spec/script-contract.yaml, read by the tables
 * generated into sk_contract.c): every field a family may give reaches struct
 * lb_token_info (write protection, protected authentication path, clock, session limits,
 * memory sizes, each PIN's own length rule, user names, hardware and firmware versions);
 * what it leaves out takes the contract's default (memory unknown, SO PIN rule = user
 * PIN rule, no users); and every malformed answer — a wrong type, a value out of bounds,
 * a broken rule between two fields, an unknown (misspelt) field, too many user names —
 * is CKR_FUNCTION_FAILED with a log line naming the field, the struct left zeroed.
 */
#include "lb/lb_test.h"

#include "log.h"

static struct lb_vm *vm;
static struct fake fk;
static char logfile[300];

static CK_RV info_from(const char *table, struct lb_token_info *ti)
{
	char code[2048];
	struct lb_card c = fake_card(&fk);

	snprintf(code, sizeof code, "M.token_info = function(card) return %s end return 'ok'",
		 table);
	if (eval(vm, &fk, code) != CKR_OK) {
		diag("eval failed for: %s", table);
		return CKR_GENERAL_ERROR;
	}
	memset(ti, 0x5a, sizeof *ti);
	return lb_token_info(vm, &c, ti);
}

static int logged(long *mark, const char *needle)
{
	return log_has(logfile, mark, needle, 0);
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static const struct {
	const char *table, *field, *what;
} bad[] = {
	{ "{ label = ('x'):rep(33) }", "field 'label'", "a label of 33 bytes" },
	{ "{ serial = 'a\\0b' }", "field 'serial'", "a serial with a NUL byte" },
	{ "{ model = 7 }", "field 'model'", "a model that is a number" },
	{ "{ hw = { 1 } }", "field 'hw'", "a version with one number" },
	{ "{ fw = { 1, 256 } }", "field 'fw'", "a version minor of 256" },
	{ "{ hw = { 1, 2, 3 } }", "field 'hw'", "a version of three numbers" },
	{ "{ min_pin = 256 }", "field 'min_pin'", "min_pin 256" },
	{ "{ min_pin = -1 }", "field 'min_pin'", "min_pin -1" },
	{ "{ min_pin = 4.5 }", "field 'min_pin'", "min_pin not an integer" },
	{ "{ min_pin = 8, max_pin = 4 }", "'max_pin' (4) is below 'min_pin' (8)",
	  "max_pin below min_pin" },
	{ "{ so_min_pin = 10, so_max_pin = 9 }", "'so_max_pin' (9) is below 'so_min_pin'",
	  "so_max_pin below so_min_pin" },
	{ "{ write_protected = 1 }", "field 'write_protected'", "write_protected not a boolean" },
	{ "{ clock = 'yes' }", "field 'clock'", "clock not a boolean" },
	{ "{ max_sessions = -1 }", "field 'max_sessions'", "max_sessions -1" },
	{ "{ max_sessions = 4294967296 }", "field 'max_sessions'", "max_sessions beyond 32 bits" },
	{ "{ total_public_memory = -2 }", "field 'total_public_memory'", "memory -2" },
	{ "{ total_public_memory = 100, free_public_memory = 101 }",
	  "'free_public_memory' (101) is above 'total_public_memory' (100)",
	  "more free memory than there is" },
	{ "{ users = 'alice' }", "field 'users'", "users not a list" },
	{ "{ users = { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i' } }", "field 'users'",
	  "nine user names" },
	{ "{ users = { '' } }", "field 'users'", "an empty user name" },
	{ "{ users = { ('u'):rep(33) } }", "field 'users'", "a user name of 33 bytes" },
	{ "{ users = { 'a', 5 } }", "field 'users'", "a user name that is a number" },
	{ "{ max_pn = 8 }", "field 'max_pn' is not one of a token_info", "a misspelt field" },
	{ "{ [1] = true }", "a key that is not a field name", "a list entry" },
	{ "'a string'", "expected a token_info table", "a string instead of a table" },
};

int main(void)
{
	struct lb_token_info ti;
	long mark = 0;
	size_t i;

	make_tmp_dir();
	snprintf(logfile, sizeof logfile, "%s/debug.log", tmp_dir);
	setenv("SCRIPTOKI_DEBUG", "1", 1);
	setenv("SCRIPTOKI_DEBUG_FILE", logfile, 1);
	log_reset_after_fork();
	vm = open_probe();

	/* everything the contract has */
	is_rv(info_from("{ label = 'PIV card', serial = '0011', model = 'PIV', "
			"manufacturer = 'Tests', hw = { 3, 1 }, fw = { 4, 2 }, "
			"min_pin = 6, max_pin = 8, so_min_pin = 8, so_max_pin = 8, "
			"initialized = true, user_pin_initialized = true, login_required = true, "
			"rng = true, write_protected = true, protected_auth_path = true, "
			"clock = true, max_sessions = 12, max_rw_sessions = 3, "
			"total_public_memory = 65536, free_public_memory = 1000, "
			"total_private_memory = 4096, free_private_memory = 0, "
			"users = { 'alice', 'bob' } }", &ti), CKR_OK, "a full token_info");
	is_str(ti.label, "PIV card", "label");
	is_str(ti.model, "PIV", "model");
	ok(ti.hw.major == 3 && ti.hw.minor == 1, "hardware version 3.1");
	ok(ti.fw.major == 4 && ti.fw.minor == 2, "firmware version 4.2");
	is_ulong(ti.min_pin, 6, "min_pin");
	is_ulong(ti.max_pin, 8, "max_pin");
	is_ulong(ti.so_min_pin, 8, "so_min_pin");
	is_ulong(ti.so_max_pin, 8, "so_max_pin");
	ok(ti.write_protected && ti.protected_auth_path && ti.clock && ti.rng,
	   "write_protected, protected_auth_path, clock, rng");
	is_ulong(ti.max_sessions, 12, "max_sessions");
	is_ulong(ti.max_rw_sessions, 3, "max_rw_sessions");
	is_ulong(ti.total_public_memory, 65536, "total_public_memory");
	is_ulong(ti.free_public_memory, 1000, "free_public_memory");
	is_ulong(ti.total_private_memory, 4096, "total_private_memory");
	is_ulong(ti.free_private_memory, 0, "free_private_memory 0 is a value, not unknown");
	is_ulong(ti.users_count, 2, "two user names");
	is_str(ti.users[0], "alice", "the first user");
	is_str(ti.users[1], "bob", "the second user");

	/* the defaults */
	is_rv(info_from("{ min_pin = 4, max_pin = 16 }", &ti), CKR_OK, "a minimal token_info");
	is_str(ti.label, "", "label defaults to empty");
	ok(ti.hw.major == 0 && ti.hw.minor == 0 && ti.fw.major == 0, "versions default to 0.0");
	is_ulong(ti.so_min_pin, 4, "so_min_pin defaults to min_pin");
	is_ulong(ti.so_max_pin, 16, "so_max_pin defaults to max_pin");
	ok(!ti.write_protected && !ti.protected_auth_path && !ti.clock && !ti.initialized,
	   "booleans default to false");
	is_ulong(ti.max_sessions, CK_EFFECTIVELY_INFINITE, "no session limit");
	is_ulong(ti.total_public_memory, CK_UNAVAILABLE_INFORMATION, "public memory unknown");
	is_ulong(ti.free_private_memory, CK_UNAVAILABLE_INFORMATION, "private memory unknown");
	is_ulong(ti.users_count, 0, "no user names");
	is_rv(info_from("{ total_public_memory = -1, free_public_memory = 10 }", &ti), CKR_OK,
	      "free memory known, total unknown: the rule is not checked");
	is_ulong(ti.free_public_memory, 10, "... free memory 10");

	/* a failure named by the script is still the script's */
	is_rv(info_from("nil, 'CKR_TOKEN_NOT_RECOGNIZED'", &ti), CKR_TOKEN_NOT_RECOGNIZED,
	      "nil, CKR_TOKEN_NOT_RECOGNIZED");

	logged(&mark, "");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		is_rv(info_from(bad[i].table, &ti), CKR_FUNCTION_FAILED, "%s", bad[i].what);
		ok(logged(&mark, bad[i].field), "... the log names it: %s", bad[i].field);
		ok(all_zero(&ti, sizeof ti), "... nothing half-read is left");
	}
	lb_close(vm);
	rm_tmp_dir();
	return done_testing();
}
