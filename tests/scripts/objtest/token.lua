-- SPDX-License-Identifier: BSD-2-Clause
--
-- objtest/token.lua: a family that serves no card, for the object tests (the transcripts
-- of scripts/rutoken_ecp/tests/objtest/, run by t9001; t9103).
-- It runs the Rutoken ECP script's object and private-key calls through the harness's
-- "call FUNCTION ARG" (one string in, one string out) until the harness has calls of its
-- own for them. Arguments are comma-separated, without blanks:
--
--   objects      "1" | "0"                       (logged in or not; lazy objects whole)
--   gen          MECH,pub.NAME=VAL,priv.NAME=VAL,...
--   create       NAME=VAL,...
--   destroy      REF
--   setattr      REF,NAME=VAL,...
--   sign         REF,MECH,HEX           decrypt REF,MECH,HEX           random N
--
-- NAME is a CKA_ name without its prefix, MECH a CKM_ name without it. VAL: true, false,
-- a decimal integer, a CK constant name (CKO_..., CKK_..., CKC_...), x:HEX (bytes) or
-- s:TEXT (bytes). Objects come back one per line:
--   REF CKA_NAME=VALUE CKA_NAME=VALUE ...   (attributes by name; bytes as hex)
-- and a failure as "CKR_NAME".
--
-- An argument may start with "@PIN," (or be "@PIN" before a bare argument: "@PIN,1"): the
-- user logs in first, in the same card transaction. The test rig's pcscd powers an idle
-- card off between two processes, and with it the login, so the rig tests log in with
-- the call that needs it.

local tok = import("rutoken_ecp/token")

local T = {}

local function hex(s)
	return (s:gsub(".", function(c) return string.format("%02X", c:byte()) end))
end

local function unhex(h)
	return (h:gsub("..", function(x) return string.char(tonumber(x, 16)) end))
end

-- number -> the shortest CKA_ name (ties: alphabetical)
local cka_name = {}
for name, v in pairs(CKA) do
	local old = cka_name[v]
	if old == nil or #name < #old or (#name == #old and name < old) then
		cka_name[v] = name
	end
end

local function const(name)
	local prefix, rest = name:match("^(CK%u)_(.+)$")
	local tbl = prefix and ({ CKO = CKO, CKK = CKK, CKC = CKC, CKM = CKM })[prefix]
	return tbl and tbl[rest]
end

local function value(v)
	if v == "true" then
		return true
	elseif v == "false" then
		return false
	elseif v:match("^%d+$") then
		return math.tointeger(tonumber(v))
	elseif v:sub(1, 2) == "x:" then
		return unhex(v:sub(3))
	elseif v:sub(1, 2) == "s:" then
		return v:sub(3)
	end
	local c = const(v)
	if c == nil then
		error("objtest: bad value " .. v)
	end
	return c
end

local function fields(arg)
	local out = {}
	for f in (arg .. ","):gmatch("([^,]*),") do
		out[#out + 1] = f
	end
	return out
end

-- NAME=VAL into attrs
local function put(attrs, f)
	local name, v = f:match("^(%u[%u%d_]*)=(.*)$")
	local cka = name and CKA[name]
	if not cka then
		error("objtest: bad attribute " .. f)
	end
	attrs[cka] = value(v)
end

local function show(o)
	local names = {}
	for cka in pairs(o.attrs) do
		names[#names + 1] = cka
	end
	table.sort(names)
	local parts = { o.ref }
	for _, cka in ipairs(names) do
		local v = o.attrs[cka]
		if type(v) == "string" then
			v = hex(v)
		else
			v = tostring(v)
		end
		parts[#parts + 1] = "CKA_" .. (cka_name[cka] or string.format("%X", cka)) .. "=" .. v
	end
	return table.concat(parts, " ")
end

-- "@PIN,rest": log the user in, return rest; otherwise arg as it is.
local function with_login(card, arg)
	local pin, rest = arg:match("^@([^,]*),(.*)$")
	if not pin then
		return arg
	end
	local ok, err = tok.login(card, CKU.USER, pin)
	if not ok then
		return nil, err
	end
	return rest
end

local function fail(a, b)
	if a == nil then
		return tostring(b)
	end
	return nil
end

function T.objects(card, arg)
	local lerr
	arg, lerr = with_login(card, arg)
	if not arg then
		return tostring(lerr)
	end
	local objs, err = tok.objects(card, arg == "1")
	if not objs then
		return tostring(err)
	end
	-- a lazy object (the contract's object.lazy) is shown whole, as an application that
	-- reads all its attributes sees it: object_attrs after the list, as the runtime calls it
	local lines = {}
	for _, o in ipairs(objs) do
		if o.lazy then
			o, err = tok.object_attrs(card, o.ref)
			if not o then
				return tostring(err)
			end
		end
		lines[#lines + 1] = show(o)
	end
	return table.concat(lines, "\n")
end

function T.gen(card, arg)
	local lerr
	arg, lerr = with_login(card, arg)
	if not arg then
		return tostring(lerr)
	end
	local f = fields(arg)
	local mech = CKM[f[1]]
	local pub, priv = {}, {}
	for k = 2, #f do
		local side, rest = f[k]:match("^(%a+)%.(.*)$")
		put(side == "pub" and pub or priv, rest)
	end
	local p, q = tok.generate_key_pair(card, mech, pub, priv)
	if not p then
		return tostring(q)
	end
	return show(p) .. "\n" .. show(q)
end

function T.create(card, arg)
	local lerr
	arg, lerr = with_login(card, arg)
	if not arg then
		return tostring(lerr)
	end
	local attrs = {}
	for _, f in ipairs(fields(arg)) do
		put(attrs, f)
	end
	local o, err = tok.create_object(card, attrs)
	return fail(o, err) or show(o)
end

function T.destroy(card, ref)
	local lerr
	ref, lerr = with_login(card, ref)
	if not ref then
		return tostring(lerr)
	end
	local ok, err = tok.destroy_object(card, ref)
	return fail(ok, err) or "CKR_OK"
end

function T.setattr(card, arg)
	local lerr
	arg, lerr = with_login(card, arg)
	if not arg then
		return tostring(lerr)
	end
	local f = fields(arg)
	local attrs = {}
	for k = 2, #f do
		put(attrs, f[k])
	end
	local o, err = tok.set_attributes(card, f[1], attrs)
	return fail(o, err) or show(o)
end

local function prim(fn, card, arg)
	local lerr
	arg, lerr = with_login(card, arg)
	if not arg then
		return tostring(lerr)
	end
	local f = fields(arg)
	local out, err = fn(card, f[1], CKM[f[2]], unhex(f[3] or ""))
	return fail(out, err) or hex(out)
end

function T.sign(card, arg)
	return prim(tok.sign, card, arg)
end

function T.decrypt(card, arg)
	return prim(tok.decrypt, card, arg)
end

function T.random(card, n)
	local lerr
	n, lerr = with_login(card, n)
	if not n then
		return tostring(lerr)
	end
	local out, err = tok.random(card, math.tointeger(tonumber(n)))
	return fail(out, err) or hex(out)
end

return T
