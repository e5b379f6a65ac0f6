/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2025 — the contract's token secret keys (spec/script-contract.yaml, "token secret keys"):
 * the mechanism record's token_keys fact; generate_key(card, mech, attrs) and its object
 * record; secret_crypt(card, ref, mech, encrypt, iv, data), whose answer must have exactly
 * the input's length; secret_mac(card, ref, mech, data), at most the caller's room. The
 * arguments the script sees are echoed back and checked; malformed answers are
 * CKR_FUNCTION_FAILED, a failure the script names is passed on, a missing function is the
 * contract's if_missing code.
 */
#include "lb/lb_test.h"

static struct lb_vm *vm;
static struct fake fk;

static void set(const char *fn, const char *body)
{
	char code[1024];

	snprintf(code, sizeof code, "M.%s = function(card, ...) %s end return 'ok'", fn, body);
	if (eval(vm, &fk, code) != CKR_OK)
		diag("eval failed for: %s", body);
}

static CK_RV sk_crypt(const char *body, int enc, const char *iv, const char *in, uint8_t *out,
		   size_t *n)
{
	struct lb_card c = fake_card(&fk);

	set("secret_crypt", body);
	return lb_secret_crypt(vm, &c, "sk:1", CKM_GOST28147_ECB, enc, (const uint8_t *)iv,
			       strlen(iv), (const uint8_t *)in, strlen(in), out, n);
}

static CK_RV mac(const char *body, const char *in, uint8_t *out, size_t *n)
{
	struct lb_card c = fake_card(&fk);

	set("secret_mac", body);
	return lb_secret_mac(vm, &c, "sk:1", CKM_GOST28147_MAC, (const uint8_t *)in, strlen(in),
			     out, n);
}

int main(void)
{
	struct lb_mechanism m[2];
	struct lb_object o;
	struct lb_card c;
	uint8_t out[64];
	size_t n;
	CK_ULONG len = 32;
	struct lb_attr a = { .type = CKA_VALUE_LEN, .value = (uint8_t *)&len, .len = sizeof len };

	vm = open_probe();

	set("mechanisms", "return { { type = CKM.GOST28147_ECB, flags = CKF.ENCRYPT | "
	    "CKF.DECRYPT | CKF.HW, token_keys = true }, { type = CKM.RSA_PKCS } }");
	c = fake_card(&fk);
	n = 2;
	is_rv(lb_mechanisms(vm, &c, m, &n), CKR_OK, "mechanisms: one with token_keys");
	ok(n == 2 && m[0].token_keys == 1 && m[1].token_keys == 0,
	   "... token_keys read, false by default");
	set("mechanisms", "return { { type = CKM.GOST28147_ECB, token_keys = 1 } }");
	c = fake_card(&fk);
	n = 2;
	is_rv(lb_mechanisms(vm, &c, m, &n), CKR_FUNCTION_FAILED,
	      "mechanisms: token_keys must be a boolean");

	/* generate_key: mech and the template reach the script */
	set("generate_key", "local mech, attrs = ... "
	    "if mech ~= CKM.GOST28147_KEY_GEN or attrs[CKA.VALUE_LEN] ~= 32 then "
	    "return nil, 'CKR_ARGUMENTS_BAD' end "
	    "return { ref = 'sk:1', attrs = { [CKA.CLASS] = CKO.SECRET_KEY, "
	    "[CKA.LOCAL] = true, [CKA.CHECK_VALUE] = '\\1\\2\\3' } }");
	c = fake_card(&fk);
	is_rv(lb_generate_key(vm, &c, CKM_GOST28147_KEY_GEN, &a, 1, &o), CKR_OK,
	      "generate_key: mech and attrs passed, an object back");
	ok(strcmp(o.ref, "sk:1") == 0 && o.nattrs == 3, "... its ref and attributes");
	lb_object_clear(&o);
	set("generate_key", "return { ref = '', attrs = {} }");
	c = fake_card(&fk);
	is_rv(lb_generate_key(vm, &c, CKM_GOST28147_KEY_GEN, &a, 1, &o), CKR_FUNCTION_FAILED,
	      "generate_key: an empty ref is malformed");
	set("generate_key", "return nil, 'CKR_DEVICE_MEMORY'");
	c = fake_card(&fk);
	is_rv(lb_generate_key(vm, &c, CKM_GOST28147_KEY_GEN, &a, 1, &o), CKR_DEVICE_MEMORY,
	      "generate_key: a failure the script names");
	eval(vm, &fk, "M.generate_key = nil return 'ok'");
	c = fake_card(&fk);
	is_rv(lb_generate_key(vm, &c, CKM_GOST28147_KEY_GEN, &a, 1, &o),
	      CKR_TOKEN_WRITE_PROTECTED, "a family without generate_key: its if_missing code");

	/* secret_crypt: the arguments in order, exactly as many bytes back */
	n = sizeof out;
	is_rv(sk_crypt("local ref, mech, enc, iv, data = ... "
		    "if ref ~= 'sk:1' or mech ~= CKM.GOST28147_ECB or enc ~= true then "
		    "return nil, 'CKR_ARGUMENTS_BAD' end return iv .. data:sub(#iv + 1)",
		    1, "ABCDEFGH", "0123456789abcdef", out, &n), CKR_OK,
	      "secret_crypt: ref, mech, encrypt, iv, data");
	ok(n == 16 && memcmp(out, "ABCDEFGH89abcdef", 16) == 0, "... 16 bytes back as given");
	n = sizeof out;
	is_rv(sk_crypt("local ref, mech, enc = ... return enc and 'x' or ('y'):rep(8)", 0, "",
		    "01234567", out, &n), CKR_OK, "secret_crypt: decrypt, no iv");
	ok(n == 8 && memcmp(out, "yyyyyyyy", 8) == 0, "... encrypt false");
	n = sizeof out;
	is_rv(sk_crypt("return '0123456'", 1, "", "01234567", out, &n), CKR_FUNCTION_FAILED,
	      "secret_crypt: a shorter answer is malformed");
	n = sizeof out;
	is_rv(sk_crypt("return '012345678'", 1, "", "01234567", out, &n), CKR_FUNCTION_FAILED,
	      "secret_crypt: a longer one too");
	ok(n == 0, "... nothing given");
	n = sizeof out;
	is_rv(sk_crypt("return nil, 'CKR_DEVICE_REMOVED'", 1, "", "01234567", out, &n),
	      CKR_DEVICE_REMOVED, "secret_crypt: a failure the script names");
	n = 4;
	is_rv(sk_crypt("return ...", 1, "", "01234567", out, &n), CKR_ARGUMENTS_BAD,
	      "secret_crypt: room for less than the input: refused before the script");
	eval(vm, &fk, "M.secret_crypt = nil return 'ok'");
	n = sizeof out;
	c = fake_card(&fk);
	is_rv(lb_secret_crypt(vm, &c, "sk:1", CKM_GOST28147_ECB, 1, NULL, 0,
			      (const uint8_t *)"01234567", 8, out, &n), CKR_FUNCTION_NOT_SUPPORTED,
	      "a family without secret_crypt: CKR_FUNCTION_NOT_SUPPORTED");

	/* secret_mac */
	n = sizeof out;
	is_rv(mac("local ref, mech, data = ... if mech ~= CKM.GOST28147_MAC then return nil, "
		  "'CKR_ARGUMENTS_BAD' end return data:sub(1, 4)", "message", out, &n), CKR_OK,
	      "secret_mac: ref, mech, data");
	ok(n == 4 && memcmp(out, "mess", 4) == 0, "... 4 bytes back");
	n = 4;
	is_rv(mac("return '12345'", "m", out, &n), CKR_FUNCTION_FAILED,
	      "secret_mac: more than the room is malformed");
	n = sizeof out;
	is_rv(mac("return 5", "m", out, &n), CKR_FUNCTION_FAILED,
	      "secret_mac: a number is malformed");
	lb_close(vm);
	return done_testing();
}
