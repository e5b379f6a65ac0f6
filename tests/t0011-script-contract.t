#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# The runtime-script contract (spec/script-contract.yaml): scripts/README.md's contract
# tables are the ones codegen/contract.py makes of it (so the two cannot drift); an edit of
# the tables alone, or of the YAML alone, fails the check with the fix command; the
# generated C is fresh and compiles with the build's flags; a broken contract is refused
# with errors naming what is wrong, and nothing is generated.
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "codegen"))
from taplib import Tap, CFLAGS, GENERATED, PYTHON, ROOT, SPEC, generate, run, tempdir  # noqa: E402

CONTRACT = os.path.join(ROOT, "codegen", "contract.py")
README = os.path.join(ROOT, "scripts", "README.md")


def check(spec, readme):
    return run([PYTHON, CONTRACT, "--spec", spec, "--readme", readme, "--check"])


t = Tap()
rc, _, err = check(SPEC, README)
t.is_eq(rc, 0, "scripts/README.md's contract tables match spec/script-contract.yaml")
if rc:
    t.diag(err)
with open(README, encoding="utf-8") as f:
    text = f.read()
t.ok("| `token_info(card)` |" in text and "| `write_protected` | boolean |" in text and
     "| `users` |" in text, "the tables name the functions and the new fields")

with tempdir() as tmp:
    # the README edited by hand: stale
    copy = os.path.join(tmp, "README.md")
    with open(copy, "w", encoding="utf-8") as f:
        f.write(text.replace("| `clock` | boolean |", "| `clock` | integer |"))
    rc, _, err = check(SPEC, copy)
    t.ok(rc == 1 and "make generate" in err, "a hand edit of the tables fails the check")
    # the YAML edited alone: stale too, and a rewrite makes the README fresh again
    spec = os.path.join(tmp, "spec")
    shutil.copytree(SPEC, spec)
    path = os.path.join(spec, "script-contract.yaml")
    with open(path, encoding="utf-8") as f:
        yml = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(yml.replace("doc: the serial number", "doc: the serial number (changed)"))
    shutil.copy(README, copy)
    rc, _, _ = check(spec, copy)
    t.is_eq(rc, 1, "a YAML edit without make generate fails the check")
    rc, _, _ = run([PYTHON, CONTRACT, "--spec", spec, "--readme", copy])
    rc2, _, _ = check(spec, copy)
    with open(copy, encoding="utf-8") as f:
        t.ok(rc == 0 and rc2 == 0 and "the serial number (changed)" in f.read(),
             "the rewrite puts the YAML into the README")
    # no markers
    with open(copy, "w", encoding="utf-8") as f:
        f.write("# no tables\n")
    rc, _, err = check(SPEC, copy)
    t.ok(rc == 1 and "contract: begin" in err, "a README without the markers is an error")

    # the generated C: fresh, and it compiles
    out = os.path.join(tmp, "out")
    rc, _, err = generate(SPEC, out)
    same = rc == 0
    for name in ("sk_contract.h", "sk_contract.c"):
        with open(os.path.join(out, name), encoding="utf-8") as a, \
                open(os.path.join(GENERATED, name), encoding="utf-8") as b:
            same = same and a.read() == b.read()
    t.ok(same, "generated/sk_contract.{h,c} are fresh")
    obj = os.path.join(tmp, "c.o")
    rc, _, err = run(["gcc"] + CFLAGS + ["-I" + GENERATED, "-c", "-o", obj,
                                         os.path.join(GENERATED, "sk_contract.c")])
    t.is_eq(rc, 0, "sk_contract.c compiles with the build's flags")
    if rc:
        t.diag(err)

    # broken contracts: each refused, with its reason
    cases = (
        ("type: string, max: 32, doc: \"the token's label",
         "type: strng, max: 32, doc: \"the token's label", "type must be one of"),
        ("default_from: min_pin", "default_from: nothing", "default_from names no integer field"),
        ("at_least: min_pin", "at_least: label", "at_least names no integer field"),
        ("    record: token_info\n    if_missing", "    record: nothing\n    if_missing",
         "record names no record"),
        ("kind: private-key", "kind: secret", "kind must be one of"),
        ("if_missing: CKR_OK", "if_missing: OK", "if_missing must be a CKR_ name"),
        ("        lo: 0\n        hi: 255\n        ctype: CK_ULONG\n        default: 0\n"
         "        doc: \"the user PIN's shortest",
         "        lo: 0\n        hi: 255\n        ctype: CK_ULONG\n        default: 300\n"
         "        doc: \"the user PIN's shortest", "default must be an integer within lo..hi"),
        ("hi: 255\n        ctype: int\n        default: -1\n        doc: \"the tries a fresh",
         "hi: 4294967296\n        ctype: int\n        default: -1\n        doc: \"the tries a fresh",
         "does not fit int"),
    )
    for old, new, want in cases:
        with open(path, "w", encoding="utf-8") as f:
            f.write(yml.replace(old, new, 1))
        out = os.path.join(tmp, "bad")
        shutil.rmtree(out, ignore_errors=True)
        rc, _, err = generate(spec, out)
        t.ok(old in yml and rc == 1 and want in err and "script-contract.yaml" in err and
             not os.path.exists(os.path.join(out, "sk_contract.c")),
             "refused: %s" % want)
        if rc != 1 or want not in err:
            t.diag(err)
sys.exit(t.done())
