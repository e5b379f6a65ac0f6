#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# The handle checks of the real entry points (generated/sk_entry.c) against
# spec/functions.yaml and spec/module.yaml, function by function:
#   - an implemented `handle: session` function resolves its handle with sk_session
#     right after sk_enter, before any pointer check and before the runtime, passes the
#     spec's rw/login as SK_NEED_RW / SK_LOGIN_*, and ends the call's record with
#     sk_session_end after the runtime;
#   - an implemented `handle: slot` function checks its slot with sk_slot after the
#     pointer checks and before the runtime;
#   - nothing else calls either, and no stub does;
#   - the spec's own rw/login entries are the ones the runtime relies on (C_InitPIN,
#     C_SetPIN, C_Logout), each with its code in returns.
import os
import re
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "codegen"))
from taplib import Tap, GENERATED, SPEC  # noqa: E402

t = Tap()
with open(os.path.join(SPEC, "functions.yaml"), encoding="utf-8") as f:
    functions = yaml.safe_load(f)["functions"]
with open(os.path.join(SPEC, "module.yaml"), encoding="utf-8") as f:
    implemented = set(yaml.safe_load(f)["implemented"])
with open(os.path.join(GENERATED, "sk_entry.c"), encoding="utf-8") as f:
    entry = f.read()

bodies = {}
for m in re.finditer(r"^SK_EXPORT CK_RV (C_\w+)\(.*?\n\{\n(.*?)\n\}\n", entry, re.S | re.M):
    bodies[m.group(1)] = m.group(2)
t.is_eq(len(bodies), len(functions), "an entry point per function of the spec")

problems = []
nsession = nslot = 0
for fn in functions:
    name, handle = fn["name"], fn["handle"]
    body = bodies.get(name, "")
    first = fn["args"][0]["name"] if fn["args"] else None
    at = {k: body.find(k) for k in ("sk_enter(", "sk_session(", "sk_session_end();",
                                    "sk_slot(", "== NULL", "rt_")}
    if name not in implemented or handle == "none":
        if at["sk_session("] >= 0 or at["sk_slot("] >= 0 or at["sk_session_end();"] >= 0:
            problems.append("%s (%s%s) has a handle check" % (
                name, handle, "" if name in implemented else ", a stub"))
        continue
    if handle == "session":
        nsession += 1
        need = (["SK_NEED_RW"] if fn.get("rw") else []) + \
            (["SK_LOGIN_" + fn["login"].upper()] if fn.get("login", "none") != "none" else [])
        call = "sk_session(%s, %s)" % (first, " | ".join(need) or "0")
        if call not in body:
            problems.append("%s: no %s" % (name, call))
        elif not (at["sk_enter("] < at["sk_session("] < at["rt_"]
                  and (at["== NULL"] < 0 or at["sk_session("] < at["== NULL"])):
            problems.append("%s: sk_session is not first after sk_enter" % name)
        if body.count("sk_session_end();") != 1 or at["sk_session_end();"] < at["rt_"]:
            problems.append("%s: not one sk_session_end after the runtime" % name)
    elif handle == "slot":
        nslot += 1
        if "sk_slot(%s)" % first not in body:
            problems.append("%s: no sk_slot(%s)" % (name, first))
        elif not (at["sk_slot("] < at["rt_"] and
                  (at["== NULL"] < 0 or at["== NULL"] < at["sk_slot("])):
            problems.append("%s: sk_slot is not between the pointer checks and the runtime"
                            % name)
for p in problems:
    t.diag(p)
t.ok(not problems, "handle checks where the spec says, in order (%d session, %d slot functions)"
     % (nsession, nslot))
t.ok(nsession >= 30 and nslot >= 5, "... and there are that many")

want = {"C_InitPIN": (True, "so"), "C_SetPIN": (True, "none"), "C_Logout": (False, "any")}
got = {fn["name"]: (bool(fn.get("rw")), fn.get("login", "none")) for fn in functions
       if fn.get("rw") or fn.get("login", "none") != "none"}
t.is_eq(got, want, "rw and login: the requirements the runtime no longer checks by hand")
bad = [fn["name"] for fn in functions
       if (fn.get("rw") and "CKR_SESSION_READ_ONLY" not in fn["returns"]) or
       (fn.get("login", "none") != "none" and "CKR_USER_NOT_LOGGED_IN" not in fn["returns"])]
t.is_eq(bad, [], "each with its code in returns")
sys.exit(t.done())
