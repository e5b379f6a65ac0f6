-- SPDX-License-Identifier: BSD-2-Clause
--
-- pkcs15.lua: the PKCS#15 structures OpenSC's rutoken_ecp profile puts on a token, decoded
-- from and encoded to DER.
--
-- Structures (PKCS #15 v1.1, ISO/IEC 7816-15):
--   EF.DIR record  [APPLICATION 1] { 4F AID, 50 label, 51 path }
--   EF.ODF         a run of [n] { Path } choices: A0 PrKDF, A1 PuKDF, A3 SKDF, A4 CDF, A7 DODF,
--                  A8 AODF, ... each holding SEQUENCE { OCTET STRING path }
--   EF.TokenInfo   SEQUENCE { version INTEGER, serialNumber OCTET STRING,
--                  manufacturerID UTF8String OPTIONAL, label [0] OPTIONAL,
--                  tokenflags BIT STRING, ... }
--   EF.AODF        a run of PIN objects: SEQUENCE { CommonObjectAttributes,
--                  CommonAuthenticationObjectAttributes { authId }, [1] { PinAttributes {
--                  pinFlags BIT STRING, pinType ENUMERATED, minLength, storedLength,
--                  maxLength OPTIONAL, pinReference [0] OPTIONAL, padChar OPTIONAL, ... } } }
-- Files are padded with 00 (or FF) after the last object.
--
-- Decoding uses the runtime's der.decode on one complete top-level TLV at a time; every
-- decoder returns nil, "CKR_DEVICE_ERROR" for data that does not have the expected shape.
-- Encoding builds DER with the small tlv() helper below (der.encode of one node).

local iso = import("lib/iso7816")

local M = {}

M.PKCS15_AID = "\xA0\x00\x00\x00\x63\x50\x4B\x43\x53\x2D\x31\x35"

-- ODF choice tags
M.ODF_PRKDF = 0xA0
M.ODF_PUKDF = 0xA1
M.ODF_CDF = 0xA4
M.ODF_DODF = 0xA7
M.ODF_AODF = 0xA8

-- PinFlags bit numbers (named bits of the BIT STRING)
M.PIN_CASE_SENSITIVE = 0
M.PIN_LOCAL = 1
M.PIN_CHANGE_DISABLED = 2
M.PIN_UNBLOCK_DISABLED = 3
M.PIN_INITIALIZED = 4
M.PIN_NEEDS_PADDING = 5
M.PIN_UNBLOCKING_PIN = 6
M.PIN_SO_PIN = 7

local BAD = "CKR_DEVICE_ERROR"

---------------------------------------------------------------------------------------
-- DER encoding

-- One TLV with a one-byte tag: the runtime's der.encode writes it, so the module has one
-- DER length encoder (X.690 8.1.3, definite form, minimal).
local function tlv(tag, value)
	return der.encode({ tag = tag, value = value })
end
M.tlv = tlv

local function der_int(n)
	assert(n >= 0 and n < 0x800000)
	local s = ""
	repeat
		s = string.char(n & 0xFF) .. s
		n = n >> 8
	until n == 0
	if s:byte(1) >= 0x80 then
		s = "\x00" .. s
	end
	return s
end
M.der_int = der_int

-- BIT STRING content from a list of named bit numbers: minimal length, trailing zero
-- bits counted as unused (DER named-bit rule).
function M.bits(list)
	local hi = -1
	for _, b in ipairs(list) do
		if b > hi then
			hi = b
		end
	end
	if hi < 0 then
		return "\x00"
	end
	local nbytes = hi // 8 + 1
	local bytes = {}
	for k = 1, nbytes do
		bytes[k] = 0
	end
	for _, b in ipairs(list) do
		local k = b // 8 + 1
		bytes[k] = bytes[k] | (0x80 >> (b % 8))
	end
	local unused = 7 - hi % 8
	local out = { string.char(unused) }
	for k = 1, nbytes do
		out[#out + 1] = string.char(bytes[k])
	end
	return table.concat(out)
end

---------------------------------------------------------------------------------------
-- Text fields

-- A text field as read from a card, made fit to show: trailing blanks and NULs (padding)
-- dropped, every other NUL byte and every byte that does not start a valid UTF-8 sequence
-- replaced by "?".
function M.text(s)
	s = s:gsub("[ \0]+$", "")
	local out, i = {}, 1
	while i <= #s do
		local n, bad = utf8.len(s, i)
		if n then
			out[#out + 1] = s:sub(i)
			break
		end
		out[#out + 1] = s:sub(i, bad - 1) .. "?"
		i = bad + 1
	end
	return (table.concat(out):gsub("\0", "?"))
end

-- true when s is valid UTF-8 without NUL bytes: what may be written as a text field.
function M.valid_text(s)
	return type(s) == "string" and utf8.len(s) ~= nil and not s:find("\0", 1, true)
end

---------------------------------------------------------------------------------------
-- DER decoding through the runtime's der library

-- The top-level TLVs of a file, stopping at 00/FF padding. A TLV that does not fit is an
-- error.
local function split(s)
	local out = {}
	local i = 1
	while i <= #s do
		local b = s:byte(i)
		if b == 0x00 or b == 0xFF then
			break
		end
		local tag, _, _, nxt = iso.tlv_at(s, i)
		if not tag then
			return nil
		end
		out[#out + 1] = s:sub(i, nxt - 1)
		i = nxt
	end
	return out
end
M.split = split

-- der.decode of one complete TLV, checked to be a table with a numeric tag.
local function decode(s)
	if type(der) ~= "table" or type(der.decode) ~= "function" then
		return nil
	end
	local ok, node = pcall(der.decode, s)
	if not ok or type(node) ~= "table" or type(node.tag) ~= "number" then
		return nil
	end
	return node
end

-- Children of a constructed node (its array part); {} for a primitive one.
local function kids(node)
	local out = {}
	for k = 1, #node do
		if type(node[k]) ~= "table" or type(node[k].tag) ~= "number" then
			return nil
		end
		out[k] = node[k]
	end
	return out
end

local function child(node, tag)
	for k = 1, #node do
		if type(node[k]) == "table" and node[k].tag == tag then
			return node[k]
		end
	end
	return nil
end

local function value(node)
	if node and type(node.value) == "string" then
		return node.value
	end
	return nil
end

local function int_value(node)
	local v = value(node)
	if not v or #v < 1 or #v > 4 then
		return nil
	end
	local n = 0
	for k = 1, #v do
		n = n << 8 | v:byte(k)
	end
	if v:byte(1) >= 0x80 then
		return nil      -- no negative numbers in these structures
	end
	return n
end

-- Named-bit test on a BIT STRING node's content (first octet = unused bits).
local function bit_set(node, b)
	local v = value(node)
	if not v or #v < 1 then
		return false
	end
	local k = b // 8 + 2
	if k > #v then
		return false
	end
	return v:byte(k) & (0x80 >> (b % 8)) ~= 0
end
M.bit_set = bit_set

---------------------------------------------------------------------------------------
-- EF.DIR

-- The path of the PKCS#15 application in EF.DIR, or nil (no PKCS#15 record), or nil + CKR.
function M.dir_app_path(data)
	local objs = split(data)
	if not objs then
		return nil, BAD
	end
	for _, s in ipairs(objs) do
		local rec = decode(s)
		if not rec then
			return nil, BAD
		end
		if rec.tag == 0x61 then
			local aid, path = value(child(rec, 0x4F)), value(child(rec, 0x51))
			if aid == M.PKCS15_AID and path then
				if #path < 2 or #path % 2 ~= 0 then
					return nil, BAD
				end
				return path
			end
		end
	end
	return nil
end

function M.encode_dir_record(aid, label, path)
	return tlv(0x61, tlv(0x4F, aid) .. tlv(0x50, label) .. tlv(0x51, path))
end

---------------------------------------------------------------------------------------
-- ODF

-- { [choice tag] = absolute path, ... }. Relative paths are completed with app_path.
function M.decode_odf(data, app_path)
	local objs = split(data)
	if not objs then
		return nil, BAD
	end
	local odf = {}
	for _, s in ipairs(objs) do
		local node = decode(s)
		if not node then
			return nil, BAD
		end
		local seq = child(node, 0x30)
		local path = seq and value(child(seq, 0x04))
		if not path or #path < 2 or #path % 2 ~= 0 then
			return nil, BAD
		end
		if path:sub(1, 2) ~= "\x3F\x00" and app_path then
			path = app_path .. path
		end
		if odf[node.tag] == nil then
			odf[node.tag] = path
		end
	end
	return odf
end

-- entries: list of { tag, path }
function M.encode_odf(entries)
	local out = {}
	for _, e in ipairs(entries) do
		out[#out + 1] = tlv(e[1], tlv(0x30, tlv(0x04, e[2])))
	end
	return table.concat(out)
end

---------------------------------------------------------------------------------------
-- TokenInfo

-- { version=, serial= (bytes), manufacturer=, label=, login_required=, readonly= }
function M.decode_tokeninfo(data)
	local objs = split(data)
	if not objs or #objs < 1 then
		return nil, BAD
	end
	local ti = decode(objs[1])
	if not ti or ti.tag ~= 0x30 then
		return nil, BAD
	end
	local k = kids(ti)
	if not k or #k < 3 then
		return nil, BAD
	end
	local out = {}
	out.version = int_value(k[1])
	if k[1].tag ~= 0x02 or out.version == nil or k[2].tag ~= 0x04 or not value(k[2]) then
		return nil, BAD
	end
	out.serial = value(k[2])
	local flags
	for idx = 3, #k do
		local n = k[idx]
		if n.tag == 0x0C and out.manufacturer == nil and flags == nil then
			out.manufacturer = value(n)
		elseif n.tag == 0x80 and out.label == nil and flags == nil then
			out.label = value(n)
		elseif n.tag == 0x03 and flags == nil then
			flags = n
		end
	end
	if not flags or not value(flags) then
		return nil, BAD
	end
	-- the texts another tool wrote are shown, not trusted: a label with NUL bytes or
	-- bytes that are not UTF-8 must not make the whole token unreadable
	if out.manufacturer then
		out.manufacturer = M.text(out.manufacturer)
	end
	if out.label then
		out.label = M.text(out.label)
	end
	out.readonly = bit_set(flags, 0)
	out.login_required = bit_set(flags, 1)
	out.prn_generation = bit_set(flags, 2)
	return out
end

-- t: { serial=bytes, manufacturer=, label=, flags=BIT STRING content }
function M.encode_tokeninfo(t)
	local body = tlv(0x02, der_int(t.version or 0)) .. tlv(0x04, t.serial)
	if t.manufacturer then
		body = body .. tlv(0x0C, t.manufacturer)
	end
	if t.label and t.label ~= "" then
		body = body .. tlv(0x80, t.label)
	end
	body = body .. tlv(0x03, t.flags or "\x00")
	return tlv(0x30, body)
end

---------------------------------------------------------------------------------------
-- AODF (PIN objects)

-- A list of { label=, auth_id=, ref=, min_len=, stored_len=, max_len=, type=, so=,
-- initialized=, unblock_disabled=, unblocking=, raw= } for the PIN objects; other
-- authentication object types are skipped.
function M.decode_aodf(data)
	local objs = split(data)
	if not objs then
		return nil, BAD
	end
	local pins = {}
	for _, s in ipairs(objs) do
		local obj = decode(s)
		if not obj then
			return nil, BAD
		end
		if obj.tag == 0x30 then
			local common = child(obj, 0x30)
			local k = kids(obj)
			if not common or not k or #k < 3 then
				return nil, BAD
			end
			local cauth = k[2]
			local typed = child(obj, 0xA1)
			local attrs = typed and child(typed, 0x30)
			if cauth.tag ~= 0x30 or not attrs then
				return nil, BAD
			end
			local p = { raw = s }
			p.label = value(child(common, 0x0C))
			p.auth_id = value(child(cauth, 0x04))
			local a = kids(attrs)
			if not a or #a < 4 or a[1].tag ~= 0x03 or a[2].tag ~= 0x0A or
			   a[3].tag ~= 0x02 or a[4].tag ~= 0x02 then
				return nil, BAD
			end
			p.type = int_value(a[2])
			p.min_len = int_value(a[3])
			p.stored_len = int_value(a[4])
			if p.type == nil or p.min_len == nil or p.stored_len == nil or
			   not value(a[1]) or not p.auth_id then
				return nil, BAD
			end
			for idx = 5, #a do
				if a[idx].tag == 0x02 and p.max_len == nil and p.ref == nil then
					p.max_len = int_value(a[idx])
				elseif a[idx].tag == 0x80 and p.ref == nil then
					p.ref = int_value(a[idx])
				elseif a[idx].tag == 0x04 and p.pad == nil then
					p.pad = value(a[idx])
				end
			end
			p.so = bit_set(a[1], M.PIN_SO_PIN)
			p.initialized = bit_set(a[1], M.PIN_INITIALIZED)
			p.unblock_disabled = bit_set(a[1], M.PIN_UNBLOCK_DISABLED)
			p.unblocking = bit_set(a[1], M.PIN_UNBLOCKING_PIN)
			pins[#pins + 1] = p
		end
	end
	return pins
end

-- p: { label=, flags= (CommonObjectFlags BIT STRING content), auth_id=, pin_flags= (BIT
-- STRING content), type=, min_len=, stored_len=, max_len=, ref=, pad= }
function M.encode_pin(p)
	local common = tlv(0x30, tlv(0x0C, p.label) .. tlv(0x03, p.flags))
	local cauth = tlv(0x30, tlv(0x04, p.auth_id))
	local attrs = tlv(0x03, p.pin_flags) ..
		tlv(0x0A, der_int(p.type)) ..
		tlv(0x02, der_int(p.min_len)) ..
		tlv(0x02, der_int(p.stored_len))
	if p.max_len then
		attrs = attrs .. tlv(0x02, der_int(p.max_len))
	end
	if p.ref then
		attrs = attrs .. tlv(0x80, der_int(p.ref))
	end
	if p.pad then
		attrs = attrs .. tlv(0x04, p.pad)
	end
	return tlv(0x30, common .. cauth .. tlv(0xA1, tlv(0x30, attrs)))
end

---------------------------------------------------------------------------------------
-- Object directories: PrKDF, PuKDF, CDF, DODF (PKCS #15 v1.1 section 6, the subset and
-- the encoding choices OpenSC 0.23 writes: src/libopensc/pkcs15-prkey.c, -pubkey.c,
-- -cert.c, -data.c).
--
--   PKCS15Object ::= SEQUENCE-or-[n] { CommonObjectAttributes, ClassAttributes,
--                                      [0] SubClassAttributes OPTIONAL, [1] TypeAttributes }
--   CommonObjectAttributes ::= SEQUENCE { label UTF8String OPTIONAL,
--                                         flags BIT STRING OPTIONAL, authId OCTET STRING OPTIONAL,
--                                         userConsent INTEGER (1..ub) OPTIONAL, ... }
--   (userConsent: how many uses one authentication allows. OpenSC 0.23 writes it after
--   authId only when it is above 0, and maps any value above 0 to CKA_ALWAYS_AUTHENTICATE:
--   src/libopensc/pkcs15.c c_asn1_com_obj_attr, src/pkcs11/framework-pkcs15.c.)
--   CommonKeyAttributes ::= SEQUENCE { iD OCTET STRING, usage BIT STRING,
--                                      native BOOLEAN DEFAULT TRUE, accessFlags BIT STRING OPTIONAL,
--                                      keyReference INTEGER OPTIONAL, ... }
--   Path ::= SEQUENCE { path OCTET STRING, index INTEGER OPTIONAL, length [0] INTEGER OPTIONAL }
--
-- Key choices: SEQUENCE = RSA, [0] = EC, [4] = GOST R 34.10 (OpenSC's tag for it). The type
-- attributes: RSA { value Path, modulusLength INTEGER }, EC { value Path, fieldSize INTEGER
-- OPTIONAL }, GOST { value Path, params_r3410 INTEGER, params_r3411 INTEGER OPTIONAL,
-- params_28147 INTEGER OPTIONAL }. Certificates: SEQUENCE { common, { iD, authority BOOLEAN
-- DEFAULT FALSE }, [1] { x509CertificateAttributes { value Path } } }. Data objects:
-- SEQUENCE { common, { applicationName UTF8String OPTIONAL, applicationOID OID OPTIONAL },
-- [1] { Path } }.

M.KIND_RSA, M.KIND_EC, M.KIND_GOST = "rsa", "ec", "gost"
local KEY_TAGS = { [0x30] = M.KIND_RSA, [0xA0] = M.KIND_EC, [0xA4] = M.KIND_GOST }
local KEY_TAG_OF = { rsa = 0x30, ec = 0xA0, gost = 0xA4 }

-- KeyUsageFlags, AccessFlags and CommonObjectFlags bit numbers
M.U_ENCRYPT, M.U_DECRYPT, M.U_SIGN, M.U_SIGN_RECOVER = 0, 1, 2, 3
M.U_WRAP, M.U_UNWRAP, M.U_VERIFY, M.U_VERIFY_RECOVER = 4, 5, 6, 7
M.U_DERIVE, M.U_NON_REPUDIATION = 8, 9
M.A_SENSITIVE, M.A_EXTRACTABLE, M.A_ALWAYS_SENSITIVE = 0, 1, 2
M.A_NEVER_EXTRACTABLE, M.A_LOCAL = 3, 4
M.CO_PRIVATE, M.CO_MODIFIABLE = 0, 1

-- The set of named bits of a BIT STRING node: { [bit] = true }.
local function bit_table(node)
	local v = value(node)
	local out = {}
	if not v or #v < 1 then
		return out
	end
	for k = 2, #v do
		local byte = v:byte(k)
		for b = 0, 7 do
			if byte & (0x80 >> b) ~= 0 then
				out[(k - 2) * 8 + b] = true
			end
		end
	end
	return out
end

-- A bit set back to the list p15.bits takes.
local function bit_list(set)
	local l = {}
	for b, on in pairs(set or {}) do
		if on then
			l[#l + 1] = b
		end
	end
	table.sort(l)
	return l
end
M.bit_list = bit_list

local function path_of(node, app_path)
	if not node or node.tag ~= 0x30 then
		return nil
	end
	local p = value(child(node, 0x04))
	if not p or #p < 2 or #p % 2 ~= 0 or #p > 16 then
		return nil
	end
	if p:sub(1, 2) ~= "\x3F\x00" and app_path then
		p = app_path .. p
	end
	return p
end

-- CommonObjectAttributes → label, private, modifiable, auth_id, user_consent (nil when
-- malformed)
local function common_of(node, o)
	if not node or node.tag ~= 0x30 then
		return nil
	end
	local label = child(node, 0x0C)
	if label then
		-- kept byte for byte (CKA_LABEL is bytes): a label another tool wrote that is
		-- not UTF-8 must not make the whole directory unreadable
		o.label = value(label)
		if not o.label then
			return nil
		end
	end
	local flags = bit_table(child(node, 0x03))
	o.private = flags[M.CO_PRIVATE] == true
	o.modifiable = flags[M.CO_MODIFIABLE] == true
	o.auth_id = value(child(node, 0x04))
	local uc = child(node, 0x02)
	if uc then
		local v = value(uc)
		if not v or #v < 1 then
			return nil
		end
		-- a negative count means no consent is asked; a huge one is still "ask"
		o.user_consent = int_value(uc) or (v:byte(1) >= 0x80 and 0 or 0x7FFFFFFF)
	end
	return o
end

-- CKA_ALLOWED_MECHANISMS has no place in PKCS #15; this module keeps it in the key's
-- CommonKeyAttributes, after the elements PKCS #15 names, as a private-class element
-- OpenSC skips: [PRIVATE 1] IMPLICIT SEQUENCE OF INTEGER (the CKM_ numbers, unsigned,
-- at most ALLOWED_MAX of them).
M.TAG_ALLOWED = 0xE1
M.ALLOWED_MAX = 64

local function uint32(n)
	local s = string.pack(">I4", n):gsub("^%z+", "")
	if s == "" or s:byte(1) >= 0x80 then
		s = "\x00" .. s
	end
	return s
end

-- The list of an allowed-mechanisms node, or nil when malformed.
local function allowed_of(node)
	local out = {}
	for k = 1, #node do
		local v = value(node[k])
		if type(node[k]) ~= "table" or node[k].tag ~= 0x02 or not v or #v < 1 or #v > 5 or
		   (#v == 5 and v:byte(1) ~= 0) or (#v < 5 and v:byte(1) >= 0x80) or k > M.ALLOWED_MAX then
			return nil
		end
		local n = 0
		for i = 1, #v do
			n = n << 8 | v:byte(i)
		end
		out[k] = n
	end
	return out
end

-- One key object (PrKDF or PuKDF entry). Unknown key choices give false (skipped).
local function decode_key(s, app_path)
	local obj = decode(s)
	if not obj then
		return nil
	end
	local kind = KEY_TAGS[obj.tag]
	if not kind then
		return false
	end
	local k = kids(obj)
	if not k or #k < 3 then
		return nil
	end
	local o = { kind = kind, raw = s }
	if not common_of(k[1], o) or k[2].tag ~= 0x30 then
		return nil
	end
	local ck = kids(k[2])
	if not ck or #ck < 2 or ck[1].tag ~= 0x04 or ck[2].tag ~= 0x03 or not value(ck[1]) then
		return nil
	end
	o.id = value(ck[1])
	o.usage = bit_table(ck[2])
	o.native = true
	for idx = 3, #ck do
		local n = ck[idx]
		if n.tag == 0x01 then
			o.native = value(n) ~= "\x00"
		elseif n.tag == 0x03 and o.access == nil then
			o.access = bit_table(n)
		elseif n.tag == 0x02 and o.key_ref == nil then
			o.key_ref = int_value(n)
		elseif n.tag == M.TAG_ALLOWED and o.allowed == nil then
			o.allowed = allowed_of(n)
			if not o.allowed then
				return nil
			end
		end
	end
	local typed = child(obj, 0xA1)
	local attrs = typed and child(typed, 0x30)
	local a = attrs and kids(attrs)
	if not a or #a < 1 then
		return nil
	end
	if a[1].tag == 0x30 then
		o.path = path_of(a[1], app_path)
		if not o.path then
			return nil
		end
	elseif a[1].tag == 0xA0 then
		o.direct = value(a[1]) or (a[1][1] and der.encode(a[1][1]))
	else
		return nil
	end
	if kind == M.KIND_RSA then
		if not a[2] or a[2].tag ~= 0x02 then
			return nil
		end
		o.bits = int_value(a[2])
		if not o.bits then
			return nil
		end
	elseif kind == M.KIND_EC then
		if a[2] and a[2].tag == 0x02 then
			o.bits = int_value(a[2])
		end
	else
		local p = {}
		for idx = 2, 4 do
			if a[idx] then
				if a[idx].tag ~= 0x02 then
					return nil
				end
				p[#p + 1] = int_value(a[idx])
				if p[#p] == nil then
					return nil
				end
			end
		end
		if #p < 1 then
			return nil
		end
		o.r3410, o.r3411, o.g28147 = p[1], p[2] or 0, p[3] or 0
	end
	return o
end

-- Secret keys (SKDF, ODF choice A3): PKCS #15's genericSecretKey, a SEQUENCE {
-- CommonObjectAttributes, CommonKeyAttributes, [0] { keyLen INTEGER (bits) },
-- [1] { SEQUENCE { Path } } }. The PKCS #11 key type and the check value the token
-- computed have no place in PKCS #15: kept in CommonKeyAttributes as a private-class
-- element after the allowed mechanisms, [PRIVATE 2] IMPLICIT SEQUENCE { INTEGER (CKK_),
-- OCTET STRING (CKA_CHECK_VALUE) }.
M.ODF_SKDF = 0xA3
M.TAG_SKEY_INFO = 0xE2

local function decode_skey(s, app_path)
	local obj = decode(s)
	if not obj then
		return nil
	end
	if obj.tag ~= 0x30 then
		return false            -- DES, RC2 ... choices this module does not write
	end
	local k = kids(obj)
	if not k or #k < 3 then
		return nil
	end
	local o = { kind = "secret", raw = s }
	if not common_of(k[1], o) or k[2].tag ~= 0x30 then
		return nil
	end
	local ck = kids(k[2])
	if not ck or #ck < 2 or ck[1].tag ~= 0x04 or ck[2].tag ~= 0x03 or not value(ck[1]) then
		return nil
	end
	o.id = value(ck[1])
	o.usage = bit_table(ck[2])
	o.native = true
	for idx = 3, #ck do
		local n = ck[idx]
		if n.tag == 0x01 then
			o.native = value(n) ~= "\x00"
		elseif n.tag == 0x03 and o.access == nil then
			o.access = bit_table(n)
		elseif n.tag == 0x02 and o.key_ref == nil then
			o.key_ref = int_value(n)
		elseif n.tag == M.TAG_ALLOWED and o.allowed == nil then
			o.allowed = allowed_of(n)
			if not o.allowed then
				return nil
			end
		elseif n.tag == M.TAG_SKEY_INFO and o.ckk == nil then
			local f = kids(n)
			if not f or not f[1] or f[1].tag ~= 0x02 or not f[2] or f[2].tag ~= 0x04 then
				return nil
			end
			-- CKK_ numbers are unsigned 32-bit (vendor ones have the top bit set)
			local ckk = allowed_of({ f[1] })
			o.ckk, o.kcv = ckk and ckk[1], value(f[2])
			if not o.ckk or not o.kcv then
				return nil
			end
		end
	end
	local sub = child(obj, 0xA0)
	if sub then
		local len = child(sub, 0x02)
		o.bits = len and int_value(len)
	end
	local typed = child(obj, 0xA1)
	local attrs = typed and child(typed, 0x30)
	local a = attrs and kids(attrs)
	if not a or #a < 1 or a[1].tag ~= 0x30 then
		return nil
	end
	o.path = path_of(a[1], app_path)
	if not o.path then
		return nil
	end
	return o
end

local function decode_list(data, one, app_path)
	local objs = split(data)
	if not objs then
		return nil, BAD
	end
	local out = {}
	for _, s in ipairs(objs) do
		local o = one(s, app_path)
		if o == nil then
			return nil, BAD
		end
		if o then
			out[#out + 1] = o
		end
	end
	return out
end

-- PrKDF / PuKDF: a list of { kind=, raw=, label=, private=, modifiable=, auth_id=,
-- user_consent= (nil when absent), id=,
-- usage={bits}, native=, access={bits}|nil, key_ref=, allowed={CKM...}|nil, path=|direct=,
-- bits=, r3410=,
-- r3411=, g28147= }.
function M.decode_keys(data, app_path)
	return decode_list(data, decode_key, app_path)
end

-- SKDF: a list of { kind = "secret", raw=, label=, private=, modifiable=, auth_id=, id=,
-- usage=, native=, access=, key_ref=, allowed=, ckk=, kcv=, bits=, path= }.
function M.decode_skdf(data, app_path)
	return decode_list(data, decode_skey, app_path)
end

local function decode_cert(s, app_path)
	local obj = decode(s)
	if not obj then
		return nil
	end
	if obj.tag ~= 0x30 then
		return false            -- not an X.509 certificate object
	end
	local k = kids(obj)
	if not k or #k < 3 then
		return nil
	end
	local o = { raw = s }
	if not common_of(k[1], o) or k[2].tag ~= 0x30 then
		return nil
	end
	o.id = value(child(k[2], 0x04))
	o.authority = value(child(k[2], 0x01)) ~= nil and value(child(k[2], 0x01)) ~= "\x00"
	local typed = child(obj, 0xA1)
	local attrs = typed and child(typed, 0x30)
	local v = attrs and attrs[1]
	if not o.id or type(v) ~= "table" then
		return nil
	end
	if v.tag == 0x30 then
		o.path = path_of(v, app_path)
		if not o.path then
			return nil
		end
	elseif v.tag == 0xA0 then
		o.direct = v[1] and der.encode(v[1]) or value(v)
	else
		return nil
	end
	return o
end

-- CDF: a list of { raw=, label=, private=, modifiable=, id=, authority=, path=|direct= }.
function M.decode_cdf(data, app_path)
	return decode_list(data, decode_cert, app_path)
end

local function decode_data(s, app_path)
	local obj = decode(s)
	if not obj then
		return nil
	end
	if obj.tag ~= 0x30 then
		return false
	end
	local k = kids(obj)
	if not k or #k < 3 then
		return nil
	end
	local o = { raw = s }
	if not common_of(k[1], o) or k[2].tag ~= 0x30 then
		return nil
	end
	local app = child(k[2], 0x0C)
	if app then
		o.app = value(app)
		if not o.app then
			return nil
		end
	end
	local oid = child(k[2], 0x06)
	if oid then
		o.oid = der.encode(oid)
	end
	local typed = child(obj, 0xA1)
	o.path = path_of(typed and child(typed, 0x30), app_path)
	if not o.path then
		return nil
	end
	return o
end

-- DODF: a list of { raw=, label=, private=, modifiable=, auth_id=, app=, oid= (DER), path= }.
function M.decode_dodf(data, app_path)
	return decode_list(data, decode_data, app_path)
end

local function enc_common(o)
	local body = ""
	if o.label and o.label ~= "" then
		body = tlv(0x0C, o.label)
	end
	local flags = {}
	if o.private then
		flags[#flags + 1] = M.CO_PRIVATE
	end
	if o.modifiable then
		flags[#flags + 1] = M.CO_MODIFIABLE
	end
	body = body .. tlv(0x03, M.bits(flags))
	if o.auth_id then
		body = body .. tlv(0x04, o.auth_id)
	end
	if o.user_consent and o.user_consent > 0 then
		body = body .. tlv(0x02, der_int(o.user_consent))
	end
	return tlv(0x30, body)
end

local function enc_path(p)
	return tlv(0x30, tlv(0x04, p))
end
M.enc_path = enc_path

-- k as decode_keys returns it (usage / access as bit sets). For public keys OpenSC writes
-- native FALSE and keyReference 0; private keys carry the card's key reference.
function M.encode_key(k)
	local ck = tlv(0x04, k.id) .. tlv(0x03, M.bits(bit_list(k.usage)))
	if k.native == false then
		ck = ck .. "\x01\x01\x00"
	end
	if k.access and #bit_list(k.access) > 0 then
		ck = ck .. tlv(0x03, M.bits(bit_list(k.access)))
	end
	if k.key_ref then
		ck = ck .. tlv(0x02, der_int(k.key_ref))
	end
	if k.allowed and #k.allowed > 0 then
		local l = {}
		for i, m in ipairs(k.allowed) do
			l[i] = tlv(0x02, uint32(m))
		end
		ck = ck .. tlv(M.TAG_ALLOWED, table.concat(l))
	end
	local ta = enc_path(k.path)
	if k.kind == M.KIND_RSA then
		ta = ta .. tlv(0x02, der_int(k.bits))
	elseif k.kind == M.KIND_EC then
		if k.bits then
			ta = ta .. tlv(0x02, der_int(k.bits))
		end
	else
		ta = ta .. tlv(0x02, der_int(k.r3410)) .. tlv(0x02, der_int(k.r3411 or 0)) ..
			tlv(0x02, der_int(k.g28147 or 0))
	end
	return tlv(KEY_TAG_OF[k.kind], enc_common(k) .. tlv(0x30, ck) .. tlv(0xA1, tlv(0x30, ta)))
end

-- k as decode_skdf returns it.
function M.encode_skey(k)
	local ck = tlv(0x04, k.id) .. tlv(0x03, M.bits(bit_list(k.usage)))
	if k.access and #bit_list(k.access) > 0 then
		ck = ck .. tlv(0x03, M.bits(bit_list(k.access)))
	end
	if k.key_ref then
		ck = ck .. tlv(0x02, der_int(k.key_ref))
	end
	if k.allowed and #k.allowed > 0 then
		local l = {}
		for i, m in ipairs(k.allowed) do
			l[i] = tlv(0x02, uint32(m))
		end
		ck = ck .. tlv(M.TAG_ALLOWED, table.concat(l))
	end
	ck = ck .. tlv(M.TAG_SKEY_INFO, tlv(0x02, uint32(k.ckk)) .. tlv(0x04, k.kcv or ""))
	return tlv(0x30, enc_common(k) .. tlv(0x30, ck) .. tlv(0xA0, tlv(0x02, der_int(k.bits))) ..
		   tlv(0xA1, tlv(0x30, enc_path(k.path))))
end

function M.encode_cert(c)
	local cc = tlv(0x04, c.id)
	if c.authority then
		cc = cc .. "\x01\x01\xFF"
	end
	return tlv(0x30, enc_common(c) .. tlv(0x30, cc) .. tlv(0xA1, tlv(0x30, enc_path(c.path))))
end

function M.encode_data(d)
	local cd = ""
	if d.app and d.app ~= "" then
		cd = tlv(0x0C, d.app)
	end
	if d.oid then
		cd = cd .. d.oid
	end
	return tlv(0x30, enc_common(d) .. tlv(0x30, cd) .. tlv(0xA1, enc_path(d.path)))
end

-- Where an object directory's used part ends in the data read so far: the offset after
-- the last complete top-level TLV, and true when padding (00/FF) follows it (the rest of
-- the file is unused), false when the data ends there or inside a TLV (read more, if the
-- file has more).
function M.used_end(s)
	local i = 1
	while i <= #s do
		local b = s:byte(i)
		if b == 0x00 or b == 0xFF then
			return i - 1, true
		end
		local tag, _, _, nxt = iso.tlv_at(s, i)
		if not tag then
			return i - 1, false
		end
		i = nxt
	end
	return #s, false
end

-- The used part of a padded file: the bytes of its top-level objects.
function M.used(data)
	local objs = split(data)
	if not objs then
		return nil, BAD
	end
	return table.concat(objs)
end

return M
