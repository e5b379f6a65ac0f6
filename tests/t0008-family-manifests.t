#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# t0008 — the token-family manifests (family.yaml) of scripts/ and tests/scripts/ are real
# YAML and follow the schema, read by PyYAML through codegen/manifests.py; the checker
# refuses the broken fixture at the line the module logs; and the module's own parser
# (through build/sk-script find_family) agrees with PyYAML's reading: for every ATR pattern,
# its value, the value with every masked-out bit flipped, and the value with one compared
# bit flipped get the family that PyYAML's model predicts (highest priority, then name,
# among the patterns that match), unless a probe would have to decide (the transcripts of
# t9001 cover those).
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "codegen"))
from taplib import ROOT, PYTHON, Tap, run  # noqa: E402

CHECK = os.path.join(ROOT, "codegen", "manifests.py")
SK = os.path.join(os.environ.get("BUILD", os.path.join(ROOT, "build")), "sk-script")
ROOTS = [os.path.join(ROOT, "scripts"), os.path.join(ROOT, "tests", "scripts")]

t = Tap()
models = {}
for root in ROOTS:
    rc, out, err = run([PYTHON, CHECK, "--model", root])
    t.is_eq((rc, err), (0, ""), "%s: every manifest passes" % os.path.relpath(root, ROOT))
    models[root] = [json.loads(line) for line in out.splitlines()]
    t.ok(len(models[root]) > 0, "... %d families" % len(models[root]))

rc, _, err = run([PYTHON, CHECK, os.path.join(ROOT, "tests", "lb", "scripts")])
t.is_eq(rc, 1, "the broken fixture is refused")
t.ok("broken/family.yaml:7: unknown key 'prority'" in err,
     "... at the line and with the words the module logs")


def matches(p, atr):
    v, m = bytes.fromhex(p["value"]), bytes.fromhex(p["mask"])
    return len(atr) == len(v) and all(a & k == b & k for a, b, k in zip(atr, v, m))


def predict(fams, atr):
    """The family the module must choose, or None for 'a probe decides'."""
    cands = sorted((f for f in fams if any(matches(p, atr) for p in f["atr"])),
                   key=lambda f: (-f["priority"], f["name"]))
    if not cands:
        return "CKR_TOKEN_NOT_RECOGNIZED"
    return None if cands[0]["probe"] else cands[0]["name"]


if not os.access(SK, os.X_OK):
    t.diag("%s is not built: the module's parser is not compared" % SK)
else:
    for root, fams in models.items():
        for f in fams:
            for i, p in enumerate(f["atr"]):
                v, m = bytes.fromhex(p["value"]), bytes.fromhex(p["mask"])
                flipped = bytes(a ^ (~k & 0xFF) for a, k in zip(v, m))
                k = next((j for j, b in enumerate(m) if b), None)
                tries = [("value", v), ("masked bits flipped", flipped)]
                if k is not None:
                    tries.append(("a compared bit flipped",
                                  v[:k] + bytes([v[k] ^ (m[k] & -m[k])]) + v[k + 1:]))
                for what, atr in tries:
                    want = predict(fams, atr)
                    if want is None:
                        continue
                    rc, out, err = run(["timeout", "20", SK, "--scripts", root, "--atr",
                                        atr.hex(), "find_family"])
                    got = out.strip().splitlines()[-1] if out.strip() else "exit %d" % rc
                    t.is_eq(got, want, "%s pattern %d, %s (%s)" % (f["name"], i + 1, what,
                                                                   atr.hex().upper()))
sys.exit(t.done())
