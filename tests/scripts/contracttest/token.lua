-- SPDX-License-Identifier: BSD-2-Clause
--
-- contracttest: the Rutoken ECP family with what the runtime-script contract offers
-- beyond it (spec/script-contract.yaml), for the module's tests t5112 and t5113. A test
-- copies the scripts folder, adds this folder with a manifest that serves the Rutoken
-- ECP's ATRs first, and writes contracttest/answer.lua, which returns
--   token_info   fields set over rutoken_ecp's answer (write_protected, clock, users ...)
--   utc_time     the clock's answer (a function utc_time exists only with it)
--   pin_info     { [CKU.USER] = record, [CKU.SO] = record } answered instead of the card's
--   refuse_users { name = "CKR_..." }: login with that user name fails so, without a VERIFY
--   pin_pad      the PIN a login without one (protected authentication path) verifies
-- A folder without a manifest serves no card: only such a test uses it.

local base = import("rutoken_ecp/token")
local A = import("contracttest/answer")

local T = setmetatable({}, { __index = base })

function T.token_info(card)
	local t, err = base.token_info(card)
	if not t then
		return nil, err
	end
	for k, v in pairs(A.token_info or {}) do
		t[k] = v
	end
	return t
end

if A.utc_time ~= nil then
	function T.utc_time(card)
		return A.utc_time
	end
end

if A.pin_info ~= nil then
	function T.pin_info(card, user)
		return A.pin_info[user] or base.pin_info(card, user)
	end
end

function T.login(card, user, pin, username)
	if username ~= nil and A.refuse_users and A.refuse_users[username] then
		return nil, A.refuse_users[username]
	end
	if pin == nil then
		if not A.pin_pad then
			return nil, "CKR_PIN_INCORRECT"
		end
		pin = A.pin_pad
	end
	return base.login(card, user, pin)
end

return T
