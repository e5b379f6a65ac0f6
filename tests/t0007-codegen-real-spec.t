#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# The real spec: it validates as the whole standard (68 + 24 + 12 functions), generated/
# is fresh, every function has an exported entry point and a probe line, and the function
# lists have the standard's sizes.
import os
import re
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "codegen"))
from taplib import Tap, CFLAGS, GENERATED, SPEC, generate, run, tempdir  # noqa: E402

LISTS = r"""
#include <stddef.h>
#include <stdio.h>
#include "sk_dispatch.h"
#define ENTRIES(t) ((sizeof(t) - offsetof(t, C_Initialize)) / sizeof(CK_C_Initialize))
int main(void)
{
	printf("%zu %zu %zu %d\n", ENTRIES(CK_FUNCTION_LIST), ENTRIES(CK_FUNCTION_LIST_3_0),
	       ENTRIES(CK_FUNCTION_LIST_3_2), (int)SK_FN__COUNT);
	return 0;
}
"""

t = Tap()
with open(os.path.join(SPEC, "functions.yaml"), encoding="utf-8") as f:
    names = [fn["name"] for fn in yaml.safe_load(f)["functions"]]
with open(os.path.join(SPEC, "module.yaml"), encoding="utf-8") as f:
    implemented = yaml.safe_load(f)["implemented"]
t.is_eq(len(names), 104, "functions.yaml lists 104 functions")

with tempdir() as tmp:
    rc, _, err = generate(SPEC, os.path.join(tmp, "out"))
    t.is_eq(rc, 0, "the real spec validates as the whole standard")
    if rc:
        t.diag(err)
    rc, _, err = generate(SPEC, GENERATED, "--check")
    t.is_eq(rc, 0, "generated/ is fresh (else: make generate)")
    if rc:
        t.diag(err)

    obj = os.path.join(tmp, "sk_entry.o")
    rc, _, err = run(["gcc"] + CFLAGS + ["-I" + GENERATED, "-c",
                                         os.path.join(GENERATED, "sk_entry.c"), "-o", obj])
    t.is_eq(rc, 0, "sk_entry.c compiles")
    rc, out, _ = run(["readelf", "-sW", obj])
    exported = []
    for line in out.splitlines():
        cols = line.split()
        if len(cols) >= 8 and cols[3] == "FUNC" and cols[4] == "GLOBAL" and cols[6] != "UND":
            exported.append((cols[7], cols[5]))
    t.is_eq(sorted(n for n, _ in exported), sorted(names),
            "sk_entry.c defines exactly the spec's C_ functions")
    t.ok(all(vis == "DEFAULT" for _, vis in exported) and exported,
         "all with default visibility under -fvisibility=hidden")

    with open(os.path.join(GENERATED, "sk_dispatch.h"), encoding="utf-8") as f:
        dispatch = f.read()
    rt = re.findall(r"^CK_RV rt_(\w+)\(", dispatch, re.M)
    t.is_eq(rt, [n[2:] for n in names if n in implemented],
            "an rt_ prototype for each implemented function, in list order")

    with open(os.path.join(GENERATED, "sk_probe.inc"), encoding="utf-8") as f:
        probe = f.read()
    fns = re.findall(r"^SK_PROBE_FUNCTION\((\w+), (\d+), (\d+)\)$", probe, re.M)
    t.is_eq([(n, int(i)) for n, i, _ in fns], [(n, i) for i, n in enumerate(names)],
            "the probe lists every function with its index")

    src = os.path.join(tmp, "lists.c")
    with open(src, "w") as f:
        f.write(LISTS)
    exe = os.path.join(tmp, "lists")
    rc, _, err = run(["gcc"] + CFLAGS + ["-I" + GENERATED, src, "-o", exe])
    t.is_eq(rc, 0, "a program using the lists compiles")
    if rc == 0:
        rc, out, _ = run([exe])
        t.is_eq(out.split(), ["68", "92", "104", "104"],
                "CK_FUNCTION_LIST has 68 entries, _3_0 92, _3_2 104; 104 sk_fn values")
sys.exit(t.done())
