/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2013 — token objects across the bridge (runtime/lb_obj.c), with the probe family's
 * functions replaced from eval: attributes typed by spec/attributes.yaml both ways
 * (boolean, integer — CK_UNAVAILABLE_INFORMATION included —, string, list of mechanisms,
 * nested template), a failure named by the script, and every malformed answer refused with
 * CKR_FUNCTION_FAILED: an unknown attribute, a value of the wrong Lua type, a ref that is
 * missing, empty or too long, keys that are not CKA numbers, a template inside a template,
 * a half-good key pair (nothing of it is kept); a family without writing functions answers
 * CKR_TOKEN_WRITE_PROTECTED.
 */
#include "lb/lb_test.h"

static struct lb_vm *vm;
static struct fake fk;

static CK_RV objects_from(const char *body, struct lb_object **objs, size_t *n)
{
	char code[2048];
	struct lb_card c = fake_card(&fk);

	snprintf(code, sizeof code, "M.objects = function(card, logged_in) %s end return 'ok'",
		 body);
	if (eval(vm, &fk, code) != CKR_OK) {
		diag("eval failed for: %s", body);
		return CKR_GENERAL_ERROR;
	}
	return lb_objects(vm, &c, 0, objs, n);
}

static void refused(const char *body, const char *what)
{
	struct lb_object *o = (struct lb_object *)1;
	size_t n = 7;

	is_rv(objects_from(body, &o, &n), CKR_FUNCTION_FAILED, "%s", what);
	ok(o == NULL && n == 0, "... nothing returned");
}

static const struct lb_attr *find(const struct lb_object *o, CK_ATTRIBUTE_TYPE t)
{
	size_t i;

	for (i = 0; i < o->nattrs; i++)
		if (o->attrs[i].type == t)
			return &o->attrs[i];
	return NULL;
}

static CK_ULONG ulong_of(const struct lb_attr *a)
{
	CK_ULONG v = 0xbad;

	if (a != NULL && a->len == sizeof v)
		memcpy(&v, a->value, sizeof v);
	return v;
}

int main(void)
{
	struct lb_object *o = NULL, pub, priv, echo;
	struct lb_card c = fake_card(&fk);
	const struct lb_attr *a;
	struct lb_attr in[5];
	CK_ULONG cls = CKO_DATA, unavail = CK_UNAVAILABLE_INFORMATION, mechs[2] = { 1, 0x1040 };
	CK_BBOOL yes = CK_TRUE;
	uint8_t tmpl[2 * sizeof(CK_ULONG) + 1];
	size_t n = 0;
	CK_ULONG hdr[2] = { CKA_SENSITIVE, 1 };

	vm = open_probe();

	is_rv(objects_from("return { { ref = '3F00/1001', attrs = { [CKA.CLASS] = CKO.DATA, "
			   "[CKA.TOKEN] = true, [CKA.LABEL] = 'x', "
			   "[CKA.ALLOWED_MECHANISMS] = { 1, 2 }, "
			   "[CKA.WRAP_TEMPLATE] = { [CKA.SENSITIVE] = true }, "
			   "[CKA.KEY_GEN_MECHANISM] = -1 } } }", &o, &n),
	      CKR_OK, "a well-formed list of one object");
	is_ulong(n, 1, "... one object");
	if (n == 1) {
		is_str(o[0].ref, "3F00/1001", "... its ref");
		is_ulong(o[0].nattrs, 6, "... six attributes");
		is_ulong(ulong_of(find(&o[0], CKA_CLASS)), CKO_DATA, "CKA_CLASS: a native CK_ULONG");
		a = find(&o[0], CKA_TOKEN);
		ok(a != NULL && a->len == 1 && a->value[0] == CK_TRUE, "CKA_TOKEN: one byte, CK_TRUE");
		a = find(&o[0], CKA_LABEL);
		ok(a != NULL && a->len == 1 && a->value[0] == 'x', "CKA_LABEL: the string's bytes");
		a = find(&o[0], CKA_ALLOWED_MECHANISMS);
		ok(a != NULL && a->len == 2 * sizeof(CK_ULONG),
		   "CKA_ALLOWED_MECHANISMS: two native CK_MECHANISM_TYPEs");
		a = find(&o[0], CKA_WRAP_TEMPLATE);
		ok(a != NULL && a->len == 2 * sizeof(CK_ULONG) + 1,
		   "CKA_WRAP_TEMPLATE: one serialised record");
		is_ulong(ulong_of(find(&o[0], CKA_KEY_GEN_MECHANISM)), CK_UNAVAILABLE_INFORMATION,
			 "-1 is CK_UNAVAILABLE_INFORMATION");
	}
	lb_objects_free(o, n);

	is_rv(objects_from("return {}", &o, &n), CKR_OK, "an empty list");
	ok(o == NULL && n == 0, "... no objects");
	is_rv(objects_from("return nil, 'CKR_DEVICE_MEMORY'", &o, &n), CKR_DEVICE_MEMORY,
	      "a failure the script names");

	refused("return { { ref = 'r', attrs = { [0x7ffffff0] = 'x' } } }", "an unknown attribute");
	refused("return { { ref = 'r', attrs = { [CKA.TOKEN] = 1 } } }", "an integer for a bool");
	refused("return { { ref = 'r', attrs = { [CKA.CLASS] = true } } }", "a bool for a ulong");
	refused("return { { ref = 'r', attrs = { [CKA.LABEL] = 5 } } }", "a number for a string");
	refused("return { { ref = 'r', attrs = { [CKA.START_DATE] = '2026' } } }",
		"a date of 4 characters");
	refused("return { { ref = 'r', attrs = { [CKA.ALLOWED_MECHANISMS] = { 'x' } } } }",
		"a mechanism that is not an integer");
	refused("return { { ref = 'r', attrs = { [CKA.WRAP_TEMPLATE] = { [CKA.WRAP_TEMPLATE] "
		"= {} } } } }", "a template inside a template");
	refused("return { { ref = string.rep('a', 64), attrs = {} } }", "a ref of 64 bytes");
	refused("return { { ref = '', attrs = {} } }", "an empty ref");
	refused("return { { attrs = {} } }", "no ref");
	refused("return { { ref = 'r' } }", "no attrs");
	refused("return { { ref = 'r', attrs = { label = 'x' } } }", "a key that is no CKA number");
	refused("return { 'not an object' }", "a list item that is not a table");
	refused("return 'objects'", "a string for a list");
	refused("return { { ref = 'a', attrs = {} }, { ref = 'b', attrs = { [CKA.TOKEN] = 'yes' } } }",
		"a bad second object: nothing of the first is kept");

	/* C -> Lua -> C: create_object echoes what it receives */
	is_eval(vm, &fk, "M.create_object = function(card, attrs) "
		"return { ref = 'echo', attrs = attrs } end return 'ok'", "ok", "an echoing create");
	memcpy(tmpl, hdr, sizeof hdr);
	tmpl[sizeof hdr] = CK_TRUE;
	in[0] = (struct lb_attr){ CKA_CLASS, sizeof cls, (uint8_t *)&cls };
	in[1] = (struct lb_attr){ CKA_TOKEN, 1, &yes };
	in[2] = (struct lb_attr){ CKA_KEY_GEN_MECHANISM, sizeof unavail, (uint8_t *)&unavail };
	in[3] = (struct lb_attr){ CKA_ALLOWED_MECHANISMS, sizeof mechs, (uint8_t *)mechs };
	in[4] = (struct lb_attr){ CKA_UNWRAP_TEMPLATE, sizeof tmpl, tmpl };
	is_rv(lb_create_object(vm, &c, in, 5, &echo), CKR_OK, "lb_create_object");
	{
		size_t i;
		int same = echo.nattrs == 5;

		for (i = 0; same && i < 5; i++) {
			a = find(&echo, in[i].type);
			same = a != NULL && a->len == in[i].len &&
			       memcmp(a->value, in[i].value, a->len) == 0;
			if (!same)
				diag("attribute 0x%lx differs", (unsigned long)in[i].type);
		}
		ok(same, "every value comes back byte for byte");
	}
	lb_object_clear(&echo);

	is_eval(vm, &fk, "M.generate_key_pair = function(card, mech, pub, priv) "
		"return { ref = 'p', attrs = pub }, { ref = 'q', attrs = { [CKA.SIGN] = 'no' } } "
		"end return 'ok'", "ok", "a key pair whose private half is malformed");
	is_rv(lb_generate_key_pair(vm, &c, CKM_RSA_PKCS_KEY_PAIR_GEN, in, 2, in, 2, &pub, &priv),
	      CKR_FUNCTION_FAILED, "lb_generate_key_pair: CKR_FUNCTION_FAILED");
	ok(pub.nattrs == 0 && pub.attrs == NULL && priv.nattrs == 0 && priv.attrs == NULL,
	   "... neither half is kept");
	is_eval(vm, &fk, "M.destroy_object = function(card, ref) "
		"if ref == 'gone' then return true end return nil, 'CKR_OBJECT_HANDLE_INVALID' end "
		"return 'ok'", "ok", "a destroy that knows one ref");
	is_rv(lb_destroy_object(vm, &c, "gone"), CKR_OK, "lb_destroy_object: true");
	is_rv(lb_destroy_object(vm, &c, "other"), CKR_OBJECT_HANDLE_INVALID,
	      "lb_destroy_object: the script's failure");

	/* a family without a writing function has a token nothing can change: the code the
	 * contract gives (if_missing) is one the C_ functions' returns: lists allow */
	is_eval(vm, &fk, "M.destroy_object = nil M.create_object = nil M.set_attributes = nil "
		"M.generate_key_pair = nil return 'ok'", "ok", "a family that writes nothing");
	is_rv(lb_destroy_object(vm, &c, "gone"), CKR_TOKEN_WRITE_PROTECTED,
	      "lb_destroy_object without destroy_object: CKR_TOKEN_WRITE_PROTECTED");
	is_rv(lb_generate_key_pair(vm, &c, CKM_RSA_PKCS_KEY_PAIR_GEN, in, 2, in, 2, &pub, &priv),
	      CKR_TOKEN_WRITE_PROTECTED,
	      "lb_generate_key_pair without generate_key_pair: CKR_TOKEN_WRITE_PROTECTED");

	lb_close(vm);
	return done_testing();
}
