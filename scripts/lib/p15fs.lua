-- SPDX-License-Identifier: BSD-2-Clause
--
-- p15fs.lua: a PKCS#15 application on an ISO/IEC 7816-4 file system, read and changed
-- all or nothing. The card's own commands are ISO ones (lib/iso7816); what differs from
-- card to card is the profile a family gives p15fs.new:
--
--   local fs = import("lib/p15fs").new{
--       name = "rutoken_ecp",                  -- the prefix of its debug lines
--       dir = "\x3F\x00\x2F\x00",              -- EF.DIR's path
--       app = "\x3F\x00\x50\x00",              -- the application when EF.DIR names none
--       odf_fid = 0x5031, tokeninfo_fid = 0x5032,  -- in the application DF
--       dfs = { prkdf = { tag = 0xA0, fid = 0x6002 }, ... },  -- the object directories
--                                              -- (names prkdf, pukdf, cdf, dodf)
--       dir_size = 2048,                       -- a new directory file's size
--       dir_sec = "...",                       -- its security attributes (FCP tag 86)
--       shadow_fid = function(base, fid) ... end, -- optional: the FID of a directory's
--                                              -- new copy (default: base, or base ~ 0x10
--                                              -- when the directory is at base now)
--   }
--
-- Reading (PKCS #15 v1.1 section 5; ISO/IEC 7816-15): EF.DIR → the application's path,
-- its ODF, TokenInfo and AODF (fs.read_p15), or EF.DIR and the ODF only (fs.read_app); the
-- object directories the ODF lists, each read up to the end of its used part
-- (fs.read_dirs: 00/FF padding follows the last object). Files are read by SELECT with
-- the FCP and READ BINARY, in the order these functions name them.
--
-- Changing: every step that changes the card pushes its undo on a list (undo[#undo+1] =
-- function ... end); fs.give_up runs them in reverse. fs.commit_dirs makes all of a call's
-- directory changes visible in one APDU, the commit point: one UPDATE BINARY of one
-- directory, or new copies of the changed directories and one UPDATE of the ODF switching
-- to them. Files a pulled card left behind unreferenced are reclaimed (logged) by the next
-- call that needs their FID (fs.create_ef, fs.free_ef).
--
-- Every function returns its result, or nil, a CKR_ name and the status word.

local iso = import("lib/iso7816")
local p15 = import("lib/pkcs15")

local M = {}

local OK = 0x9000
local MF = "\x3F\x00"
local EF_TRANSPARENT = 0x01     -- FCP descriptor byte of a working transparent EF (7816-4)
local ODF_MAX = 128             -- an ODF's size when its FCP names none: one UPDATE BINARY

local function dbg(fmt, ...)
	if log and log.debug then
		log.debug(fmt, ...)
	end
end

local function fid_of(p)
	return p:byte(#p - 1) << 8 | p:byte(#p)
end
M.fid_of = fid_of

-- Select parent (a path) and create a file in it.
function M.create_in(card, parent, f)
	local fcp, err, sw = iso.select_path(card, parent)
	if not fcp then
		return nil, err, sw
	end
	return iso.create_file(card, f)
end

-- DELETE FILE of the file at p: select its parent, E4 with its FID. true or false.
function M.delete_at(card, p)
	local fcp = iso.select_path(card, p:sub(1, #p - 2))
	if not fcp then
		return false
	end
	return iso.delete_file(card, fid_of(p)) == true
end

-- How many bytes patch() writes to change old into new.
function M.patch_span(old, new)
	local i = 1
	while i <= #old and i <= #new and old:byte(i) == new:byte(i) do
		i = i + 1
	end
	return math.max(#old, #new) - i + 1
end

function M.new(P)
	assert(type(P) == "table" and type(P.name) == "string" and type(P.dir) == "string" and
	       type(P.app) == "string" and type(P.dfs) == "table" and
	       math.type(P.odf_fid) == "integer" and math.type(P.tokeninfo_fid) == "integer" and
	       math.type(P.dir_size) == "integer" and type(P.dir_sec) == "string",
	       "p15fs.new: a profile { name=, dir=, app=, odf_fid=, tokeninfo_fid=, dfs=, " ..
	       "dir_size=, dir_sec= }")
	local fs = {
		create_in = M.create_in, delete_at = M.delete_at, patch_span = M.patch_span,
		fid_of = fid_of,
	}
	local name = P.name
	local shadow_fid = P.shadow_fid or function(base, fid)
		return fid == base and (base ~ 0x0010) or base
	end

	-----------------------------------------------------------------------------------
	-- Reading

	-- Read a file by path; 6A82 gives false (absent). Any other failure is the card's:
	-- these files are readable by everyone, so CKR_DEVICE_ERROR. data, fcp.
	local function read_opt(card, p, max)
		local data, err, sw = iso.read_file(card, p, max)
		if data then
			return data, err
		end
		if sw == 0x6A82 then
			return false
		end
		dbg("%s: reading %s failed: %s (SW %s)", name, iso.path_hex(p), err, iso.swhex(sw))
		return nil, "CKR_DEVICE_ERROR"
	end
	fs.read_opt = read_opt

	-- The PKCS#15 application and its ODF: { app=, named=, odf={[tag]=path}, odf_path=,
	-- odf_used=, odf_size= }; false when the token has none (then true as a second value
	-- when EF.DIR names the application all the same); nil + CKR on a bad answer, with
	-- "malformed" as a third value when the card answered but EF.DIR or the ODF does not
	-- parse.
	function fs.read_app(card)
		local dir, err = read_opt(card, P.dir, 4096)
		if dir == nil then
			return nil, err
		end
		local app = P.app
		local named = false
		if dir then
			local p
			p, err = p15.dir_app_path(dir)
			if err then
				return nil, err, "malformed"
			end
			if p then
				if p:sub(1, 2) ~= MF then
					p = MF .. p
				end
				app = p
				named = true
			end
		end
		local odf_path = app .. iso.u16(P.odf_fid)
		local odf, fcp = read_opt(card, odf_path, 4096)
		if odf == nil then
			return nil, fcp
		end
		if odf == false then
			return false, named
		end
		local st = { app = app, named = named, odf_path = odf_path, odf_size = fcp.size }
		st.odf, err = p15.decode_odf(odf, app)
		if not st.odf then
			return nil, err, "malformed"
		end
		st.odf_used, err = p15.used(odf)
		if not st.odf_used then
			return nil, err, "malformed"
		end
		return st
	end

	-- fs.read_app, then TokenInfo and the AODF: st gains ti= (decode_tokeninfo), pins=
	-- (decode_aodf), aodf_path=, aodf_size=, aodf_used=. false when the token carries no
	-- PKCS#15 application; nil + CKR on a bad answer, nil + CKR + "malformed" when the
	-- card answered but its structure does not parse (an interrupted initialisation
	-- leaves such files, e.g. a TokenInfo of zero bytes).
	-- A file the structure names (the ODF and TokenInfo of the application EF.DIR names,
	-- the AODF the ODF names) that a SELECT does not find (6A82) is the card's failure,
	-- CKR_DEVICE_ERROR, not a token without PKCS#15: an initialisation writes EF.DIR last
	-- and the ODF after the AODF, so only files nothing names yet may be missing.
	function fs.read_p15(card)
		local st, err, malformed = fs.read_app(card)
		if st == nil then
			return nil, err, malformed
		end
		if st == false then
			if err then
				dbg("%s: EF.DIR names the PKCS#15 application, its ODF is not found",
				    name)
				return nil, "CKR_DEVICE_ERROR"
			end
			return false
		end
		local ti
		ti, err = read_opt(card, st.app .. iso.u16(P.tokeninfo_fid), 4096)
		if ti == nil then
			return nil, err
		end
		if ti == false then
			if st.named then
				dbg("%s: EF.DIR names the PKCS#15 application, its TokenInfo is not found",
				    name)
				return nil, "CKR_DEVICE_ERROR"
			end
			return false
		end
		st.ti, err = p15.decode_tokeninfo(ti)
		if not st.ti then
			return nil, err, "malformed"
		end
		st.pins = {}
		st.aodf_path = st.odf[p15.ODF_AODF]
		if st.aodf_path then
			local aodf, fcp = read_opt(card, st.aodf_path, 4096)
			if aodf == nil then
				return nil, fcp
			end
			if aodf then
				st.pins, err = p15.decode_aodf(aodf)
				if not st.pins then
					return nil, err, "malformed"
				end
				st.aodf_size = fcp.size
				st.aodf_used = p15.used(aodf)
			else
				dbg("%s: the AODF the ODF names is not found", name)
				return nil, "CKR_DEVICE_ERROR"
			end
		end
		return st
	end

	-- Read an object directory up to the end of its used part (it is padded with zeros):
	-- data (what was read), used (the bytes of its objects), size, fcp; false when absent.
	local function read_used(card, p)
		local fcp, err, sw = iso.select_path(card, p)
		if not fcp then
			if sw == 0x6A82 then
				return false
			end
			return nil, sw and iso.sw_to_ckr(sw) or err
		end
		if not fcp.is_ef or not fcp.size then
			return nil, "CKR_DEVICE_ERROR"
		end
		local size = math.min(fcp.size, iso.MAX_OFFSET + 1)
		local parts, got = {}, 0
		local all = ""
		while got < size do
			local want = math.min(iso.READ_CHUNK, size - got)
			local data
			data, sw = iso.transmit(card, iso.apdu(0x00, 0xB0, (got >> 8) & 0x7F,
							       got & 0xFF, nil, want))
			if sw ~= OK and sw ~= 0x6282 then
				return nil, sw == 0x6982 and "CKR_USER_NOT_LOGGED_IN" or
					"CKR_DEVICE_ERROR"
			end
			if #data > want then
				return nil, "CKR_DEVICE_ERROR"
			end
			parts[#parts + 1] = data
			got = got + #data
			all = table.concat(parts)
			local _, padded = p15.used_end(all)
			if padded or #data < want or sw == 0x6282 then
				break
			end
		end
		local n = p15.used_end(all)
		return all, all:sub(1, n), fcp.size, fcp
	end
	fs.read_used = read_used

	-- The object directories named in list ("prkdf", ...): d[name] = { path=, size=,
	-- used=, objs=, sec= } (objs = {} and path = nil when the ODF names none or its file
	-- is absent). strict: a directory the ODF names must be there; a SELECT that does not
	-- find it (6A82) is the card's failure, CKR_DEVICE_ERROR, not an empty directory.
	function fs.read_dirs(card, st, list, strict)
		local d = {}
		for _, dname in ipairs(list) do
			local e = { objs = {}, used = "" }
			local p = st.odf[P.dfs[dname].tag]
			if p then
				local data, used, size, fcp = read_used(card, p)
				if data == nil then
					return nil, used
				end
				if data == false and strict then
					dbg("%s: %s at %s, listed in the ODF, is not found", name, dname,
					    iso.path_hex(p))
					return nil, "CKR_DEVICE_ERROR"
				end
				if data then
					local objs, err
					if dname == "prkdf" or dname == "pukdf" then
						objs, err = p15.decode_keys(data, st.app)
					elseif dname == "skdf" then
						objs, err = p15.decode_skdf(data, st.app)
					elseif dname == "cdf" then
						objs, err = p15.decode_cdf(data, st.app)
					else
						objs, err = p15.decode_dodf(data, st.app)
					end
					if not objs then
						dbg("%s: %s at %s is malformed", name, dname,
						    iso.path_hex(p))
						return nil, err
					end
					e = { path = p, size = size, used = used, objs = objs,
					      sec = fcp.sec }
				end
			end
			d[dname] = e
		end
		return d
	end

	-- Read a whole EF (certificate, data, public key). nil + CKR on failure.
	function fs.read_ef(card, p)
		local data, _, sw = iso.read_file(card, p)
		if data then
			return data
		end
		if sw == 0x6982 then
			return nil, "CKR_USER_NOT_LOGGED_IN"
		end
		dbg("%s: reading %s: SW %s", name, iso.path_hex(p), iso.swhex(sw))
		return nil, "CKR_DEVICE_ERROR"
	end

	-----------------------------------------------------------------------------------
	-- Writing, all or nothing

	-- Run an undo list in reverse. A step that fails is tried once more: the command
	-- that failed may have left the card in a state that refuses the next command once
	-- (a broken chain answers 68 83 and is dropped). false when a step failed twice.
	local function undo_all(undo)
		for i = #undo, 1, -1 do
			local ok, res = pcall(undo[i])
			if not ok or not res then
				dbg("%s: undo step %d failed; trying it again", name, i)
				ok, res = pcall(undo[i])
				if not ok or not res then
					dbg("%s: undo step %d failed", name, i)
					return false
				end
			end
		end
		return true
	end
	fs.undo_all = undo_all

	-- Give up: undo what was done and return err (CKR_GENERAL_ERROR when the undo
	-- failed).
	function fs.give_up(undo, err, what, sw)
		dbg("%s: %s failed: %s (SW %s); undoing %d step(s)", name, what, tostring(err),
		    iso.swhex(sw), #undo)
		if not undo_all(undo) then
			return nil, "CKR_GENERAL_ERROR"
		end
		return nil, err
	end

	-- Create an EF in the application DF (selected first unless selected is true);
	-- pushes its deletion. The callers ask only for FIDs that nothing references, so a
	-- file already there (6A89) is an orphan, left by a call the card was pulled out of:
	-- it is deleted (logged) and the file created again. The new EF is the current file
	-- afterwards.
	local function create_ef(card, undo, app, fid, size, secattr, selected)
		local f = { size = size, type = EF_TRANSPARENT, fid = fid, sec = secattr }
		local ok, err, sw
		if selected then
			ok, err, sw = iso.create_file(card, f)
		else
			ok, err, sw = M.create_in(card, app, f)
		end
		if not ok and sw == 0x6A89 then
			dbg("%s: reclaiming %s: no PKCS#15 structure references it", name,
			    iso.path_hex(app .. iso.u16(fid)))
			ok, err, sw = iso.delete_file(card, fid)
			if ok then
				ok, err, sw = iso.create_file(card, f)
			end
		end
		if not ok then
			return nil, err, sw
		end
		local p = app .. iso.u16(fid)
		undo[#undo + 1] = function() return M.delete_at(card, p) end
		return true
	end
	fs.create_ef = create_ef

	-- Change the used part of a file from old to new: write from the first differing
	-- byte, zero-padding what new no longer covers; pushes the reverse write.
	local function patch(card, undo, p, old, new)
		local i = 1
		while i <= #old and i <= #new and old:byte(i) == new:byte(i) do
			i = i + 1
		end
		if i > #old and i > #new then
			return true
		end
		local function pad(s, n)
			return s .. string.rep("\x00", math.max(0, n - #s))
		end
		local fwd = pad(new:sub(i), #old - i + 1)
		local back = pad(old:sub(i), #new - i + 1)
		local fcp, err, sw = iso.select_path(card, p)
		if not fcp then
			return nil, err, sw
		end
		local ok
		ok, err, sw = iso.update_binary(card, i - 1, fwd)
		-- a write that failed half way may have changed the first chunks: undo it too
		undo[#undo + 1] = function()
			return iso.select_path(card, p) ~= nil and
				iso.update_binary(card, i - 1, back) == true
		end
		if not ok then
			return nil, err, sw
		end
		return true
	end
	fs.patch = patch

	-- Whether a directory's new used part fits its file.
	function fs.fits(dfe, new_used)
		return #new_used <= (dfe.size or P.dir_size)
	end

	-- Write an object directory's new used part, creating the file (and listing it in
	-- the ODF plan) when the token has none yet.
	local function write_dir(card, undo, st, d, dname, new_used, odf_add)
		local e = d[dname]
		if e.path then
			return patch(card, undo, e.path, e.used, new_used)
		end
		local df = P.dfs[dname]
		local ok, err, sw = create_ef(card, undo, st.app, df.fid, P.dir_size, P.dir_sec)
		if not ok then
			return nil, err, sw
		end
		e.path, e.size, e.used = st.app .. iso.u16(df.fid), P.dir_size, ""
		odf_add[#odf_add + 1] = { df.tag, e.path }
		return patch(card, undo, e.path, "", new_used)
	end

	local function write_odf(card, undo, st, odf_add)
		if #odf_add == 0 then
			return true
		end
		local new = st.odf_used .. p15.encode_odf(odf_add)
		if #new > (st.odf_size or ODF_MAX) then
			return nil, "CKR_DEVICE_MEMORY"
		end
		return patch(card, undo, st.odf_path, st.odf_used, new)
	end

	-- The directory changes of one call, changes = { { name=, used= }, ... }, made
	-- visible together, so that a card pulled out in the middle leaves all of them or
	-- none:
	-- - one existing directory whose change fits one UPDATE BINARY is patched in place:
	--   that APDU is the commit point;
	-- - otherwise each changed directory is written whole to a new file, its shadow (FID
	--   shadow_fid(base, fid): 60x2 ↔ 6012 ..., or the profile's FID for a directory the
	--   token lacks), and one UPDATE of the ODF (at most 128 bytes: one APDU) switches to
	--   all of them at once. That is the commit point; the old files are deleted after it.
	-- Before the commit every step pushes its undo; after it nothing is undone, and an old
	-- directory that cannot be deleted stays behind unreferenced, for the next shadow of
	-- that directory to reclaim (create_ef). selected: the application DF is the current
	-- DF.
	function fs.commit_dirs(card, undo, st, d, changes, selected)
		if #changes == 1 then
			local e = d[changes[1].name]
			if e.path and M.patch_span(e.used, changes[1].used) <= iso.UPDATE_CHUNK then
				return patch(card, undo, e.path, e.used, changes[1].used)
			end
		end
		-- the new ODF, planned first: each old path is replaced in place (same length)
		local odf, old, shadows = st.odf_used, {}, {}
		for i, c in ipairs(changes) do
			local e, base = d[c.name], P.dfs[c.name].fid
			local fid = base
			if e.path then
				fid = shadow_fid(base, fid_of(e.path))
			end
			local p = st.app .. iso.u16(fid)
			if e.path then
				local a = "\x04" .. string.char(#e.path) .. e.path
				local at = odf:find(a, 1, true)
				if not at or e.path:sub(1, #e.path - 2) ~= st.app then
					-- an ODF we cannot switch in one write: one by one
					dbg("%s: %s is not switchable in the ODF; writing in place", name,
					    iso.path_hex(e.path))
					local odf_add = {}
					for _, x in ipairs(changes) do
						local ok, err, sw = write_dir(card, undo, st, d, x.name,
									      x.used, odf_add)
						if not ok then
							return nil, err, sw
						end
					end
					return write_odf(card, undo, st, odf_add)
				end
				odf = odf:sub(1, at - 1) .. "\x04" .. string.char(#p) .. p ..
					odf:sub(at + #a)
				old[#old + 1] = e.path
			else
				odf = odf .. p15.encode_odf({ { P.dfs[c.name].tag, p } })
			end
			shadows[i] = { fid = fid, size = math.max(e.size or 0, P.dir_size, #c.used),
				       sec = e.sec and #e.sec == #P.dir_sec and e.sec or P.dir_sec }
		end
		if #odf > (st.odf_size or ODF_MAX) then
			return nil, "CKR_DEVICE_MEMORY"
		end
		for i, c in ipairs(changes) do
			local sh = shadows[i]
			local ok, err, sw = create_ef(card, undo, st.app, sh.fid, sh.size, sh.sec,
						      selected)
			if not ok then
				return nil, err, sw
			end
			selected = true         -- the new EF is current, the application DF with it
			if c.used ~= "" then
				ok, err, sw = iso.update_binary(card, 0, c.used)
				if not ok then
					return nil, err, sw
				end
			end
		end
		local ok, err, sw = patch(card, undo, st.odf_path, st.odf_used, odf)
		if not ok then
			return nil, err, sw
		end
		-- committed: nothing before this is undone any more
		for i = #undo, 1, -1 do
			undo[i] = nil
		end
		for _, p in ipairs(old) do
			-- the ODF is current: its DF is the application's, where the old files are
			local gone, _, dsw = iso.delete_file(card, fid_of(p))
			if not gone then
				dbg("%s: the old directory %s stays (SW %s); the next change reclaims it",
				    name, iso.path_hex(p), iso.swhex(dsw))
			end
		end
		return true
	end

	-- The lowest free EF of a template (base + index) in the application DF: not used
	-- by any object the directories list, and absent on the card. fid, or nil + CKR.
	function fs.free_ef(card, st, d, base)
		local taken = {}
		for _, e in pairs(d) do
			for _, o in ipairs(e.objs) do
				if o.path then
					taken[o.path] = true
				end
			end
		end
		for idx = 0, 0xFF do
			local p = st.app .. iso.u16(base + idx)
			if not taken[p] then
				local fcp, err, sw = iso.select_path(card, p)
				if not fcp and sw == 0x6A82 then
					return base + idx
				elseif not fcp then
					return nil, err
				end
				-- a file no directory lists: an orphan of a call the card was pulled
				-- out of; reclaimed (its delete condition is the one of whoever is
				-- changing the token now), else skipped
				if M.delete_at(card, p) then
					dbg("%s: reclaimed %s: no PKCS#15 structure referenced it", name,
					    iso.path_hex(p))
					return base + idx
				end
				dbg("%s: %s exists without an object; skipped", name, iso.path_hex(p))
			end
		end
		return nil, "CKR_DEVICE_MEMORY"
	end

	return fs
end

return M
