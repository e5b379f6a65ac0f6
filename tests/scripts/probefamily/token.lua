-- SPDX-License-Identifier: BSD-2-Clause
--
-- probefamily/token.lua: the script of a test family matched by an application probe
-- (family.yaml). It serves no real card; its transcripts (tests/) show the manifest's
-- probe deciding between it and atrfamily, which shares its ATR pattern.

local T = {}

local AID = "\xF0\x53\x4B\x54\x45\x53\x54"

function T.token_info(card)
	local _, sw = card:transmit("\x00\xA4\x04\x00" .. string.char(#AID) .. AID .. "\x00")
	if sw ~= 0x9000 then
		return nil, "CKR_DEVICE_ERROR"
	end
	return { label = "probefamily", model = "probe test", serial = "1", initialized = true }
end

return T
