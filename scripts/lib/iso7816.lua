-- SPDX-License-Identifier: BSD-2-Clause
--
-- iso7816.lua: ISO/IEC 7816-4 command helpers shared by the token families.
--
-- Short APDUs only (Lc <= 255, Ne <= 256), as the Rutoken ECP and OpenSC's driver for it
-- use them. Longer command data goes out with ISO command chaining (CLA bit 0x10 on
-- every chunk but the last); 61xx answers are completed with GET RESPONSE and 6Cxx
-- answers are resent with the length the card asked for.
--
-- Every function that talks to the card returns its result, or nil, a CKR name and the
-- status word (an integer, or nil when the card answered something unusable). Parsers
-- check every length before they read and never raise on malformed card data.

local M = {}

M.SW_OK = 0x9000
M.MAX_LC = 255          -- short APDU command data
M.MAX_LE = 256          -- short APDU answer (Le byte 00)
M.READ_CHUNK = 256      -- READ BINARY per APDU
M.UPDATE_CHUNK = 255    -- UPDATE BINARY per APDU
M.MAX_OFFSET = 0x7FFF   -- 15-bit offset of READ/UPDATE BINARY (P1 bit 8 = SFI)

local function u8(n)
	return string.char(n & 0xFF)
end

local function u16(n)
	return string.char((n >> 8) & 0xFF, n & 0xFF)
end
M.u16 = u16

-- One short APDU: header, optional data (Lc), optional Le (1..256; 256 is sent as 00).
-- le == 0 also means "up to 256". Every byte is taken modulo 256, as string.char(n & 0xFF)
-- would; the APDU is built in one string.pack (no table, no intermediate strings).
local pack = string.pack

function M.apdu(cla, ins, p1, p2, data, le)
	cla, ins, p1, p2 = cla & 0xFF, ins & 0xFF, p1 & 0xFF, p2 & 0xFF
	if data ~= nil and #data > 0 then
		assert(#data <= M.MAX_LC, "APDU data longer than 255 bytes")
		if le == nil then
			return pack("BBBBs1", cla, ins, p1, p2, data)
		end
		assert(le >= 0 and le <= M.MAX_LE, "Le out of range")
		return pack("BBBBs1B", cla, ins, p1, p2, data, le & 0xFF)
	end
	if le == nil then
		return pack("BBBB", cla, ins, p1, p2)
	end
	assert(le >= 0 and le <= M.MAX_LE, "Le out of range")
	return pack("BBBBB", cla, ins, p1, p2, le & 0xFF)
end

-- "63C2" style text for logs.
function M.swhex(sw)
	if type(sw) ~= "number" then
		return "none"
	end
	return string.format("%04X", sw)
end

-- Status word to CKR name, for the answers that mean the same thing whatever the command.
-- Callers handle the ones that depend on context (6A82 on SELECT, 6300 on VERIFY, ...)
-- before they fall back to this.
local sw_table = {
	[0x6281] = "CKR_DEVICE_ERROR",          -- part of the data may be corrupted
	[0x6300] = "CKR_PIN_INCORRECT",         -- verification failed (Rutoken: no counter)
	[0x6400] = "CKR_DEVICE_ERROR",          -- state unchanged, execution error
	[0x6581] = "CKR_DEVICE_MEMORY",         -- memory failure
	[0x6700] = "CKR_DEVICE_ERROR",          -- wrong length
	[0x6881] = "CKR_DEVICE_ERROR",          -- logical channel not supported
	[0x6882] = "CKR_DEVICE_ERROR",          -- secure messaging not supported
	[0x6883] = "CKR_DEVICE_ERROR",          -- last command of the chain expected
	[0x6884] = "CKR_DEVICE_ERROR",          -- command chaining not supported
	[0x6981] = "CKR_DEVICE_ERROR",          -- command incompatible with file structure
	[0x6982] = "CKR_USER_NOT_LOGGED_IN",    -- security status not satisfied
	[0x6983] = "CKR_PIN_LOCKED",            -- authentication method blocked
	[0x6984] = "CKR_USER_PIN_NOT_INITIALIZED", -- reference data not usable
	[0x6985] = "CKR_FUNCTION_FAILED",       -- conditions of use not satisfied
	[0x6986] = "CKR_DEVICE_ERROR",          -- command not allowed (no current EF)
	[0x6A80] = "CKR_DEVICE_ERROR",          -- incorrect data field
	[0x6A81] = "CKR_FUNCTION_NOT_SUPPORTED",
	[0x6A82] = "CKR_DEVICE_ERROR",          -- file not found (callers decide first)
	[0x6A84] = "CKR_DEVICE_MEMORY",         -- not enough memory space in the file
	[0x6A86] = "CKR_DEVICE_ERROR",          -- incorrect P1-P2
	[0x6A87] = "CKR_DEVICE_ERROR",          -- Lc inconsistent with P1-P2
	[0x6A88] = "CKR_DEVICE_ERROR",          -- referenced data not found
	[0x6A89] = "CKR_DEVICE_ERROR",          -- file already exists
	[0x6B00] = "CKR_DEVICE_ERROR",          -- wrong P1-P2 (offset)
	[0x6D00] = "CKR_DEVICE_ERROR",          -- instruction not supported
	[0x6E00] = "CKR_DEVICE_ERROR",          -- class not supported
	[0x6F00] = "CKR_DEVICE_ERROR",          -- no precise diagnosis
}

-- Status words a family gives its own meaning (proprietary ones, 6Fxx and the like): set
-- once by the family's script with set_family_sw{ [sw] = "CKR_..." }; they come before
-- the table above. A VM serves one family, so this is that family's table.
local family_sw = {}

function M.set_family_sw(map)
	assert(type(map) == "table", "set_family_sw: a table { [sw] = \"CKR_...\" }")
	for sw, ckr in pairs(map) do
		assert(math.type(sw) == "integer" and sw >= 0 and sw <= 0xFFFF and
		       type(ckr) == "string" and ckr:sub(1, 4) == "CKR_",
		       "set_family_sw: a table { [sw] = \"CKR_...\" }")
		family_sw[sw] = ckr
	end
end

function M.sw_to_ckr(sw)
	if sw == M.SW_OK then
		return nil
	end
	if type(sw) ~= "number" then
		return "CKR_DEVICE_ERROR"
	end
	if family_sw[sw] then
		return family_sw[sw]
	end
	if sw & 0xFFF0 == 0x63C0 then
		return (sw & 0x0F) == 0 and "CKR_PIN_LOCKED" or "CKR_PIN_INCORRECT"
	end
	return sw_table[sw] or "CKR_DEVICE_ERROR"
end

-- Send one APDU; complete 61xx with GET RESPONSE (CLA of the command without chaining
-- and secure-messaging bits, at most 32 rounds) and resend once on 6Cxx with Le = xx.
-- Returns data, sw: always a string and an integer, so callers can test sw directly; an
-- answer that cannot be completed comes back as "", SW_UNUSABLE.
M.SW_UNUSABLE = 0x6F00

local mtype, type = math.type, type

local function raw(card, apdu)
	local data, sw = card:transmit(apdu)
	if type(data) ~= "string" or mtype(sw) ~= "integer" or sw < 0 or sw > 0xFFFF then
		return nil
	end
	return data, sw
end

function M.transmit(card, apdu)
	local data, sw = card:transmit(apdu)

	if sw == 0x9000 and mtype(sw) == "integer" and type(data) == "string" then
		return data, sw                 -- the common answer, whole
	end
	if type(data) ~= "string" or mtype(sw) ~= "integer" or sw < 0 or sw > 0xFFFF then
		return "", M.SW_UNUSABLE
	end
	local sw1 = sw >> 8
	if sw1 == 0x6C then
		-- wrong Le: the card says how many bytes it has; resend with exactly that Le
		local body = apdu
		if #apdu == 5 then
			body = apdu:sub(1, 4)                   -- case 2: drop the old Le
		elseif #apdu > 5 and #apdu == 6 + apdu:byte(5) then
			body = apdu:sub(1, 5 + apdu:byte(5))    -- case 4: drop the old Le
		end
		data, sw = raw(card, body .. u8(sw & 0xFF))
		if data == nil then
			return "", M.SW_UNUSABLE
		end
		sw1 = sw >> 8
	end
	if sw1 ~= 0x61 then
		return data, sw                 -- the answer is whole (no GET RESPONSE)
	end
	local parts = { data }
	local rounds = 0
	while sw & 0xFF00 == 0x6100 do
		rounds = rounds + 1
		if rounds > 32 then
			return "", M.SW_UNUSABLE
		end
		local n = sw & 0xFF
		local more
		more, sw = raw(card, M.apdu(apdu:byte(1) & 0x03, 0xC0, 0, 0, nil,
					    n == 0 and 256 or n))
		if more == nil then
			return "", M.SW_UNUSABLE
		end
		parts[#parts + 1] = more
	end
	return table.concat(parts), sw
end

-- Send a command whose data may be longer than one APDU: ISO command chaining, CLA | 0x10
-- on every chunk but the last; the intermediate chunks carry no Le and must answer 9000.
-- Returns data, sw of the last chunk, or nil, CKR, sw when the card refuses an
-- intermediate one.
function M.send(card, cla, ins, p1, p2, data, le)
	data = data or ""
	local max = M.MAX_LC
	local n = #data
	if n <= max then
		return M.transmit(card, M.apdu(cla, ins, p1, p2, data, le))   -- no chaining
	end
	local off = 1
	while n - off + 1 > max do
		local chunk = data:sub(off, off + max - 1)
		local _, sw = M.transmit(card, M.apdu(cla | 0x10, ins, p1, p2, chunk))
		if sw ~= M.SW_OK then
			return nil, M.sw_to_ckr(sw), sw
		end
		off = off + max
	end
	return M.transmit(card, M.apdu(cla, ins, p1, p2, data:sub(off), le))
end

-- Send and require 9000. Returns data, or nil, ckr, sw.
function M.check(card, apdu)
	local data, sw = M.transmit(card, apdu)
	if sw ~= M.SW_OK then
		return nil, M.sw_to_ckr(sw), sw
	end
	return data
end

---------------------------------------------------------------------------------------
-- FCP

-- One BER-TLV at position i of s (1-based): tag (one byte; the FCP uses no multi-byte
-- tags), value start, value length, next position. nil when it does not fit in s.
local function tlv_at(s, i)
	if i + 1 > #s then
		return nil
	end
	local tag = s:byte(i)
	local len = s:byte(i + 1)
	local vstart = i + 2
	if len == 0x81 then
		if i + 2 > #s then
			return nil
		end
		len = s:byte(i + 2)
		vstart = i + 3
	elseif len == 0x82 then
		if i + 3 > #s then
			return nil
		end
		len = s:byte(i + 2) << 8 | s:byte(i + 3)
		vstart = i + 4
	elseif len > 0x7F then
		return nil
	end
	if vstart + len - 1 > #s then
		return nil
	end
	return tag, vstart, len, vstart + len
end
M.tlv_at = tlv_at

local function be_int(s)
	local n = 0
	for k = 1, #s do
		n = n << 8 | s:byte(k)
	end
	return n
end

-- Parse an FCP/FCI template (tag 62 or 6F) as the Rutoken ECP sends it:
--   80 size (1..4 bytes, big-endian), 82 descriptor (first byte: 38 DF, 01 EF, 10 RSF),
--   83 FID (2 bytes), 85 proprietary attributes, 86 security attributes.
-- Returns { size=, type=, fid=, prop=, sec=, is_df=, is_ef=, is_rsf= } or nil, CKR.
function M.parse_fcp(s)
	if type(s) ~= "string" then
		return nil, "CKR_DEVICE_ERROR"
	end
	local tag, vstart, len, nxt = tlv_at(s, 1)
	if not tag or (tag ~= 0x62 and tag ~= 0x6F) or nxt ~= #s + 1 then
		return nil, "CKR_DEVICE_ERROR"
	end
	local fcp = {}
	local i, stop = vstart, vstart + len
	while i < stop do
		local t, vs, l, n = tlv_at(s, i)
		if not t or n > stop then
			return nil, "CKR_DEVICE_ERROR"
		end
		local v = s:sub(vs, vs + l - 1)
		if t == 0x80 then
			if l < 1 or l > 4 then
				return nil, "CKR_DEVICE_ERROR"
			end
			fcp.size = be_int(v)
		elseif t == 0x82 then
			if l < 1 then
				return nil, "CKR_DEVICE_ERROR"
			end
			fcp.type = v:byte(1)
		elseif t == 0x83 then
			if l ~= 2 then
				return nil, "CKR_DEVICE_ERROR"
			end
			fcp.fid = be_int(v)
		elseif t == 0x85 then
			fcp.prop = v
		elseif t == 0x86 then
			fcp.sec = v
		end
		i = n
	end
	if fcp.type == nil or fcp.fid == nil then
		return nil, "CKR_DEVICE_ERROR"
	end
	fcp.is_df = fcp.type == 0x38
	fcp.is_ef = fcp.type == 0x01
	fcp.is_rsf = fcp.type == 0x10
	return fcp
end

-- Build an FCP for CREATE FILE: tag 6F with 80 (2-byte size), 82 (2-byte descriptor),
-- 83 (FID), optional 85 and 86, in this order (the layout OpenSC's rtecp driver sends).
function M.build_fcp(f)
	local body = "\x80\x02" .. u16(f.size or 0) ..
		"\x82\x02" .. u8(f.type) .. "\x00" ..
		"\x83\x02" .. u16(f.fid)
	if f.prop then
		body = body .. "\x85" .. u8(#f.prop) .. f.prop
	end
	if f.sec then
		body = body .. "\x86" .. u8(#f.sec) .. f.sec
	end
	assert(#body <= 0x7F)
	return "\x6F" .. u8(#body) .. body
end

---------------------------------------------------------------------------------------
-- SELECT

-- Paths are byte strings of 2-byte FIDs ("\x3F\x00\x50\x00").
function M.path_hex(path)
	local t = {}
	for k = 1, #path, 2 do
		t[#t + 1] = string.format("%02X%02X", path:byte(k), path:byte(k + 1) or 0)
	end
	return table.concat(t, "/")
end

local function select_answer(data, sw)
	if sw == M.SW_OK then
		local fcp, err = M.parse_fcp(data)
		if not fcp then
			return nil, err, sw
		end
		return fcp
	end
	return nil, M.sw_to_ckr(sw), sw
end

-- SELECT by FID in the current DF, asking for the FCP (P2=00, Le=00).
function M.select_fid(card, fid)
	return select_answer(M.transmit(card, M.apdu(0x00, 0xA4, 0x00, 0x00, u16(fid), 256)))
end

-- The SELECT APDU of a path from the MF (as select_path sends it), or nil for a path that
-- is not 1 to 16 FIDs. A caller that selects the same file again and again may keep it.
function M.select_path_apdu(path)
	if #path < 2 or #path % 2 ~= 0 or #path > 32 then
		return nil
	end
	if path:byte(1) == 0x3F and path:byte(2) == 0x00 then
		if #path == 2 then
			return M.apdu(0x00, 0xA4, 0x00, 0x00, path, 256)        -- the MF by FID
		end
		path = path:sub(3)
	end
	return M.apdu(0x00, 0xA4, 0x08, 0x00, path, 256)
end

-- SELECT by path from the MF. "3F00" alone is selected by FID (P1=00); a longer path
-- loses its leading 3F00 and goes with P1=08.
function M.select_path(card, path)
	local apdu = M.select_path_apdu(path)
	if apdu == nil then
		return nil, "CKR_DEVICE_ERROR", nil
	end
	return select_answer(M.transmit(card, apdu))
end

---------------------------------------------------------------------------------------
-- READ / UPDATE BINARY

-- Read size bytes of the current EF in 256-byte chunks. A card that has fewer bytes
-- (6282, or a short answer) ends the file; a card that sends more than asked is wrong.
function M.read_binary(card, size)
	if size > M.MAX_OFFSET + 1 then
		size = M.MAX_OFFSET + 1
	end
	local parts, got = {}, 0
	while got < size do
		local want = math.min(M.READ_CHUNK, size - got)
		local data, sw = M.transmit(card, M.apdu(0x00, 0xB0, (got >> 8) & 0x7F, got & 0xFF,
							 nil, want))
		if sw ~= M.SW_OK and sw ~= 0x6282 then
			return nil, M.sw_to_ckr(sw), sw
		end
		if #data > want then
			return nil, "CKR_DEVICE_ERROR", sw
		end
		parts[#parts + 1] = data
		got = got + #data
		if #data < want or sw == 0x6282 then
			break
		end
	end
	return table.concat(parts)
end

-- Select a file by path and read all of it (its FCP size). Returns data, fcp.
function M.read_file(card, path, max)
	local fcp, err, sw = M.select_path(card, path)
	if not fcp then
		return nil, err, sw
	end
	if not fcp.is_ef or fcp.size == nil then
		return nil, "CKR_DEVICE_ERROR", sw
	end
	local size = fcp.size
	if max and size > max then
		size = max
	end
	local data
	data, err, sw = M.read_binary(card, size)
	if not data then
		return nil, err, sw
	end
	return data, fcp
end

-- Write data into the current EF at offset, in 255-byte chunks.
function M.update_binary(card, offset, data)
	local off = 1
	while off <= #data do
		local pos = offset + off - 1
		if pos > M.MAX_OFFSET then
			return nil, "CKR_DEVICE_MEMORY", nil
		end
		local chunk = data:sub(off, off + M.UPDATE_CHUNK - 1)
		local _, sw = M.transmit(card, M.apdu(0x00, 0xD6, (pos >> 8) & 0x7F, pos & 0xFF,
						      chunk))
		if sw ~= M.SW_OK then
			return nil, M.sw_to_ckr(sw), sw
		end
		off = off + #chunk
	end
	return true
end

-- CREATE FILE in the current DF. f as for build_fcp.
function M.create_file(card, f)
	local _, sw = M.transmit(card, M.apdu(0x00, 0xE0, 0x00, 0x00, M.build_fcp(f)))
	if sw ~= M.SW_OK then
		return nil, M.sw_to_ckr(sw), sw
	end
	return true
end

-- DELETE FILE by FID in the current DF.
function M.delete_file(card, fid)
	local _, sw = M.transmit(card, M.apdu(0x00, 0xE4, 0x00, 0x00, u16(fid)))
	if sw ~= M.SW_OK then
		return nil, M.sw_to_ckr(sw), sw
	end
	return true
end

---------------------------------------------------------------------------------------
-- PIN commands (the status words are the caller's to interpret)

-- VERIFY with a PIN, or the empty VERIFY (case 1) that asks for the state. data, sw.
function M.verify(card, ref, pin)
	if pin == nil or pin == "" then
		return M.transmit(card, M.apdu(0x00, 0x20, 0x00, ref))
	end
	return M.transmit(card, M.apdu(0x00, 0x20, 0x00, ref, pin))
end

return M
