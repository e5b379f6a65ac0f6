#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# Determinism: two runs (with different hash seeds, from different working folders and
# output paths) produce identical bytes, for the tiny spec and for the real one.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "codegen"))
from taplib import Tap, ROOT, SPEC, TINY, generate, read_tree, tempdir  # noqa: E402

# one output per template
N_OUTPUTS = len([n for n in os.listdir(os.path.join(ROOT, "codegen", "templates"))
                 if n.endswith(".j2")])
# the contract's outputs need spec/script-contract.yaml, which the tiny spec does not have
N_CONTRACT = len([n for n in os.listdir(os.path.join(ROOT, "codegen", "templates"))
                  if n.startswith("sk_contract") and n.endswith(".j2")])

t = Tap()
for label, spec, extra in (("tiny spec", TINY, ["--partial"]), ("real spec", SPEC, [])):
    with tempdir() as tmp:
        runs = []
        for seed, cwd in (("1", ROOT), ("4242", tmp)):
            env = dict(os.environ, PYTHONHASHSEED=seed)
            out = os.path.join(tmp, "out" + seed)
            rc, _, err = generate(spec, out, *extra, cwd=cwd, env=env)
            t.is_eq(rc, 0, "%s: run with PYTHONHASHSEED=%s" % (label, seed))
            if rc:
                t.diag(err)
            runs.append(read_tree(out) if rc == 0 else {})
        t.ok(runs[0] == runs[1] and len(runs[0]) == (N_OUTPUTS - N_CONTRACT if spec == TINY else N_OUTPUTS),
             "%s: both runs are identical" % label)
sys.exit(t.done())
