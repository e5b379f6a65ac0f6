-- SPDX-License-Identifier: BSD-2-Clause
--
-- rutoken_ecp/token.lua: the Rutoken ECP family (Aktiv Co.).
--
-- The command set is the one OpenSC's rtecp driver speaks (src/libopensc/card-rtecp.c) and
-- the on-card structure is the one its pkcs15-init profile lays out
-- (src/pkcs15init/rutoken_ecp.profile, pkcs15-rtecp.c), so that a token initialised here is
-- read by OpenSC and a token initialised by OpenSC is used here:
--
--   3F00 MF
--   ├── 2F00 EF.DIR (PKCS#15 application at 3F00 5000)
--   ├── 1000 ── 1000 ── 6001..6005 (key DFs), 1001 ── 8001, 8002, 1002, 1003, 1004
--   └── 5000 PKCS#15 application: 5031 ODF, 5032 TokenInfo, 6005 AODF, 4946
--   global PINs: 1 = SO (administrator), 2 = user
--
-- Commands: SELECT always asks for the FCP (00 A4 .. 00 Le=00); VERIFY 00 20 00 ref;
-- CHANGE REFERENCE DATA 00 24 01 ref 80 02 <len> A5 <len> <value>; RESET RETRY COUNTER
-- 00 2C 03 ref; RESET ACCESS RIGHTS (logout) 80 40 00 00; GET DATA serial 00 CA 01 81;
-- erase 80 8A 00 00; end of initialisation 80 84 4E 19.
--
-- PINs are never logged and never kept beyond a call.

local iso = import("lib/iso7816")
local p15 = import("lib/pkcs15")

local T = {}

local OK = 0x9000

local SO_REF, USER_REF = 1, 2
local PIN_MAX = 32                      -- storedLength OpenSC's profile writes
local SO_MIN, USER_MIN = 8, 4           -- min lengths of OpenSC 0.23's rutoken_ecp profile
local SO_TRIES, USER_TRIES = 10, 5      -- tries the profile gives the PINs

local function dbg(fmt, ...)
	if log and log.debug then
		log.debug(fmt, ...)
	end
end

local function unhex(h)
	h = h:gsub("%s", "")
	return (h:gsub("..", function(x) return string.char(tonumber(x, 16)) end))
end

-- path(0x3F00, 0x5000, ...) → "\x3F\x00\x50\x00..."
local function path(...)
	local t = {}
	for _, fid in ipairs({ ... }) do
		t[#t + 1] = iso.u16(fid)
	end
	return table.concat(t)
end

local MF = path(0x3F00)
local DIR = path(0x3F00, 0x2F00)
local APP = path(0x3F00, 0x5000)

---------------------------------------------------------------------------------------
-- ATRs (fact sheet section 1, from OpenSC's card-rtecp.c table): ATR and mask, compared
-- as (atr & mask) == (ref & mask) over the same length.

local ATRS = {
	-- Rutoken ECP: "Rutoken ECP"
	{ "3B 8B 01 52 75 74 6F 6B 65 6E 20 45 43 50 A0" },
	-- Rutoken ECP (DS): "Rutoken DS "
	{ "3B 8B 01 52 75 74 6F 6B 65 6E 20 44 53 20 C1" },
	-- Rutoken ECP SC, T=0: "RutokenECPsc"
	{ "3B 9C 96 00 52 75 74 6F 6B 65 6E 45 43 50 73 63",
	  "00 00 00 00 FF FF FF FF FF FF FF FF FF FF FF FF" },
	-- Rutoken ECP SC, T=1
	{ "3B 9C 94 80 11 40 52 75 74 6F 6B 65 6E 45 43 50 73 63 C3",
	  "00 00 00 00 00 00 FF FF FF FF FF FF FF FF FF FF FF FF 00" },
	-- Rutoken ECP SC NFC: only "RtSC" is compared
	{ "3B 88 80 01 52 74 53 43 77 81 83 20 6A",
	  "00 00 00 00 FF FF FF FF 00 00 00 00 00" },
}

function T.match(atr)
	if type(atr) ~= "string" then
		return false
	end
	for _, e in ipairs(ATRS) do
		local ref = unhex(e[1])
		local mask = e[2] and unhex(e[2])
		if #atr == #ref then
			local same = true
			for k = 1, #ref do
				local m = mask and mask:byte(k) or 0xFF
				if atr:byte(k) & m ~= ref:byte(k) & m then
					same = false
					break
				end
			end
			if same then
				return true
			end
		end
	end
	return false
end

---------------------------------------------------------------------------------------
-- Reading the PKCS#15 structure

-- Read a file by path; 6A82 gives false (absent). Any other failure is the card's:
-- these files are readable by everyone, so CKR_DEVICE_ERROR.
local function read_opt(card, p, max)
	local data, err, sw = iso.read_file(card, p, max)
	if data then
		return data, err
	end
	if sw == 0x6A82 then
		return false
	end
	dbg("rutoken_ecp: reading %s failed: %s (SW %s)", iso.path_hex(p), err, iso.swhex(sw))
	return nil, "CKR_DEVICE_ERROR"
end

-- The PKCS#15 application: { app=path, ti=TokenInfo, odf=, aodf_path=, aodf_size=,
-- aodf_used=, pins= } ; false when the token carries none; nil + CKR on a bad answer.
local function read_p15(card)
	local st = {}
	local dir, err = read_opt(card, DIR, 4096)
	if dir == nil then
		return nil, err
	end
	st.app = APP
	if dir then
		local p
		p, err = p15.dir_app_path(dir)
		if err then
			return nil, err
		end
		if p then
			if p:sub(1, 2) ~= MF then
				p = MF .. p
			end
			st.app = p
		end
	end
	local odf
	odf, err = read_opt(card, st.app .. path(0x5031), 4096)
	if odf == nil then
		return nil, err
	end
	if odf == false then
		return false
	end
	st.odf, err = p15.decode_odf(odf, st.app)
	if not st.odf then
		return nil, err
	end
	local ti
	ti, err = read_opt(card, st.app .. path(0x5032), 4096)
	if ti == nil then
		return nil, err
	end
	if ti == false then
		return false
	end
	st.ti, err = p15.decode_tokeninfo(ti)
	if not st.ti then
		return nil, err
	end
	st.pins = {}
	st.aodf_path = st.odf[p15.ODF_AODF]
	if st.aodf_path then
		local aodf, fcp = read_opt(card, st.aodf_path, 4096)
		if aodf == nil then
			return nil, fcp
		end
		if aodf then
			st.pins, err = p15.decode_aodf(aodf)
			if not st.pins then
				return nil, err
			end
			st.aodf_size = fcp.size
			st.aodf_used = p15.used(aodf)
		else
			st.aodf_path = nil
		end
	end
	return st
end

local function user_pin_of(st)
	for _, p in ipairs(st.pins) do
		if not p.so and not p.unblocking then
			return p
		end
	end
	return nil
end

-- GET DATA 01 81: the token's serial number (4 bytes on the cards seen so far).
local function get_serial(card)
	local data, sw = iso.transmit(card, iso.apdu(0x00, 0xCA, 0x01, 0x81, nil, 256))
	if sw ~= OK or #data == 0 then
		dbg("rutoken_ecp: GET DATA serial: SW %s, %d bytes", iso.swhex(sw), #data)
		return nil
	end
	return data
end

local function hexlower(s)
	return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- At most n bytes of a UTF-8 string, cut on a character boundary.
local function utf8_cut(s, n)
	if #s <= n then
		return s
	end
	local cut = n
	while cut > 0 and (s:byte(cut + 1) or 0) & 0xC0 == 0x80 do
		cut = cut - 1
	end
	return s:sub(1, cut)
end

function T.token_info(card)
	local st, err = read_p15(card)
	if st == nil then
		return nil, err
	end
	local serial = get_serial(card)
	if not serial and st then
		serial = st.ti.serial
	end
	local info = {
		label = "",
		serial = "",
		model = "Rutoken ECP",
		manufacturer = "Aktiv Co.",
		hw = { 0, 0 },
		fw = { 0, 0 },
		min_pin = USER_MIN,
		max_pin = PIN_MAX,
		initialized = st ~= false,
		user_pin_initialized = false,
		login_required = true,
		rng = true,
	}
	if serial then
		local h = hexlower(serial)
		info.serial = h:sub(math.max(1, #h - 15))
	end
	if st then
		info.label = utf8_cut(st.ti.label or "", 32)
		if st.ti.manufacturer and st.ti.manufacturer ~= "" then
			info.manufacturer = utf8_cut(st.ti.manufacturer, 32)
		end
		info.user_pin_initialized = user_pin_of(st) ~= nil
		local lo, hi
		for _, p in ipairs(st.pins) do
			if p.min_len >= 1 and (lo == nil or p.min_len < lo) then
				lo = p.min_len
			end
			local m = p.max_len or p.stored_len
			if m >= 1 and (hi == nil or m > hi) then
				hi = m
			end
		end
		info.min_pin = lo or USER_MIN
		info.max_pin = math.min(hi or PIN_MAX, PIN_MAX)
		if info.max_pin < info.min_pin then
			info.max_pin = info.min_pin
		end
	end
	return info
end

---------------------------------------------------------------------------------------
-- PINs

local function pin_ref(user)
	if user == CKU.SO then
		return SO_REF
	elseif user == CKU.USER or user == CKU.CONTEXT_SPECIFIC then
		return USER_REF
	end
	return nil
end

local function default_tries(ref)
	return ref == SO_REF and SO_TRIES or USER_TRIES
end

function T.pin_info(card, user)
	local ref = pin_ref(user)
	if not ref then
		return nil, "CKR_USER_TYPE_INVALID"
	end
	local _, sw = iso.verify(card, ref)
	local left
	if sw == OK then
		left = default_tries(ref)       -- verified: the counter is full
	elseif sw & 0xFFF0 == 0x63C0 then
		left = sw & 0x0F
	elseif sw == 0x6983 then
		left = 0
	elseif sw == 0x6A88 then
		return { max_tries = -1, tries_left = -1 }      -- no such PIN on the card
	else
		return nil, iso.sw_to_ckr(sw)
	end
	-- The card does not say how many tries a PIN has; the profile's count is the best
	-- guess, raised when the card reports more.
	return { max_tries = math.max(default_tries(ref), left), tries_left = left }
end

local function check_len(pin)
	if type(pin) ~= "string" then
		return "CKR_ARGUMENTS_BAD"
	end
	if #pin < 1 or #pin > PIN_MAX then
		return "CKR_PIN_LEN_RANGE"
	end
	return nil
end

local function reset_rights(card)
	local _, sw = iso.transmit(card, "\x80\x40\x00\x00")
	if sw ~= OK then
		return nil, iso.sw_to_ckr(sw)
	end
	return true
end

-- The answer sw to VERIFY ref with pin, with the card's quirks: 6F86 (another PIN is
-- verified) → reset access rights and send the VERIFY once more; 6300 (wrong, no count)
-- → an empty VERIFY reads the count, as OpenSC does.
local function verify_answer(card, ref, pin, sw)
	local _
	if sw == 0x6F86 then
		dbg("rutoken_ecp: VERIFY %d: another PIN is verified, resetting access rights", ref)
		local ok, err = reset_rights(card)
		if not ok then
			return nil, err
		end
		_, sw = iso.verify(card, ref, pin)
	end
	if sw == OK then
		return true
	end
	dbg("rutoken_ecp: VERIFY %d: SW %s", ref, iso.swhex(sw))
	if sw == 0x6300 then
		_, sw = iso.verify(card, ref)
		if sw == 0x6983 or sw == 0x63C0 then
			return nil, "CKR_PIN_LOCKED"
		end
		return nil, "CKR_PIN_INCORRECT"
	elseif sw & 0xFFF0 == 0x63C0 then
		return nil, (sw & 0x0F) == 0 and "CKR_PIN_LOCKED" or "CKR_PIN_INCORRECT"
	elseif sw == 0x6983 then
		return nil, "CKR_PIN_LOCKED"
	elseif sw == 0x6A88 or sw == 0x6984 then
		return nil, ref == USER_REF and "CKR_USER_PIN_NOT_INITIALIZED" or "CKR_PIN_INCORRECT"
	elseif sw == 0x6700 or sw == 0x6A80 then
		return nil, "CKR_PIN_LEN_RANGE"
	end
	return nil, iso.sw_to_ckr(sw)
end

local function verify_pin(card, ref, pin)
	local _, sw = iso.verify(card, ref, pin)
	return verify_answer(card, ref, pin, sw)
end

-- CHANGE REFERENCE DATA: set PIN ref to value (00 24 01 ref 80 02 <len> A5 <len> value).
local function change_ref(card, ref, value)
	local data = "\x80\x02" .. iso.u16(#value) .. "\xA5" .. string.char(#value) .. value
	local _, sw = iso.transmit(card, iso.apdu(0x00, 0x24, 0x01, ref, data))
	if sw == OK then
		return true
	end
	dbg("rutoken_ecp: CHANGE REFERENCE DATA %d: SW %s", ref, iso.swhex(sw))
	if sw == 0x6A80 or sw == 0x6700 then
		return nil, "CKR_PIN_LEN_RANGE"
	end
	return nil, iso.sw_to_ckr(sw)
end

function T.login(card, user, pin)
	local ref = pin_ref(user)
	if not ref then
		return nil, "CKR_USER_TYPE_INVALID"
	end
	local err = check_len(pin)
	if err then
		return nil, err
	end
	return verify_pin(card, ref, pin)
end

function T.logout(card)
	return reset_rights(card)
end

-- C_SetPIN: VERIFY the old PIN, then CHANGE REFERENCE DATA with the new one. A PIN that
-- was not verified before the call is not left verified after it.
function T.set_pin(card, user, old, new)
	local ref = pin_ref(user)
	if not ref then
		return nil, "CKR_USER_TYPE_INVALID"
	end
	local err = check_len(old) or check_len(new)
	if err then
		return nil, err
	end
	if #new < (ref == SO_REF and SO_MIN or USER_MIN) then
		return nil, "CKR_PIN_LEN_RANGE"
	end
	local _, before = iso.verify(card, ref)
	local ok
	ok, err = verify_pin(card, ref, old)
	if ok then
		ok, err = change_ref(card, ref, new)
	end
	if before ~= OK then
		-- the PIN has changed (or not) whatever this answers: a failed logout is
		-- logged, not reported, so that the caller learns the PIN's true state
		local lok, lerr = reset_rights(card)
		if not lok then
			dbg("rutoken_ecp: set_pin: logout after the change failed: %s", lerr)
		end
	end
	if not ok then
		return nil, err
	end
	return true
end

---------------------------------------------------------------------------------------
-- Layout constants: security attributes (tag 86, 15 bytes) and RSF proprietary attributes
-- (tag 85) exactly as OpenSC 0.23's rutoken_ecp profile writes them (fact sheet 2.2, 2.4).

local function sec(h)
	local s = unhex(h)
	return s .. string.rep("\x00", 15 - #s)
end

local SEC = {
	mf = sec("47 02 02 01 00 00 00 FF"),
	sysdf = sec("43 02 02 00 00 00 00 FF"),
	app = sec("43 00 00 00 00 00 00 02"),
	dir = sec("43 00 01 00 00 00 00 01"),
	aodf = sec("43 00 01 00 00 00 00 01"),
	odf = sec("43 00 00 00 00 00 00 01"),
	tokeninfo = sec("43 00 00 00 00 00 00 02"),
	info = sec("43 00 01 00 00 00 00 01"),
	so_pin = sec("43 FF 01 00 00 00 00 FF"),
	user_pin = sec("43 01 03 00 00 00 00 FF"),
}

local DF_T, EF_T, RSF_T = 0x38, 0x01, 0x10

-- proprietary attribute of a global PIN RSF: 01, min length, flags 01, tries (max | left)
local function pin_prop(min, tries)
	return string.char(0x01, min, 0x01, tries << 4 | tries, 0x00, 0x00)
end

-- The PIN objects of the AODF, as OpenSC writes them (pinType ascii-numeric, storedLength
-- and maxLength 32, padChar 00; flags: case-sensitive, unblock-disabled, initialized, and
-- soPin for the SO).
local function so_pin_object()
	return p15.encode_pin({
		label = "Security Officer PIN", flags = p15.bits({ 0, 1 }), auth_id = "\x01",
		pin_flags = p15.bits({ p15.PIN_CASE_SENSITIVE, p15.PIN_UNBLOCK_DISABLED,
				       p15.PIN_INITIALIZED, p15.PIN_SO_PIN }),
		type = 1, min_len = SO_MIN, stored_len = PIN_MAX, max_len = PIN_MAX, ref = SO_REF,
		pad = "\x00",
	})
end

local function user_pin_object()
	return p15.encode_pin({
		label = "User PIN", flags = p15.bits({ 0, 1 }), auth_id = "\x02",
		pin_flags = p15.bits({ p15.PIN_CASE_SENSITIVE, p15.PIN_UNBLOCK_DISABLED,
				       p15.PIN_INITIALIZED }),
		type = 1, min_len = USER_MIN, stored_len = PIN_MAX, max_len = PIN_MAX, ref = USER_REF,
		pad = "\x00",
	})
end

-- Select parent (a path) and create a file in it.
local function create_in(card, parent, f)
	local fcp, err, sw = iso.select_path(card, parent)
	if not fcp then
		return nil, err, sw
	end
	return iso.create_file(card, f)
end

-- Select an EF by path and write data at offset 0.
local function write_file(card, p, data)
	local fcp, err, sw = iso.select_path(card, p)
	if not fcp then
		return nil, err, sw
	end
	if not fcp.is_ef or (fcp.size and #data > fcp.size) then
		return nil, "CKR_DEVICE_MEMORY", nil
	end
	return iso.update_binary(card, 0, data)
end

---------------------------------------------------------------------------------------
-- C_InitPIN

-- The SO is logged in. Unblock and set the user PIN; create its RSF first if the token has
-- none (as pkcs15-init --store-pin does), and add it to the AODF if it is not listed.
function T.init_pin(card, new)
	local err = check_len(new)
	if err then
		return nil, err
	end
	if #new < USER_MIN then
		return nil, "CKR_PIN_LEN_RANGE"
	end
	local st
	st, err = read_p15(card)
	if st == nil then
		return nil, err
	end
	-- the new AODF, checked to fit before anything changes
	local aodf
	if st and st.aodf_path and not user_pin_of(st) then
		aodf = st.aodf_used .. user_pin_object()
		if st.aodf_size and #aodf > st.aodf_size then
			return nil, "CKR_DEVICE_MEMORY"
		end
	end

	local _, sw = iso.verify(card, USER_REF)
	local created = false
	local ok, esw
	if sw == 0x6A88 then
		-- no user PIN on the card: create its RSF in the application DF
		ok, err, esw = create_in(card, st and st.app or APP, {
			size = #new, type = RSF_T, fid = USER_REF,
			prop = pin_prop(USER_MIN, USER_TRIES), sec = SEC.user_pin,
		})
		if not ok then
			dbg("rutoken_ecp: creating the user PIN: SW %s", iso.swhex(esw))
			return nil, err
		end
		created = true
	elseif sw == OK or sw & 0xFFF0 == 0x63C0 or sw == 0x6983 or sw == 0x6984 then
		-- RESET RETRY COUNTER, no data
		_, sw = iso.transmit(card, iso.apdu(0x00, 0x2C, 0x03, USER_REF))
		if sw ~= OK then
			dbg("rutoken_ecp: RESET RETRY COUNTER: SW %s", iso.swhex(sw))
			return nil, iso.sw_to_ckr(sw)
		end
	else
		return nil, iso.sw_to_ckr(sw)
	end

	ok, err = change_ref(card, USER_REF, new)
	if not ok then
		if created then
			-- undo: a PIN RSF's delete condition is "never" on this card, so this is
			-- expected to fail; the PIN then stays without a value and unlisted,
			-- and the next C_InitPIN finds and sets it
			if iso.select_path(card, st and st.app or APP) then
				local _, dsw = iso.transmit(card, iso.apdu(0x00, 0xE4, 0x00, 0x00,
									     iso.u16(USER_REF)))
				dbg("rutoken_ecp: undo: deleting the user PIN RSF: SW %s",
				    iso.swhex(dsw))
			end
		end
		return nil, err
	end
	if aodf then
		ok, err, esw = write_file(card, st.aodf_path, aodf)
		if not ok then
			dbg("rutoken_ecp: writing the AODF: SW %s", iso.swhex(esw))
			return nil, err
		end
	end
	return true
end

---------------------------------------------------------------------------------------
-- C_InitToken

local APP_AID_LABEL = "Rutoken ECP"

local function trim_label(label)
	if type(label) ~= "string" then
		return ""
	end
	label = label:gsub("[ \0]+$", "")
	return utf8_cut(label, 32)
end

-- Build the token after the erase. Returns true or nil, CKR, SW.
local function build(card, so_pin, label)
	local function df(parent, fid)
		return create_in(card, parent, { size = 0, type = DF_T, fid = fid, sec = SEC.sysdf })
	end
	local ok, err, sw

	-- MF (after 80 8A nothing is selected: create it from nowhere), EF.DIR
	ok, err, sw = iso.create_file(card, { size = 0, type = DF_T, fid = 0x3F00, sec = SEC.mf })
	if not ok then return nil, err, sw end
	ok, err, sw = create_in(card, MF, { size = 128, type = EF_T, fid = 0x2F00, sec = SEC.dir })
	if not ok then return nil, err, sw end

	-- the Rutoken system DFs
	local steps = {
		{ MF, 0x1000 },
		{ path(0x3F00, 0x1000), 0x1000 },
		{ path(0x3F00, 0x1000, 0x1000), 0x6001 },
		{ path(0x3F00, 0x1000, 0x1000), 0x6002 },
		{ path(0x3F00, 0x1000, 0x1000), 0x6003 },
		{ path(0x3F00, 0x1000, 0x1000), 0x6004 },
		{ path(0x3F00, 0x1000, 0x1000), 0x6005 },
		{ path(0x3F00, 0x1000), 0x1001 },
		{ path(0x3F00, 0x1000), 0x1002 },
		{ path(0x3F00, 0x1000), 0x1003 },
		{ path(0x3F00, 0x1000), 0x1004 },
		{ path(0x3F00, 0x1000, 0x1001), 0x8001 },
		{ path(0x3F00, 0x1000, 0x1001), 0x8002 },
	}
	for _, s in ipairs(steps) do
		ok, err, sw = df(s[1], s[2])
		if not ok then return nil, err, sw end
	end

	-- the PKCS#15 application DF and the SO PIN in it
	ok, err, sw = create_in(card, MF, { size = 0x1388, type = DF_T, fid = 0x5000, sec = SEC.app })
	if not ok then return nil, err, sw end
	ok, err, sw = create_in(card, APP, {
		size = #so_pin, type = RSF_T, fid = SO_REF,
		prop = pin_prop(SO_MIN, SO_TRIES), sec = SEC.so_pin,
	})
	if not ok then return nil, err, sw end
	ok, err = change_ref(card, SO_REF, so_pin)
	if not ok then return nil, err end

	local serial = get_serial(card)
	if not serial then
		return nil, "CKR_DEVICE_ERROR"
	end

	-- the SO writes the PKCS#15 files (the AODF's update condition is the SO PIN)
	ok, err = verify_pin(card, SO_REF, so_pin)
	if not ok then return nil, err end

	local files = {
		{ 0x6005, 256, SEC.aodf, so_pin_object() },
		{ 0x5031, 128, SEC.odf, p15.encode_odf({ { p15.ODF_AODF, path(0x3F00, 0x5000, 0x6005) } }) },
		{ 0x5032, 128, SEC.tokeninfo, p15.encode_tokeninfo({
			serial = serial, manufacturer = "Aktiv Co.", label = label,
			flags = p15.bits({ 3 }),         -- what OpenSC writes (03 02 04 10)
		}) },
		{ 0x4946, 128, SEC.info, "\x01\x06pkcs15" },   -- OpenSC's profile-name file
	}
	for _, f in ipairs(files) do
		if #f[4] > f[2] then
			return nil, "CKR_DEVICE_MEMORY"
		end
		ok, err, sw = create_in(card, APP, { size = f[2], type = EF_T, fid = f[1], sec = f[3] })
		if not ok then return nil, err, sw end
		ok, err, sw = write_file(card, APP .. iso.u16(f[1]), f[4])
		if not ok then return nil, err, sw end
	end
	ok, err, sw = write_file(card, DIR, p15.encode_dir_record(p15.PKCS15_AID, APP_AID_LABEL, APP))
	if not ok then return nil, err, sw end

	-- end of the initialisation phase, then nobody stays logged in
	local _
	_, sw = iso.transmit(card, "\x80\x84\x4E\x19")
	if sw ~= OK then return nil, iso.sw_to_ckr(sw), sw end
	-- the token is complete; a failed logout is logged, not reported
	ok, err = reset_rights(card)
	if not ok then
		dbg("rutoken_ecp: init_token: logout at the end failed: %s", err)
	end
	return true
end

function T.init_token(card, so_pin, label)
	local err = check_len(so_pin)
	if err then
		return nil, err
	end
	if #so_pin < SO_MIN then
		return nil, "CKR_PIN_LEN_RANGE"
	end
	label = trim_label(label)

	-- a token that has an SO PIN is re-initialised only by its SO; one whose SO PIN RSF
	-- has no value (6984: an initialisation stopped between CREATE and CHANGE REFERENCE
	-- DATA) has no SO who could, and is re-initialised like a blank one
	local _, sw = iso.verify(card, SO_REF)
	if sw ~= 0x6A88 then
		_, sw = iso.verify(card, SO_REF, so_pin)
		if sw ~= 0x6984 then
			local ok
			ok, err = verify_answer(card, SO_REF, so_pin, sw)
			if not ok then
				return nil, err
			end
		end
	end

	_, sw = iso.transmit(card, "\x80\x8A\x00\x00")
	if sw ~= OK then
		dbg("rutoken_ecp: erase: SW %s", iso.swhex(sw))
		return nil, iso.sw_to_ckr(sw)
	end

	local ok, esw
	ok, err, esw = build(card, so_pin, label)
	if not ok then
		-- the erase cannot be undone: the token is left without a PKCS#15 structure
		dbg("rutoken_ecp: init_token failed after the erase: %s (SW %s)", err, iso.swhex(esw))
		return nil, "CKR_GENERAL_ERROR"
	end
	return true
end

---------------------------------------------------------------------------------------
-- Mechanisms the token computes itself (sizes in bits)

function T.mechanisms(card)
	local HW = CKF.HW
	local EC = CKF.EC_F_P | CKF.EC_OID | CKF.EC_UNCOMPRESS
	return {
		{ type = CKM.RSA_PKCS_KEY_PAIR_GEN, min = 1024, max = 4096, flags = HW | CKF.GENERATE_KEY_PAIR },
		{ type = CKM.RSA_PKCS, min = 1024, max = 4096, flags = HW | CKF.SIGN | CKF.DECRYPT },
		{ type = CKM.RSA_X_509, min = 1024, max = 4096, flags = HW | CKF.SIGN | CKF.DECRYPT },
		-- GOST R 34.10-2001 and -2012 (256): the same mechanism numbers
		{ type = CKM.GOSTR3410_KEY_PAIR_GEN, min = 256, max = 256, flags = HW | CKF.GENERATE_KEY_PAIR },
		{ type = CKM.GOSTR3410, min = 256, max = 256, flags = HW | CKF.SIGN },
		{ type = CKM.GOSTR3410_512_KEY_PAIR_GEN, min = 512, max = 512, flags = HW | CKF.GENERATE_KEY_PAIR },
		{ type = CKM.GOSTR3410_512, min = 512, max = 512, flags = HW | CKF.SIGN },
		{ type = CKM.EC_KEY_PAIR_GEN, min = 256, max = 256, flags = HW | CKF.GENERATE_KEY_PAIR | EC },
		{ type = CKM.ECDSA, min = 256, max = 256, flags = HW | CKF.SIGN | EC },
	}
end

return T
