/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2008 — the bytes and crypto libraries: results, and misuse raised as errors.
 */
#include "lb/lb_test.h"

int main(void)
{
	static const struct {
		const char *code, *want, *name;
	} cases[] = {
		{ "return bytes.hex('\\0\\x1F\\xA4\\xFF')", "001FA4FF", "hex" },
		{ "return bytes.hex('')", "", "hex of nothing" },
		{ "return bytes.hex(bytes.unhex('00 a4 04:00\\n0C'))", "00A404000C",
		  "unhex with blanks, colons, lower case" },
		{ "return tostring(pcall(bytes.unhex, '0'))", "false", "unhex: odd digits" },
		{ "return tostring(pcall(bytes.unhex, '0 0'))", "false", "unhex: a lone digit" },
		{ "return tostring(pcall(bytes.unhex, 'zz'))", "false", "unhex: not hex" },
		{ "return bytes.hex(bytes.u16(0x1234))", "1234", "u16" },
		{ "return bytes.hex(bytes.u16(0))", "0000", "u16(0)" },
		{ "return tostring(pcall(bytes.u16, 0x10000))", "false", "u16 out of range" },
		{ "return tostring(pcall(bytes.u16, -1))", "false", "u16 negative" },
		{ "return bytes.be('\\1\\2') .. ''", "258", "be decodes" },
		{ "return bytes.be('\\xFF\\xFF\\xFF\\xFF') .. ''", "4294967295", "be of 4 bytes" },
		{ "return tostring(pcall(bytes.be, ''))", "false", "be of nothing" },
		{ "return tostring(pcall(bytes.be, '123456789'))", "false", "be of 9 bytes" },
		{ "return bytes.hex(bytes.be(258, 3))", "000102", "be encodes to a width" },
		{ "return tostring(pcall(bytes.be, 256, 1))", "false", "be: does not fit" },
		{ "return tostring(pcall(bytes.be, 1, 9))", "false", "be: width 9" },
		{ "return bytes.hex(bytes.be(-1, 8))", "FFFFFFFFFFFFFFFF", "be(-1, 8)" },
		{ "return bytes.reverse('abc')", "cba", "reverse" },
		{ "return bytes.reverse('') .. '.'", ".", "reverse of nothing" },
		{ "return bytes.reverse('abcdefgh')", "hgfedcba", "reverse of one word (8 bytes)" },
		{ "return bytes.reverse('0123456789abcdefghi')", "ihgfedcba9876543210",
		  "reverse of two words and three bytes" },
		{ "local t = {} for i = 0, 255 do t[#t + 1] = string.char(i) end "
		  "local s = table.concat(t) local r = bytes.reverse(s) "
		  "for i = 1, 256 do if r:byte(i) ~= 256 - i then return 'at ' .. i end end "
		  "return tostring(bytes.reverse(r) == s)", "true",
		  "reverse of 256 bytes (an RSA-2048 value), and back" },
		{ "return bytes.hex(bytes.xor('\\x0F\\xF0', '\\xFF\\xFF'))", "F00F", "xor" },
		{ "return tostring(pcall(bytes.xor, 'a', 'bc'))", "false", "xor of unequal lengths" },
		{ "return bytes.hex(crypto.digest('sha256', 'abc'))",
		  "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
		  "sha256 of abc (FIPS 180-2 vector)" },
		{ "return bytes.hex(crypto.digest('sha1', 'abc'))",
		  "A9993E364706816ABA3E25717850C26C9CD0D89D", "sha1 of abc" },
		{ "return #crypto.digest('sha224', '') .. #crypto.digest('sha384', '') .. "
		  "#crypto.digest('sha512', '')", "284864", "sha224, sha384, sha512 lengths" },
		{ "return bytes.hex(crypto.digest('sha3-256', 'abc'))",
		  "3A985DA74FE225B2045C172D6BD390BD855F086E3E9D525B46BFE24511431532",
		  "sha3-256 of abc (FIPS 202 example): every digest of the spec by its name" },
		{ "return #crypto.digest('streebog256', '') .. #crypto.digest('streebog512', '') "
		  ".. #crypto.digest('gostr3411-94', '')", "326432",
		  "streebog256, streebog512, gostr3411-94 (the gost provider) lengths" },
		{ "return tostring(pcall(crypto.digest, 'md5', 'abc'))", "false",
		  "an unknown digest is misuse" },
		{ "return #crypto.random(32) .. ''", "32", "random(32)" },
		{ "return #crypto.random(0) .. ''", "0", "random(0)" },
		{ "return tostring(crypto.random(16) ~= crypto.random(16))", "true",
		  "two random strings differ" },
		{ "return tostring(pcall(crypto.random, -1))", "false", "random(-1)" },
		{ "return tostring(pcall(crypto.random, 65537))", "false", "random(65537)" },
	};
	struct fake f = { 0 };
	struct lb_vm *vm = open_probe();
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_eval(vm, &f, cases[i].code, cases[i].want, "%s", cases[i].name);
	lb_close(vm);
	return done_testing();
}
