-- SPDX-License-Identifier: BSD-2-Clause
-- A shared library of the bridge's test scripts: counts how often it runs (in the shared
-- globals, since its own globals are private to it).
_G.probe_util_runs = (_G.probe_util_runs or 0) + 1
private_global = "only in this chunk's _ENV"

local U = {}

function U.apdu(cla, ins, p1, p2, data)
	if data == nil or #data == 0 then
		return string.char(cla, ins, p1, p2)
	end
	return string.char(cla, ins, p1, p2, #data) .. data
end

return U
