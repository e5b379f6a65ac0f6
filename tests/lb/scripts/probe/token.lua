-- SPDX-License-Identifier: BSD-2-Clause
-- probe: a token family for the Lua bridge's tests. It behaves like a small ISO 7816
-- card, and eval(card, code) lets a test run any code inside the sandbox; a test can
-- replace any function of M from eval to see how the bridge takes its results.
local M = {}

-- eval(card, code): the chunk's results are the call's results
function M.eval(card, code)
	local env = setmetatable({ card = card, M = M }, { __index = _ENV })
	local f, err = load(code, "=eval", "t", env)
	if not f then
		error(err, 0)
	end
	return f()
end

function M.token_info(card)
	local data, sw = card:transmit(bytes.unhex("00 CA 01 81 00"))
	if sw ~= 0x9000 then
		return nil, "CKR_DEVICE_ERROR"
	end
	return {
		label = "probe token", serial = bytes.hex(data), model = "Probe",
		manufacturer = "Scriptoki tests", hw = { 1, 0 }, fw = { 2, 3 },
		min_pin = 4, max_pin = 16, initialized = true, user_pin_initialized = true,
		login_required = true, rng = false,
	}
end

local function pin_ref(user)
	return user == CKU.SO and 0x01 or 0x02
end

function M.pin_info(card, user)
	local _, sw = card:transmit("\x00\x20\x00" .. string.char(pin_ref(user)))
	if sw & 0xFFF0 == 0x63C0 then
		return { max_tries = 10, tries_left = sw & 0x0F }
	end
	return { max_tries = 10 }
end

function M.login(card, user, pin)
	if pin == nil or #pin < 4 or #pin > 16 then
		return nil, "CKR_PIN_LEN_RANGE"
	end
	local _, sw = card:transmit("\x00\x20\x00" .. string.char(pin_ref(user), #pin) .. pin)
	if sw == 0x9000 then
		return true
	elseif sw & 0xFFF0 == 0x63C0 then
		return nil, "CKR_PIN_INCORRECT"
	elseif sw == 0x6983 then
		return nil, "CKR_PIN_LOCKED"
	end
	return nil, "CKR_DEVICE_ERROR"
end

function M.logout(card)
	card:transmit("\x80\x40\x00\x00")
	return true
end

function M.set_pin(card, user, old, new)
	local data = string.char(#old) .. old .. string.char(#new) .. new
	local _, sw = card:transmit("\x00\x24\x00" .. string.char(pin_ref(user), #data) .. data)
	if sw == 0x9000 then
		return true
	end
	return nil, CKR.PIN_INCORRECT   -- an integer works as well as a name
end

function M.init_pin(card, pin)
	local _, sw = card:transmit("\x00\x2C\x02\x02" .. string.char(#pin) .. pin)
	return sw == 0x9000 or nil, "CKR_DEVICE_ERROR"
end

function M.init_token(card, so_pin, label)
	local util = import("lib/probe_util")
	local _, sw = card:transmit(util.apdu(0x80, 0xEE, 0, 0, label))
	return sw == 0x9000 or nil, "CKR_DEVICE_ERROR"
end

function M.mechanisms(card)
	return {
		{ type = CKM.RSA_PKCS, min = 1024, max = 2048, flags = CKF.HW | CKF.SIGN | CKF.DECRYPT },
		{ type = CKM.RSA_PKCS_KEY_PAIR_GEN, min = 1024, max = 2048,
		  flags = CKF.HW | CKF.GENERATE_KEY_PAIR },
	}
end

return M
