/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t2007 — der.decode / der.decode_all / der.encode: round trips, and malformed, truncated,
 * oversized and too deeply nested input answered with nil and a message, never a crash.
 */
#include "lb/lb_test.h"

/* a Lua helper, prepended to each check: a tree as compact text */
#define SHOW \
	"local function show(n)\n" \
	"  if not n then return 'nil' end\n" \
	"  local s = ('%X'):format(n.tag) .. (n.cons and '{' or '=')\n" \
	"  if n.cons then for i, c in ipairs(n) do s = s .. (i > 1 and ',' or '') .. show(c) end\n" \
	"    return s .. '}' end\n" \
	"  return s .. bytes.hex(n.value)\n" \
	"end\n"

static void bad(struct lb_vm *vm, struct fake *f, const char *hex, const char *why)
{
	char code[1024];

	snprintf(code, sizeof code,
		 "local n, e = der.decode(bytes.unhex('%s'))\n"
		 "return tostring(n) .. ' ' .. tostring(type(e) == 'string' and e:find('der') ~= nil)",
		 hex);
	is_eval(vm, f, code, "nil true", "malformed: %s", why);
}

int main(void)
{
	struct fake f = { 0 };
	struct lb_vm *vm = open_probe();
	char code[1024];

	is_eval(vm, &f, SHOW "return show(der.decode(bytes.unhex('30 07 02 01 05 04 02 61 62')))",
		"30{2=05,4=6162}", "a SEQUENCE of INTEGER and OCTET STRING");
	is_eval(vm, &f, "local n, nxt = der.decode(bytes.unhex('04 01 AA 05 00')) return nxt .. ''",
		"4", "decode returns the position after the TLV");
	is_eval(vm, &f, SHOW "local s = bytes.unhex('04 01 AA 05 00')\n"
			"local _, p = der.decode(s) return show(der.decode(s, p))", "5=",
		"decode from a position");
	is_eval(vm, &f, SHOW "local l = der.decode_all(bytes.unhex('04 01 AA 05 00 A1 03 80 01 FF'))\n"
			"return #l .. ' ' .. show(l[1]) .. ' ' .. show(l[2]) .. ' ' .. show(l[3])",
		"3 4=AA 5= A1{80=FF}", "decode_all of TLVs back to back");
	is_eval(vm, &f, SHOW "return show(der.decode(bytes.unhex('9F 1F 02 12 34')))", "9F1F=1234",
		"a two-byte tag");
	is_eval(vm, &f, SHOW "return show(der.decode(bytes.unhex('BF 81 01 03 04 01 00')))",
		"BF8101{4=00}", "a three-byte constructed tag");
	is_eval(vm, &f, SHOW "return show(der.decode(bytes.unhex('30 80 04 01 AA 00 00')))",
		"30{4=AA}", "BER indefinite length");
	is_eval(vm, &f, SHOW "return show(der.decode(bytes.unhex('30 80 30 80 00 00 00 00')))",
		"30{30{}}", "nested indefinite lengths");
	is_eval(vm, &f, "local n = der.decode('\\4\\x81\\x80' .. ('x'):rep(128)) return #n.value .. ''",
		"128", "a long-form length");

	/* round trips */
	{
		static const char *const der[] = {
			"30 07 02 01 05 04 02 61 62",
			"04 00",
			"04 81 80" /* + 128 bytes, built in Lua */,
			"9F 1F 02 12 34",
			"A0 0A 30 08 06 06 2A 86 48 86 F7 0D",
			"30 00",
		};
		size_t i;

		for (i = 0; i < sizeof der / sizeof der[0]; i++) {
			snprintf(code, sizeof code,
				 "local s = bytes.unhex('%s')\n"
				 "if #s == 3 and s:byte(2) == 0x81 then s = s .. ('z'):rep(128) end\n"
				 "local n = assert(der.decode(s))\n"
				 "return tostring(der.encode(n) == s)", der[i]);
			is_eval(vm, &f, code, "true", "encode(decode(x)) == x for %s", der[i]);
		}
	}
	is_eval(vm, &f, "return bytes.hex(der.encode{ tag = 0x04, value = ('v'):rep(300) }:sub(1, 4))",
		"0482012C", "a 300-byte value gets a two-byte length");
	is_eval(vm, &f, "return bytes.hex(der.encode{ tag = 0x30, { tag = 0x02, value = '\\5' },\n"
			"  { tag = 0x05 } })", "300502010505" "00", "encode builds a tree");
	is_eval(vm, &f, "local n = { tag = 0x30 } for i = 1, 200 do n[i] = { tag = 0x05 } end\n"
			"return #der.encode(n) .. ''", "404", "200 children (30 82 01 90 and 400 bytes)");
	is_eval(vm, &f, "local n = { tag = 0x30 } local c = n for i = 1, 40 do\n"
			"  c[1] = { tag = 0x30 } c = c[1] end\n"
			"return tostring(pcall(der.encode, n))", "false", "encode refuses too deep a tree");
	is_eval(vm, &f, "local n = { tag = 0x30 } n[1] = n return tostring(pcall(der.encode, n))",
		"false", "encode refuses a cycle (as too deep)");
	is_eval(vm, &f, "return tostring(pcall(der.encode, { tag = 'x' }))", "false",
		"encode: a tag must be an integer");
	is_eval(vm, &f, "return tostring(pcall(der.encode, { tag = 4, value = 5 }))", "false",
		"encode: a value must be a string");
	is_eval(vm, &f, "return tostring(pcall(der.encode, { tag = 0x30, 5 }))", "false",
		"encode: a child must be a table");
	is_eval(vm, &f, "return tostring(pcall(der.encode, { tag = -1 }))", "false",
		"encode: a negative tag");

	/* malformed input */
	bad(vm, &f, "", "empty");
	bad(vm, &f, "30", "only a tag");
	bad(vm, &f, "04 05 61 62", "value shorter than its length");
	bad(vm, &f, "04 81", "long length without its octet");
	bad(vm, &f, "04 82 01", "long length cut short");
	bad(vm, &f, "04 85 00 00 00 00 01 00", "a 5-octet length");
	bad(vm, &f, "04 84 FF FF FF FF 00", "a 4 GiB length");
	bad(vm, &f, "04 80 00 00", "indefinite length of a primitive");
	bad(vm, &f, "30 80 04 01 AA", "indefinite length without end-of-contents");
	bad(vm, &f, "30 03 04 05 61", "a child running past its parent");
	bad(vm, &f, "30 04 04 01 61 05", "a truncated second child");
	bad(vm, &f, "1F", "a multi-byte tag cut short");
	bad(vm, &f, "1F 81 81 81 81 01 00", "a tag longer than 4 octets");
	bad(vm, &f, "9F 81", "a tag cut short in its middle");
	snprintf(code, sizeof code,
		 "local s = ('\\x30\\x80'):rep(40) .. ('\\0\\0'):rep(40)\n"
		 "local n, e = der.decode(s)\n"
		 "return tostring(n) .. ' ' .. tostring(e:find('deep') ~= nil)");
	is_eval(vm, &f, code, "nil true", "nesting deeper than %d", LB_DER_MAX_DEPTH);
	is_eval(vm, &f, "local s = '' for i = 1, 40 do s = '\\x30' .. string.char(#s) .. s end\n"
			"local n, e = der.decode(s) return tostring(n) .. ' ' .. tostring(e ~= nil)",
		"nil true", "definite nesting deeper than the limit");
	is_eval(vm, &f, "local s = '' for i = 1, 31 do s = '\\x30' .. string.char(#s) .. s end\n"
			"return tostring(der.decode(s) ~= nil)", "true", "nesting of 31 is fine");
	is_eval(vm, &f, "local l, e = der.decode_all(bytes.unhex('04 01 AA 04 05'))\n"
			"return tostring(l) .. ' ' .. tostring(e:find('byte 4') ~= nil)", "nil true",
		"decode_all names where the bad TLV starts");
	is_eval(vm, &f, "return tostring(pcall(der.decode, 'x', 5))", "false",
		"a position past the end is misuse");
	is_eval(vm, &f, "return tostring(pcall(der.decode, {}))", "false",
		"a table is not input");

	/* flat TLV (ISO/IEC 7816-4 BER-TLV, PIV data objects): constructed tags not descended */
#define FLAT \
	"local function flat(n)\n" \
	"  if not n then return 'nil' end\n" \
	"  return ('%X'):format(n.tag) .. (n.cons and '+' or '-') .. (n.value and bytes.hex(n.value) or '') .. '/' .. #n\n" \
	"end\n"
	/* PIV's card holder unique identifier: 53 { 30 FASC-N, 34 GUID, FE LRC } (SP 800-73-4) */
	is_eval(vm, &f, FLAT "return flat(der.decode(bytes.unhex('53 07 30 02 AA BB FE 01 CC'), 1, 'flat'))",
		"53-3002AABBFE01CC/0", "flat: tag 53 kept as its bytes, no children");
	is_eval(vm, &f, FLAT "return flat(der.decode(bytes.unhex('7F 61 03 02 01 05'), 1, 'flat'))",
		"7F61+020105/0", "flat: a constructed tag (7F61) read as a value, cons reported");
	is_eval(vm, &f, FLAT "return flat(der.decode(bytes.unhex('7F 61 03 02 01 05')))",
		"7F61+/1", "tree mode (the default) still descends into 7F61");
	is_eval(vm, &f, FLAT "local l = der.decode_all(bytes.unhex('53 02 31 FF 70 03 01 02 03 71 01 00'), 'flat')\n"
			"local t = {} for i, n in ipairs(l) do t[i] = flat(n) end return table.concat(t, ' ')",
		"53-31FF/0 70+010203/0 71+00/0",
		"flat decode_all: content that is no TLV at all (31 FF, 01 02 03) is fine");
	is_eval(vm, &f, "local s = bytes.unhex('53 04 30 02 AA BB')\n"
			"local n = der.decode(s, 1, 'flat') return tostring(der.encode(n) == s)", "true",
		"flat round trip through der.encode");
	is_eval(vm, &f, "local n, nxt = der.decode(bytes.unhex('05 00 53 01 30'), 3, 'flat')\n"
			"return bytes.hex(n.value) .. ' ' .. nxt", "30 6", "flat: a position and the next one");
	is_eval(vm, &f, "local n, e = der.decode(bytes.unhex('30 80 04 01 AA 00 00'), 1, 'flat')\n"
			"return tostring(n) .. ' ' .. tostring(e:find('flat') ~= nil)", "nil true",
		"flat: the indefinite length is malformed");
	is_eval(vm, &f, "local n, e = der.decode(bytes.unhex('53 05 30 02'), 1, 'flat')\n"
			"return tostring(n) .. ' ' .. tostring(e ~= nil)", "nil true",
		"flat: a value running past the input is malformed");
	is_eval(vm, &f, "local l, e = der.decode_all(bytes.unhex('53 01 30 70 03 01'), 'flat')\n"
			"return tostring(l) .. ' ' .. tostring(e:find('byte 4') ~= nil)", "nil true",
		"flat decode_all names the truncated TLV");
	is_eval(vm, &f, "return tostring(pcall(der.decode, '\\4\\0', 1, 'flatt'))", "false",
		"an unknown mode is misuse");
	is_eval(vm, &f, "return tostring(pcall(der.decode_all, '\\4\\0', 7))", "false",
		"a mode that is not a name is misuse");
	is_eval(vm, &f, "return tostring(select('#', der.decode_all('\\4\\0', 'tree')))", "1",
		"the mode 'tree' names the default");

	/* random and mutated input: any answer, no crash (run it under ASan) */
	is_eval(vm, &f,
		"local seeds = { bytes.unhex('30 07 02 01 05 04 02 61 62'),\n"
		"  bytes.unhex('30 80 30 80 04 01 AA 00 00 00 00'),\n"
		"  bytes.unhex('A0 0A 30 08 06 06 2A 86 48 86 F7 0D') }\n"
		"local n = 0\n"
		"for i = 1, 3000 do\n"
		"  local s = crypto.random(i % 48)\n"
		"  if i % 2 == 0 then\n"
		"    local seed = seeds[i % 3 + 1]\n"
		"    local p = i % #seed + 1\n"
		"    s = seed:sub(1, p - 1) .. string.char((seed:byte(p) + i) % 256) .. seed:sub(p + 1)\n"
		"    if i % 4 == 0 then s = s:sub(1, i % #s) end\n"
		"  end\n"
		"  if der.decode(s) then n = n + 1 end\n"
		"  der.decode_all(s)\n"
		"end\n"
		"return 'survived'", "survived", "3000 random and mutated inputs");
	lb_close(vm);
	return done_testing();
}
