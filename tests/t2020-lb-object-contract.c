/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2020 — the object functions' results read by the contract (spec/script-contract.yaml's
 * object record, generated into sk_contract.c and read by lb.c's lbc_read): objects,
 * create_object, set_attributes and generate_key_pair answer object records {ref, attrs};
 * the generated tables are the ones the bridge uses (the record, the list's bound); every
 * malformed answer — a field missing, a field the contract does not know, a ref out of
 * its bounds, attrs that are no table, an attribute of the wrong type, a list too long, a
 * metamethod that raises — is CKR_FUNCTION_FAILED with a log line naming the function, the
 * object, the field and the attribute, and the caller's struct is left empty (never a
 * crash; ASan sees no leak of a half-read object).
 */
#include "lb/lb_test.h"

#include "log.h"

static struct lb_vm *vm;
static struct fake fk;
static char logfile[300];

static int logged(long *mark, const char *needle)
{
	return log_has(logfile, mark, needle, 1);
}

static int set_fn(const char *name, const char *args, const char *body)
{
	return set_family_fn(vm, &fk, name, args, body);
}

static CK_RV objects_from(const char *body, struct lb_object **o, size_t *n)
{
	struct lb_card c = fake_card(&fk);

	if (!set_fn("objects", "logged_in", body))
		return CKR_GENERAL_ERROR;
	return lb_objects(vm, &c, 1, o, n);
}

static CK_RV create_from(const char *body, struct lb_object *o)
{
	struct lb_card c = fake_card(&fk);
	CK_ULONG cls = CKO_DATA;
	struct lb_attr in = { CKA_CLASS, sizeof cls, (uint8_t *)&cls };

	if (!set_fn("create_object", "attrs", body))
		return CKR_GENERAL_ERROR;
	memset(o, 0x5a, sizeof *o);
	return lb_create_object(vm, &c, &in, 1, o);
}

static int empty(const struct lb_object *o)
{
	return o->ref[0] == '\0' && o->attrs == NULL && o->nattrs == 0;
}

static const struct {
	const char *body, *log, *what;
} bad_lists[] = {
	{ "return { { attrs = {} } }", "objects: malformed result: object 1: field 'ref' is missing",
	  "no ref" },
	{ "return { { ref = 'r' } }", "object 1: field 'attrs' is missing", "no attrs" },
	{ "return { { ref = '', attrs = {} } }", "field 'ref': a string of 1..63 bytes",
	  "an empty ref" },
	{ "return { { ref = ('a'):rep(64), attrs = {} } }", "field 'ref': a string of 1..63 bytes",
	  "a ref of 64 bytes" },
	{ "return { { ref = 'a\\0b', attrs = {} } }", "field 'ref': a string of 1..63 bytes",
	  "a ref with a NUL byte" },
	{ "return { { ref = 7, attrs = {} } }", "field 'ref'", "a ref that is a number" },
	{ "return { { ref = 'r', attrs = 'x' } }", "field 'attrs': a table keyed by CKA numbers",
	  "attrs that are a string" },
	{ "return { { ref = 'r', attrs = {}, private = true } }",
	  "field 'private' is not one of a object", "a field the contract does not know" },
	{ "return { { ref = 'r', attrs = {}, [1] = 2 } }", "a key that is not a field name",
	  "a numeric key beside the fields" },
	{ "return { { ref = 'a', attrs = {} }, { ref = 'b', attrs = { [CKA.LABEL] = 5 } } }",
	  "object 2: field 'attrs': CKA_LABEL: a string is due", "a label that is a number" },
	{ "return { { ref = 'r', attrs = { [CKA.TOKEN] = 1 } } }",
	  "field 'attrs': CKA_TOKEN: a boolean is due", "an integer for a boolean" },
	{ "return { { ref = 'r', attrs = { [CKA.END_DATE] = '2026' } } }",
	  "field 'attrs': CKA_END_DATE: a date is 8 characters", "a date of 4 characters" },
	{ "return { { ref = 'r', attrs = { [0x7ffffff0] = 'x' } } }",
	  "field 'attrs': attribute 0x7ffffff0: unknown attribute", "an unknown attribute" },
	{ "return { { ref = 'r', attrs = { label = 'x' } } }", "field 'attrs': keys are CKA numbers",
	  "an attribute key that is a name" },
	{ "return { 'r' }", "object 1: expected a object table", "a list item that is a string" },
	{ "local t = {} for i = 1, 4097 do t[i] = { ref = 'r' .. i, attrs = {} } end return t",
	  "objects: malformed result: too many objects", "4097 objects" },
};

int main(void)
{
	struct lb_object *o = NULL, one, pub, priv;
	struct lb_card c = fake_card(&fk);
	const struct skc_function *fn;
	long mark = 0;
	size_t n = 0, i;
	CK_ULONG cls = CKO_DATA;
	struct lb_attr in = { CKA_CLASS, sizeof cls, (uint8_t *)&cls };

	make_tmp_dir();
	snprintf(logfile, sizeof logfile, "%s/debug.log", tmp_dir);
	setenv("SCRIPTOKI_DEBUG", "1", 1);
	setenv("SCRIPTOKI_DEBUG_FILE", logfile, 1);
	log_reset_after_fork();
	vm = open_probe();

	/* the generated tables */
	ok(skc_object.nfields == 3 && strcmp(skc_object.fields[0].name, "ref") == 0 &&
	   strcmp(skc_object.fields[1].name, "attrs") == 0 &&
	   skc_object.fields[1].type == SKC_ATTRIBUTES &&
	   strcmp(skc_object.fields[2].name, "lazy") == 0,
	   "the contract's object: ref, attrs (and lazy, t2032)");
	ok(skc_object.fields[0].required && skc_object.fields[1].required &&
	   skc_object.fields[0].min_len == 1 && skc_object.fields[0].max_len == LB_REF_MAX - 1,
	   "... both required, ref of 1..63 bytes");
	is_ulong(skc_object.fields[1].max_count, 256, "... at most 256 attributes");
	fn = skc_function("objects");
	ok(fn != NULL && fn->record == &skc_object && fn->max == 4096,
	   "objects: a list of at most 4096 object records");
	ok(skc_function("create_object") != NULL &&
	   skc_function("create_object")->record == &skc_object &&
	   skc_function("set_attributes")->record == &skc_object &&
	   skc_function("generate_key_pair")->record == &skc_object,
	   "create_object, set_attributes, generate_key_pair: object records");
	ok(skc_function("sign") != NULL && skc_function("sign")->record == NULL,
	   "sign: no record");

	/* good answers at the bounds */
	is_rv(objects_from("return { { ref = ('a'):rep(63), attrs = { [CKA.CLASS] = CKO.DATA } },"
			   " { ref = 'b', attrs = {} } }", &o, &n), CKR_OK,
	      "a ref of 63 bytes and one of 1");
	ok(n == 2 && strlen(o[0].ref) == 63 && o[0].nattrs == 1 && strcmp(o[1].ref, "b") == 0 &&
	   o[1].nattrs == 0 && o[1].attrs == NULL, "... both read");
	lb_objects_free(o, n);
	is_rv(objects_from("local t = {} for i = 1, 4096 do t[i] = { ref = 'r' .. i, attrs = {} } "
			   "end return t", &o, &n), CKR_OK, "4096 objects, the contract's most");
	is_ulong(n, 4096, "... all of them");
	lb_objects_free(o, n);

	/* malformed lists */
	logged(&mark, "");
	for (i = 0; i < sizeof bad_lists / sizeof bad_lists[0]; i++) {
		o = (struct lb_object *)1;
		n = 7;
		is_rv(objects_from(bad_lists[i].body, &o, &n), CKR_FUNCTION_FAILED, "objects: %s",
		      bad_lists[i].what);
		ok(o == NULL && n == 0, "... nothing returned");
		ok(logged(&mark, bad_lists[i].log), "... the log says: %s", bad_lists[i].log);
	}

	/* a metamethod of the answer that raises: a script error, not a crash */
	is_rv(objects_from("return { setmetatable({ attrs = { [CKA.LABEL] = 'x' } }, "
			   "{ __index = function() error('boom') end }) }", &o, &n),
	      CKR_FUNCTION_FAILED, "objects: a record whose __index raises");
	ok(o == NULL && n == 0, "... nothing returned");

	/* create_object */
	is_rv(create_from("return { ref = 'x', attrs = attrs }", &one), CKR_OK,
	      "create_object: the echo of its attributes");
	ok(strcmp(one.ref, "x") == 0 && one.nattrs == 1 && one.attrs[0].type == CKA_CLASS,
	   "... read");
	lb_object_clear(&one);
	is_rv(create_from("return { ref = 'x', attrs = { [CKA.VALUE] = true } }", &one),
	      CKR_FUNCTION_FAILED, "create_object: CKA_VALUE a boolean");
	ok(empty(&one), "... the struct left empty");
	ok(logged(&mark, "create_object: malformed result: field 'attrs': CKA_VALUE: a string is due"),
	   "... the log names the function, the field and the attribute");
	is_rv(create_from("return 'x'", &one), CKR_FUNCTION_FAILED, "create_object: a string");
	ok(empty(&one) && logged(&mark, "create_object: malformed result: expected a object table"),
	   "... refused, named");
	is_rv(create_from("return { ref = 'x', attrs = attrs, atrs = {} }", &one),
	      CKR_FUNCTION_FAILED, "create_object: a misspelt field beside the good ones");
	ok(empty(&one) && logged(&mark, "field 'atrs' is not one of a object"),
	   "... refused, the attributes read before it freed");

	/* set_attributes */
	ok(set_fn("set_attributes", "ref, attrs", "return { ref = ref }"), "a set_attributes "
	   "without attrs");
	memset(&one, 0x5a, sizeof one);
	is_rv(lb_set_attributes(vm, &c, "r1", &in, 1, &one), CKR_FUNCTION_FAILED,
	      "set_attributes: attrs missing");
	ok(empty(&one) && logged(&mark, "set_attributes: malformed result: field 'attrs' is missing"),
	   "... refused, named");

	/* generate_key_pair */
	ok(set_fn("generate_key_pair", "mech, pub, priv",
		  "return { ref = 'p', attrs = pub }, { ref = ('q'):rep(64), attrs = priv }"),
	   "a key pair whose private ref is too long");
	is_rv(lb_generate_key_pair(vm, &c, CKM_RSA_PKCS_KEY_PAIR_GEN, &in, 1, &in, 1, &pub, &priv),
	      CKR_FUNCTION_FAILED, "generate_key_pair: CKR_FUNCTION_FAILED");
	ok(empty(&pub) && empty(&priv), "... neither half is kept");
	ok(logged(&mark, "generate_key_pair: malformed result: the second object: field 'ref'"),
	   "... the log names the second object's ref");
	ok(set_fn("generate_key_pair", "mech, pub, priv",
		  "return { ref = 'p', attrs = pub }, { ref = 'q', attrs = priv }"), "a good pair");
	is_rv(lb_generate_key_pair(vm, &c, CKM_RSA_PKCS_KEY_PAIR_GEN, &in, 1, &in, 1, &pub, &priv),
	      CKR_OK, "generate_key_pair: both read");
	ok(strcmp(pub.ref, "p") == 0 && strcmp(priv.ref, "q") == 0 && pub.nattrs == 1 &&
	   priv.nattrs == 1, "... p and q with their attribute");
	lb_object_clear(&pub);
	lb_object_clear(&priv);

	lb_close(vm);
	rm_tmp_dir();
	return done_testing();
}
