-- SPDX-License-Identifier: BSD-2-Clause
--
-- libtest/token.lua: a family that serves no card, for t9003. Its functions run one helper
-- of scripts/lib on the card (a transcript) and return what it gave as text.

local iso = import("lib/iso7816")
local p15 = import("lib/pkcs15")

local T = {}

local function res(a, b, c)
	if a == nil then
		return string.format("nil %s %s", tostring(b), iso.swhex(c))
	end
	return a
end

-- send N bytes of AB with INS DA through ISO command chaining
function T.chain(card, n)
	local data, sw, csw = iso.send(card, 0x00, 0xDA, 0x01, 0x02, string.rep("\xAB", tonumber(n)))
	if data == nil then
		return res(nil, sw, csw)
	end
	return string.format("%s %d", iso.swhex(sw), #data)
end

function T.read(card, n)
	local data, err, sw = iso.read_binary(card, tonumber(n))
	return res(data and tostring(#data), err, sw)
end

function T.update(card, n)
	local ok, err, sw = iso.update_binary(card, 0, string.rep("\x11", tonumber(n)))
	return res(ok and "ok", err, sw)
end

function T.select(card, hexpath)
	local p = hexpath:gsub("..", function(x) return string.char(tonumber(x, 16)) end)
	local fcp, err, sw = iso.select_path(card, p)
	return res(fcp and string.format("fid=%04X type=%02X size=%d", fcp.fid, fcp.type,
					 fcp.size or -1), err, sw)
end

-- PKCS#15 round trip: encode a TokenInfo and an AODF, decode them again
function T.p15(card, label)
	local ti = p15.decode_tokeninfo(p15.encode_tokeninfo({
		serial = "\x01\x02", manufacturer = "M", label = label, flags = p15.bits({ 1 }) }))
	local pins = p15.decode_aodf(p15.encode_pin({
		label = "User PIN", flags = p15.bits({ 0, 1 }), auth_id = "\x02",
		pin_flags = p15.bits({ 0, 4 }), type = 1, min_len = 4, stored_len = 32,
		max_len = 32, ref = 2, pad = "\x00" }) .. "\x00\x00")
	return string.format("label=%s login_required=%s pins=%d ref=%d min=%d so=%s",
			     ti.label, tostring(ti.login_required), #pins, pins[1].ref,
			     pins[1].min_len, tostring(pins[1].so))
end

return T
