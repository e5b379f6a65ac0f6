-- SPDX-License-Identifier: BSD-2-Clause
--
-- consenttest/token.lua: a family that serves no card, for t9006. It encodes and decodes
-- PrKDF entries with lib/pkcs15 and returns what came out as text, so that the test can
-- compare the PKCS#15 userConsent field byte for byte.

local p15 = import("lib/pkcs15")

local T = {}

local function unhex(h)
	return (h:gsub("%s", ""):gsub("..", function(x) return string.char(tonumber(x, 16)) end))
end

-- An RSA private-key entry with userConsent n ("-" for none): the CommonObjectAttributes
-- as hex, then the user_consent decoding the whole entry gives back.
function T.encode(card, n)
	local k = {
		kind = p15.KIND_RSA, label = "k", private = true, modifiable = true,
		auth_id = "\x02", user_consent = tonumber(n), id = "\x53",
		usage = { [p15.U_SIGN] = true }, access = { [p15.A_SENSITIVE] = true },
		key_ref = 1, path = "\x3F\x00\x10\x00\x10\x00\x60\x02\x00\x01", bits = 2048,
	}
	local enc = p15.encode_key(k)
	local node = der.decode(enc)
	local common = der.encode(node[1])
	local back, err = p15.decode_keys(enc .. "\x00\x00", "\x3F\x00\x50\x00")
	if not back then
		return "nil " .. tostring(err)
	end
	return bytes.hex(common):upper() .. " " .. tostring(back[1].user_consent)
end

-- Decode a PrKDF given in hex: the first entry's user_consent, or nil and the error.
function T.decode(card, hex)
	local keys, err = p15.decode_keys(unhex(hex), "\x3F\x00\x50\x00")
	if not keys then
		return "nil " .. tostring(err)
	end
	return tostring(keys[1] and keys[1].user_consent)
end

return T
