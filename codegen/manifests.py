#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Check token-family manifests (scripts/<family>/family.yaml) with a real YAML parser.

The module reads manifests at run time with its own small parser of a strict YAML subset
(runtime/lb_family.c; the format is in scripts/README.md). This checker reads them with
PyYAML and the same schema, so that a manifest is real YAML as well as what the module
accepts, and gives the model (patterns, priority, probe) that tests compare with the
module's choices.

    manifests.py DIR...          check every DIR/*/family.yaml; prints FILE:LINE: problem
    manifests.py --model DIR...  the same, then one JSON object per family on stdout
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from yamlloc import YamlError, YList, YMap, Scalar, load  # noqa: E402

HEX = re.compile(r"^[0-9A-Fa-f]{2}( *[0-9A-Fa-f]{2})*$")
NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
ATR_MAX, PAT_MAX, AID_MAX, PRIO_MAX = 33, 32, 16, 1000


def _hex(s, what, line, cap):
    if not isinstance(s, Scalar) or s.quoted or not HEX.match(s.text):
        raise YamlError(line, "%s: hex bytes expected (like 3B 8B 01)" % what)
    b = bytes.fromhex(s.text.replace(" ", ""))
    if len(b) > cap:
        raise YamlError(line, "%s: more than %d bytes" % (what, cap))
    return b


SET_MAX = 16
SET_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _keys(m, allowed, where):
    for k in m:
        if k not in allowed:
            raise YamlError(m.key_lines[k], "unknown key '%s'%s (%s)"
                            % (k, where, ", ".join(allowed)))


def check(path):
    """The family's model as a dict; raises YamlError."""
    with open(path, encoding="utf-8") as f:
        doc = load(f.read(), raw_scalars=True)
    if not isinstance(doc, YMap):
        raise YamlError(1, "a manifest is a mapping (priority, atr, probe, description)")
    _keys(doc, ("priority", "atr", "probe", "settings", "description"), "")
    fam = {"priority": 0, "atr": [], "probe": None}
    if "priority" in doc:
        p, line = doc["priority"], doc.value_lines["priority"]
        if not isinstance(p, Scalar) or not re.match(r"^-?[0-9]+$", p.text) or \
                abs(int(p.text)) > PRIO_MAX:
            raise YamlError(line, "priority: an integer from %d to %d" % (-PRIO_MAX, PRIO_MAX))
        fam["priority"] = int(p.text)
    atr = doc.get("atr")
    if not isinstance(atr, YList):
        raise YamlError(doc.key_lines.get("atr", 1),
                        "atr: a list of '- value: HEX' items on the lines below")
    if not atr or len(atr) > PAT_MAX:
        raise YamlError(atr.line, "atr: 1 to %d items" % PAT_MAX)
    for item, line in zip(atr, atr.item_lines):
        if not isinstance(item, YMap) or "value" not in item:
            raise YamlError(line, "an atr item needs a value")
        _keys(item, ("value", "mask"), " in an atr item")
        value = _hex(item["value"], "value", item.value_lines["value"], ATR_MAX)
        mask = _hex(item["mask"], "mask", item.value_lines["mask"], ATR_MAX) \
            if "mask" in item else b"\xff" * len(value)
        if len(mask) != len(value):
            raise YamlError(line, "value and mask differ in length (%d and %d bytes)"
                            % (len(value), len(mask)))
        fam["atr"].append({"value": value.hex().upper(), "mask": mask.hex().upper()})
    if "probe" in doc:
        p, line = doc["probe"], doc.value_lines["probe"]
        if not isinstance(p, YMap):
            raise YamlError(line, "probe: needs select_aid or function")
        _keys(p, ("select_aid", "expect_sw", "function"), " in probe")
        if "select_aid" in p and "function" in p:
            raise YamlError(line, "probe: select_aid or function, not both")
        if "select_aid" in p:
            aid = _hex(p["select_aid"], "select_aid", p.value_lines["select_aid"], AID_MAX)
            sw = _hex(p["expect_sw"], "expect_sw", p.value_lines["expect_sw"], 2) \
                if "expect_sw" in p else b"\x90\x00"
            if len(sw) != 2:
                raise YamlError(p.value_lines["expect_sw"],
                                "expect_sw: a status word of 2 bytes (like 9000)")
            fam["probe"] = {"select_aid": aid.hex().upper(), "expect_sw": sw.hex().upper()}
        elif "function" in p:
            fn = p["function"]
            if not isinstance(fn, Scalar) or not NAME.match(fn.text) or len(fn.text) > 63:
                raise YamlError(p.value_lines["function"],
                                "function: the name of a function of token.lua")
            if "expect_sw" in p:
                raise YamlError(line, "probe: expect_sw belongs to select_aid")
            fam["probe"] = {"function": fn.text}
        else:
            raise YamlError(line, "probe: needs select_aid or function")
    if "settings" in doc:
        st = doc["settings"]
        if not isinstance(st, YList) or len(st) > SET_MAX:
            raise YamlError(doc.key_lines["settings"],
                            "settings: a list of '- { name: NAME, secret: BOOL }' items "
                            "on the lines below")
        names = set()
        for item, line in zip(st, st.item_lines):
            if not isinstance(item, YMap) or "name" not in item:
                raise YamlError(line, "a settings item needs a name")
            _keys(item, ("name", "secret"), " in a settings item")
            n = item["name"]
            if not isinstance(n, Scalar) or not SET_NAME.match(n.text) or len(n.text) > 32:
                raise YamlError(line, "name: [a-z][a-z0-9_]* of at most 32 bytes")
            if n.text in names:
                raise YamlError(line, "setting '%s' given twice" % n.text)
            names.add(n.text)
            if "secret" in item and (not isinstance(item["secret"], Scalar) or
                                     item["secret"].text not in ("true", "false")):
                raise YamlError(line, "secret: true or false")
    return fam


def families(dirs):
    """(name, path, model or None, error or None) for every manifest under dirs."""
    out = []
    for d in dirs:
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name, "family.yaml")
            if name == "lib" or not os.path.isfile(path):
                continue
            try:
                out.append((name, path, check(path), None))
            except YamlError as e:
                out.append((name, path, None, "%s:%d: %s" % (path, e.line, e.message)))
    return out


def main(argv):
    model = argv[:1] == ["--model"]
    dirs = argv[1:] if model else argv
    if not dirs:
        print(__doc__.strip().splitlines()[-2].strip(), file=sys.stderr)
        return 2
    bad = 0
    for name, _, fam, err in families(dirs):
        if err:
            print(err, file=sys.stderr)
            bad = 1
        elif model:
            print(json.dumps(dict(fam, name=name), sort_keys=True))
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
