#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# Bad specs: each case of tests/codegen/bad/cases.yaml breaks a copy of the tiny spec and
# names the exact `file:line: error:` lines the generator must print. The generator must
# exit 1, print all of them (and nothing else but the count), and write nothing.
import os
import shutil
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "codegen"))
from taplib import Tap, ROOT, TINY, generate, tempdir  # noqa: E402

CASES = os.path.join(ROOT, "tests", "codegen", "bad", "cases.yaml")


def apply(spec, edit):
    path = os.path.join(spec, edit["file"])
    if edit.get("remove"):
        os.remove(path)
        return None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if "delete" in edit:
        del lines[edit["delete"] - 1]
    elif "after" in edit:
        lines[edit["after"]:edit["after"]] = edit["text"].rstrip("\n").split("\n")
    else:
        n = edit["line"] - 1
        if edit["from"] not in lines[n]:
            return "%s:%d does not contain %r (did the tiny spec change?)" % (
                edit["file"], edit["line"], edit["from"])
        lines[n] = lines[n].replace(edit["from"], edit["to"], 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return None


t = Tap()
with open(CASES, encoding="utf-8") as f:
    cases = yaml.safe_load(f)
for case in cases:
    name = case["name"]
    with tempdir() as tmp:
        spec = os.path.join(tmp, "spec")
        shutil.copytree(TINY, spec)
        problems = [p for p in (apply(spec, e) for e in case["edits"]) if p]
        if problems:
            t.ok(False, "%s: the edit applies" % name)
            t.diag("\n".join(problems))
            continue
        extra = [] if case.get("partial", True) is False else ["--partial"]
        rc, out, err = generate("spec", "out", *extra, cwd=tmp)
        lines = err.splitlines()
        want = case["expect"]
        tail = "%d error(s); nothing generated" % len(want)
        t.ok(rc == 1 and not os.path.exists(os.path.join(tmp, "out")),
             "%s: exit 1, nothing written" % name)
        t.is_eq(lines, want + [tail], "%s: exactly the expected errors" % name)
sys.exit(t.done())
