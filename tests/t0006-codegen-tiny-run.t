#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# Runs the C generated from the tiny spec (the golden files) with a fake runtime
# (tests/codegen/harness.c): argument checks in order, stubs, lists, interfaces, names.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "codegen"))
from taplib import CFLAGS, GOLDEN, ROOT, run, tempdir  # noqa: E402

HARNESS = os.path.join(ROOT, "tests", "codegen", "harness.c")

with tempdir() as tmp:
    exe = os.path.join(tmp, "harness")
    srcs = [os.path.join(GOLDEN, s) for s in ("sk_entry.c", "sk_lists.c", "sk_names.c")]
    rc, out, err = run(["gcc"] + CFLAGS + ["-I" + GOLDEN, "-I" + os.path.join(ROOT, "tests"),
                                           "-o", exe, HARNESS] + srcs)
    if rc != 0:
        sys.stdout.write("1..1\nnot ok 1 - the harness builds\n")
        sys.stderr.write("".join("# %s\n" % line for line in err.splitlines()))
        sys.exit(1)
    rc, out, err = run([exe])
    sys.stdout.write(out)
    sys.stderr.write(err)
sys.exit(rc)
