-- SPDX-License-Identifier: BSD-2-Clause
-- other: a second family of the bridge's tests, for cards whose ATR begins 3B 91.
return {
	match = function(atr)
		return atr:sub(1, 2) == "\x3B\x91"
	end,
}
