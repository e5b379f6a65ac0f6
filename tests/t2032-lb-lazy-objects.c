/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2032 — lazy objects in the script contract (issue 11): the object record's optional
 * `lazy` boolean (false when left out) and the function object_attrs(card, ref), which
 * gives the whole object. The generated tables are the ones the bridge uses; objects
 * may list an object lazy; object_attrs gets the ref and the card (its APDUs reach the
 * card), and its answer must be the whole object of that ref: another ref, a lazy answer,
 * a malformed record or a family without the function is CKR_FUNCTION_FAILED, a card
 * error the script names is passed on (CKR_DEVICE_ERROR, CKR_DEVICE_REMOVED); the caller's
 * struct is then empty. Only objects' list may be lazy: create_object, set_attributes and
 * generate_key_pair answering `lazy = true` are malformed.
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

static CK_RV attrs_from(const char *body, const char *ref, struct lb_object *o)
{
	struct lb_card c = fake_card(&fk);

	if (body != NULL && !set_fn("object_attrs", "ref", body))
		return CKR_GENERAL_ERROR;
	memset(o, 0x5a, sizeof *o);
	return lb_object_attrs(vm, &c, ref, o);
}

static int empty(const struct lb_object *o)
{
	return o->ref[0] == '\0' && o->attrs == NULL && o->nattrs == 0 && o->lazy == 0;
}

static const struct lb_attr *attr(const struct lb_object *o, CK_ATTRIBUTE_TYPE t)
{
	size_t i;

	for (i = 0; i < o->nattrs; i++)
		if (o->attrs[i].type == t)
			return &o->attrs[i];
	return NULL;
}

int main(void)
{
	struct lb_object *o = NULL, one, pub, priv;
	struct lb_card c = fake_card(&fk);
	const struct skc_function *fn;
	const struct lb_attr *a;
	long mark = 0;
	size_t n = 0, i;
	int lazy_field = -1;
	CK_ULONG cls = CKO_DATA;
	struct lb_attr in = { CKA_CLASS, sizeof cls, (uint8_t *)&cls };

	make_tmp_dir();
	snprintf(logfile, sizeof logfile, "%s/debug.log", tmp_dir);
	setenv("SCRIPTOKI_DEBUG", "1", 1);
	setenv("SCRIPTOKI_DEBUG_FILE", logfile, 1);
	log_reset_after_fork();
	vm = open_probe();

	/* the generated tables */
	for (i = 0; i < skc_object.nfields; i++)
		if (strcmp(skc_object.fields[i].name, "lazy") == 0)
			lazy_field = (int)i;
	ok(lazy_field >= 0 && skc_object.fields[lazy_field].type == SKC_BOOLEAN &&
	   !skc_object.fields[lazy_field].required,
	   "the contract's object has an optional boolean `lazy`");
	fn = skc_function("object_attrs");
	ok(fn != NULL && fn->record == &skc_object && fn->kind == SKC_READ,
	   "object_attrs: one object record, a read");
	ok(fn != NULL && fn->if_missing == CKR_FUNCTION_FAILED,
	   "... CKR_FUNCTION_FAILED when a family lacks it");

	/* objects: lazy read, false when left out */
	ok(set_fn("objects", "logged_in",
		  "return { { ref = 'a', attrs = { [CKA.LABEL] = 'x' }, lazy = true },"
		  " { ref = 'b', attrs = {} }, { ref = 'c', attrs = {}, lazy = false } }"),
	   "objects with a lazy one");
	is_rv(lb_objects(vm, &c, 0, &o, &n), CKR_OK, "objects: read");
	ok(n == 3 && o[0].lazy == 1 && o[1].lazy == 0 && o[2].lazy == 0,
	   "... the first lazy, the others not (left out: false)");
	lb_objects_free(o, n);
	ok(set_fn("objects", "logged_in", "return { { ref = 'a', attrs = {}, lazy = 1 } }"),
	   "objects with lazy = 1");
	o = (struct lb_object *)1;
	is_rv(lb_objects(vm, &c, 0, &o, &n), CKR_FUNCTION_FAILED, "objects: lazy not a boolean");
	ok(o == NULL && n == 0, "... nothing returned");
	ok(logged(&mark, "objects: malformed result: object 1: field 'lazy'"), "... named in the log");

	/* object_attrs: missing, then good */
	is_rv(attrs_from(NULL, "a", &one), CKR_FUNCTION_FAILED,
	      "object_attrs: a family without it");
	ok(empty(&one), "... the struct left empty");
	fk.count = 0;
	is_rv(attrs_from("card:transmit('\\0\\xB0\\0\\0\\0') "
			 "return { ref = ref, attrs = { [CKA.LABEL] = 'x', [CKA.VALUE] = ref .. '!' } }",
			 "cert:3F00", &one), CKR_OK, "object_attrs: the whole object");
	a = attr(&one, CKA_VALUE);
	ok(strcmp(one.ref, "cert:3F00") == 0 && one.nattrs == 2 && one.lazy == 0 && a != NULL &&
	   a->len == 10 && memcmp(a->value, "cert:3F00!", 10) == 0,
	   "... the ref passed in, its attributes read");
	ok(fk.count == 1 && fk.last_len == 5 && fk.last[1] == 0xB0, "... its APDU reached the card");
	lb_object_clear(&one);

	/* object_attrs: malformed answers */
	is_rv(attrs_from("return { ref = 'other', attrs = {} }", "mine", &one), CKR_FUNCTION_FAILED,
	      "object_attrs: another object's ref");
	ok(empty(&one) && logged(&mark, "object_attrs: malformed result: another object's ref"),
	   "... refused, named");
	is_rv(attrs_from("return { ref = ref, attrs = {}, lazy = true }", "r", &one),
	      CKR_FUNCTION_FAILED, "object_attrs: a lazy answer");
	ok(empty(&one) && logged(&mark, "object_attrs: malformed result: field 'lazy'"),
	   "... refused, named");
	is_rv(attrs_from("return { ref = ref, attrs = { [CKA.VALUE] = 7 } }", "r", &one),
	      CKR_FUNCTION_FAILED, "object_attrs: CKA_VALUE a number");
	ok(empty(&one) && logged(&mark, "object_attrs: malformed result: field 'attrs': CKA_VALUE"),
	   "... refused, named");
	is_rv(attrs_from("return { { ref = ref, attrs = {} } }", "r", &one), CKR_FUNCTION_FAILED,
	      "object_attrs: a list instead of a record");
	ok(empty(&one), "... the struct left empty");
	is_rv(attrs_from("error('boom')", "r", &one), CKR_FUNCTION_FAILED,
	      "object_attrs: a script error");
	ok(empty(&one), "... the struct left empty");

	/* object_attrs: the card's errors passed on */
	is_rv(attrs_from("return nil, 'CKR_DEVICE_ERROR'", "r", &one), CKR_DEVICE_ERROR,
	      "object_attrs: nil, CKR_DEVICE_ERROR");
	ok(empty(&one), "... the struct left empty");
	is_rv(attrs_from("return nil, 'CKR_DEVICE_REMOVED'", "r", &one), CKR_DEVICE_REMOVED,
	      "object_attrs: nil, CKR_DEVICE_REMOVED");
	fk.fail_rv = CKR_DEVICE_ERROR;
	is_rv(attrs_from("local r, e = card:transmit('\\0\\xB0\\0\\0\\0') "
			 "if not r then return nil, e end return { ref = ref, attrs = {} }", "r", &one),
	      CKR_DEVICE_ERROR, "object_attrs: the card fails, the script says so");
	ok(empty(&one), "... the struct left empty");
	fk.fail_rv = CKR_OK;

	/* lazy only in objects' list */
	ok(set_fn("create_object", "attrs", "return { ref = 'x', attrs = attrs, lazy = true }"),
	   "a create_object answering lazy");
	memset(&one, 0x5a, sizeof one);
	is_rv(lb_create_object(vm, &c, &in, 1, &one), CKR_FUNCTION_FAILED,
	      "create_object: a lazy answer");
	ok(empty(&one) && logged(&mark, "create_object: malformed result: field 'lazy'"),
	   "... refused, named");
	ok(set_fn("set_attributes", "ref, attrs", "return { ref = ref, attrs = attrs, lazy = true }"),
	   "a set_attributes answering lazy");
	memset(&one, 0x5a, sizeof one);
	is_rv(lb_set_attributes(vm, &c, "r", &in, 1, &one), CKR_FUNCTION_FAILED,
	      "set_attributes: a lazy answer");
	ok(empty(&one), "... the struct left empty");
	ok(set_fn("generate_key_pair", "mech, pub, priv",
		  "return { ref = 'p', attrs = pub }, { ref = 'q', attrs = priv, lazy = true }"),
	   "a key pair whose private half is lazy");
	is_rv(lb_generate_key_pair(vm, &c, CKM_RSA_PKCS_KEY_PAIR_GEN, &in, 1, &in, 1, &pub, &priv),
	      CKR_FUNCTION_FAILED, "generate_key_pair: a lazy half");
	ok(empty(&pub) && empty(&priv), "... neither half is kept");

	lb_close(vm);
	rm_tmp_dir();
	return done_testing();
}
