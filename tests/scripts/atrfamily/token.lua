-- SPDX-License-Identifier: BSD-2-Clause
--
-- atrfamily/token.lua: the script of a test family matched by its ATRs alone
-- (family.yaml); the fallback for cards of the generic ATR that probefamily's probe
-- refuses.

local T = {}

function T.token_info(card)
	return { label = "atrfamily", model = "atr test", serial = "2", initialized = true }
end

return T
