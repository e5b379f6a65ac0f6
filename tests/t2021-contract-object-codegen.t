#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# The contract's object record in the generator (codegen/contract.py): the generated C has
# struct lb_object with the fields the runtime uses (ref, attrs, nattrs) and the field
# table the bridge reads answers with (ref 1..63 bytes, at most 256 attributes, both
# required; the object functions pointing at the record); scripts/README.md's tables
# describe the record; and a broken object record or function is refused with its reason,
# nothing generated.
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "codegen"))
from taplib import Tap, GENERATED, ROOT, SPEC, generate, tempdir  # noqa: E402

t = Tap()
with open(os.path.join(GENERATED, "sk_contract.h"), encoding="utf-8") as f:
    h = f.read()
with open(os.path.join(GENERATED, "sk_contract.c"), encoding="utf-8") as f:
    c = f.read()
m = re.search(r"struct lb_object \{(.*?)\};", h, re.S)
t.ok(m is not None and "char ref[64];" in m.group(1) and
     "struct lb_attr *attrs;" in m.group(1) and "size_t nattrs;" in m.group(1),
     "struct lb_object: ref[64], attrs, nattrs")
t.ok("struct lb_attr;" in h and "SKC_ATTRIBUTES" in h, "the attributes field type")
m = re.search(r"skc_object_fields\[\] = \{(.*?)\n\};", c, re.S)
body = m.group(1) if m else ""
t.ok('.name = "ref"' in body and ".min_len = 1" in body and ".max_len = 63" in body,
     "the ref field: 1..63 bytes")
t.ok('.name = "attrs"' in body and ".type = SKC_ATTRIBUTES" in body and
     ".max_count = 256" in body and "offsetof(struct lb_object, nattrs)" in body,
     "the attrs field: at most 256, its count nattrs")
t.is_eq(body.count(".required = 1"), 2, "both fields required")
for fn, want in (("objects", "4096,\n\t  &skc_object"), ("create_object", "&skc_object"),
                 ("set_attributes", "&skc_object"), ("generate_key_pair", "&skc_object"),
                 ("sign", "NULL")):
    m = re.search(r'\{ "%s", [^}]*\}' % fn, c)
    t.ok(m is not None and want in m.group(0), "the function %s: %s" % (fn, want.split()[-1]))
with open(os.path.join(ROOT, "scripts", "README.md"), encoding="utf-8") as f:
    readme = f.read()
t.ok("The `object` record" in readme and "| `ref` | string of 1–63 bytes | required |" in readme
     and "two `object` records" in readme, "scripts/README.md describes the object record")

with tempdir() as tmp:
    spec = os.path.join(tmp, "spec")
    shutil.copytree(SPEC, spec)
    path = os.path.join(spec, "script-contract.yaml")
    with open(path, encoding="utf-8") as f:
        yml = f.read()
    cases = (
        ("        type: attributes\n        count: 256\n", "        type: attributes\n",
         "count must be 1..4096"),
        ("        type: attributes\n        count: 256\n",
         "        type: attributes\n        count: 0\n", "count must be 1..4096"),
        ("        type: attributes\n        count: 256\n",
         "        type: attributes\n        count: 256\n        max: 5\n", "unknown keys max"),
        ("        min: 1\n        max: 63\n", "        min: 64\n        max: 63\n",
         "min must be 0..max"),
        ("        min: 1\n        max: 63\n", "        min: -1\n        max: 63\n",
         "min must be 0..max"),
        ("    result: pair\n    record: object\n", "    result: pair\n",
         "record names no record"),
        ("    result: list\n    record: object\n    max: 4096\n",
         "    result: list\n    record: object\n", "a list needs its max"),
        ("    result: bytes\n    max: 0\n    if_missing: CKR_FUNCTION_NOT_SUPPORTED\n"
         "    kind: private-key\n    doc: the signature",
         "    result: bytes\n    record: object\n    max: 0\n"
         "    if_missing: CKR_FUNCTION_NOT_SUPPORTED\n    kind: private-key\n"
         "    doc: the signature", "record is for record, list and pair results"),
        ("    result: record\n    record: object\n    if_missing: CKR_TOKEN_WRITE_PROTECTED\n"
         "    kind: change\n    doc: the object as stored\n",
         "    result: object\n    if_missing: CKR_TOKEN_WRITE_PROTECTED\n"
         "    kind: change\n    doc: the object as stored\n", "result must be one of"),
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
