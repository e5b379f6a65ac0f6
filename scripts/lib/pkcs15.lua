-- SPDX-License-Identifier: BSD-2-Clause
--
-- pkcs15.lua: the PKCS#15 structures OpenSC's rutoken_ecp profile puts on a token, decoded
-- from and encoded to DER.
--
-- Structures (PKCS #15 v1.1, ISO/IEC 7816-15):
--   EF.DIR record  [APPLICATION 1] { 4F AID, 50 label, 51 path }
--   EF.ODF         a run of [n] { Path } choices: A0 PrKDF, A1 PuKDF, A4 CDF, A7 DODF,
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
-- Encoding builds DER directly with the small tlv() helper below.

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

local function der_len(n)
	if n < 0x80 then
		return string.char(n)
	elseif n < 0x100 then
		return string.char(0x81, n)
	end
	assert(n < 0x10000, "DER length too large")
	return string.char(0x82, n >> 8, n & 0xFF)
end

local function tlv(tag, value)
	return string.char(tag) .. der_len(#value) .. value
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
	if (out.manufacturer and not utf8.len(out.manufacturer)) or
	   (out.label and not utf8.len(out.label)) then
		return nil, BAD
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

-- The used part of a padded file: the bytes of its top-level objects.
function M.used(data)
	local objs = split(data)
	if not objs then
		return nil, BAD
	end
	return table.concat(objs)
end

return M
