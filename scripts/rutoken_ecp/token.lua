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
local p15fs = import("lib/p15fs")

local T = {}

-- The Rutoken's own status words (ISO/IEC 7816-4 leaves 6Fxx to the card): 6F86, another
-- PIN is verified already ("invalid access right, already logged in" in the Rutoken
-- error table; one PIN is logged in at a time).
iso.set_family_sw{ [0x6F86] = "CKR_USER_ANOTHER_ALREADY_LOGGED_IN" }

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

-- "3F 00 ..." → "\x3F\x00...": the runtime's bytes.unhex (spaces allowed)
local unhex = bytes.unhex

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
-- The PKCS#15 structure

-- Security attributes (tag 86, 15 bytes) exactly as OpenSC 0.23's rutoken_ecp profile
-- writes them (fact sheet 2.2, 2.4).

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
	-- object directories, public-key, certificate and data EFs: read always, update and
	-- delete by the user; private data EFs: read by the user too
	p15df = sec("43 00 02 00 00 00 00 02"),
	privdata = sec("43 02 02 00 00 00 00 02"),
	-- key RSFs: write/generate and delete by the user; use by the user (private key) or
	-- by anyone (public key)
	prkey_rsf = sec("46 00 02 02 00 00 00 02"),
	pubkey_rsf = sec("46 00 02 00 00 00 00 02"),
}

-- The PKCS#15 file system (lib/p15fs) with this profile's directories: PrKDF 6002, PuKDF
-- 6001, CDF 6004, DODF 6006 in the application DF, 2 KiB each; a directory's new copy
-- (written whole when a change does not fit one UPDATE BINARY) goes to 60x2 <-> 601x.
local DFILE_SIZE = 2048                 -- PrKDF, PuKDF, CDF, DODF (profile macros)

-- The object directories: ODF tag, FID in the application DF
local DFS = {
	prkdf = { tag = p15.ODF_PRKDF, fid = 0x6002 },
	pukdf = { tag = p15.ODF_PUKDF, fid = 0x6001 },
	cdf = { tag = p15.ODF_CDF, fid = 0x6004 },
	dodf = { tag = p15.ODF_DODF, fid = 0x6006 },
	skdf = { tag = p15.ODF_SKDF, fid = 0x6003 },    -- token secret keys
}

local fs = p15fs.new{
	name = "rutoken_ecp", dir = DIR, app = APP, odf_fid = 0x5031, tokeninfo_fid = 0x5032,
	dfs = DFS, dir_size = DFILE_SIZE, dir_sec = SEC.p15df,
}
local read_p15, read_app, read_dirs, read_ef = fs.read_p15, fs.read_app, fs.read_dirs, fs.read_ef

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

-- A PIN's length rule from its AODF entry: its minLength and maxLength (storedLength when
-- it has none), within 1..PIN_MAX; the profile's minimum and PIN_MAX without an entry.
local function pin_limits(p, default_min)
	local lo, hi = default_min, PIN_MAX
	if p then
		if p.min_len and p.min_len >= 1 then
			lo = p.min_len
		end
		local m = p.max_len or p.stored_len
		if m and m >= 1 then
			hi = math.min(m, PIN_MAX)
		end
	end
	return math.min(lo, PIN_MAX), math.max(hi, math.min(lo, PIN_MAX))
end

-- What token_info read of EF.DIR and the ODF, for the objects call that follows it: the
-- runtime reads a token's information and then its objects once per connection (and the
-- objects again whenever it reads the information again), so the two make one snapshot of
-- the public part and the ODF is not read twice. Used once; forgotten with what objects()
-- keeps (the end of this file), and a card reset gives the script a fresh VM.
local app_kept

-- A card of this family whose PKCS#15 structure does not parse is not recognised
-- (CKR_TOKEN_NOT_RECOGNIZED): the runtime shows it as a token to initialise, and
-- init_token does not need to read it. A card that does not answer is CKR_DEVICE_ERROR.
function T.token_info(card)
	local st, err, malformed = read_p15(card)
	app_kept = st or nil
	if st == nil then
		if malformed then
			dbg("rutoken_ecp: the PKCS#15 structure does not parse")
			return nil, "CKR_TOKEN_NOT_RECOGNIZED"
		end
		return nil, err
	end
	-- the PKCS#15 serial number, as OpenSC's module shows it (pkcs15-init and init_token
	-- write the chip's there: GET DATA 01 81, the same bytes); the chip's own only when
	-- TokenInfo has none, so that a token's information costs no APDU more than its files
	local serial = st and st.ti.serial or nil
	if not serial or serial == "" then
		serial = get_serial(card)
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
		-- kept in the key's directory entry (lib/pkcs15.lua, TAG_ALLOWED)
		stores_allowed_mechanisms = true,
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
		-- each PIN's own length rule (its AODF entry; the profile's when it has none):
		-- CK_TOKEN_INFO reports the user PIN's, which an application needs to choose one
		local user = user_pin_of(st)
		info.user_pin_initialized = user ~= nil
		local so
		for _, p in ipairs(st.pins) do
			if p.so and not so then
				so = p
			end
		end
		info.min_pin, info.max_pin = pin_limits(user, USER_MIN)
		info.so_min_pin, info.so_max_pin = pin_limits(so, SO_MIN)
	else
		info.so_min_pin = SO_MIN
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
-- Layout constants: RSF proprietary attributes (tag 85) and the file types; the security
-- attributes (SEC) are at the top of the file.

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

local create_in = fs.create_in

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

-- The label without its padding (trailing blanks or NULs); nil when what is left holds a
-- NUL byte or is not UTF-8: the TokenInfo label is a UTF8String that every reader of the
-- token must be able to show.
local function trim_label(label)
	if type(label) ~= "string" then
		return ""
	end
	label = label:gsub("[ \0]+$", "")
	if not p15.valid_text(label) then
		return nil
	end
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
	local err
	if type(so_pin) ~= "string" then
		return nil, "CKR_ARGUMENTS_BAD"
	end
	label = trim_label(label)
	if not label then
		return nil, "CKR_ARGUMENTS_BAD"
	end

	-- a token that has an SO PIN is re-initialised only by its SO, whose PIN is checked
	-- first: right or wrong, whatever its length (a length no PIN of the card can have is
	-- wrong without a try). One whose SO PIN RSF has no value (6984: an initialisation
	-- stopped between CREATE and CHANGE REFERENCE DATA) has no SO who could, and is
	-- re-initialised like a blank one
	local _, sw = iso.verify(card, SO_REF)
	if sw ~= 0x6A88 then
		if #so_pin < 1 or #so_pin > PIN_MAX then
			return nil, "CKR_PIN_INCORRECT"
		end
		_, sw = iso.verify(card, SO_REF, so_pin)
		if sw ~= 0x6984 then
			local ok
			ok, err = verify_answer(card, SO_REF, so_pin, sw)
			if not ok then
				return nil, err == "CKR_PIN_LEN_RANGE" and "CKR_PIN_INCORRECT" or err
			end
		end
	end
	-- then the new token's rule for its SO PIN; C_InitToken has no CKR_PIN_LEN_RANGE:
	-- a PIN the new token cannot have is an incorrect one for it
	if #so_pin < SO_MIN or #so_pin > PIN_MAX then
		return nil, "CKR_PIN_INCORRECT"
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
-- Token objects
--
-- The PKCS#15 objects of OpenSC's rutoken_ecp profile: the object directories PrKDF
-- (5000/6002), PuKDF (6001), CDF (6004) and DODF (6006), each 2 KiB, listed in the ODF;
-- public keys in EFs 5000/02xx (RSA: RSAPublicKey; GOST: OCTET STRING of x ‖ y, little-
-- endian, as OpenSC writes them; EC: SubjectPublicKeyInfo, which OpenSC reads), certificates
-- in 03xx, data objects in 04xx (public) and 05xx (private); key pairs in the RSFs
-- 3F00/1000/1000/6002/00kk (private) and .../6001/00kk (public), kk = key reference.
--
-- References (the `ref` of an object, stable while it exists):
--   prkey:<path of the private-key RSF>    e.g. prkey:3F00100010006002 0001 without blank
--   pubkey:<path of the public-key EF>     pubkey:3F0050000200
--   cert:<path of the certificate EF>      cert:3F0050000300
--   data:<path of the data EF>             data:3F0050000400
-- (paths in upper-case hex). Objects whose value is not in an EF of their own (PKCS#15
-- "direct" values) are not listed.
--
-- GOST R 34.10-2012 keys have no PKCS#15 encoding in OpenSC; ours extends OpenSC's GOST
-- one (key choice [4], params_r3410 / params_r3411 / params_28147 INTEGERs):
--   params_r3411 0 or 1 = GOST R 34.11-94 → a GOST R 34.10-2001 key (what OpenSC writes),
--                2 = Streebog-256 → GOST R 34.10-2012 256-bit, 3 = Streebog-512 → 512-bit;
--   params_r3410 (256-bit) 1, 2, 3 = CryptoPro A, B, C (OpenSC's numbers), 4, 5 = CryptoPro
--                XchA, XchB, 6, 7, 8, 9 = id-tc26-gost-3410-12-256-paramSetA, B, C, D;
--                (512-bit) 1, 2, 3 = id-tc26-gost-3410-12-512-paramSetA, B, C.
-- ECDSA keys use PKCS#15's EC choice ([0], fieldSize 256) with P-256 only.
-- Ed25519 keys (the token's extension, tests/vtoken/README.md "Ed25519") have no PKCS#15
-- encoding either; ours is the EC choice with fieldSize 255 (the bits of the field
-- GF(2^255 - 19), RFC 8032 5.1), in both the private and the public entry, and the
-- public-key EF holds the key's SubjectPublicKeyInfo of RFC 8410 (id-Ed25519, no
-- parameters, the 32-byte key in the BIT STRING). An EC entry without fieldSize is P-256.
--
-- Changes are all or nothing, also when the card is pulled out in the middle (then no
-- undo can run): a call first creates and writes the files it adds, which nothing
-- references yet, and then makes every directory change visible in one APDU, the commit
-- point (commit_dirs of lib/p15fs: one UPDATE BINARY of a directory, or of the ODF
-- switching to new copies of the directories). Until then every step that changed the
-- card pushes its undo; when a later step fails the undos run in reverse order, and if one of them fails the
-- call returns CKR_GENERAL_ERROR. Files that a pulled card leaves behind unreferenced
-- (orphans) are reclaimed, logged, by the next call that needs their FID or key reference.
-- Before its first change a call checks that the card grants every step (check_access).
-- TokenInfo is not rewritten (OpenSC's lastUpdate needs a clock, which the sandbox does
-- not have, and nothing reads it).

local KEYS_DF = path(0x3F00, 0x1000, 0x1000)
local PRKEY_DF = KEYS_DF .. iso.u16(0x6002)
local PUBRSF_DF = KEYS_DF .. iso.u16(0x6001)
-- EF templates of the profile: public key 0200, certificate 0300, data 0400, private
-- data 0500, + index
local EF_PUBKEY, EF_CERT, EF_DATA, EF_PRIVDATA = 0x0200, 0x0300, 0x0400, 0x0500

local function hexup(s)
	return (s:gsub(".", function(c) return string.format("%02X", c:byte()) end))
end

local function ref_of(kind, p)
	return kind .. ":" .. hexup(p)
end

-- "prkey:3F00..." → "prkey", path bytes; nil when malformed
local function parse_ref(ref)
	if type(ref) ~= "string" then
		return nil
	end
	local kind, h = ref:match("^(%a+):(%x+)$")
	if not kind or #h % 4 ~= 0 or #h < 8 or #h > 32 then
		return nil
	end
	return kind, unhex(h)
end

-- OIDs (DER, tag 06 included)
local OID = {
	cp_a = unhex("06 07 2A 85 03 02 02 23 01"),     -- 1.2.643.2.2.35.1
	cp_b = unhex("06 07 2A 85 03 02 02 23 02"),
	cp_c = unhex("06 07 2A 85 03 02 02 23 03"),
	cp_xa = unhex("06 07 2A 85 03 02 02 24 00"),    -- 1.2.643.2.2.36.0
	cp_xb = unhex("06 07 2A 85 03 02 02 24 01"),
	tc256_a = unhex("06 09 2A 85 03 07 01 02 01 01 01"),    -- 1.2.643.7.1.2.1.1.1
	tc256_b = unhex("06 09 2A 85 03 07 01 02 01 01 02"),
	tc256_c = unhex("06 09 2A 85 03 07 01 02 01 01 03"),
	tc256_d = unhex("06 09 2A 85 03 07 01 02 01 01 04"),
	tc512_a = unhex("06 09 2A 85 03 07 01 02 01 02 01"),    -- 1.2.643.7.1.2.1.2.1
	tc512_b = unhex("06 09 2A 85 03 07 01 02 01 02 02"),
	tc512_c = unhex("06 09 2A 85 03 07 01 02 01 02 03"),
	h94 = unhex("06 07 2A 85 03 02 02 1E 01"),      -- id-GostR3411-94-CryptoProParamSet
	h256 = unhex("06 08 2A 85 03 07 01 01 02 02"),  -- id-tc26-gost3411-12-256
	h512 = unhex("06 08 2A 85 03 07 01 01 02 03"),  -- id-tc26-gost3411-12-512
	p256 = unhex("06 08 2A 86 48 CE 3D 03 01 07"),  -- prime256v1
	ec_pub = unhex("06 07 2A 86 48 CE 3D 02 01"),   -- id-ecPublicKey
	ed25519 = unhex("06 03 2B 65 70"),              -- id-Ed25519 1.3.101.112 (RFC 8410 3)
	rsa_enc = unhex("06 09 2A 86 48 86 F7 0D 01 01 01"),
}

-- GOST parameter sets: params_r3410 code → OID and the RSF's proprietary byte 1
local GOST256_SETS = {
	{ OID.cp_a, 0x20 }, { OID.cp_b, 0x30 }, { OID.cp_c, 0x40 },
	{ OID.cp_xa, 0x20 }, { OID.cp_xb, 0x40 },
	{ OID.tc256_a, 0x50 }, { OID.tc256_b, 0x20 }, { OID.tc256_c, 0x30 }, { OID.tc256_d, 0x40 },
}
local GOST512_SETS = { { OID.tc512_a, 0x20 }, { OID.tc512_b, 0x30 }, { OID.tc512_c, 0x40 } }

-- The key variants: PKCS#15 kind, RSF proprietary byte 0 (private, public), sizes
local V = {
	rsa = { kind = p15.KIND_RSA, prop = { 0x23, 0x33 }, ckk = CKK.RSA,
		keygen = CKM.RSA_PKCS_KEY_PAIR_GEN },
	g2001 = { kind = p15.KIND_GOST, prop = { 0x03, 0x13 }, size = { 32, 64 }, r3411 = 0,
		  hash = OID.h94, sets = GOST256_SETS, bits = 256, ckk = CKK.GOSTR3410,
		  keygen = CKM.GOSTR3410_KEY_PAIR_GEN },
	g256 = { kind = p15.KIND_GOST, prop = { 0x04, 0x14 }, size = { 32, 64 }, r3411 = 2,
		 hash = OID.h256, sets = GOST256_SETS, bits = 256, ckk = CKK.GOSTR3410,
		 keygen = CKM.GOSTR3410_KEY_PAIR_GEN },
	g512 = { kind = p15.KIND_GOST, prop = { 0x05, 0x15 }, size = { 64, 128 }, r3411 = 3,
		 hash = OID.h512, sets = GOST512_SETS, bits = 512, ckk = CKK.GOSTR3410_512,
		 keygen = CKM.GOSTR3410_512_KEY_PAIR_GEN },
	ec = { kind = p15.KIND_EC, prop = { 0x07, 0x17 }, size = { 32, 64 }, bits = 256,
	       ckk = CKK.EC, keygen = CKM.EC_KEY_PAIR_GEN },
	ed = { kind = p15.KIND_EC, prop = { 0x08, 0x18 }, size = { 32, 32 }, bits = 255,
	       ckk = CKK.EC_EDWARDS, keygen = CKM.EC_EDWARDS_KEY_PAIR_GEN },
}

-- CKA_EC_PARAMS naming Ed25519 (PKCS #11 3.0, 2.3.5): the OID of RFC 8410, or the
-- PrintableString "edwards25519"
local function is_ed25519(params)
	return params == OID.ed25519 or params == "\x13\x0C" .. "edwards25519"
end

local function variant_of(k)
	if k.kind == p15.KIND_RSA then
		return V.rsa
	elseif k.kind == p15.KIND_EC then
		return k.bits == 255 and V.ed or V.ec
	elseif k.r3411 == 2 then
		return V.g256
	elseif k.r3411 == 3 then
		return V.g512
	end
	return V.g2001
end

---------------------------------------------------------------------------------------
-- DER bits for public keys

local tlv = p15.tlv

-- an unsigned big-endian number as a DER INTEGER's content
local function uint(be)
	be = be:gsub("^%z+", "")
	if be == "" or be:byte(1) >= 0x80 then
		be = "\x00" .. be
	end
	return be
end

local function rsa_public(n, e)
	return tlv(0x30, tlv(0x02, uint(n)) .. tlv(0x02, uint(e)))
end

local function ec_spki(point)
	return tlv(0x30, tlv(0x30, OID.ec_pub .. OID.p256) .. tlv(0x03, "\x00" .. point))
end

-- RFC 8410 4: AlgorithmIdentifier { id-Ed25519 } (parameters absent), the key as is
local function ed_spki(key)
	return tlv(0x30, tlv(0x30, OID.ed25519) .. tlv(0x03, "\x00" .. key))
end

local function node_value(n)
	return type(n) == "table" and type(n.value) == "string" and n.value or nil
end

-- The value of a public-key EF: { n=, e= } (RSA, big-endian), { xy= } (GOST), { point=,
-- params= } (EC); nil when it is not what the kind needs.
local function decode_public(kind, data)
	local ok, node = pcall(der.decode, data)
	if not ok or type(node) ~= "table" then
		return nil
	end
	if node.tag == 0x30 and type(node[1]) == "table" and node[1].tag == 0x30 then
		-- SubjectPublicKeyInfo: algorithm, BIT STRING
		local alg, bits = node[1], node_value(node[2])
		if not bits or #bits < 2 or bits:byte(1) ~= 0 then
			return nil
		end
		if kind == p15.KIND_EC then
			if type(alg[1]) == "table" and der.encode(alg[1]) == OID.ed25519 then
				if #bits ~= 33 then
					return nil
				end
				return { point = bits:sub(2), params = OID.ed25519 }
			end
			local params = type(alg[2]) == "table" and der.encode(alg[2]) or nil
			return { point = bits:sub(2), params = params }
		end
		ok, node = pcall(der.decode, bits:sub(2))
		if not ok or type(node) ~= "table" then
			return nil
		end
	end
	if kind == p15.KIND_RSA then
		local n, e = node_value(node[1]), node_value(node[2])
		if node.tag ~= 0x30 or not n or not e or node[1].tag ~= 0x02 or node[2].tag ~= 0x02 then
			return nil
		end
		n = n:gsub("^%z+", "")
		e = e:gsub("^%z+", "")
		if n == "" or e == "" then
			return nil
		end
		return { n = n, e = e }
	elseif kind == p15.KIND_GOST then
		local xy = node_value(node)
		if node.tag ~= 0x04 or not xy or (#xy ~= 64 and #xy ~= 128) then
			return nil
		end
		return { xy = xy }
	else
		local pt = node_value(node)
		if node.tag ~= 0x04 or not pt then
			return nil
		end
		return { point = pt }
	end
end

-- The bit length of a big-endian modulus
local function bit_length(n)
	local top, b = n:byte(1), 0
	while top > 0 do
		b = b + 1
		top = top >> 1
	end
	return (#n - 1) * 8 + b
end

-- A certificate's subject, issuer and serial number (DER), and its SubjectPublicKeyInfo
-- node (X.509: RFC 5280 4.1), or nil.
local function cert_fields(value)
	local ok, c = pcall(der.decode, value)
	if not ok or type(c) ~= "table" or c.tag ~= 0x30 or type(c[1]) ~= "table" then
		return nil
	end
	local tbs = c[1]
	local i = 1
	if type(tbs[1]) == "table" and tbs[1].tag == 0xA0 then
		i = 2                           -- [0] version
	end
	local serial, issuer, subject = tbs[i], tbs[i + 2], tbs[i + 4]
	if type(serial) ~= "table" or serial.tag ~= 0x02 or type(issuer) ~= "table" or
	   issuer.tag ~= 0x30 or type(subject) ~= "table" or subject.tag ~= 0x30 then
		return nil
	end
	local eok, s, is, sn = pcall(function()
		return der.encode(subject), der.encode(issuer), der.encode(serial)
	end)
	if not eok then
		return nil
	end
	return { subject = s, issuer = is, serial = sn, spki = tbs[i + 5] }
end

-- The public value of a key of kind k.kind from the SubjectPublicKeyInfo of a certificate
-- with its CKA_ID, as decode_public gives it; nil when the certificate's key is of another
-- algorithm or size. OpenSC's PKCS#11 module takes a private key's public attributes from
-- there when the token has no public-key object (src/pkcs11/framework-pkcs15.c).
local function cert_public(k, value)
	local f = cert_fields(value)
	local spki = f and f.spki
	if type(spki) ~= "table" or spki.tag ~= 0x30 or type(spki[1]) ~= "table" or
	   type(spki[1][1]) ~= "table" or spki[1][1].tag ~= 0x06 then
		return nil
	end
	local alg = der.encode(spki[1][1])
	local want = k.kind == p15.KIND_RSA and OID.rsa_enc or
		variant_of(k) == V.ed and OID.ed25519 or
		k.kind == p15.KIND_EC and OID.ec_pub or nil
	if alg ~= want then
		return nil                      -- GOST keys' parameters are in the PrKDF
	end
	local ok, der_spki = pcall(der.encode, spki)
	local v = ok and decode_public(k.kind, der_spki) or nil
	if not v then
		return nil
	end
	if k.kind == p15.KIND_RSA and k.bits and k.bits ~= 0 and bit_length(v.n) ~= k.bits then
		return nil
	end
	return v
end

---------------------------------------------------------------------------------------
-- PKCS#15 objects → PKCS#11 attributes

local function usage_attrs(a, u, private)
	if private then
		a[CKA.SIGN] = u[p15.U_SIGN] == true or u[p15.U_NON_REPUDIATION] == true
		a[CKA.SIGN_RECOVER] = u[p15.U_SIGN_RECOVER] == true
		a[CKA.DECRYPT] = u[p15.U_DECRYPT] == true
		a[CKA.UNWRAP] = u[p15.U_UNWRAP] == true
	else
		a[CKA.VERIFY] = u[p15.U_VERIFY] == true
		a[CKA.VERIFY_RECOVER] = u[p15.U_VERIFY_RECOVER] == true
		a[CKA.ENCRYPT] = u[p15.U_ENCRYPT] == true
		a[CKA.WRAP] = u[p15.U_WRAP] == true
	end
	a[CKA.DERIVE] = u[p15.U_DERIVE] == true
end

-- The algorithm attributes of a key from its PKCS#15 entry and its public value.
local function algo_attrs(a, k, pubv, private)
	local v = variant_of(k)
	a[CKA.KEY_TYPE] = v.ckk
	if v == V.rsa then
		if pubv and pubv.n then
			a[CKA.MODULUS] = pubv.n
			a[CKA.PUBLIC_EXPONENT] = pubv.e
		end
		-- a private key too (as OpenSC's module gives it): signing needs only the
		-- size, so a lazy private key signs without its public value being read
		a[CKA.MODULUS_BITS] = pubv and pubv.n and bit_length(pubv.n) or k.bits
	elseif v == V.ec then
		-- the curve from the public key; without it, P-256 when the field size says so
		local params = pubv and pubv.params
		if not params and (k.bits == nil or k.bits == 256) then
			params = OID.p256
		end
		a[CKA.EC_PARAMS] = params
		if not private and pubv and pubv.point then
			a[CKA.EC_POINT] = tlv(0x04, pubv.point)
		end
	elseif v == V.ed then
		-- Ed25519: the OID form of CKA_EC_PARAMS; CKA_EC_POINT the DER OCTET STRING of
		-- the 32-byte key (PKCS #11 3.0, 2.3.6)
		a[CKA.EC_PARAMS] = OID.ed25519
		if not private and pubv and pubv.point and #pubv.point == 32 then
			a[CKA.EC_POINT] = tlv(0x04, pubv.point)
		end
	else
		local set = v.sets[k.r3410]
		if set then
			a[CKA.GOSTR3410_PARAMS] = set[1]
		end
		a[CKA.GOSTR3411_PARAMS] = v.hash
		if not private and pubv and pubv.xy then
			a[CKA.VALUE] = pubv.xy
		end
	end
end

-- Token secret keys (issue 9): the PKCS#11 object of an SKDF entry. Its value never
-- leaves the card: no CKA_VALUE (the runtime answers CKR_ATTRIBUTE_SENSITIVE).
local SV -- the secret-key variants, below
-- id-tc26-gost-28147-param-Z, 1.2.643.7.1.2.5.1.1 (RFC 7836): the S-boxes of the card's
-- GOST 28147-89 (tests/vtoken/README.md "Secret keys")
local G28147_Z = unhex("06 09 2A 85 03 07 01 02 05 01 01")
local function skey_object(k)
	local acc = k.access or {}
	local u = k.usage or {}
	local v = SV[k.ckk]
	local a = {
		[CKA.CLASS] = CKO.SECRET_KEY,
		[CKA.KEY_TYPE] = k.ckk,
		[CKA.TOKEN] = true,
		[CKA.PRIVATE] = k.private,
		[CKA.MODIFIABLE] = k.modifiable,
		[CKA.LABEL] = k.label or "",
		[CKA.ID] = k.id,
		[CKA.SENSITIVE] = acc[p15.A_SENSITIVE] == true,
		[CKA.EXTRACTABLE] = acc[p15.A_EXTRACTABLE] == true,
		[CKA.ALWAYS_SENSITIVE] = acc[p15.A_ALWAYS_SENSITIVE] == true,
		[CKA.NEVER_EXTRACTABLE] = acc[p15.A_NEVER_EXTRACTABLE] == true,
		[CKA.LOCAL] = acc[p15.A_LOCAL] == true,
		[CKA.ENCRYPT] = u[p15.U_ENCRYPT] == true,
		[CKA.DECRYPT] = u[p15.U_DECRYPT] == true,
		[CKA.SIGN] = u[p15.U_SIGN] == true,
		[CKA.VERIFY] = u[p15.U_VERIFY] == true,
		[CKA.WRAP] = u[p15.U_WRAP] == true,
		[CKA.UNWRAP] = u[p15.U_UNWRAP] == true,
		[CKA.DERIVE] = u[p15.U_DERIVE] == true,
		[CKA.VALUE_LEN] = (k.bits or 0) // 8,
		[CKA.CHECK_VALUE] = k.kcv or "",
	}
	a[CKA.KEY_GEN_MECHANISM] = acc[p15.A_LOCAL] and v and v.keygen or CK.UNAVAILABLE_INFORMATION
	if k.ckk == CKK.GOST28147 then
		a[CKA.GOST28147_PARAMS] = G28147_Z     -- the card's only S-boxes
	end
	a[CKA.ALLOWED_MECHANISMS] = k.allowed
	return { ref = ref_of("skey", k.path), attrs = a }
end

local function prkey_object(k, pubv)
	local acc = k.access or {}
	local a = {
		[CKA.CLASS] = CKO.PRIVATE_KEY,
		[CKA.TOKEN] = true,
		[CKA.PRIVATE] = k.private,
		[CKA.MODIFIABLE] = k.modifiable,
		[CKA.LABEL] = k.label or "",
		[CKA.ID] = k.id,
		[CKA.SENSITIVE] = acc[p15.A_SENSITIVE] == true,
		[CKA.EXTRACTABLE] = acc[p15.A_EXTRACTABLE] == true,
		[CKA.ALWAYS_SENSITIVE] = acc[p15.A_ALWAYS_SENSITIVE] == true,
		[CKA.NEVER_EXTRACTABLE] = acc[p15.A_NEVER_EXTRACTABLE] == true,
		[CKA.LOCAL] = acc[p15.A_LOCAL] == true,
		-- PKCS#15 userConsent above 0: a PIN for each use, as OpenSC maps it
		[CKA.ALWAYS_AUTHENTICATE] = (k.user_consent or 0) > 0,
	}
	if acc[p15.A_LOCAL] then
		a[CKA.KEY_GEN_MECHANISM] = variant_of(k).keygen
	end
	usage_attrs(a, k.usage, true)
	algo_attrs(a, k, pubv, true)
	a[CKA.ALLOWED_MECHANISMS] = k.allowed
	return { ref = ref_of("prkey", k.path), attrs = a }
end

local function pubkey_object(k, pubv, prk)
	local a = {
		[CKA.CLASS] = CKO.PUBLIC_KEY,
		[CKA.TOKEN] = true,
		[CKA.PRIVATE] = k.private,
		[CKA.MODIFIABLE] = k.modifiable,
		[CKA.LABEL] = k.label or "",
		[CKA.ID] = k.id,
		[CKA.LOCAL] = false,
	}
	-- a public key is as local as the private key it was generated with
	if prk and prk.access and prk.access[p15.A_LOCAL] then
		a[CKA.LOCAL] = true
		a[CKA.KEY_GEN_MECHANISM] = variant_of(k).keygen
	end
	usage_attrs(a, k.usage, false)
	algo_attrs(a, k, pubv, false)
	a[CKA.ALLOWED_MECHANISMS] = k.allowed
	return { ref = ref_of("pubkey", k.path), attrs = a }
end

-- A certificate as its CDF entry describes it: without value, a lazy object (the contract's
-- object.lazy, issue 11) whose value object_attrs reads when an application needs it.
local function cert_entry_object(c)
	local a = {
		[CKA.CLASS] = CKO.CERTIFICATE,
		[CKA.CERTIFICATE_TYPE] = CKC.X_509,
		[CKA.TOKEN] = true,
		[CKA.PRIVATE] = c.private,
		[CKA.MODIFIABLE] = c.modifiable,
		[CKA.LABEL] = c.label or "",
		[CKA.ID] = c.id,
		[CKA.CERTIFICATE_CATEGORY] = c.authority and 2 or 0,
	}
	return { ref = ref_of("cert", c.path), attrs = a, lazy = true }
end

local function cert_object(c, value)
	local o = cert_entry_object(c)
	local a = o.attrs
	o.lazy = nil
	a[CKA.VALUE] = value
	local f = cert_fields(value)
	if f then
		a[CKA.SUBJECT] = f.subject
		a[CKA.ISSUER] = f.issuer
		a[CKA.SERIAL_NUMBER] = f.serial
	end
	return o
end

local function data_object(d, value)
	local a = {
		[CKA.CLASS] = CKO.DATA,
		[CKA.TOKEN] = true,
		[CKA.PRIVATE] = d.private,
		[CKA.MODIFIABLE] = d.modifiable,
		[CKA.LABEL] = d.label or "",
		[CKA.APPLICATION] = d.app or "",
		[CKA.VALUE] = value,
	}
	if d.oid then
		a[CKA.OBJECT_ID] = d.oid
	end
	return { ref = ref_of("data", d.path), attrs = a }
end

-- The public values of the PuKDF's keys: vals[i] for d.pukdf.objs[i] (false when it has
-- no EF); by_id[id] = value of the key with that ID.
local function read_public_values(card, pukdf)
	local vals, by_id = {}, {}
	for i, k in ipairs(pukdf.objs) do
		vals[i] = false
		local raw = k.path and nil or k.direct
		if k.path then
			local err
			raw, err = read_ef(card, k.path)
			if not raw then
				return nil, err
			end
		end
		if raw then
			local v = decode_public(k.kind, raw)
			if not v then
				dbg("rutoken_ecp: public key %s: malformed value", hexup(k.id))
				return nil, "CKR_DEVICE_ERROR"
			end
			vals[i] = v
			if by_id[k.id] == nil then
				by_id[k.id] = v
			end
		end
	end
	return vals, by_id
end

-- What objects() read of the card's public part (the directories, the public keys' and the
-- public certificates' and data objects' values), kept in this VM so that the objects call
-- after a login reads only what the login makes visible: the private objects' values. The
-- runtime keeps the public objects as long (its cache is read once per connection), so a
-- change another application makes meanwhile is seen no later than before: at the next
-- connection, or when the runtime reads the public part again (that call reads it all and
-- keeps it anew). Every entry point that may change the card's files forgets it (the end
-- of this file); a card reset gives the script a fresh VM. Never a private value.
local kept

local function read_public(card)
	local st, err = app_kept, nil
	app_kept = nil
	if not st then
		st, err = read_app(card)
	end
	if st == nil then
		return nil, err
	end
	if st == false then
		-- no ODF: a token without PKCS#15 has no objects; but when EF.DIR names the
		-- application, its ODF not being found is the card's failure, not "no objects"
		if err then
			dbg("rutoken_ecp: EF.DIR names the PKCS#15 application, its ODF is not found")
			return nil, "CKR_DEVICE_ERROR"
		end
		return false
	end
	local d
	d, err = read_dirs(card, st, { "prkdf", "pukdf", "cdf", "dodf", "skdf" }, true)
	if not d then
		return nil, err
	end
	-- the keys' public values are read when asked for (public_value)
	return { d = d, vals = {}, values = {} }
end

-- The public value of the PuKDF's key i, read on first need and kept in pub.vals[i]
-- (false when it has none): its EF, or the value its directory entry holds (no APDU).
-- nil + CKR when the card fails or the value does not parse.
local function public_value(card, pub, i)
	local v = pub.vals[i]
	if v ~= nil then
		return v
	end
	local vals, err = read_public_values(card, { objs = { pub.d.pukdf.objs[i] } })
	if not vals then
		return nil, err
	end
	pub.vals[i] = vals[1]
	return vals[1]
end

-- src[id] = the place in d.pukdf.objs of the first key with that ID that has a public
-- value (an EF or a value in its entry): where a private key takes its public values.
local function public_sources(d)
	local src = {}
	for i, k in ipairs(d.pukdf.objs) do
		if (k.path or k.direct) and src[k.id] == nil then
			src[k.id] = i
		end
	end
	return src
end

-- A key whose public value is not read yet, as a lazy object (the contract's object.lazy):
-- what its directory entry gives, without the attributes that come from the value
-- (CKA_MODULUS and CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS and CKA_EC_POINT, a GOST key's
-- CKA_VALUE); CKA_MODULUS_BITS is the entry's modulusLength. object_attrs gives the rest.
local function lazy_key(o, k)
	if variant_of(k) == V.ec then
		o.attrs[CKA.EC_PARAMS] = nil
	end
	o.lazy = true
	return o
end

-- Whether a private key's own attributes take anything from its public value (RSA: the
-- modulus and exponent; EC: the curve). A GOST or Ed25519 key's do not.
local function prkey_takes_public(k)
	local v = variant_of(k)
	return v == V.rsa or v == V.ec
end

-- The certificates' and data objects' values, in the order the objects are listed: the
-- public ones when pub.values does not have them yet (kept there), the private ones when
-- logged in (in priv only). A private one the card will not let us read (it has forgotten
-- the login: another application logged out) stays unlisted, the others are still good.
-- A public certificate is read only when eager[o] (a private key takes its public values
-- from it); the others are listed lazy and read by object_attrs when needed.
local function read_values(card, pub, logged_in, priv, eager)
	local lazy = {}
	for _, c in ipairs(pub.d.cdf.objs) do
		lazy[c] = not c.private and not eager[c]
	end
	for _, l in ipairs({ pub.d.cdf.objs, pub.d.dodf.objs }) do
		for _, o in ipairs(l) do
			local want = o.path and not lazy[o] and
				(o.private and logged_in or not o.private and pub.values[o] == nil)
			if want then
				local v, err = read_ef(card, o.path)
				if v then
					(o.private and priv or pub.values)[o] = v
				elseif o.private and err == "CKR_USER_NOT_LOGGED_IN" then
					dbg("rutoken_ecp: %s unreadable without the PIN",
					    iso.path_hex(o.path))
				else
					return nil, err
				end
			end
		end
	end
	return true
end

function T.objects(card, logged_in)
	local pub, err = kept, nil
	if not (logged_in and pub) then
		-- the public part, read whole: nobody logged in, or nothing kept
		kept = nil
		pub, err = read_public(card)
		if pub == nil then
			return nil, err
		end
		if pub == false then
			return {}
		end
	end
	-- a private key without its public-key object takes its public attributes from the
	-- certificate with its CKA_ID: those certificates are read now, the others on request.
	-- The public keys' values are read when asked for (lazy objects), but a value held in
	-- its directory entry costs no APDU and is taken now.
	local d = pub.d
	local src = public_sources(d)
	for i, k in ipairs(d.pukdf.objs) do
		if not k.path and k.direct then
			local v, verr = public_value(card, pub, i)
			if v == nil then
				return nil, verr
			end
		end
	end
	local eager, need_id = {}, {}
	for _, k in ipairs(d.prkdf.objs) do
		if k.path and not src[k.id] then
			need_id[k.id] = true
		end
	end
	for _, c in ipairs(d.cdf.objs) do
		eager[c] = need_id[c.id] or false
	end
	local values = {}
	local ok
	ok, err = read_values(card, pub, logged_in, values, eager)
	if not ok then
		return nil, err
	end
	kept = pub
	setmetatable(values, { __index = pub.values })
	local lists = { { d.cdf.objs, cert_object }, { d.dodf.objs, data_object } }
	local function from_cert(k)
		for _, c in ipairs(d.cdf.objs) do
			if c.id == k.id and values[c] then
				local v = cert_public(k, values[c])
				if v then
					return v
				end
			end
		end
		return nil
	end
	local out = {}
	local prk_by_id = {}
	local seen = {}
	-- a second entry for the same file would give two objects one reference: the first wins
	local function add(o)
		if seen[o.ref] then
			dbg("rutoken_ecp: %s is listed twice; the second entry is skipped", o.ref)
			return
		end
		seen[o.ref] = true
		out[#out + 1] = o
	end
	for _, k in ipairs(d.prkdf.objs) do
		if k.path then
			local i = src[k.id]
			if not i then
				add(prkey_object(k, from_cert(k)))
			elseif pub.vals[i] ~= nil or not prkey_takes_public(k) then
				add(prkey_object(k, pub.vals[i] or nil))
			else
				add(lazy_key(prkey_object(k, nil), k))
			end
			prk_by_id[k.id] = prk_by_id[k.id] or k
		end
	end
	for i, k in ipairs(d.pukdf.objs) do
		if k.path and (logged_in or not k.private) then
			local v = pub.vals[i]
			if v == nil then
				add(lazy_key(pubkey_object(k, nil, prk_by_id[k.id]), k))
			else
				add(pubkey_object(k, v or nil, prk_by_id[k.id]))
			end
		end
	end
	for _, l in ipairs(lists) do
		for _, o in ipairs(l[1]) do
			if values[o] then
				add(l[2](o, values[o]))
			elseif l[2] == cert_object and o.path and not o.private then
				add(cert_entry_object(o))
			end
		end
	end
	for _, k in ipairs(d.skdf.objs) do
		if k.path and (logged_in or not k.private) then
			add(skey_object(k))
		end
	end
	return out
end

-- A key objects() listed lazy, whole: its public value read now (kept with the public
-- part). nil when ref names no key of the directories.
local function key_attrs(card, pub, ref)
	local d = pub.d
	for _, k in ipairs(d.prkdf.objs) do
		if k.path and ref_of("prkey", k.path) == ref then
			local i = public_sources(d)[k.id]
			local v, err
			if i then
				v, err = public_value(card, pub, i)
				if v == nil then
					return nil, err
				end
			end
			return prkey_object(k, v or nil)
		end
	end
	for i, k in ipairs(d.pukdf.objs) do
		if k.path and ref_of("pubkey", k.path) == ref then
			local v, err = public_value(card, pub, i)
			if v == nil then
				return nil, err
			end
			local prk
			for _, x in ipairs(d.prkdf.objs) do
				if x.path and x.id == k.id then
					prk = x
					break
				end
			end
			return pubkey_object(k, v or nil, prk)
		end
	end
	return nil
end

-- A certificate or key objects() listed lazy, whole: its EF read now (kept with the public
-- part). The public part is read again when nothing is kept (a write came in between).
function T.object_attrs(card, ref)
	local pub, err = kept, nil
	if not pub then
		pub, err = read_public(card)
		if pub == nil then
			return nil, err
		end
		if pub == false then
			dbg("rutoken_ecp: %s: the token has no PKCS#15 application now", ref)
			return nil, "CKR_DEVICE_ERROR"
		end
		kept = pub
	end
	if type(ref) == "string" and (ref:sub(1, 6) == "prkey:" or ref:sub(1, 7) == "pubkey:") then
		local o, kerr = key_attrs(card, pub, ref)
		if o then
			return o
		elseif kerr then
			return nil, kerr
		end
		dbg("rutoken_ecp: %s: no such key in the directories now", ref)
		return nil, "CKR_DEVICE_ERROR"
	end
	for _, c in ipairs(pub.d.cdf.objs) do
		if c.path and not c.private and ref_of("cert", c.path) == ref then
			local v = pub.values[c]
			if v == nil then
				v, err = read_ef(card, c.path)
				if not v then
					return nil, err
				end
				pub.values[c] = v
			end
			return cert_object(c, v)
		end
	end
	dbg("rutoken_ecp: %s: no such certificate in the CDF now", ref)
	return nil, "CKR_DEVICE_ERROR"
end

---------------------------------------------------------------------------------------
-- Writing, all or nothing

-- The undo list, the commit point and orphan reclaiming are lib/p15fs's (fs above).
local give_up, delete_at, create_ef, patch = fs.give_up, fs.delete_at, fs.create_ef, fs.patch
local fits, commit_dirs, free_ef = fs.fits, fs.commit_dirs, fs.free_ef

-- Delete an RSF the way OpenSC does: select it by its full path, then E4 with its FID.
local function delete_rsf(card, p)
	local fcp, err, sw = iso.select_path(card, p)
	if not fcp then
		return nil, err, sw
	end
	return iso.delete_file(card, p:byte(#p - 1) << 8 | p:byte(#p))
end

-- Whether the card grants a security condition (SC byte of a security attribute: 00
-- always, FF never, else a mask of global PINs, 01 SO, 02 user) now: an empty VERIFY of
-- each PIN in the mask answers 90 00 when that PIN is verified. nil when granted, else
-- the CKR to return before anything changes.
local function check_access(card, sc)
	if sc == 0 then
		return nil
	end
	if sc == 0xFF then
		return "CKR_TOKEN_WRITE_PROTECTED"
	end
	for _, ref in ipairs({ USER_REF, SO_REF }) do
		if sc & (1 << (ref - 1)) ~= 0 then
			local _, sw = iso.verify(card, ref)
			if sw == OK then
				return nil
			end
			-- 63 Cx, 69 83 (blocked), 69 84: not verified; anything else is the card's
			-- failure, not an answer
			if sw & 0xFFF0 ~= 0x63C0 and sw ~= 0x6300 and sw ~= 0x6983 and sw ~= 0x6984 then
				return iso.sw_to_ckr(sw)
			end
		end
	end
	return "CKR_USER_NOT_LOGGED_IN"
end

---------------------------------------------------------------------------------------
-- Templates

local function bool(attrs, cka, default)
	local v = attrs[cka]
	if v == nil then
		return default
	end
	return v == true
end

-- PKCS#15 userConsent of a private-key template: 1 for CKA_ALWAYS_AUTHENTICATE true (a
-- PIN for each use), which PKCS #11 allows only on a private key. count, or nil + CKR.
local function user_consent_of(attrs)
	if attrs[CKA.ALWAYS_AUTHENTICATE] ~= true then
		return nil
	end
	if attrs[CKA.PRIVATE] == false then
		return nil, "CKR_TEMPLATE_INCONSISTENT"
	end
	return 1
end

-- The value both templates agree on (either may leave it out). value, or nil + CKR.
local function either(pub, priv, cka)
	local a, b = pub[cka], priv[cka]
	if a ~= nil and b ~= nil and a ~= b then
		return nil, "CKR_TEMPLATE_INCONSISTENT"
	end
	if a == nil then
		return b
	end
	return a
end

local function label_of(attrs)
	local l = attrs[CKA.LABEL]
	if l == nil or l == "" then
		return nil
	end
	if type(l) ~= "string" or not utf8.len(l) or #l > 255 then
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	return l
end

local function id_of(attrs)
	local id = attrs[CKA.ID]
	if id == nil or id == "" then
		return nil
	end
	if type(id) ~= "string" or #id > 255 then
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	return id
end

-- The index of oid in a parameter-set list, or nil.
local function set_code(sets, oid)
	for i, s in ipairs(sets) do
		if s[1] == oid then
			return i
		end
	end
	return nil
end

-- What to generate: { v=variant, bits=, r3410=, prop1=, size={priv, pub}, answer= } or
-- nil + CKR. The runtime has checked both templates by spec/objects.yaml: the domain
-- parameters (MODULUS_BITS, EC_PARAMS, GOSTR3410_PARAMS) are in the public one, never in
-- the private one (generate_required / generate_forbidden); what is left here is what
-- this card can make.
local function keygen_plan(mech, pub)
	if mech == CKM.RSA_PKCS_KEY_PAIR_GEN then
		local bits = pub[CKA.MODULUS_BITS]
		if bits < 1024 or bits > 4096 or bits % 128 ~= 0 then
			-- a size the card cannot make is a bad attribute value (KEY_SIZE_RANGE
			-- is not one of C_GenerateKeyPair's codes)
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		local e = pub[CKA.PUBLIC_EXPONENT]
		if e ~= nil and (type(e) ~= "string" or e:gsub("^%z+", "") ~= "\x01\x00\x01") then
			-- the card's exponent is always 65537
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		local h = bits // 16
		return { v = V.rsa, bits = bits, prop1 = 0x00, size = { 5 * h + 8, 3 * h },
			 answer = bits // 8 }
	elseif mech == CKM.GOSTR3410_KEY_PAIR_GEN or mech == CKM.GOSTR3410_512_KEY_PAIR_GEN then
		local oid, hash = pub[CKA.GOSTR3410_PARAMS], pub[CKA.GOSTR3411_PARAMS]
		local v
		if mech == CKM.GOSTR3410_512_KEY_PAIR_GEN then
			v = V.g512
		elseif hash == OID.h256 or oid == OID.tc256_a or oid == OID.tc256_b or
		       oid == OID.tc256_c or oid == OID.tc256_d then
			v = V.g256
		else
			v = V.g2001
		end
		local code = set_code(v.sets, oid)
		if not code or (v == V.g2001 and code > 5) then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		if hash ~= nil and hash ~= v.hash and not (v == V.g2001 and hash == OID.h94) then
			return nil, "CKR_TEMPLATE_INCONSISTENT"
		end
		return { v = v, bits = v.bits, r3410 = code, prop1 = v.sets[code][2],
			 size = v.size, answer = v.size[2] }
	elseif mech == CKM.EC_KEY_PAIR_GEN then
		if pub[CKA.EC_PARAMS] ~= OID.p256 then
			return nil, "CKR_CURVE_NOT_SUPPORTED"
		end
		return { v = V.ec, bits = 256, prop1 = 0x01, size = V.ec.size, answer = 64 }
	elseif mech == CKM.EC_EDWARDS_KEY_PAIR_GEN then
		if not is_ed25519(pub[CKA.EC_PARAMS]) then
			return nil, "CKR_CURVE_NOT_SUPPORTED"     -- Ed448 too: the card has Ed25519
		end
		return { v = V.ed, bits = 255, prop1 = 0x01, size = V.ed.size, answer = 32 }
	end
	return nil, "CKR_MECHANISM_INVALID"
end

-- CKA_ALLOWED_MECHANISMS of a key template, as the key's directory entry keeps it (lib/
-- pkcs15: a private element OpenSC skips): the list, nil when empty or absent, or nil +
-- CKR when the entry has no room for it.
local function allowed_of(attrs)
	local l = attrs[CKA.ALLOWED_MECHANISMS]
	if type(l) ~= "table" or #l == 0 then
		return nil
	end
	if #l > p15.ALLOWED_MAX then
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	local out = {}
	for i, m in ipairs(l) do
		if math.type(m) ~= "integer" or m < 0 or m > 0xFFFFFFFF then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		out[i] = m
	end
	return out
end

-- The PKCS#15 usage bits a template asks for (defaults: sign/verify, and for RSA also
-- decrypt/encrypt, as pkcs15-init --key-usage sign,decrypt writes them).
local function usage_of(attrs, private, rsa)
	local u = {}
	if private then
		u[p15.U_SIGN] = bool(attrs, CKA.SIGN, true)
		u[p15.U_SIGN_RECOVER] = bool(attrs, CKA.SIGN_RECOVER, false)
		u[p15.U_DECRYPT] = bool(attrs, CKA.DECRYPT, rsa)
		u[p15.U_UNWRAP] = bool(attrs, CKA.UNWRAP, false)
	else
		u[p15.U_VERIFY] = bool(attrs, CKA.VERIFY, true)
		u[p15.U_VERIFY_RECOVER] = bool(attrs, CKA.VERIFY_RECOVER, false)
		u[p15.U_ENCRYPT] = bool(attrs, CKA.ENCRYPT, rsa)
		u[p15.U_WRAP] = bool(attrs, CKA.WRAP, false)
	end
	u[p15.U_DERIVE] = bool(attrs, CKA.DERIVE, false)
	return u
end

---------------------------------------------------------------------------------------
-- C_GenerateKeyPair

local function set(list)
	local s = {}
	for _, b in ipairs(list) do
		s[b] = true
	end
	return s
end

-- Reclaim key reference kk: the PrKDF does not list it, yet the card has an RSF there
-- (6A89), left by a call the card was pulled out of (key references are few). Its two
-- RSFs are deleted, logged; true when the reference is free now.
local function reclaim_key_ref(card, kk)
	local function gone(p)
		local ok, _, sw = delete_rsf(card, p)
		return ok or sw == 0x6A82
	end
	if gone(PUBRSF_DF .. iso.u16(kk)) and gone(PRKEY_DF .. iso.u16(kk)) then
		dbg("rutoken_ecp: reclaimed key reference %d: no PrKDF entry named it", kk)
		return true
	end
	return false
end

-- Create the private-key RSF of reference kk (the card files it in 6002). A reference the
-- PrKDF does not list may still be taken on the card (6A89): it is reclaimed, or if that
-- fails the next free one is tried, a few times. Returns ok, err, sw as create_in does,
-- and the reference used (nil, "CKR_DEVICE_MEMORY" when the references run out).
local function create_prkey_rsf(card, st, kk, used, size, prop0, prop1)
	local ok, err, sw
	local reclaimed = {}
	for _ = 1, 8 do
		ok, err, sw = create_in(card, st.app, {
			size = size, type = RSF_T, fid = kk,
			prop = string.char(prop0, prop1, 0x00, 0xAA, 0x00, 0x00),
			sec = SEC.prkey_rsf,
		})
		if ok or sw ~= 0x6A89 then
			break
		end
		if not reclaimed[kk] and reclaim_key_ref(card, kk) then
			reclaimed[kk] = true
			goto again
		end
		repeat
			kk = kk + 1
		until not used[kk]
		if kk > 0xFF then
			return nil, "CKR_DEVICE_MEMORY", nil, kk
		end
		::again::
	end
	return ok, err, sw, kk
end

-- Create the public-key RSF of reference kk (the card files it in 6001), its private
-- twin just created. One already there is an orphan of an earlier call: deleted, and the
-- RSF created again. true, or nil + CKR + SW.
local function create_pubkey_rsf(card, st, kk, size, prop0, prop1)
	local apdu = iso.apdu(0x00, 0xE0, 0x00, 0x00, iso.build_fcp({
		size = size, type = RSF_T, fid = kk,
		prop = string.char(prop0, prop1, 0x00, 0xAA, 0x00, 0x00),
		sec = SEC.pubkey_rsf,
	}))
	local _, sw = iso.transmit(card, apdu)
	if sw == 0x6A89 and delete_rsf(card, PUBRSF_DF .. iso.u16(kk)) then
		dbg("rutoken_ecp: reclaimed the public-key RSF of key reference %d", kk)
		if iso.select_path(card, st.app) then
			_, sw = iso.transmit(card, apdu)
		end
	end
	if sw ~= OK then
		return nil, iso.sw_to_ckr(sw), sw
	end
	return true
end

function T.generate_key_pair(card, mech, pub, priv)
	pub, priv = pub or {}, priv or {}
	local plan, err = keygen_plan(mech, pub)
	if not plan then
		return nil, err
	end
	local v = plan.v
	if priv[CKA.SENSITIVE] == false or priv[CKA.EXTRACTABLE] == true then
		return nil, "CKR_TEMPLATE_INCONSISTENT"  -- keys made on the card never leave it
	end
	local consent
	consent, err = user_consent_of(priv)
	if err then
		return nil, err
	end
	local id
	id, err = either(pub, priv, CKA.ID)
	if err then
		return nil, err
	end
	if id == "" then
		id = nil
	end
	if id ~= nil and (type(id) ~= "string" or #id > 255) then
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	local plabel, ulabel
	plabel, err = label_of(priv)
	if err then
		return nil, err
	end
	ulabel, err = label_of(pub)
	if err then
		return nil, err
	end
	ulabel = ulabel or plabel

	local st
	st, err = read_app(card)
	if not st then
		return nil, err or "CKR_TOKEN_NOT_RECOGNIZED"
	end
	local d
	d, err = read_dirs(card, st, { "prkdf", "pukdf" })
	if not d then
		return nil, err
	end

	-- the lowest key reference no private key uses
	local used = {}
	for _, k in ipairs(d.prkdf.objs) do
		if k.key_ref then
			used[k.key_ref] = true
		end
		if k.path and #k.path == #PRKEY_DF + 2 and k.path:sub(1, #PRKEY_DF) == PRKEY_DF then
			used[k.path:byte(#k.path)] = true
		end
	end
	local kk = 1
	while used[kk] do
		kk = kk + 1
	end
	local pubfid
	pubfid, err = free_ef(card, st, d, EF_PUBKEY)
	if not pubfid then
		return nil, err
	end

	local pallowed, uallowed
	pallowed, err = allowed_of(priv)
	if not err then
		uallowed, err = allowed_of(pub)
	end
	if err then
		return nil, err
	end
	local prk = {
		kind = v.kind, label = plabel, private = priv[CKA.PRIVATE] ~= false,
		modifiable = priv[CKA.MODIFIABLE] ~= false, auth_id = "\x02", user_consent = consent,
		allowed = pallowed,
		usage = usage_of(priv, true, v == V.rsa),
		access = set({ p15.A_SENSITIVE, p15.A_ALWAYS_SENSITIVE, p15.A_NEVER_EXTRACTABLE,
			       p15.A_LOCAL }),
		bits = plan.bits, r3410 = plan.r3410, r3411 = v.r3411, g28147 = 0,
	}
	local puk = {
		kind = v.kind, label = ulabel, private = pub[CKA.PRIVATE] == true,
		modifiable = pub[CKA.MODIFIABLE] ~= false,
		usage = usage_of(pub, false, v == V.rsa), native = false, key_ref = 0,
		allowed = uallowed,
		path = st.app .. iso.u16(pubfid),
		bits = plan.bits, r3410 = plan.r3410, r3411 = v.r3411, g28147 = 0,
	}
	if puk.private then
		puk.auth_id = "\x02"
	end
	if v == V.ec then
		prk.bits, puk.bits = 256, nil
	end
	-- Ed25519: fieldSize 255 in both entries marks the curve

	-- check that both entries will fit before anything changes (a computed ID is 20 bytes)
	local function entries(kref)
		prk.id = id or string.rep("\x00", 20)
		puk.id = prk.id
		prk.key_ref, prk.path = kref, PRKEY_DF .. iso.u16(kref)
		return p15.encode_key(prk), p15.encode_key(puk)
	end
	local pe, ue = entries(kk)
	if not fits(d.prkdf, d.prkdf.used .. pe) or not fits(d.pukdf, d.pukdf.used .. ue) then
		return nil, "CKR_DEVICE_MEMORY"
	end

	local undo = {}
	local ok, sw
	-- the two RSFs (the card files them in 6002 and 6001 by their kind)
	ok, err, sw, kk = create_prkey_rsf(card, st, kk, used, plan.size[1], v.prop[1], plan.prop1)
	if not ok then
		return give_up(undo, err, "creating the private-key RSF", sw)
	end
	local prk_path, pub_rsf = PRKEY_DF .. iso.u16(kk), PUBRSF_DF .. iso.u16(kk)
	undo[#undo + 1] = function() return delete_rsf(card, prk_path) == true end
	ok, err, sw = create_pubkey_rsf(card, st, kk, plan.size[2], v.prop[2], plan.prop1)
	if not ok then
		return give_up(undo, err, "creating the public-key RSF", sw)
	end
	undo[#undo + 1] = function() return delete_rsf(card, pub_rsf) == true end

	-- GENERATE KEY PAIR: the public key comes back (RSA: n, GOST: x ‖ y, little-endian;
	-- EC: x ‖ y, big-endian)
	local ans
	ans, sw = iso.transmit(card, iso.apdu(0x00, 0x46, 0x80, kk, nil, 256))
	if sw ~= OK then
		return give_up(undo, iso.sw_to_ckr(sw), "GENERATE KEY PAIR", sw)
	end
	if #ans ~= plan.answer then
		return give_up(undo, "CKR_DEVICE_ERROR", "GENERATE KEY PAIR (" .. #ans .. " bytes)", sw)
	end
	local pubv, content
	if v == V.rsa then
		pubv = { n = bytes.reverse(ans):gsub("^%z+", ""), e = "\x01\x00\x01" }
		if #pubv.n * 8 ~= plan.bits then
			return give_up(undo, "CKR_DEVICE_ERROR", "GENERATE KEY PAIR (modulus size)", sw)
		end
		content = rsa_public(pubv.n, pubv.e)
		id = id or crypto.digest("sha1", pubv.n)
	elseif v == V.ec then
		pubv = { point = "\x04" .. ans, params = OID.p256 }
		content = ec_spki(pubv.point)
		id = id or crypto.digest("sha1", ans:sub(1, 32))
	elseif v == V.ed then
		pubv = { point = ans, params = OID.ed25519 }
		content = ed_spki(ans)
		id = id or crypto.digest("sha1", ans)
	else
		pubv = { xy = ans }
		content = tlv(0x04, ans)
		id = id or crypto.digest("sha1", content)
	end

	-- the directory entries, the public-key EF, the ODF
	prk.id, puk.id = id, id
	prk.key_ref, prk.path = kk, prk_path
	pe, ue = p15.encode_key(prk), p15.encode_key(puk)
	if not fits(d.prkdf, d.prkdf.used .. pe) or not fits(d.pukdf, d.pukdf.used .. ue) then
		return give_up(undo, "CKR_DEVICE_MEMORY", "fitting the directory entries")
	end
	-- the public-key EF, then both directory entries at once (commit_dirs): until that
	-- commit the new files are referenced by nothing, and a card pulled out before it
	-- leaves orphans the next change reclaims, never half a pair
	ok, err, sw = create_ef(card, undo, st.app, pubfid, #content, SEC.p15df)
	if not ok then
		return give_up(undo, err, "creating the public-key EF", sw)
	end
	ok, err, sw = iso.update_binary(card, 0, content)
	if not ok then
		return give_up(undo, err, "writing the public-key EF", sw)
	end
	ok, err, sw = commit_dirs(card, undo, st, d, {
		{ name = "prkdf", used = d.prkdf.used .. pe },
		{ name = "pukdf", used = d.pukdf.used .. ue },
	}, true)
	if not ok then
		return give_up(undo, err, "writing the PrKDF and the PuKDF", sw)
	end
	return pubkey_object(puk, pubv, prk), prkey_object(prk, pubv)
end

---------------------------------------------------------------------------------------
-- C_CreateObject: certificates, data objects, public keys

-- The public-key EF content and PKCS#15 fields of a public-key template: entry, pubv,
-- content; or nil + CKR. The attributes objects.yaml makes create_required are there
-- (the runtime checked the template); what is left here is what this card can store.
local function public_key_plan(attrs)
	local kt = attrs[CKA.KEY_TYPE]
	if kt == CKK.RSA then
		local n, e = attrs[CKA.MODULUS], attrs[CKA.PUBLIC_EXPONENT]
		n, e = n:gsub("^%z+", ""), e:gsub("^%z+", "")
		if #n < 64 or #n > 512 or e == "" then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		return { kind = p15.KIND_RSA }, { n = n, e = e }, rsa_public(n, e)
	elseif kt == CKK.EC then
		local params, point = attrs[CKA.EC_PARAMS], attrs[CKA.EC_POINT]
		if params ~= OID.p256 then
			return nil, "CKR_CURVE_NOT_SUPPORTED"
		end
		if #point == 67 and point:sub(1, 2) == "\x04\x41" then
			point = point:sub(3)            -- DER OCTET STRING, as PKCS#11 says
		end
		if #point ~= 65 or point:byte(1) ~= 0x04 then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		return { kind = p15.KIND_EC }, { point = point, params = params }, ec_spki(point)
	elseif kt == CKK.EC_EDWARDS then
		local params, point = attrs[CKA.EC_PARAMS], attrs[CKA.EC_POINT]
		if not is_ed25519(params) then
			return nil, "CKR_CURVE_NOT_SUPPORTED"
		end
		if #point == 34 and point:sub(1, 2) == "\x04\x20" then
			point = point:sub(3)            -- DER OCTET STRING, as PKCS#11 says
		end
		if #point ~= 32 then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		return { kind = p15.KIND_EC, bits = 255 }, { point = point, params = OID.ed25519 },
			ed_spki(point)
	elseif kt == CKK.GOSTR3410 or kt == CKK.GOSTR3410_512 then
		local oid, hash, xy = attrs[CKA.GOSTR3410_PARAMS], attrs[CKA.GOSTR3411_PARAMS],
			attrs[CKA.VALUE]
		local v
		if kt == CKK.GOSTR3410_512 then
			v = V.g512
		elseif hash == OID.h256 or (set_code(GOST256_SETS, oid) or 0) >= 6 then
			v = V.g256
		else
			v = V.g2001
		end
		local code = set_code(v.sets, oid)
		if not code or #xy ~= v.size[2] then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		return { kind = p15.KIND_GOST, r3410 = code, r3411 = v.r3411, g28147 = 0 },
			{ xy = xy }, tlv(0x04, xy)
	end
	return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
end

-- CHANGE REFERENCE DATA P2 = 00: the value of the RSF selected last, in A5 pieces that
-- start every chained APDU (80 02 <length> comes once, first), as OpenSC's rtecp driver
-- sends key material. Key bytes are never logged.
local function write_rsf(card, value)
	local first = "\x80\x02" .. iso.u16(#value)
	local pos = 1
	local _, sw
	repeat
		local room = iso.MAX_LC - #first - 2
		local piece = value:sub(pos, pos + room - 1)
		pos = pos + #piece
		local data = first .. "\xA5" .. string.char(#piece) .. piece
		first = ""
		local cla = pos <= #value and 0x10 or 0x00
		_, sw = iso.transmit(card, iso.apdu(cla, 0x24, 0x01, 0x00, data))
		if sw ~= OK then
			return nil, iso.sw_to_ckr(sw), sw
		end
	until pos > #value
	return true
end

-- A big-endian number as the card's little-endian field of n bytes; nil if too long.
local function le_field(be, n)
	if type(be) ~= "string" then
		return nil
	end
	be = be:gsub("^%z+", "")
	if #be > n then
		return nil
	end
	return bytes.reverse(be) .. string.rep("\x00", n - #be)
end

-- C_CreateObject of a private key: RSA (CRT components), GOST R 34.10 (d, little-endian
-- as PKCS#11 and the card keep it) or P-256 (d, big-endian). Its RSFs are created and
-- written, then the PrKDF entry; the key is sensitive and never extractable from then on,
-- but neither local nor always sensitive.
local make_secret_key -- token secret keys, below

local function import_private_key(card, attrs, label)
	local kt = attrs[CKA.KEY_TYPE]
	if attrs[CKA.EXTRACTABLE] == true or attrs[CKA.SENSITIVE] == false then
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"       -- the card never gives it back
	end
	local id, err = id_of(attrs)
	if err then
		return nil, err
	end
	local consent, allowed
	consent, err = user_consent_of(attrs)
	if not err then
		allowed, err = allowed_of(attrs)
	end
	if err then
		return nil, err
	end
	local v, prop1, priv_value, pub_value, bits, r3410, pubv
	if kt == CKK.RSA then
		-- MODULUS is create_required (checked by the runtime); the card also needs the
		-- public exponent and the CRT components, which PKCS #11 leaves optional
		local n, e = attrs[CKA.MODULUS], attrs[CKA.PUBLIC_EXPONENT]
		if type(e) ~= "string" then
			return nil, "CKR_TEMPLATE_INCOMPLETE"
		end
		n = n:gsub("^%z+", "")
		bits = #n > 0 and bit_length(n) or 0
		if bits < 1024 or bits > 4096 or bits % 128 ~= 0 then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"      -- as at generation
		end
		local h = bits // 16
		local parts = {}
		for _, cka in ipairs({ CKA.PRIME_1, CKA.PRIME_2, CKA.COEFFICIENT, CKA.EXPONENT_1,
				       CKA.EXPONENT_2 }) do
			if attrs[cka] == nil then
				return nil, "CKR_TEMPLATE_INCOMPLETE"
			end
			parts[#parts + 1] = le_field(attrs[cka], h)
			if not parts[#parts] then
				return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
			end
		end
		local z4 = string.rep("\x00", 4)
		priv_value = parts[1] .. z4 .. parts[2] .. z4 .. parts[3] .. parts[4] .. parts[5]
		pub_value = le_field(n, 2 * h) .. le_field(e, h)
		if not pub_value or #pub_value ~= 3 * h then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		v, prop1 = V.rsa, 0x00
		pubv = { n = n, e = e:gsub("^%z+", "") }
		id = id or crypto.digest("sha1", n)
	elseif kt == CKK.GOSTR3410 or kt == CKK.GOSTR3410_512 then
		local oid, hash, d = attrs[CKA.GOSTR3410_PARAMS], attrs[CKA.GOSTR3411_PARAMS],
			attrs[CKA.VALUE]
		if kt == CKK.GOSTR3410_512 then
			v = V.g512
		elseif hash == OID.h256 or (set_code(GOST256_SETS, oid) or 0) >= 6 then
			v = V.g256
		else
			v = V.g2001
		end
		r3410 = set_code(v.sets, oid)
		if not r3410 or (v == V.g2001 and r3410 > 5) or #d > v.size[1] then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		priv_value = d .. string.rep("\x00", v.size[1] - #d)
		prop1, bits = v.sets[r3410][2], v.bits
	elseif kt == CKK.EC then
		local params, d = attrs[CKA.EC_PARAMS], attrs[CKA.VALUE]
		if params ~= OID.p256 then
			return nil, "CKR_CURVE_NOT_SUPPORTED"
		end
		d = d:gsub("^%z+", "")
		if #d == 0 or #d > 32 then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		priv_value = string.rep("\x00", 32 - #d) .. d
		v, prop1, bits = V.ec, 0x01, 256
	elseif kt == CKK.EC_EDWARDS then
		-- CKA_VALUE of an Ed25519 private key: the 32-byte seed (RFC 8032 5.1.5)
		local params, d = attrs[CKA.EC_PARAMS], attrs[CKA.VALUE]
		if not is_ed25519(params) then
			return nil, "CKR_CURVE_NOT_SUPPORTED"
		end
		if #d ~= 32 then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		priv_value = d
		v, prop1, bits = V.ed, 0x01, 255
	else
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
	end

	local st
	st, err = read_app(card)
	if not st then
		return nil, err or "CKR_TOKEN_NOT_RECOGNIZED"
	end
	local d
	d, err = read_dirs(card, st, { "prkdf" })
	if not d then
		return nil, err
	end
	local used, ids = {}, {}
	for _, k in ipairs(d.prkdf.objs) do
		if k.key_ref then
			used[k.key_ref] = true
		end
		if k.path and #k.path == #PRKEY_DF + 2 and k.path:sub(1, #PRKEY_DF) == PRKEY_DF then
			used[k.path:byte(#k.path)] = true
		end
		ids[k.id] = true
	end
	if not id then
		-- no public key to derive one from: the first free one-byte ID from 45, as
		-- OpenSC's pkcs15-init picks them
		for c = 0x45, 0xFF do
			if not ids[string.char(c)] then
				id = string.char(c)
				break
			end
		end
	end
	local kk = 1
	while used[kk] do
		kk = kk + 1
	end
	if kk > 0xFF then
		return nil, "CKR_DEVICE_MEMORY"
	end
	local prk = {
		kind = v.kind, label = label, private = attrs[CKA.PRIVATE] ~= false,
		modifiable = attrs[CKA.MODIFIABLE] ~= false, auth_id = "\x02", id = id or "",
		user_consent = consent, allowed = allowed,
		usage = usage_of(attrs, true, v == V.rsa), access = set({ p15.A_SENSITIVE }),
		key_ref = kk, path = PRKEY_DF .. iso.u16(kk),
		bits = v ~= V.ec and bits or 256, r3410 = r3410, r3411 = v.r3411, g28147 = 0,
	}
	local pe = p15.encode_key(prk)
	if not fits(d.prkdf, d.prkdf.used .. pe) then
		return nil, "CKR_DEVICE_MEMORY"
	end

	local undo = {}
	local ok, sw
	ok, err, sw, kk = create_prkey_rsf(card, st, kk, used, #priv_value, v.prop[1], prop1)
	prk.key_ref, prk.path = kk, PRKEY_DF .. iso.u16(kk)
	if not ok then
		return give_up(undo, err, "creating the private-key RSF", sw)
	end
	local prk_path, pub_rsf = prk.path, PUBRSF_DF .. iso.u16(kk)
	undo[#undo + 1] = function() return delete_rsf(card, prk_path) == true end
	pe = p15.encode_key(prk)
	if not fits(d.prkdf, d.prkdf.used .. pe) then
		return give_up(undo, "CKR_DEVICE_MEMORY", "fitting the PrKDF entry")
	end
	if pub_value then
		ok, err, sw = create_pubkey_rsf(card, st, kk, #pub_value, v.prop[2], prop1)
		if not ok then
			return give_up(undo, err, "creating the public-key RSF", sw)
		end
		undo[#undo + 1] = function() return delete_rsf(card, pub_rsf) == true end
	end
	local fcp
	fcp, err, sw = iso.select_path(card, prk.path)
	if fcp then
		ok, err, sw = write_rsf(card, priv_value)
	end
	if not fcp or not ok then
		return give_up(undo, err, "writing the private key", sw)
	end
	if pub_value then
		fcp, err, sw = iso.select_path(card, pub_rsf)
		if fcp then
			ok, err, sw = write_rsf(card, pub_value)
		end
		if not fcp or not ok then
			return give_up(undo, err, "writing the public key", sw)
		end
	end
	ok, err, sw = commit_dirs(card, undo, st, d, { { name = "prkdf", used = d.prkdf.used .. pe } })
	if not ok then
		return give_up(undo, err, "writing the PrKDF", sw)
	end
	return prkey_object(prk, pubv)
end

function T.create_object(card, attrs)
	attrs = attrs or {}
	local class = attrs[CKA.CLASS]
	local label, err = label_of(attrs)
	if err then
		return nil, err
	end
	local what, base, secattr, content, dfname
	local entry, value, pubv
	if class == CKO.CERTIFICATE then
		local ct = attrs[CKA.CERTIFICATE_TYPE]
		if ct ~= nil and ct ~= CKC.X_509 then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		value = attrs[CKA.VALUE]
		if type(value) ~= "string" or value == "" then
			return nil, "CKR_TEMPLATE_INCOMPLETE"
		end
		if not cert_fields(value) then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		local private = attrs[CKA.PRIVATE] == true
		entry = { label = label, id = attrs[CKA.ID] or "", private = private,
			  auth_id = private and "\x02" or nil,
			  modifiable = attrs[CKA.MODIFIABLE] ~= false,
			  authority = attrs[CKA.CERTIFICATE_CATEGORY] == 2 }
		what, base, content, dfname = "cert", EF_CERT, value, "cdf"
		secattr = private and SEC.privdata or SEC.p15df
	elseif class == CKO.DATA then
		value = attrs[CKA.VALUE] or ""
		if type(value) ~= "string" then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		local oid = attrs[CKA.OBJECT_ID]
		if oid == "" then
			oid = nil
		end
		if oid ~= nil then
			local ok, node = pcall(der.decode, oid)
			if type(oid) ~= "string" or not ok or type(node) ~= "table" or node.tag ~= 0x06 or
			   #der.encode(node) ~= #oid then
				return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
			end
		end
		local app = attrs[CKA.APPLICATION]
		if app ~= nil and (type(app) ~= "string" or not utf8.len(app)) then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		local private = attrs[CKA.PRIVATE] == true
		entry = { label = label, private = private, modifiable = attrs[CKA.MODIFIABLE] ~= false,
			  auth_id = private and "\x02" or nil, app = app, oid = oid }
		what, content, dfname = "data", value, "dodf"
		base = private and EF_PRIVDATA or EF_DATA
		secattr = private and SEC.privdata or SEC.p15df
	elseif class == CKO.PRIVATE_KEY then
		return import_private_key(card, attrs, label)
	elseif class == CKO.SECRET_KEY then
		return make_secret_key(card, attrs, label, nil)
	elseif class == CKO.PUBLIC_KEY then
		local k, c
		k, pubv, c = public_key_plan(attrs)
		if not k then
			return nil, pubv
		end
		if k.kind == p15.KIND_RSA then
			k.bits = bit_length(pubv.n)
		end
		local id
		id, err = id_of(attrs)
		if err then
			return nil, err
		end
		k.label, k.id = label, id or ""
		k.private = attrs[CKA.PRIVATE] == true
		k.auth_id = k.private and "\x02" or nil
		k.modifiable = attrs[CKA.MODIFIABLE] ~= false
		k.usage = usage_of(attrs, false, k.kind == p15.KIND_RSA)
		k.native, k.key_ref = false, 0
		k.allowed, err = allowed_of(attrs)
		if err then
			return nil, err
		end
		entry = k
		what, base, secattr, content, dfname = "pubkey", EF_PUBKEY, SEC.p15df, c, "pukdf"
	else
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	if #content > iso.MAX_OFFSET then
		return nil, "CKR_DEVICE_MEMORY"
	end

	local st
	st, err = read_app(card)
	if not st then
		return nil, err or "CKR_TOKEN_NOT_RECOGNIZED"
	end
	local d
	d, err = read_dirs(card, st, { "prkdf", "pukdf", "cdf", "dodf" })
	if not d then
		return nil, err
	end
	-- every step must be allowed before the first one is made: updating the directory
	-- (its FCP's update condition) and, for the undo, deleting the new EF (its delete
	-- condition); a public object made without login would otherwise leave its EF behind
	local need = secattr:byte(8)
	if d[dfname].sec then
		need = need | (d[dfname].sec:byte(3) or 0)
	end
	err = check_access(card, need)
	if err then
		return nil, err
	end
	local fid
	fid, err = free_ef(card, st, d, base)
	if not fid then
		return nil, err
	end
	entry.path = st.app .. iso.u16(fid)
	local enc
	if what == "cert" then
		enc = p15.encode_cert(entry)
	elseif what == "data" then
		enc = p15.encode_data(entry)
	else
		enc = p15.encode_key(entry)
	end
	local new_used = d[dfname].used .. enc
	if not fits(d[dfname], new_used) then
		return nil, "CKR_DEVICE_MEMORY"
	end

	-- the object's EF first (referenced by nothing until the directory names it), then
	-- the directory (commit_dirs: the commit point)
	local undo, ok, sw = {}, nil, nil
	ok, err, sw = create_ef(card, undo, st.app, fid, math.max(#content, 1), secattr)
	if not ok then
		return give_up(undo, err, "creating " .. iso.path_hex(entry.path), sw)
	end
	if content ~= "" then
		ok, err, sw = iso.update_binary(card, 0, content)
		if not ok then
			return give_up(undo, err, "writing " .. iso.path_hex(entry.path), sw)
		end
	end
	ok, err, sw = commit_dirs(card, undo, st, d, { { name = dfname, used = new_used } }, true)
	if not ok then
		return give_up(undo, err, "writing the " .. dfname, sw)
	end
	if what == "cert" then
		return cert_object(entry, value)
	elseif what == "data" then
		return data_object(entry, value)
	end
	-- a public key stored by itself is not local, whatever private key shares its ID
	return pubkey_object(entry, pubv, nil)
end

---------------------------------------------------------------------------------------
-- C_DestroyObject, C_SetAttributeValue

-- The directory entry a reference names: st, d, dfname, index, object; or nil + CKR.
local function find_ref(card, ref)
	local kind, p = parse_ref(ref)
	local dfname = ({ prkey = "prkdf", pubkey = "pukdf", cert = "cdf", data = "dodf",
			  skey = "skdf" })[kind]
	if not dfname then
		return nil, "CKR_OBJECT_HANDLE_INVALID"
	end
	local st, err = read_app(card)
	if not st then
		return nil, err or "CKR_OBJECT_HANDLE_INVALID"
	end
	local d
	d, err = read_dirs(card, st, { dfname })
	if not d then
		return nil, err
	end
	for i, o in ipairs(d[dfname].objs) do
		if o.path == p then
			return st, d, dfname, i, o
		end
	end
	return nil, "CKR_OBJECT_HANDLE_INVALID"
end

-- The used part of a directory with entry i replaced by enc ("" removes it).
local function replace_entry(e, i, enc)
	local parts = {}
	for k, o in ipairs(e.objs) do
		parts[#parts + 1] = k == i and enc or o.raw
	end
	return table.concat(parts)
end

function T.destroy_object(card, ref)
	local st, d, dfname, i, o = find_ref(card, ref)
	if not st then
		return nil, d
	end
	local e = d[dfname]
	local undo = {}
	-- the directory entry goes first, in one commit (commit_dirs): from then on the
	-- object is gone for every reader, and its files are orphans. They are deleted next
	-- (a key pair's two RSFs public first, as OpenSC's delete does); one that stays (the
	-- card refused, or was pulled out) is reclaimed by the next change that needs its
	-- FID or key reference, so the call has still done what it was asked.
	local ok, err, sw = commit_dirs(card, undo, st, d, { { name = dfname, used = replace_entry(e, i, "") } })
	if not ok then
		return give_up(undo, err, "rewriting the " .. dfname, sw)
	end
	local files = { o.path }
	if dfname == "prkdf" then
		files = { PUBRSF_DF .. o.path:sub(-2), o.path }
	end
	for _, p in ipairs(files) do
		ok, err, sw = delete_rsf(card, p)
		if not ok and sw ~= 0x6A82 then
			dbg("rutoken_ecp: %s stays (%s, SW %s): an orphan for the next change to reclaim",
			    iso.path_hex(p), tostring(err), iso.swhex(sw))
		end
	end
	return true
end

function T.set_attributes(card, ref, attrs)
	attrs = attrs or {}
	local st, d, dfname, i, o = find_ref(card, ref)
	if not st then
		return nil, d
	end

	-- how to build the object as PKCS#11 sees it; everything it needs is read now, so
	-- that nothing can fail after the change
	local build, err
	if dfname == "prkdf" or dfname == "pukdf" then
		-- the key's public value, and for a public key the private key sharing its ID
		local other = dfname == "prkdf" and "pukdf" or "prkdf"
		local kd
		kd, err = read_dirs(card, st, { other })
		if not kd then
			return nil, err
		end
		local pub = o
		if dfname == "prkdf" then
			pub = nil
			for _, x in ipairs(kd.pukdf.objs) do
				if x.id == o.id and x.path and not pub then
					pub = x
				end
			end
		end
		local pubv
		if pub then
			local vals
			vals, err = read_public_values(card, { objs = { pub } })
			if not vals then
				return nil, err
			end
			pubv = vals[1] or nil
		elseif dfname == "prkdf" and o.kind ~= p15.KIND_GOST then
			-- no public-key object: the certificate with its ID, as objects() reads it
			local cd
			cd, err = read_dirs(card, st, { "cdf" })
			if not cd then
				return nil, err
			end
			for _, c in ipairs(cd.cdf.objs) do
				if c.id == o.id and c.path and not pubv then
					local value
					value, err = read_ef(card, c.path)
					if value then
						pubv = cert_public(o, value)
					elseif not (c.private and err == "CKR_USER_NOT_LOGGED_IN") then
						return nil, err
					end
				end
			end
		end
		local prk
		for _, x in ipairs(dfname == "pukdf" and kd.prkdf.objs or {}) do
			if x.id == o.id and not prk then
				prk = x
			end
		end
		build = function(x)
			if dfname == "prkdf" then
				return prkey_object(x, pubv)
			end
			return pubkey_object(x, pubv, prk)
		end
	elseif dfname == "skdf" then
		build = skey_object     -- a token secret key: its value is never read
	else
		local value
		value, err = read_ef(card, o.path)
		if not value then
			return nil, err
		end
		build = function(x)
			return dfname == "cdf" and cert_object(x, value) or data_object(x, value)
		end
	end

	-- LABEL and ID change; any other attribute only "changes" to the value it has. The
	-- runtime passes only attributes of the object's class (it answers
	-- CKR_ATTRIBUTE_TYPE_INVALID for the others) and reports the ones this object does
	-- not carry with their defaults (CKA_SUBJECT, CKA_START_DATE, CKA_END_DATE,
	-- CKA_DERIVE ...): the card has no place for them, so they are read-only here,
	-- the same answer as for an attribute the card keeps but cannot change.
	local cur = build(o)
	local changed = false
	for cka, val in pairs(attrs) do
		if cka == CKA.LABEL or (cka == CKA.ID and dfname ~= "dodf") then
			changed = changed or val ~= cur.attrs[cka]
		elseif val ~= cur.attrs[cka] then
			return nil, "CKR_ATTRIBUTE_READ_ONLY"
		end
	end
	if not changed then
		return cur
	end
	if attrs[CKA.LABEL] ~= nil then
		local l
		l, err = label_of(attrs)
		if err then
			return nil, err
		end
		o.label = l
	end
	if attrs[CKA.ID] ~= nil then
		local id = attrs[CKA.ID]
		if type(id) ~= "string" or #id > 255 then
			return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
		end
		o.id = id
	end
	local enc
	if dfname == "cdf" then
		enc = p15.encode_cert(o)
	elseif dfname == "dodf" then
		enc = p15.encode_data(o)
	elseif dfname == "skdf" then
		enc = p15.encode_skey(o)
	else
		enc = p15.encode_key(o)
	end
	local e = d[dfname]
	local new_used = replace_entry(e, i, enc)
	if not fits(e, new_used) then
		return nil, "CKR_DEVICE_MEMORY"
	end
	local undo = {}
	local ok, sw
	ok, err, sw = commit_dirs(card, undo, st, d, { { name = dfname, used = new_used } })
	if not ok then
		return give_up(undo, err, "rewriting the " .. dfname, sw)
	end
	return build(o)
end

---------------------------------------------------------------------------------------
-- The private-key primitives and the random generator

-- The key and security environment the card was last set to, kept from one call to the
-- next only when the module holds the card exclusively (card:exclusive()): then no other
-- application can have selected another file or set another environment in between, and a
-- warm signature needs only its PSO. Every other call of this script forgets it (see the
-- end of the file), and so does any failure; a card reset gives the script a fresh VM.
local se_ref, se_p2

-- What pso() keeps of the key it used last, whatever the card did since: only what follows
-- from the key's reference itself (the reference, the SELECT APDU of its RSF, the MSE SET
-- APDUs naming its key reference, 41 B6 for sign and 41 B8 for decipher), so a warm
-- operation does not parse and build them again.
local key_ref, key_select, key_mse
-- The last SELECT answer of a key RSF that parse_fcp accepted: the same bytes again are
-- accepted again without a second look (the FCP's fields are not used, only its form).
local fcp_seen

local OUT_MAX = iso.MAX_LE

-- SELECT the key RSF, MSE SET (41 B6 sign / 41 B8 decipher, 84 01 kk), PSO with chaining;
-- the card's answer, or nil + CKR.
local function pso(card, ref, mse_p2, p1, p2, input, outlen)
	if key_ref == nil or ref ~= key_ref then
		local kind, p = parse_ref(ref)
		if kind ~= "prkey" then
			return nil, "CKR_KEY_HANDLE_INVALID"
		end
		local body = "\x84\x01" .. string.char(p:byte(#p))
		key_ref, key_select = ref, iso.select_path_apdu(p)
		key_mse = {
			[0xB6] = iso.apdu(0x00, 0x22, 0x41, 0xB6, body),
			[0xB8] = iso.apdu(0x00, 0x22, 0x41, 0xB8, body),
		}
	end
	local exclusive = card:exclusive()
	local sw, err, _
	if not (exclusive and se_ref == ref and se_p2 == mse_p2) then
		se_ref, se_p2 = nil, nil
		local fcp
		fcp, sw = iso.transmit(card, key_select)
		if sw ~= OK then
			return nil, sw == 0x6A82 and "CKR_KEY_HANDLE_INVALID" or iso.sw_to_ckr(sw)
		end
		if fcp ~= fcp_seen then
			local parsed
			parsed, err = iso.parse_fcp(fcp)
			if not parsed then
				return nil, err
			end
			fcp_seen = fcp
		end
		_, sw = iso.transmit(card, key_mse[mse_p2])
		if sw ~= OK then
			dbg("rutoken_ecp: MSE SET: SW %s", iso.swhex(sw))
			return nil, iso.sw_to_ckr(sw)
		end
		if exclusive then
			se_ref, se_p2 = ref, mse_p2
		end
	end
	local data
	data, err, sw = iso.send(card, 0x00, 0x2A, p1, p2, input,
				 outlen < OUT_MAX and outlen or OUT_MAX)
	if data == nil then
		se_ref, se_p2 = nil, nil
		return nil, err
	end
	if err ~= OK then
		se_ref, se_p2 = nil, nil
		dbg("rutoken_ecp: PSO %02X %02X: SW %s", p1, p2, iso.swhex(err))
		return nil, iso.sw_to_ckr(err)
	end
	if #data ~= outlen then
		dbg("rutoken_ecp: PSO %02X %02X: %d bytes, %d expected", p1, p2, #data, outlen)
		return nil, "CKR_DEVICE_ERROR"
	end
	return data
end

local ED_MSG_MAX = 8192
local CKM_RSA_X_509 = CKM.RSA_X_509
local reverse = bytes.reverse

function T.sign(card, ref, mech, data)
	if type(data) ~= "string" then
		return nil, "CKR_ARGUMENTS_BAD"
	end
	if mech == CKM_RSA_X_509 then
		if #data < 64 or #data > 512 then
			return nil, "CKR_DATA_LEN_RANGE"
		end
		local out, err = pso(card, ref, 0xB6, 0x9E, 0x9A, reverse(data), #data)
		if not out then
			return nil, err
		end
		return reverse(out)
	elseif mech == CKM.GOSTR3410 or mech == CKM.GOSTR3410_512 then
		local n = mech == CKM.GOSTR3410 and 32 or 64
		if #data ~= n then
			return nil, "CKR_DATA_LEN_RANGE"
		end
		-- the hash goes as given; r ‖ s (little-endian) reversed is PKCS#11's s ‖ r
		local out, err = pso(card, ref, 0xB6, 0x9E, 0x9A, data, 2 * n)
		if not out then
			return nil, err
		end
		return bytes.reverse(out)
	elseif mech == CKM.ECDSA then
		if #data < 1 then
			return nil, "CKR_DATA_LEN_RANGE"
		end
		-- a longer hash counts with its leftmost 256 bits on P-256 (FIPS 186-4, 6.4)
		return pso(card, ref, 0xB6, 0x9E, 0x9A, data:sub(1, 32), 64)
	elseif mech == CKM.EDDSA then
		-- PureEdDSA (Ed25519): the card signs the whole message, chained, up to its
		-- 8192-byte chain; R ‖ S as PKCS#11 writes it (tests/vtoken/README.md "Ed25519")
		if #data > ED_MSG_MAX then
			return nil, "CKR_DATA_LEN_RANGE"
		end
		return pso(card, ref, 0xB6, 0x9E, 0x9A, data, 64)
	end
	return nil, "CKR_MECHANISM_INVALID"
end

-- A BER-TLV with a short or 81 xx length (at most 255 bytes of value).
local function tlv(tag, value)
	local n = #value
	return string.char(tag) .. (n < 0x80 and string.char(n) or "\x81" .. string.char(n)) .. value
end

-- Key agreement (the virtual token's extension, its README "Key agreement"; the record has
-- no encoding): SELECT the key RSF, MSE SET 41 A6 (84 01 kk), GENERAL AUTHENTICATE
-- 00 86 00 00 7C { [80 UKM,] 85 point } → 7C { 82 agreed point }. ECDH (P-256 keys) gives
-- the x coordinate, 32 bytes; VKO (GOST keys) the point (m/q · UKM · d) · P, x ‖ y
-- little-endian as the card keeps GOST points, before any hash: the host finishes it.
function T.derive(card, ref, mech, point, ukm)
	if type(point) ~= "string" or type(ukm) ~= "string" then
		return nil, "CKR_ARGUMENTS_BAD"
	end
	local want
	if mech == CKM.ECDH1_DERIVE then
		if #point ~= 65 or point:byte(1) ~= 0x04 or #ukm ~= 0 then
			return nil, "CKR_MECHANISM_PARAM_INVALID"
		end
		want = 32
	elseif mech == CKM.GOSTR3410_12_DERIVE or mech == CKM.GOSTR3410_DERIVE then
		if (#point ~= 64 and #point ~= 128) or #ukm < 1 or #ukm > 16 then
			return nil, "CKR_MECHANISM_PARAM_INVALID"
		end
		want = #point
	else
		return nil, "CKR_MECHANISM_INVALID"
	end
	local kind, p = parse_ref(ref)
	if kind ~= "prkey" then
		return nil, "CKR_KEY_HANDLE_INVALID"
	end
	local fcp, err, sw = iso.select_path(card, p)
	if not fcp then
		return nil, sw == 0x6A82 and "CKR_KEY_HANDLE_INVALID" or err
	end
	local _
	_, sw = iso.transmit(card, iso.apdu(0x00, 0x22, 0x41, 0xA6,
		"\x84\x01" .. string.char(p:byte(#p))))
	if sw ~= OK then
		dbg("rutoken_ecp: MSE SET A6: SW %s", iso.swhex(sw))
		return nil, iso.sw_to_ckr(sw)
	end
	local body = (#ukm > 0 and tlv(0x80, ukm) or "") .. tlv(0x85, point)
	local data
	data, sw = iso.transmit(card, iso.apdu(0x00, 0x86, 0x00, 0x00, tlv(0x7C, body), 0))
	if data == nil then
		return nil, sw
	end
	if sw ~= OK then
		dbg("rutoken_ecp: GENERAL AUTHENTICATE: SW %s", iso.swhex(sw))
		-- the card's "incorrect data": the peer's point (the mechanism's parameter)
		return nil, sw == 0x6A80 and "CKR_MECHANISM_PARAM_INVALID" or iso.sw_to_ckr(sw)
	end
	local shape = tlv(0x7C, tlv(0x82, string.rep("\0", want)))
	if #data ~= #shape or data:sub(1, #shape - want) ~= shape:sub(1, #shape - want) then
		dbg("rutoken_ecp: GENERAL AUTHENTICATE: %d bytes, not 7C { 82 <%d> }", #data, want)
		return nil, "CKR_DEVICE_ERROR"
	end
	return data:sub(-want)
end

function T.decrypt(card, ref, mech, data)
	if type(data) ~= "string" then
		return nil, "CKR_ARGUMENTS_BAD"
	end
	if mech ~= CKM.RSA_X_509 then
		return nil, "CKR_MECHANISM_INVALID"
	end
	if #data < 64 or #data > 512 then
		return nil, "CKR_ENCRYPTED_DATA_LEN_RANGE"
	end
	local out, err = pso(card, ref, 0xB8, 0x80, 0x86, bytes.reverse(data), #data)
	if not out then
		return nil, err
	end
	return bytes.reverse(out)
end

-- GET CHALLENGE in chunks of at most 256 bytes
function T.random(card, n)
	if math.type(n) ~= "integer" or n < 0 then
		return nil, "CKR_ARGUMENTS_BAD"
	end
	local parts, got = {}, 0
	while got < n do
		local want = math.min(256, n - got)
		local data, sw = iso.transmit(card, iso.apdu(0x00, 0x84, 0x00, 0x00, nil, want))
		if sw ~= OK then
			return nil, iso.sw_to_ckr(sw)
		end
		if #data ~= want then
			return nil, "CKR_DEVICE_ERROR"
		end
		parts[#parts + 1] = data
		got = got + want
	end
	return table.concat(parts)
end

---------------------------------------------------------------------------------------
-- Token secret keys (an extension of the virtual token, tests/vtoken/README.md "Secret
-- keys"): RSFs in 3F00/1000/1000/6003 whose value is written once (import) or made on the
-- card (GENERATE 46 83) and never read; SKDF entries (lib/pkcs15) with the check value the
-- card computed. All or nothing, as every writing call here: the RSF is undone until the
-- SKDF commit.

local SKEY_DF = KEYS_DF .. iso.u16(0x6003)
SV = {
	[CKK.GOST28147] = { prop = 0x0A, sizes = { [32] = true }, block = 8,
			    keygen = CKM.GOST28147_KEY_GEN,
			    ecb = CKM.GOST28147_ECB, mac = CKM.GOST28147_MAC, mac_len = 4 },
	[CKK.KUZNECHIK] = { prop = 0x0B, sizes = { [32] = true }, block = 16,
			    keygen = CKM.KUZNYECHIK_KEY_GEN,
			    ecb = CKM.KUZNYECHIK_ECB, mac = CKM.KUZNYECHIK_MAC, mac_len = 16 },
	[CKK.AES] = { prop = 0x0C, sizes = { [16] = true, [24] = true, [32] = true }, block = 16,
		      keygen = CKM.AES_KEY_GEN, ecb = CKM.AES_ECB, cbc = CKM.AES_CBC,
		      mac = CKM.AES_CMAC, mac_len = 16 },
	-- three-key TDEA (NIST SP 800-67): ECB and CBC, no MAC; the card makes a generated
	-- key's parity odd, an imported one keeps its own (DES ignores those bits)
	[CKK.DES3] = { prop = 0x0D, sizes = { [24] = true }, default_len = 24, block = 8,
		       keygen = CKM.DES3_KEY_GEN, ecb = CKM.DES3_ECB, cbc = CKM.DES3_CBC },
}

-- MSE for the key of reference kk: B8 with a mode (1 ECB, 2 CBC, 3 CTR) or B4 (MAC).
local function skey_mse(card, kk, mode)
	local data = "\x83\x01" .. string.char(kk)
	if mode then
		data = data .. "\x80\x01" .. string.char(mode)
	end
	local _, sw = iso.transmit(card, iso.apdu(0x00, 0x22, 0x41, mode and 0xB8 or 0xB4, data))
	if sw ~= OK then
		dbg("rutoken_ecp: MSE SET (secret key): SW %s", iso.swhex(sw))
		return nil, iso.sw_to_ckr(sw), sw
	end
	return true
end

-- One PSO of a secret key: out must be n bytes. data, or nil + CKR + SW.
local function skey_pso(card, p1, p2, input, n)
	local data, err, sw = iso.send(card, 0x00, 0x2A, p1, p2, input, math.min(math.max(n, 1), 256))
	if data == nil then
		return nil, err, sw
	end
	if err ~= OK then
		dbg("rutoken_ecp: PSO %02X %02X: SW %s", p1, p2, iso.swhex(err))
		return nil, iso.sw_to_ckr(err), err
	end
	if #data ~= n then
		dbg("rutoken_ecp: PSO %02X %02X: %d bytes, %d expected", p1, p2, #data, n)
		return nil, "CKR_DEVICE_ERROR"
	end
	return data
end

-- The check value of the key kk: the first 3 bytes of its ECB encryption of a zero block
-- (PKCS #11 3.2, 4.10), computed by the card.
local function skey_kcv(card, kk, v)
	local ok, err, sw = skey_mse(card, kk, 1)
	if not ok then
		return nil, err, sw
	end
	local e
	e, err, sw = skey_pso(card, 0x86, 0x80, string.rep("\x00", v.block), v.block)
	if not e then
		return nil, err, sw
	end
	return e:sub(1, 3)
end

-- Import (value) or generate (mech, value nil) a token secret key. The runtime has
-- checked the template (class, key type, value or its length).
make_secret_key = function(card, attrs, label, mech)
	local v = SV[attrs[CKA.KEY_TYPE]]
	if not v then
		return nil, mech and "CKR_MECHANISM_INVALID" or "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	if mech and mech ~= v.keygen then
		return nil, "CKR_MECHANISM_INVALID"
	end
	if attrs[CKA.KEY_TYPE] == CKK.GOST28147 and attrs[CKA.GOST28147_PARAMS] ~= G28147_Z then
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"      -- S-boxes the card does not have
	end
	-- the card never gives the value back: a key that should be readable is refused
	if attrs[CKA.SENSITIVE] == false and attrs[CKA.EXTRACTABLE] == true then
		return nil, "CKR_TEMPLATE_INCONSISTENT"
	end
	local value = attrs[CKA.VALUE]
	local len
	if mech then
		len = attrs[CKA.VALUE_LEN]
		if len == nil then
			len = v.default_len or 32      -- DES3: the key type's one length
		end
	else
		if type(value) ~= "string" then
			return nil, "CKR_TEMPLATE_INCOMPLETE"
		end
		len = #value
	end
	if math.type(len) ~= "integer" or not v.sizes[len] then
		return nil, "CKR_ATTRIBUTE_VALUE_INVALID"
	end
	local id, err = id_of(attrs)
	if err then
		return nil, err
	end
	local allowed
	allowed, err = allowed_of(attrs)
	if err then
		return nil, err
	end
	local st
	st, err = read_app(card)
	if not st then
		return nil, err or "CKR_TOKEN_NOT_RECOGNIZED"
	end
	local d
	d, err = read_dirs(card, st, { "skdf" })
	if not d then
		return nil, err
	end
	local used = {}
	for _, k in ipairs(d.skdf.objs) do
		if k.path and #k.path == #SKEY_DF + 2 and k.path:sub(1, #SKEY_DF) == SKEY_DF then
			used[k.path:byte(#k.path)] = true
		end
	end
	local kk = 1
	while used[kk] do
		kk = kk + 1
	end
	if kk > 0xFF then
		return nil, "CKR_DEVICE_MEMORY"
	end
	local sens = attrs[CKA.SENSITIVE] ~= false
	local extr = attrs[CKA.EXTRACTABLE] == true
	local acc = {}
	if sens then
		acc[#acc + 1] = p15.A_SENSITIVE
	end
	if extr then
		acc[#acc + 1] = p15.A_EXTRACTABLE
	end
	if mech then
		-- generated on the card: always sensitive / never extractable as it is now
		acc[#acc + 1] = p15.A_LOCAL
		if sens then
			acc[#acc + 1] = p15.A_ALWAYS_SENSITIVE
		end
		if not extr then
			acc[#acc + 1] = p15.A_NEVER_EXTRACTABLE
		end
	end
	local u = {
		[p15.U_ENCRYPT] = bool(attrs, CKA.ENCRYPT, true),
		[p15.U_DECRYPT] = bool(attrs, CKA.DECRYPT, true),
		[p15.U_SIGN] = bool(attrs, CKA.SIGN, true),
		[p15.U_VERIFY] = bool(attrs, CKA.VERIFY, true),
		[p15.U_WRAP] = bool(attrs, CKA.WRAP, false),
		[p15.U_UNWRAP] = bool(attrs, CKA.UNWRAP, false),
		[p15.U_DERIVE] = bool(attrs, CKA.DERIVE, false),
	}
	local k = {
		kind = "secret", label = label, private = attrs[CKA.PRIVATE] ~= false,
		modifiable = attrs[CKA.MODIFIABLE] ~= false, auth_id = "\x02", id = id or "",
		usage = u, access = set(acc), key_ref = kk, allowed = allowed,
		ckk = attrs[CKA.KEY_TYPE], kcv = "\x00\x00\x00", bits = 8 * len,
		path = SKEY_DF .. iso.u16(kk),
	}
	if not fits(d.skdf, d.skdf.used .. p15.encode_skey(k)) then
		return nil, "CKR_DEVICE_MEMORY"
	end

	local undo = {}
	local ok, sw
	local f = { size = len, type = RSF_T, fid = kk, sec = SEC.prkey_rsf,
		    prop = string.char(v.prop, 0x00, 0x00, 0xAA, 0x00, 0x00) }
	ok, err, sw = create_in(card, SKEY_DF, f)
	if not ok and sw == 0x6A89 and delete_rsf(card, k.path) then
		-- an orphan of a call the card was pulled out of: no SKDF entry names it
		dbg("rutoken_ecp: reclaimed secret-key reference %d", kk)
		ok, err, sw = create_in(card, SKEY_DF, f)
	end
	if not ok then
		return give_up(undo, err, "creating the secret-key RSF", sw)
	end
	local kpath = k.path
	undo[#undo + 1] = function() return delete_rsf(card, kpath) == true end
	if mech then
		local _
		_, sw = iso.transmit(card, iso.apdu(0x00, 0x46, 0x83, kk))
		if sw ~= OK then
			return give_up(undo, iso.sw_to_ckr(sw), "generating the secret key", sw)
		end
	else
		-- the RSF just created is the current file
		ok, err, sw = write_rsf(card, value)
		if not ok then
			return give_up(undo, err, "writing the secret key", sw)
		end
	end
	k.kcv, err, sw = skey_kcv(card, kk, v)
	if not k.kcv then
		return give_up(undo, err, "computing the check value", sw)
	end
	ok, err, sw = commit_dirs(card, undo, st, d,
				  { { name = "skdf", used = d.skdf.used .. p15.encode_skey(k) } })
	if not ok then
		return give_up(undo, err, "writing the SKDF", sw)
	end
	return skey_object(k)
end

function T.generate_key(card, mech, attrs)
	attrs = attrs or {}
	local label, err = label_of(attrs)
	if err then
		return nil, err
	end
	return make_secret_key(card, attrs, label, mech)
end

-- The key reference of a secret key's ref, its variant: kk, v, or nil + CKR.
local function skey_of(ref, ckk_mech)
	local kind, p = parse_ref(ref)
	if kind ~= "skey" or #p ~= #SKEY_DF + 2 or p:sub(1, #SKEY_DF) ~= SKEY_DF then
		return nil, "CKR_KEY_HANDLE_INVALID"
	end
	for _, v in pairs(SV) do
		if v.ecb == ckk_mech or v.cbc == ckk_mech or v.mac == ckk_mech then
			return p:byte(#p), v
		end
	end
	return nil, "CKR_MECHANISM_INVALID"
end

-- The card takes at most 8192 bytes a command (chaining); 4096 a PSO keeps the answer
-- within two GET RESPONSE parts of 256 ... and the IV in the same command.
local SKEY_CHUNK = 4096

function T.secret_crypt(card, ref, mech, encrypt, iv, data)
	if type(data) ~= "string" or type(iv) ~= "string" then
		return nil, "CKR_ARGUMENTS_BAD"
	end
	local kk, v = skey_of(ref, mech)
	if not kk then
		return nil, v
	end
	local cbc = mech == v.cbc
	if mech ~= v.ecb and not cbc then
		return nil, "CKR_MECHANISM_INVALID"
	end
	if #data % v.block ~= 0 or #iv ~= (cbc and v.block or 0) then
		return nil, encrypt and "CKR_DATA_LEN_RANGE" or "CKR_ENCRYPTED_DATA_LEN_RANGE"
	end
	if #data == 0 then
		return ""
	end
	local ok, err = skey_mse(card, kk, cbc and 2 or 1)
	if not ok then
		return nil, err
	end
	local out = {}
	for off = 1, #data, SKEY_CHUNK do
		local part = data:sub(off, off + SKEY_CHUNK - 1)
		local r
		r, err = skey_pso(card, encrypt and 0x86 or 0x80, encrypt and 0x80 or 0x86,
				  iv .. part, #part)
		if not r then
			return nil, err
		end
		out[#out + 1] = r
		if cbc then
			-- the next part chains on the last ciphertext block
			iv = (encrypt and r or part):sub(-v.block)
		end
	end
	return table.concat(out)
end

function T.secret_mac(card, ref, mech, data)
	if type(data) ~= "string" then
		return nil, "CKR_ARGUMENTS_BAD"
	end
	local kk, v = skey_of(ref, mech)
	if not kk then
		return nil, v
	end
	if mech ~= v.mac then
		return nil, "CKR_MECHANISM_INVALID"
	end
	if #data > 8192 then
		return nil, "CKR_DATA_LEN_RANGE"     -- one command, chained (the card's limit)
	end
	local ok, err = skey_mse(card, kk, nil)
	if not ok then
		return nil, err
	end
	return skey_pso(card, 0x90, 0x80, data, v.mac_len)
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
		-- Ed25519 (the token's extension): pure EdDSA on the card, verification on the host
		{ type = CKM.EC_EDWARDS_KEY_PAIR_GEN, min = 255, max = 255, flags = HW | CKF.GENERATE_KEY_PAIR | CKF.EC_OID },
		{ type = CKM.EDDSA, min = 255, max = 255, flags = HW | CKF.SIGN | CKF.EC_OID },
		-- key agreement: the card gives the agreed point, the host the KDF (T.derive)
		{ type = CKM.ECDH1_DERIVE, min = 256, max = 256, flags = HW | CKF.DERIVE | EC },
		{ type = CKM.GOSTR3410_DERIVE, min = 256, max = 256, flags = HW | CKF.DERIVE },
		{ type = CKM.GOSTR3410_12_DERIVE, min = 256, max = 512, flags = HW | CKF.DERIVE },
		-- token secret keys (sizes in bytes): the card computes with its own keys
		{ type = CKM.GOST28147_KEY_GEN, min = 32, max = 32, flags = HW | CKF.GENERATE, token_keys = true },
		{ type = CKM.GOST28147_ECB, min = 32, max = 32, flags = HW | CKF.ENCRYPT | CKF.DECRYPT, token_keys = true },
		{ type = CKM.GOST28147_MAC, min = 32, max = 32, flags = HW | CKF.SIGN | CKF.VERIFY, token_keys = true },
		{ type = CKM.KUZNYECHIK_KEY_GEN, min = 32, max = 32, flags = HW | CKF.GENERATE, token_keys = true },
		{ type = CKM.KUZNYECHIK_ECB, min = 32, max = 32, flags = HW | CKF.ENCRYPT | CKF.DECRYPT, token_keys = true },
		{ type = CKM.KUZNYECHIK_MAC, min = 32, max = 32, flags = HW | CKF.SIGN | CKF.VERIFY, token_keys = true },
		-- AES (16, 24 or 32 bytes): ECB, CBC (the host gives the IV, the runtime pads
		-- CKM_AES_CBC_PAD on the host around this CBC) and CMAC (OMAC1)
		{ type = CKM.AES_KEY_GEN, min = 16, max = 32, flags = HW | CKF.GENERATE, token_keys = true },
		{ type = CKM.AES_ECB, min = 16, max = 32, flags = HW | CKF.ENCRYPT | CKF.DECRYPT, token_keys = true },
		{ type = CKM.AES_CBC, min = 16, max = 32, flags = HW | CKF.ENCRYPT | CKF.DECRYPT, token_keys = true },
		{ type = CKM.AES_CMAC, min = 16, max = 32, flags = HW | CKF.SIGN | CKF.VERIFY, token_keys = true },
		-- DES3 (three keys, 24 bytes): ECB and CBC; CKM_DES3_CBC_PAD is padded on the
		-- host around this CBC, as CKM_AES_CBC_PAD
		{ type = CKM.DES3_KEY_GEN, min = 24, max = 24, flags = HW | CKF.GENERATE, token_keys = true },
		{ type = CKM.DES3_ECB, min = 24, max = 24, flags = HW | CKF.ENCRYPT | CKF.DECRYPT, token_keys = true },
		{ type = CKM.DES3_CBC, min = 24, max = 24, flags = HW | CKF.ENCRYPT | CKF.DECRYPT, token_keys = true },
	}
end

-- Any call but the primitives may select another file or change the card's security
-- state: it forgets the environment pso() keeps.
for name, fn in pairs(T) do
	if type(fn) == "function" and name ~= "sign" and name ~= "decrypt" then
		T[name] = function(...)
			se_ref, se_p2 = nil, nil
			return fn(...)
		end
	end
end

-- The entry points that only read the card, log in or out, or use a key: they keep what
-- objects() kept. Every other one may change the card's files and forgets it first.
local keeps_objects = {
	token_info = true, pin_info = true, login = true, logout = true, objects = true,
	object_attrs = true,
	sign = true, decrypt = true, random = true, mechanisms = true,
	secret_crypt = true, secret_mac = true, derive = true,
}
for name, fn in pairs(T) do
	if type(fn) == "function" and not keeps_objects[name] then
		T[name] = function(...)
			kept, app_kept = nil, nil
			return fn(...)
		end
	end
end

return T
