-- SPDX-License-Identifier: BSD-2-Clause
--
-- piv/token.lua: cards with the PIV card application (NIST SP 800-73-4).
--
-- Sources: SP 800-73-4 Part 1 (the data model: the AID, section 2.2; the data objects and
-- their tags, Table 3 and Appendix A; the key references, Table 4b) and Part 2 (the card
-- commands: SELECT 3.1.1, GET DATA 3.1.2, VERIFY 3.2.1, CHANGE REFERENCE DATA 3.2.2,
-- GENERAL AUTHENTICATE 3.2.4, PUT DATA 3.3.2, GENERATE ASYMMETRIC KEY PAIR 3.3.2); the
-- algorithm identifiers of SP 800-78-4 (Table 6-2); and, where a card offers them, the
-- public Yubico PIV extensions (GET VERSION FD, GET SERIAL F8, GET METADATA F7), which
-- many PIV cards implement and which tell a key's algorithm, policy, origin and public
-- key without its certificate.
--
-- A PIV card has a fixed set of key slots; each becomes up to three PKCS#11 objects with
-- one CKA_ID, labelled as OpenSC's PIV emulation labels them (so that either module shows
-- the same names): the private key, the public key (from the card's metadata, else from
-- the certificate) and the certificate. References name the slot and, for keys, the
-- algorithm: "prkey:9A:07", "pubkey:9A:07", "cert:9A".
--
-- PINs are never logged and never kept beyond a call.

local iso = import("lib/iso7816")

local T = {}

local OK = 0x9000

-- SP 800-73-4 Part 1, 2.2: the PIV card application's AID (RID A0 00 00 03 08, PIX
-- 00 00 10 00 01 00)
local AID = "\xA0\x00\x00\x03\x08\x00\x00\x10\x00\x01\x00"

-- Part 2, 3.2.1: key references of the PIV Card Application PIN and the PUK; 00 is the
-- global PIN
local PIN_REF, PUK_REF, GLOBAL_REF = 0x80, 0x81, 0x00
-- Part 2, 2.4.3: a PIN is 6 to 8 bytes, padded with FF to 8
local PIN_MIN, PIN_MAX = 6, 8

-- SP 800-78-4 Table 6-2: cryptographic mechanism identifiers
local ALG_RSA1024, ALG_RSA2048, ALG_P256, ALG_P384 = 0x06, 0x07, 0x11, 0x14

local mgmt_key                  -- defined below, used by token_info and the changes

local function dbg(fmt, ...)
	if log and log.debug then
		log.debug(fmt, ...)
	end
end

local function unhex(h)
	h = h:gsub("%s", "")
	return (h:gsub("..", function(x) return string.char(tonumber(x, 16)) end))
end

-- OIDs (DER, tag 06 included)
local OID = {
	rsa_enc = unhex("06 09 2A 86 48 86 F7 0D 01 01 01"),    -- 1.2.840.113549.1.1.1
	ec_pub = unhex("06 07 2A 86 48 CE 3D 02 01"),           -- 1.2.840.10045.2.1
	p256 = unhex("06 08 2A 86 48 CE 3D 03 01 07"),          -- 1.2.840.10045.3.1.7
	p384 = unhex("06 05 2B 81 04 00 22"),                   -- 1.3.132.0.34
}

-- The algorithms this script drives: SP 800-78-4 identifier → key facts
local ALGS = {
	[ALG_RSA1024] = { ckk = CKK.RSA, bits = 1024 },
	[ALG_RSA2048] = { ckk = CKK.RSA, bits = 2048 },
	[ALG_P256] = { ckk = CKK.EC, bits = 256, params = OID.p256, field = 32 },
	[ALG_P384] = { ckk = CKK.EC, bits = 384, params = OID.p384, field = 48 },
}

-- The key slots (Part 1, Table 4b: key references; Table 3: the certificates' tags) with
-- OpenSC's CKA_ID and labels for them (its PIV emulation, src/libopensc/pkcs15-piv.c):
-- 9A PIV Authentication, 9C Digital Signature (PIN always, Part 1 3.2.3), 9D Key
-- Management, 9E Card Authentication, 82..95 the retired key management keys.
local SLOTS = {
	{ key = 0x9A, tag = 0x5FC105, id = 1, prk = "PIV AUTH key", puk = "PIV AUTH pubkey",
	  cert = "Certificate for PIV Authentication", sign = true, decrypt = true },
	{ key = 0x9C, tag = 0x5FC10A, id = 2, prk = "SIGN key", puk = "SIGN pubkey",
	  cert = "Certificate for Digital Signature", sign = true, always = true },
	{ key = 0x9D, tag = 0x5FC10B, id = 3, prk = "KEY MAN key", puk = "KEY MAN pubkey",
	  cert = "Certificate for Key Management", decrypt = true },
	{ key = 0x9E, tag = 0x5FC101, id = 4, prk = "CARD AUTH key", puk = "CARD AUTH pubkey",
	  cert = "Certificate for Card Authentication", sign = true },
}
local RETIRED_FIRST = #SLOTS + 1
for i = 1, 20 do
	SLOTS[#SLOTS + 1] = { key = 0x81 + i, tag = 0x5FC10C + i, id = 4 + i,
		prk = "RETIRED KEY " .. i, puk = "RETIRED PUBKEY " .. i,
		cert = "Retired Certificate " .. i, sign = true, decrypt = true, retired = i }
end
local SLOT_BY_KEY = {}
for _, s in ipairs(SLOTS) do
	SLOT_BY_KEY[s.key] = s
end

-- Part 1, Table 3: other data objects
local TAG_CHUID, TAG_DISCOVERY, TAG_KEY_HISTORY = 0x5FC102, 0x7E, 0x5FC10C

-- The user PIN's key reference: the PIV PIN unless the discovery object says the card
-- has only the global PIN (read by token_info, which the runtime calls first).
local user_ref = PIN_REF

---------------------------------------------------------------------------------------
-- BER-TLV functions (ISO/IEC 7816-4 5.2; the lengths of Part 2, 3)

local function tlv(tag, value)
	local n = #value
	local len
	if n < 0x80 then
		len = string.char(n)
	elseif n < 0x100 then
		len = "\x81" .. string.char(n)
	else
		len = "\x82" .. string.char(n >> 8, n & 0xFF)
	end
	local t = tag > 0xFFFF and string.char(tag >> 16, (tag >> 8) & 0xFF, tag & 0xFF) or
		tag > 0xFF and string.char(tag >> 8, tag & 0xFF) or string.char(tag)
	return t .. len .. value
end

-- The flat TLVs of s as {[tag] = value} (the first of each tag); nil when malformed.
local function tlv_map(s)
	local list = der.decode_all(s, "flat")
	if not list then
		return nil
	end
	local m = {}
	for _, n in ipairs(list) do
		if m[n.tag] == nil then
			m[n.tag] = n.value
		end
	end
	return m
end

-- The value of the single TLV with tag `tag` that s holds; nil when s is something else.
local function unwrap(s, tag)
	local node, nxt = der.decode(s, 1, "flat")
	if not node or node.tag ~= tag then
		return nil
	end
	if nxt ~= #s + 1 then
		-- trailing bytes after the object: tolerated only as padding
		if not s:sub(nxt):match("^%z*$") then
			return nil
		end
	end
	return node.value
end

---------------------------------------------------------------------------------------
-- Card commands

local function select_piv(card)
	local _, sw = iso.transmit(card, iso.apdu(0x00, 0xA4, 0x04, 0x00, AID, 256))
	if sw ~= OK then
		dbg("piv: SELECT of the PIV application: SW %s", iso.swhex(sw))
		return nil, sw == 0x6A82 and "CKR_DEVICE_ERROR" or iso.sw_to_ckr(sw)
	end
	return true
end

-- GET DATA (Part 2, 3.1.2): the object's value (the content of its 53 template, or of the
-- discovery object's 7E); false when the card has no such object; nil, CKR otherwise.
local function get_data(card, tag)
	local id = tag > 0xFFFF and string.char(tag >> 16, (tag >> 8) & 0xFF, tag & 0xFF) or
		string.char(tag)
	local data, sw = iso.transmit(card, iso.apdu(0x00, 0xCB, 0x3F, 0xFF,
						      "\x5C" .. string.char(#id) .. id, 256))
	if sw == 0x6A82 or sw == 0x6A80 then
		return false
	end
	if sw ~= OK then
		dbg("piv: GET DATA %06X: SW %s", tag, iso.swhex(sw))
		return nil, iso.sw_to_ckr(sw)
	end
	local v = unwrap(data, tag == TAG_DISCOVERY and 0x7E or 0x53)
	if v == nil then
		dbg("piv: GET DATA %06X: a malformed answer", tag)
		return nil, "CKR_DEVICE_ERROR"
	end
	return v
end

-- GET METADATA (Yubico extension, INS F7): {[tag] = value}; false when the card has no
-- such command or no such key; nil, CKR on a malformed answer.
local function get_metadata(card, ref)
	local data, sw = iso.transmit(card, iso.apdu(0x00, 0xF7, 0x00, ref, nil, 256))
	if sw ~= OK then
		return false, sw
	end
	local m = tlv_map(data)
	if not m then
		dbg("piv: GET METADATA %02X: a malformed answer", ref)
		return nil, "CKR_DEVICE_ERROR"
	end
	return m
end

-- GET VERSION (Yubico extension, INS FD): {major, minor} or nil
local function get_version(card)
	local data, sw = iso.transmit(card, iso.apdu(0x00, 0xFD, 0x00, 0x00, nil, 256))
	if sw == OK and #data == 3 then
		return { data:byte(1), data:byte(2) }
	end
	return nil
end

---------------------------------------------------------------------------------------
-- The card management key (Part 1, Table 4b: key reference 9B), from the configuration
-- file (family.yaml declares the settings):
--   piv.management_key = <hex>                 (24 bytes for 3DES, 16/24/32 for AES)
--   piv.management_key_algorithm = 3des | aes128 | aes192 | aes256   (default 3des)
-- The runtime redacts the key from every log line and trace and wipes its copies after
-- the call; this script keeps it in no variable beyond the call either.

-- algorithm setting → SP 800-78-4 Table 6-2 identifier, crypto.block cipher, key length
local MGMT_ALGS = {
	["3des"] = { id = 0x03, cipher = "des-ede3", len = 24, block = 8 },
	aes128 = { id = 0x08, cipher = "aes-128", len = 16, block = 16 },
	aes192 = { id = 0x0A, cipher = "aes-192", len = 24, block = 16 },
	aes256 = { id = 0x0C, cipher = "aes-256", len = 32, block = 16 },
}

-- The management key as {key=, alg=}; nil when none is configured (or it is malformed,
-- which is logged without its value: the token then stays read-only).
mgmt_key = function()
	local hex = settings.get("management_key")
	if hex == nil then
		return nil
	end
	local name = (settings.get("management_key_algorithm") or "3des"):lower()
	local alg = MGMT_ALGS[name]
	if not alg then
		log.error("piv: piv.management_key_algorithm: 3des, aes128, aes192 or aes256")
		return nil
	end
	local ok, key = pcall(bytes.unhex, hex)
	if not ok or #key ~= alg.len then
		log.error("piv: piv.management_key: %d hex bytes expected for %s", alg.len, name)
		return nil
	end
	return { key = key, alg = alg }
end

---------------------------------------------------------------------------------------
-- token_info

local function hexlower(s)
	return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- The FASC-N (SP 800-73-4 Part 1, 3.1.2; its layout: the Technical Implementation
-- Guidance: Smart Card Enabled Physical Access Control Systems, TIG SCEPACS 2.3, 6.6):
-- 40 characters of 5 bits (4 data bits, least significant first, and an odd parity
-- bit); SS agency(4) FS system(4) FS credential(6) FS ... . The serial is agency, system
-- and credential number: 14 digits; nil when the FASC-N does not read so.
local function fascn_serial(f)
	if #f ~= 25 then
		return nil
	end
	local bits = {}
	for i = 1, #f do
		local b = f:byte(i)
		for k = 7, 0, -1 do
			bits[#bits + 1] = (b >> k) & 1
		end
	end
	local chars = {}
	for c = 0, 39 do
		local v = 0
		for k = 0, 3 do
			v = v | (bits[c * 5 + k + 1] << k)
		end
		chars[#chars + 1] = v
	end
	if chars[1] ~= 0x0B or chars[6] ~= 0x0D or chars[11] ~= 0x0D or chars[18] ~= 0x0D then
		return nil
	end
	local out = {}
	for _, i in ipairs({ 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17 }) do
		if chars[i] > 9 then
			return nil
		end
		out[#out + 1] = tostring(chars[i])
	end
	return table.concat(out)
end

-- The CHUID's serial: the GUID (tag 34) in hex when it is not all zeros, else the FASC-N's
-- (tag 30) agency, system and credential numbers.
local function chuid_serial(chuid)
	local m = tlv_map(chuid)
	if not m then
		return nil
	end
	local guid = m[0x34]
	if guid and #guid == 16 and not guid:match("^%z+$") then
		return hexlower(guid):sub(1, 16)
	end
	return m[0x30] and fascn_serial(m[0x30]) or nil
end

-- The discovery object (Part 1, 3.3.2): 4F the AID, 5F2F the PIN usage policy, whose first
-- byte says which PINs the card has (40: the PIV PIN, 20: the global PIN) and whose second
-- which one is primary (10: PIV, 20: global).
local function read_discovery(card)
	local d, err = get_data(card, TAG_DISCOVERY)
	if d == nil then
		return nil, err
	end
	user_ref = PIN_REF
	if d then
		local m = tlv_map(d)
		local pol = m and m[0x5F2F]
		if pol and #pol >= 1 and pol:byte(1) & 0x40 == 0 and pol:byte(1) & 0x20 ~= 0 then
			user_ref = GLOBAL_REF
			dbg("piv: the discovery object names the global PIN only")
		end
	end
	return true
end

function T.token_info(card)
	local ok, err = select_piv(card)
	if not ok then
		return nil, err
	end
	ok, err = read_discovery(card)
	if not ok then
		return nil, err
	end
	local serial
	local chuid
	chuid, err = get_data(card, TAG_CHUID)
	if chuid == nil then
		return nil, err
	end
	if chuid then
		serial = chuid_serial(chuid)
	end
	local version = get_version(card)
	if not serial and version then
		-- the Yubico extension GET SERIAL: 4 bytes, big-endian, shown in decimal
		local data, sw = iso.transmit(card, iso.apdu(0x00, 0xF8, 0x00, 0x00, nil, 256))
		if sw == OK and #data == 4 then
			serial = tostring(string.unpack(">I4", data))
		end
	end
	return {
		label = "PIV Card",
		serial = serial or "",
		model = "PIV",
		manufacturer = "PIV card application",
		fw = version or { 0, 0 },
		min_pin = PIN_MIN,
		max_pin = PIN_MAX,
		initialized = true,
		user_pin_initialized = true,
		login_required = true,
		-- the key slots and certificates change only with the card management key: the
		-- token is read-only unless the configuration file gives it (settings.get)
		write_protected = mgmt_key() == nil,
		-- C_InitPIN is RESET RETRY COUNTER, which takes the PUK (the SO's PIN) with the
		-- new PIN: the runtime passes init_pin the PUK of the SO's login
		init_pin_so_pin = true,
	}
end

---------------------------------------------------------------------------------------
-- PINs

local function pin_ref(user)
	if user == CKU.SO then
		return PUK_REF
	elseif user == CKU.USER or user == CKU.CONTEXT_SPECIFIC then
		return user_ref
	end
	return nil
end

local function pad(pin)
	return pin .. string.rep("\xFF", PIN_MAX - #pin)
end

local function check_len(pin)
	if type(pin) ~= "string" then
		return "CKR_ARGUMENTS_BAD"
	end
	if #pin < PIN_MIN or #pin > PIN_MAX then
		return "CKR_PIN_LEN_RANGE"
	end
	return nil
end

-- A wrong PIN's status word as a CKR name: 63Cx (x tries left), 6983 (blocked).
local function pin_sw(sw, what)
	if sw & 0xFFF0 == 0x63C0 then
		return (sw & 0x0F) == 0 and "CKR_PIN_LOCKED" or "CKR_PIN_INCORRECT"
	elseif sw == 0x6983 then
		return "CKR_PIN_LOCKED"
	elseif sw == 0x6A80 or sw == 0x6700 then
		return what
	end
	return iso.sw_to_ckr(sw)
end

function T.pin_info(card, user)
	local ref = pin_ref(user)
	if not ref then
		return nil, "CKR_USER_TYPE_INVALID"
	end
	local ok, err = select_piv(card)
	if not ok then
		return nil, err
	end
	-- the Yubico metadata say both counts (tag 06: the tries a fresh PIN has, the tries
	-- left); else an empty VERIFY says the tries left (Part 2, 3.2.1: 63Cx)
	local m
	m, err = get_metadata(card, ref)
	if m == nil then
		return nil, err
	end
	if m and m[0x06] and #m[0x06] == 2 then
		local max, left = m[0x06]:byte(1), m[0x06]:byte(2)
		return { max_tries = math.max(max, left), tries_left = left }
	end
	local _, sw = iso.verify(card, ref)
	if sw == OK then
		return { max_tries = -1, tries_left = -1 }      -- verified: the count is not said
	elseif sw & 0xFFF0 == 0x63C0 then
		return { max_tries = -1, tries_left = sw & 0x0F }
	elseif sw == 0x6983 then
		return { max_tries = -1, tries_left = 0 }
	end
	return nil, iso.sw_to_ckr(sw)
end

function T.login(card, user, pin)
	local ref = pin_ref(user)
	if not ref then
		return nil, "CKR_USER_TYPE_INVALID"
	end
	if type(pin) ~= "string" then
		return nil, "CKR_ARGUMENTS_BAD"
	end
	if #pin < PIN_MIN or #pin > PIN_MAX then
		return nil, "CKR_PIN_INCORRECT"
	end
	local ok, err = select_piv(card)
	if not ok then
		return nil, err
	end
	local _, sw = iso.verify(card, ref, pad(pin))
	if sw == OK then
		return true
	end
	dbg("piv: VERIFY %02X: SW %s", ref, iso.swhex(sw))
	return nil, pin_sw(sw, "CKR_PIN_INCORRECT")
end

-- Part 2, 3.2.1: VERIFY with P1 FF and no data resets the PIN's security status.
function T.logout(card)
	local ok, err = select_piv(card)
	if not ok then
		return nil, err
	end
	local _, sw = iso.transmit(card, iso.apdu(0x00, 0x20, 0xFF, user_ref))
	if sw ~= OK then
		dbg("piv: VERIFY FF %02X: SW %s", user_ref, iso.swhex(sw))
		return nil, iso.sw_to_ckr(sw)
	end
	return true
end

-- C_SetPIN: CHANGE REFERENCE DATA (Part 2, 3.2.2) of the PIN (user) or the PUK (SO): the
-- old and the new value, each padded to 8 bytes, in one command.
function T.set_pin(card, user, old, new)
	local ref = pin_ref(user)
	if not ref then
		return nil, "CKR_USER_TYPE_INVALID"
	end
	if type(old) ~= "string" or #old < PIN_MIN or #old > PIN_MAX then
		return nil, type(old) ~= "string" and "CKR_ARGUMENTS_BAD" or "CKR_PIN_INCORRECT"
	end
	local err = check_len(new)
	if err then
		return nil, err
	end
	local ok
	ok, err = select_piv(card)
	if not ok then
		return nil, err
	end
	local _, sw = iso.transmit(card, iso.apdu(0x00, 0x24, 0x00, ref, pad(old) .. pad(new)))
	if sw == OK then
		return true
	end
	dbg("piv: CHANGE REFERENCE DATA %02X: SW %s", ref, iso.swhex(sw))
	if sw == 0x6A80 then
		return nil, "CKR_PIN_INVALID"
	end
	return nil, pin_sw(sw, "CKR_PIN_LEN_RANGE")
end

-- C_InitPIN, the SO (the PUK, PIV's SO PIN) logged in: RESET RETRY COUNTER (Part 2,
-- 3.2.3) of the PIN, with the PUK and the new PIN, each padded to 8 bytes, in one
-- command; it sets the PIN, resets its counter and unblocks it. The PUK is the one the SO
-- logged in with (token_info's init_pin_so_pin); the runtime keeps it only in its PIN
-- cache, so with pin_cache off there is none and the call fails.
function T.init_pin(card, new, puk)
	local err = check_len(new)
	if err then
		return nil, err
	end
	if puk == nil then
		log.error("piv: C_InitPIN needs the PUK of the SO's login, which the module keeps only with pin_cache on")
		return nil, "CKR_FUNCTION_FAILED"
	end
	if type(puk) ~= "string" or #puk < PIN_MIN or #puk > PIN_MAX then
		return nil, "CKR_USER_NOT_LOGGED_IN"    -- no PUK the card could have accepted
	end
	if user_ref ~= PIN_REF then
		-- the PUK resets the PIV Card Application PIN only, never the global PIN
		dbg("piv: C_InitPIN: the card's user PIN is the global PIN, which the PUK does not reset")
		return nil, "CKR_FUNCTION_FAILED"
	end
	local ok
	ok, err = select_piv(card)
	if not ok then
		return nil, err
	end
	local _, sw = iso.transmit(card, iso.apdu(0x00, 0x2C, 0x00, PIN_REF, pad(puk) .. pad(new)))
	if sw == OK then
		return true
	end
	dbg("piv: RESET RETRY COUNTER: SW %s", iso.swhex(sw))
	if sw & 0xFFF0 == 0x63C0 or sw == 0x6983 then
		-- the PUK of the SO's login no longer opens the card (changed or blocked since
		-- by another application): the SO's login is not valid any more
		return nil, "CKR_USER_NOT_LOGGED_IN"
	elseif sw == 0x6A80 then
		return nil, "CKR_PIN_INVALID"
	end
	return nil, iso.sw_to_ckr(sw)
end

---------------------------------------------------------------------------------------
-- Certificates and public keys

local function node_value(n)
	return type(n) == "table" and type(n.value) == "string" and n.value or nil
end

local function strip(be)
	return (be:gsub("^%z+", ""))
end

-- X.509 (RFC 5280, 4.1): subject, issuer, serial number (DER) and the public key as
-- {alg=, n=, e=} (RSA) or {alg=, point=} (EC); nil when it does not parse.
local function cert_fields(value)
	local c = der.decode(value)
	if type(c) ~= "table" or c.tag ~= 0x30 or type(c[1]) ~= "table" then
		return nil
	end
	local tbs = c[1]
	local i = 1
	if type(tbs[1]) == "table" and tbs[1].tag == 0xA0 then
		i = 2                           -- [0] version
	end
	local serial, issuer, subject, spki = tbs[i], tbs[i + 2], tbs[i + 4], tbs[i + 5]
	if type(serial) ~= "table" or serial.tag ~= 0x02 or type(issuer) ~= "table" or
	   issuer.tag ~= 0x30 or type(subject) ~= "table" or subject.tag ~= 0x30 then
		return nil
	end
	local ok, s, is, sn = pcall(function()
		return der.encode(subject), der.encode(issuer), der.encode(serial)
	end)
	if not ok then
		return nil
	end
	local f = { subject = s, issuer = is, serial = sn }
	-- SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID, params }, BIT STRING }
	if type(spki) == "table" and spki.tag == 0x30 and type(spki[1]) == "table" and
	   type(spki[1][1]) == "table" and spki[1][1].tag == 0x06 then
		local alg = der.encode(spki[1][1])
		local bits = node_value(spki[2])
		if bits and #bits > 1 and bits:byte(1) == 0 then
			bits = bits:sub(2)
			if alg == OID.rsa_enc then
				local k = der.decode(bits)
				local n, e = k and node_value(k[1]), k and node_value(k[2])
				if n and e then
					n = strip(n)
					local nb = #n * 8
					local a = nb == 1024 and ALG_RSA1024 or nb == 2048 and ALG_RSA2048
					f.pub = a and { alg = a, n = n, e = strip(e) }
				end
			elseif alg == OID.ec_pub and type(spki[1][2]) == "table" then
				local params = der.encode(spki[1][2])
				local a = params == OID.p256 and ALG_P256 or
					params == OID.p384 and ALG_P384 or nil
				f.pub = a and { alg = a, point = bits }
			end
		end
	end
	return f
end

-- A certificate object's value (Part 1, Appendix A: 53 { 70 cert, 71 CertInfo, FE LRC }):
-- the certificate's DER, or nil (with a log line) when compressed or malformed.
local function cert_der(obj)
	local m = tlv_map(obj)
	if not m or not m[0x70] then
		dbg("piv: a certificate object without a certificate")
		return nil
	end
	local info = m[0x71]
	if info and #info >= 1 and info:byte(1) & 0x01 ~= 0 then
		-- CertInfo 01: gzip-compressed; this script does not decompress
		dbg("piv: a compressed certificate is skipped")
		return nil
	end
	return m[0x70]
end

-- The public key of GET METADATA's tag 04 (Yubico: 81 modulus, 82 exponent | 86 point)
-- or of GENERATE ASYMMETRIC KEY PAIR's 7F49 template (Part 2, 3.3.2, Table 10).
local function public_of(alg, body)
	local m = tlv_map(body)
	if not m or not ALGS[alg] then
		return nil
	end
	if ALGS[alg].ckk == CKK.RSA then
		if not m[0x81] or not m[0x82] then
			return nil
		end
		local n = strip(m[0x81])
		if #n * 8 ~= ALGS[alg].bits then
			return nil
		end
		return { alg = alg, n = n, e = strip(m[0x82]) }
	end
	local pt = m[0x86]
	if not pt or #pt ~= 1 + 2 * ALGS[alg].field or pt:byte(1) ~= 0x04 then
		return nil
	end
	return { alg = alg, point = pt }
end

---------------------------------------------------------------------------------------
-- Objects

local function hex2(n)
	return string.format("%02X", n)
end

local function key_attrs(a, s, pub, private)
	local k = ALGS[pub.alg]
	a[CKA.KEY_TYPE] = k.ckk
	if k.ckk == CKK.RSA then
		a[CKA.MODULUS] = pub.n
		a[CKA.PUBLIC_EXPONENT] = pub.e
		if not private then
			a[CKA.MODULUS_BITS] = k.bits
		end
	else
		a[CKA.EC_PARAMS] = k.params
		if not private then
			a[CKA.EC_POINT] = tlv(0x04, pub.point)
		end
	end
	local rsa = k.ckk == CKK.RSA
	if private then
		a[CKA.SIGN] = s.sign == true or not rsa
		a[CKA.DECRYPT] = rsa and s.decrypt == true
		a[CKA.SIGN_RECOVER] = false
		a[CKA.UNWRAP] = false
	else
		a[CKA.VERIFY] = s.sign == true or not rsa
		a[CKA.ENCRYPT] = rsa and s.decrypt == true
		a[CKA.VERIFY_RECOVER] = false
		a[CKA.WRAP] = false
	end
	-- an EC private key agrees keys on the card (T.derive); RSA keys do not
	a[CKA.DERIVE] = private and not rsa
end

local function keygen_of(alg)
	return ALGS[alg].ckk == CKK.RSA and CKM.RSA_PKCS_KEY_PAIR_GEN or CKM.EC_KEY_PAIR_GEN
end

-- One slot's objects: {cert=, pub=, prk=} from what the card says of it
local function slot_objects(s, meta, cert, logged_in, out)
	local id = string.char(s.id)
	local pub = meta and meta.pub or (cert and cert.fields and cert.fields.pub)
	if cert then
		local a = {
			[CKA.CLASS] = CKO.CERTIFICATE,
			[CKA.CERTIFICATE_TYPE] = CKC.X_509,
			[CKA.TOKEN] = true,
			[CKA.PRIVATE] = false,
			[CKA.MODIFIABLE] = false,
			[CKA.LABEL] = s.cert,
			[CKA.ID] = id,
			[CKA.VALUE] = cert.value,
			[CKA.CERTIFICATE_CATEGORY] = 0,
		}
		if cert.fields then
			a[CKA.SUBJECT] = cert.fields.subject
			a[CKA.ISSUER] = cert.fields.issuer
			a[CKA.SERIAL_NUMBER] = cert.fields.serial
		end
		out[#out + 1] = { ref = "cert:" .. hex2(s.key), attrs = a }
	end
	if not pub then
		return
	end
	local alg = hex2(pub.alg)
	local generated = meta and meta.origin == 1
	local pa = {
		[CKA.CLASS] = CKO.PUBLIC_KEY,
		[CKA.TOKEN] = true,
		[CKA.PRIVATE] = false,
		[CKA.MODIFIABLE] = false,
		[CKA.LABEL] = s.puk,
		[CKA.ID] = id,
		[CKA.LOCAL] = generated == true,
	}
	if generated then
		pa[CKA.KEY_GEN_MECHANISM] = keygen_of(pub.alg)
	end
	key_attrs(pa, s, pub, false)
	out[#out + 1] = { ref = "pubkey:" .. hex2(s.key) .. ":" .. alg, attrs = pa }
	if not logged_in then
		return
	end
	-- the PIN policy (Yubico metadata 02: 1 never, 2 once, 3 always); without metadata
	-- the policy of Part 1, 3.2.3: the digital signature key needs the PIN each time
	local always = s.always == true
	if meta and meta.pin_policy then
		always = meta.pin_policy == 3
	end
	local ka = {
		[CKA.CLASS] = CKO.PRIVATE_KEY,
		[CKA.TOKEN] = true,
		[CKA.PRIVATE] = true,
		[CKA.MODIFIABLE] = false,
		[CKA.LABEL] = s.prk,
		[CKA.ID] = id,
		[CKA.SENSITIVE] = true,
		[CKA.EXTRACTABLE] = false,
		[CKA.ALWAYS_SENSITIVE] = generated == true,
		[CKA.NEVER_EXTRACTABLE] = generated == true,
		[CKA.LOCAL] = generated == true,
		[CKA.ALWAYS_AUTHENTICATE] = always,
	}
	if generated then
		ka[CKA.KEY_GEN_MECHANISM] = keygen_of(pub.alg)
	end
	key_attrs(ka, s, pub, true)
	out[#out + 1] = { ref = "prkey:" .. hex2(s.key) .. ":" .. alg, attrs = ka }
end

-- A slot's key as GET METADATA says it: {pub=, origin=, pin_policy=}; false when the
-- slot is empty or the card has no metadata (then `nometa` is true).
local function slot_meta(card, s)
	local m, sw = get_metadata(card, s.key)
	if m == nil then
		return nil, sw
	end
	if not m then
		return false, sw ~= 0x6A88 and sw ~= 0x6A82
	end
	local alg = m[0x01] and #m[0x01] == 1 and m[0x01]:byte(1)
	if not alg or not ALGS[alg] or not m[0x04] then
		dbg("piv: slot %02X: a key of algorithm %s, which this script does not use",
		    s.key, tostring(alg))
		return false
	end
	local pub = public_of(alg, m[0x04])
	if not pub then
		dbg("piv: slot %02X: the metadata's public key does not parse", s.key)
		return nil, "CKR_DEVICE_ERROR"
	end
	local pol = m[0x02]
	return { pub = pub, origin = m[0x03] and m[0x03]:byte(1),
		 pin_policy = pol and #pol >= 1 and pol:byte(1) or nil }
end

-- The number of retired slots in use: the key history object (Part 1, 3.3.1: C1 keys
-- with on-card certificates, C2 keys with off-card ones)
local function retired_count(card)
	local kh, err = get_data(card, TAG_KEY_HISTORY)
	if kh == nil then
		return nil, err
	end
	if not kh then
		return 0
	end
	local m = tlv_map(kh)
	if not m then
		return nil, "CKR_DEVICE_ERROR"
	end
	local n = 0
	for _, t in ipairs({ 0xC1, 0xC2 }) do
		if m[t] and #m[t] == 1 then
			n = n + m[t]:byte(1)
		end
	end
	return math.min(n, 20)
end

function T.objects(card, logged_in)
	local ok, err = select_piv(card)
	if not ok then
		return nil, err
	end
	local retired
	retired, err = retired_count(card)
	if not retired then
		return nil, err
	end
	local out = {}
	local has_meta = true
	for _, s in ipairs(SLOTS) do
		if s.retired and s.retired > retired then
			break
		end
		local meta
		if has_meta then
			local nometa
			meta, nometa = slot_meta(card, s)
			if meta == nil then
				return nil, nometa
			end
			if nometa == true then
				has_meta = false        -- the card has no GET METADATA: ask no more
			end
		end
		local obj
		obj, err = get_data(card, s.tag)
		if obj == nil then
			return nil, err
		end
		local cert
		if obj then
			local v = cert_der(obj)
			if v then
				cert = { value = v, fields = cert_fields(v) }
			end
		end
		slot_objects(s, meta or nil, cert, logged_in, out)
	end
	return out
end

---------------------------------------------------------------------------------------
-- Private-key operations: GENERAL AUTHENTICATE (Part 2, 3.2.4) with the dynamic
-- authentication template 7C { 82 00 (response wanted), 81 challenge }.

local function parse_key_ref(ref)
	if type(ref) ~= "string" then
		return nil
	end
	local k, a = ref:match("^prkey:(%x%x):(%x%x)$")
	if not k then
		return nil
	end
	k, a = tonumber(k, 16), tonumber(a, 16)
	if not SLOT_BY_KEY[k] or not ALGS[a] then
		return nil
	end
	return k, a
end

-- tag: 81 (a challenge: signing, decryption) or 85 (an exponentiation: the peer's point
-- of a key agreement, Part 2 Table 7); bad_data: the CKR of the card's 6A80 (wrong data)
local function general_authenticate(card, key, alg, input, tag, bad_data)
	local ok, err = select_piv(card)
	if not ok then
		return nil, err
	end
	local body = tlv(0x7C, "\x82\x00" .. tlv(tag or 0x81, input))
	local data, sw
	data, sw = iso.send(card, 0x00, 0x87, alg, key, body, 256)
	if data == nil then
		return nil, sw
	end
	if sw ~= OK then
		dbg("piv: GENERAL AUTHENTICATE %02X %02X: SW %s", alg, key, iso.swhex(sw))
		if sw == 0x6A88 or sw == 0x6A86 then
			return nil, "CKR_KEY_HANDLE_INVALID"
		elseif sw == 0x6A80 and bad_data then
			return nil, bad_data
		end
		return nil, iso.sw_to_ckr(sw)
	end
	local inner = unwrap(data, 0x7C)
	local m = inner and tlv_map(inner)
	if not m or not m[0x82] then
		dbg("piv: GENERAL AUTHENTICATE: a malformed answer")
		return nil, "CKR_DEVICE_ERROR"
	end
	return m[0x82]
end

-- an unsigned big-endian integer in exactly n bytes, or nil when it does not fit
local function fixed(be, n)
	be = strip(be)
	if #be > n then
		return nil
	end
	return string.rep("\x00", n - #be) .. be
end

function T.sign(card, ref, mech, data)
	local key, alg = parse_key_ref(ref)
	if not key then
		return nil, "CKR_KEY_HANDLE_INVALID"
	end
	if type(data) ~= "string" then
		return nil, "CKR_ARGUMENTS_BAD"
	end
	local k = ALGS[alg]
	if mech == CKM.RSA_X_509 and k.ckk == CKK.RSA then
		if #data ~= k.bits // 8 then
			return nil, "CKR_DATA_LEN_RANGE"
		end
		local out, err = general_authenticate(card, key, alg, data)
		if not out then
			return nil, err
		end
		out = fixed(out, #data)
		if not out then
			return nil, "CKR_DEVICE_ERROR"
		end
		return out
	elseif mech == CKM.ECDSA and k.ckk == CKK.EC then
		if #data < 1 then
			return nil, "CKR_DATA_LEN_RANGE"
		end
		-- FIPS 186-4, 6.4: the leftmost bits of a longer hash; a shorter one is the same
		-- integer padded on the left
		local h = data:sub(1, k.field)
		h = string.rep("\x00", k.field - #h) .. h
		local out, err = general_authenticate(card, key, alg, h)
		if not out then
			return nil, err
		end
		-- the card's ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }) as r ‖ s
		local sig = der.decode(out)
		local r, s = sig and node_value(sig[1]), sig and node_value(sig[2])
		r, s = r and fixed(r, k.field), s and fixed(s, k.field)
		if not sig or sig.tag ~= 0x30 or not r or not s then
			dbg("piv: ECDSA: a malformed signature")
			return nil, "CKR_DEVICE_ERROR"
		end
		return r .. s
	end
	return nil, "CKR_MECHANISM_INVALID"
end

function T.decrypt(card, ref, mech, data)
	local key, alg = parse_key_ref(ref)
	if not key then
		return nil, "CKR_KEY_HANDLE_INVALID"
	end
	if type(data) ~= "string" then
		return nil, "CKR_ARGUMENTS_BAD"
	end
	local k = ALGS[alg]
	if mech ~= CKM.RSA_X_509 or k.ckk ~= CKK.RSA then
		return nil, "CKR_MECHANISM_INVALID"
	end
	if #data ~= k.bits // 8 then
		return nil, "CKR_ENCRYPTED_DATA_LEN_RANGE"
	end
	local out, err = general_authenticate(card, key, alg, data)
	if not out then
		return nil, err
	end
	out = fixed(out, #data)
	if not out then
		return nil, "CKR_DEVICE_ERROR"
	end
	return out
end

-- C_DeriveKey with CKM_ECDH1_DERIVE: the card's key agreement (Part 2, 3.2.4 and
-- Appendix A.5, key establishment: GENERAL AUTHENTICATE with the template
-- 7C { 82 00, 85 peer point } → 7C { 82 shared secret }; SP 800-56A 5.7.1.2, the
-- secret is the x coordinate of d · Q, as long as the field). The peer's point is
-- uncompressed, 04 ‖ X ‖ Y, on the key's own curve; the host applies the KDF.
function T.derive(card, ref, mech, point, ukm)
	if mech ~= CKM.ECDH1_DERIVE then
		return nil, "CKR_MECHANISM_INVALID"
	end
	if type(point) ~= "string" or type(ukm) ~= "string" then
		return nil, "CKR_ARGUMENTS_BAD"
	end
	local key, alg = parse_key_ref(ref)
	if not key then
		return nil, "CKR_KEY_HANDLE_INVALID"
	end
	local k = ALGS[alg]
	if k.ckk ~= CKK.EC then
		return nil, "CKR_KEY_TYPE_INCONSISTENT"
	end
	if #ukm ~= 0 or #point ~= 1 + 2 * k.field or point:byte(1) ~= 0x04 then
		-- a point of another curve (or compressed): the mechanism's parameter
		return nil, "CKR_MECHANISM_PARAM_INVALID"
	end
	-- the card's 6A80: a point that is not on the curve
	local z, err = general_authenticate(card, key, alg, point, 0x85,
					    "CKR_MECHANISM_PARAM_INVALID")
	if not z then
		return nil, err
	end
	if #z ~= k.field then
		dbg("piv: key agreement: %d bytes, not the field's %d", #z, k.field)
		return nil, "CKR_DEVICE_ERROR"
	end
	return z
end

---------------------------------------------------------------------------------------
-- Mechanisms the card computes (SP 800-78-4: RSA 1024/2048, ECC P-256/P-384); the runtime
-- pads, hashes and composes the PKCS#1 v1.5 and PSS forms on top of the raw ones.

function T.mechanisms(card)
	local HW = CKF.HW
	local EC = CKF.EC_F_P | CKF.EC_OID | CKF.EC_UNCOMPRESS
	local list = {
		{ type = CKM.RSA_PKCS, min = 1024, max = 2048, flags = HW | CKF.SIGN | CKF.DECRYPT },
		{ type = CKM.RSA_X_509, min = 1024, max = 2048, flags = HW | CKF.SIGN | CKF.DECRYPT },
		{ type = CKM.ECDSA, min = 256, max = 384, flags = HW | CKF.SIGN | EC },
		-- key agreement: the card gives the shared secret, the host the KDF (T.derive)
		{ type = CKM.ECDH1_DERIVE, min = 256, max = 384, flags = HW | CKF.DERIVE | EC },
	}
	if mgmt_key() then
		-- GENERATE ASYMMETRIC KEY PAIR (Part 2, 3.3.2), with the management key only
		list[#list + 1] = { type = CKM.RSA_PKCS_KEY_PAIR_GEN, min = 1024, max = 2048,
				    flags = HW | CKF.GENERATE_KEY_PAIR }
		list[#list + 1] = { type = CKM.EC_KEY_PAIR_GEN, min = 256, max = 384,
				    flags = HW | CKF.GENERATE_KEY_PAIR | EC }
	end
	return list
end


---------------------------------------------------------------------------------------
-- Changes: key generation (00 47), certificates (PUT DATA), each after the card
-- management key's mutual authentication (Part 2, 3.2.4 and Appendix A.1; the witness
-- and challenge of the Yubico PIV documentation). Without a management key the token is
-- write-protected (token_info says so) and every change is refused before anything is
-- sent.

local SLOT_BY_ID = {}
for _, s in ipairs(SLOTS) do
	SLOT_BY_ID[s.id] = s
end

-- GENERAL AUTHENTICATE with key 9B: 7C { 80 00 } gives the witness encrypted under the
-- key; the terminal answers 7C { 80 witness, 81 challenge } and the card proves the key
-- with 7C { 82 challenge encrypted }. true, or nil and a CKR name.
local function mgmt_auth(card, mk)
	local alg, bs = mk.alg, mk.alg.block
	local data, sw = iso.send(card, 0x00, 0x87, alg.id, 0x9B, tlv(0x7C, "\x80\x00"), 256)
	if data == nil then
		return nil, sw
	end
	local inner = sw == OK and unwrap(data, 0x7C)
	local m = inner and tlv_map(inner)
	if sw == 0x6A86 or sw == 0x6A80 then
		log.error("piv: the card's management key is not %s (piv.management_key_algorithm)",
			  alg.cipher)
		return nil, "CKR_FUNCTION_FAILED"
	elseif sw ~= OK then
		dbg("piv: GENERAL AUTHENTICATE 9B (witness): SW %s", iso.swhex(sw))
		return nil, iso.sw_to_ckr(sw)
	elseif not m or not m[0x80] or #m[0x80] ~= bs then
		dbg("piv: GENERAL AUTHENTICATE 9B: a malformed witness")
		return nil, "CKR_DEVICE_ERROR"
	end
	local witness = crypto.block(alg.cipher, mk.key, m[0x80], true)
	local challenge = crypto.random(bs)
	data, sw = iso.send(card, 0x00, 0x87, alg.id, 0x9B,
			    tlv(0x7C, tlv(0x80, witness) .. tlv(0x81, challenge)), 256)
	if data == nil then
		return nil, sw
	end
	if sw == 0x6982 or sw == 0x6300 then
		-- PIV keeps no retry counter for the management key: nothing is used up
		log.error("piv: the card refused the management key (piv.management_key)")
		return nil, "CKR_FUNCTION_FAILED"
	elseif sw ~= OK then
		dbg("piv: GENERAL AUTHENTICATE 9B (challenge): SW %s", iso.swhex(sw))
		return nil, iso.sw_to_ckr(sw)
	end
	inner = unwrap(data, 0x7C)
	m = inner and tlv_map(inner)
	if not m or m[0x82] ~= crypto.block(alg.cipher, mk.key, challenge) then
		-- the card does not hold our key: do not trust it with a change
		log.error("piv: the card did not prove the management key")
		return nil, "CKR_DEVICE_ERROR"
	end
	return true
end

-- SELECT and the management key, or nil and a CKR name
local function admin(card)
	local mk = mgmt_key()
	if not mk then
		return nil, "CKR_TOKEN_WRITE_PROTECTED"
	end
	local ok, err = select_piv(card)
	if not ok then
		return nil, err
	end
	return mgmt_auth(card, mk)
end

-- PIV has no place for these: a template that sets them is refused, never accepted and
-- dropped (a key restricted to some mechanisms would be usable with all of them)
local function unstorable(attrs)
	local l = attrs[CKA.ALLOWED_MECHANISMS]
	if l ~= nil and (type(l) ~= "table" or #l > 0) then
		dbg("piv: CKA_ALLOWED_MECHANISMS cannot be stored on a PIV card")
		return "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	return nil
end

-- The slot a template's CKA_ID names (OpenSC's PIV IDs: 01 9A, 02 9C, 03 9D, 04 9E,
-- 05.. the retired slots); nil when it names none; false when there is no CKA_ID.
local function slot_of_id(id)
	if id == nil or id == "" then
		return false
	end
	if type(id) ~= "string" or #id ~= 1 then
		return nil
	end
	return SLOT_BY_ID[id:byte()]
end

-- C_GenerateKeyPair. The slot: the templates' CKA_ID (as OpenSC's PIV driver maps it),
-- else the first of 9A, 9C, 9D, 9E that holds no key. Order, so that a failure leaves
-- the card as it was: every check first, then SELECT and the management key (which change
-- nothing), then GENERATE, which replaces the slot's key on the card as it runs. A card
-- pulled after GENERATE ran but before its answer arrived (an RSA key's GET RESPONSE)
-- holds the new key, whose public half the module never saw; the old certificate of
-- the slot stays (it no longer matches the key) and the call fails with the card's
-- error (CKR_DEVICE_REMOVED, CKR_DEVICE_ERROR): the next listing shows the new key from
-- the card's metadata.
function T.generate_key_pair(card, mech, pub, priv)
	if not mgmt_key() then
		return nil, "CKR_TOKEN_WRITE_PROTECTED"
	end
	local err = unstorable(pub) or unstorable(priv)
	if err then
		return nil, err
	end
	local alg
	if mech == CKM.RSA_PKCS_KEY_PAIR_GEN then
		local bits = pub[CKA.MODULUS_BITS]
		if bits == nil then
			return nil, "CKR_TEMPLATE_INCOMPLETE"
		end
		alg = bits == 2048 and ALG_RSA2048 or bits == 1024 and ALG_RSA1024 or nil
		local e = pub[CKA.PUBLIC_EXPONENT]
		if not alg or (e ~= nil and strip(e) ~= "\x01\x00\x01") then
			-- the card makes RSA keys of 1024 or 2048 bits with e = 65537 only
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
	elseif mech == CKM.EC_KEY_PAIR_GEN then
		local p = pub[CKA.EC_PARAMS]
		if p == nil then
			return nil, "CKR_TEMPLATE_INCOMPLETE"
		end
		alg = p == OID.p256 and ALG_P256 or p == OID.p384 and ALG_P384 or nil
		if not alg then
			return nil, "CKR_CURVE_NOT_SUPPORTED"
		end
	else
		return nil, "CKR_MECHANISM_INVALID"
	end
	local id1, id2 = slot_of_id(pub[CKA.ID]), slot_of_id(priv[CKA.ID])
	if id1 == nil or id2 == nil then
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	if id1 and id2 and id1 ~= id2 then
		return nil, "CKR_TEMPLATE_INCONSISTENT"
	end
	local slot = id1 or id2
	local ok
	ok, err = admin(card)
	if not ok then
		return nil, err
	end
	if not slot then
		for i = 1, RETIRED_FIRST - 1 do
			local meta, e2 = slot_meta(card, SLOTS[i])
			if meta == nil then
				return nil, e2
			end
			if not meta then
				slot = SLOTS[i]
				break
			end
		end
		if not slot then
			return nil, "CKR_DEVICE_MEMORY"      -- every slot holds a key
		end
	end
	if slot.retired then
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"       -- see the README: 9A..9E only
	end
	local data, sw = iso.send(card, 0x00, 0x47, 0x00, slot.key,
				  tlv(0xAC, tlv(0x80, string.char(alg))), 256)
	if data == nil then
		return nil, sw
	end
	if sw ~= OK then
		dbg("piv: GENERATE %02X %02X: SW %s", slot.key, alg, iso.swhex(sw))
		if sw == 0x6A80 or sw == 0x6A86 then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		return nil, iso.sw_to_ckr(sw)
	end
	local body = unwrap(data, 0x7F49)
	local key = body and public_of(alg, body)
	if not key then
		dbg("piv: GENERATE: a malformed public key")
		return nil, "CKR_DEVICE_ERROR"
	end
	local out = {}
	slot_objects(slot, { pub = key, origin = 1 }, nil, true, out)
	-- slot_objects lists the public key, then the private key
	return out[1], out[2]
end

-- 53 { 70 certificate, 71 CertInfo 00 (not compressed), FE LRC (empty) } (Part 1,
-- Appendix A), written with PUT DATA (Part 2, 3.3.2) in a chain of 255-byte parts
local function put_cert(card, s, value)
	local body = value == "" and "" or (tlv(0x70, value) .. tlv(0x71, "\x00") .. tlv(0xFE, ""))
	local t = s.tag
	local data = tlv(0x5C, string.char(t >> 16, (t >> 8) & 0xFF, t & 0xFF)) .. tlv(0x53, body)
	local _, sw = iso.send(card, 0x00, 0xDB, 0x3F, 0xFF, data)
	if _ == nil then
		return nil, sw
	end
	if sw ~= OK then
		dbg("piv: PUT DATA %06X: SW %s", t, iso.swhex(sw))
		if sw == 0x6A84 then
			return nil, "CKR_DEVICE_MEMORY"
		end
		return nil, iso.sw_to_ckr(sw)
	end
	return true
end

-- C_CreateObject of an X.509 certificate: into the slot its CKA_ID names, or else the
-- slot whose key is the certificate's; the slot must hold no certificate (PIV keeps one
-- a slot: replacing it would destroy another object behind the application's back).
-- PIV stores no label: CKA_LABEL is taken and the slot's fixed label reported.
function T.create_object(card, attrs)
	if not mgmt_key() then
		return nil, "CKR_TOKEN_WRITE_PROTECTED"
	end
	if attrs[CKA.CLASS] ~= CKO.CERTIFICATE then
		-- PIV stores certificates in the key slots' objects, nothing else
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	local err = unstorable(attrs)
	if err then
		return nil, err
	end
	local ct = attrs[CKA.CERTIFICATE_TYPE]
	if ct ~= nil and ct ~= CKC.X_509 then
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	if attrs[CKA.PRIVATE] == true then
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"       -- a PIV certificate is public
	end
	local value = attrs[CKA.VALUE]
	if type(value) ~= "string" or value == "" then
		return nil, "CKR_TEMPLATE_INCOMPLETE"
	end
	local fields = cert_fields(value)
	if not fields then
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	local slot = slot_of_id(attrs[CKA.ID])
	if slot == nil then
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	local ok
	ok, err = admin(card)
	if not ok then
		return nil, err
	end
	if not slot then
		-- the slot whose key is the certificate's
		for i = 1, RETIRED_FIRST - 1 do
			local meta, e2 = slot_meta(card, SLOTS[i])
			if meta == nil then
				return nil, e2
			end
			local p = meta and meta.pub
			local q = fields.pub
			if p and q and p.alg == q.alg and p.n == q.n and p.e == q.e and
			   p.point == q.point then
				slot = SLOTS[i]
				break
			end
		end
		if not slot then
			return nil, "CKR_TEMPLATE_INCOMPLETE"       -- no CKA_ID, and no key of it
		end
	end
	local old
	old, err = get_data(card, slot.tag)
	if old == nil then
		return nil, err
	end
	if old then
		dbg("piv: slot %02X holds a certificate already", slot.key)
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	ok, err = put_cert(card, slot, value)
	if not ok then
		return nil, err
	end
	local out = {}
	slot_objects(slot, nil, { value = value, fields = fields }, false, out)
	return out[1]
end

-- C_DestroyObject: a certificate is written as an empty object (its slot's key stays);
-- the card's keys cannot be deleted by PIV commands.
function T.destroy_object(card, ref)
	if not mgmt_key() then
		return nil, "CKR_TOKEN_WRITE_PROTECTED"
	end
	local k = type(ref) == "string" and ref:match("^cert:(%x%x)$")
	local slot = k and SLOT_BY_KEY[tonumber(k, 16)]
	if not slot then
		if type(ref) == "string" and ref:match("^p[ru][kb]") then
			return nil, "CKR_ACTION_PROHIBITED"
		end
		return nil, "CKR_OBJECT_HANDLE_INVALID"
	end
	local ok, err = admin(card)
	if not ok then
		return nil, err
	end
	return put_cert(card, slot, "")
end

-- PIV objects have fixed attributes
function T.set_attributes(card, ref, attrs)
	if not mgmt_key() then
		return nil, "CKR_TOKEN_WRITE_PROTECTED"
	end
	return nil, "CKR_ATTRIBUTE_READ_ONLY"
end

-- C_InitToken would erase the card: PIV's RESET (a Yubico extension) needs the PIN and
-- the PUK blocked first, which is no PKCS#11 operation
function T.init_token()
	return nil, "CKR_TOKEN_WRITE_PROTECTED"
end

return T
