#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# Golden test: the tiny spec (tests/codegen/tiny) generates exactly tests/codegen/golden,
# byte for byte. After an intended change to codegen, refresh the golden files with
#     make codegen-golden
# and review the diff of tests/codegen/golden in the commit.
import difflib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "codegen"))
from taplib import Tap, TINY, GOLDEN, generate, read_tree, tempdir  # noqa: E402

t = Tap()
with tempdir() as tmp:
    out = os.path.join(tmp, "out")
    rc, _, err = generate(TINY, out, "--partial")
    t.is_eq(rc, 0, "the tiny spec generates")
    if err:
        t.diag(err)
    got = read_tree(out) if os.path.isdir(out) else {}
    want = read_tree(GOLDEN)
    t.is_eq(sorted(got), sorted(want), "the same files as the golden folder")
    for name in sorted(want):
        same = got.get(name) == want[name]
        t.ok(same, "%s matches the golden file" % name)
        if not same and name in got:
            diff = difflib.unified_diff(want[name].decode().splitlines(),
                                        got[name].decode().splitlines(),
                                        "golden/" + name, "generated/" + name, lineterm="")
            t.diag("\n".join(list(diff)[:30]))
            t.diag("if the change is intended: make codegen-golden")
sys.exit(t.done())
