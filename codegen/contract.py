#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""The runtime-script contract (spec/script-contract.yaml): its model, its C outputs
(generated/sk_contract.h, sk_contract.c, through templates/sk_contract.*.j2) and the
contract tables of scripts/README.md (between its contract markers).

    contract.py --spec spec --readme scripts/README.md           rewrite the README section
    contract.py --spec spec --readme scripts/README.md --check   fail when it is stale

generate.py renders the C outputs when the spec folder has a script-contract.yaml.
Errors are printed as `file: error: message`, all of them, then exit 1.
"""

import argparse
import os
import re
import sys

import yaml

FILE = "script-contract.yaml"
OUTPUTS = (
    ("sk_contract.h.j2", "sk_contract.h"),
    ("sk_contract.c.j2", "sk_contract.c"),
)
BEGIN = "<!-- contract: begin -->"
END = "<!-- contract: end -->"
FIX_COMMAND = "make generate"

FIELD_TYPES = ("string", "integer", "boolean", "version", "names", "attributes")
CTYPES = {"CK_ULONG": ("SKC_C_ULONG", 0, 2 ** 32 - 1, True), "int": ("SKC_C_INT", -2 ** 31, 2 ** 31 - 1, False)}
RESULTS = ("true", "record", "list", "bytes", "time", "pair")
RECORD_RESULTS = ("record", "list", "pair")
KINDS = {"read": "SKC_READ", "change": "SKC_CHANGE", "private-key": "SKC_PRIVATE_KEY"}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
STRUCT_RE = re.compile(r"^lb_[a-z0-9_]+$")


class ContractErrors(Exception):
    def __init__(self, errors):
        Exception.__init__(self, "\n".join(errors))
        self.errors = errors


class Field:
    pass


class Record:
    pass


class Function:
    pass


def _text(v):
    return "" if v is None else str(v)


class Contract:
    """The contract, loaded and checked. Build with Contract.load(); raises ContractErrors."""

    @classmethod
    def present(cls, spec_dir):
        return os.path.isfile(os.path.join(spec_dir, FILE))

    @classmethod
    def load(cls, spec_dir, display_dir=None):
        self = cls()
        self.path = os.path.join(display_dir if display_dir is not None else spec_dir, FILE)
        self.errors = []
        try:
            with open(os.path.join(spec_dir, FILE), encoding="utf-8") as f:
                doc = yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as e:
            raise ContractErrors(["%s: error: %s" % (self.path, e)])
        if not isinstance(doc, dict) or set(doc) != {"records", "functions"}:
            raise ContractErrors(["%s: error: the top level has exactly 'records' and "
                                  "'functions'" % self.path])
        self.records = self._records(doc["records"])
        self.functions = self._functions(doc["functions"])
        if self.errors:
            raise ContractErrors(self.errors)
        return self

    def _err(self, fmt, *args):
        self.errors.append("%s: error: %s" % (self.path, fmt % args))

    def _records(self, doc):
        out = []
        if not isinstance(doc, dict):
            self._err("records: a mapping of name to record")
            return out
        for name, r in doc.items():
            rec = Record()
            rec.name = name
            if not NAME_RE.match(str(name)) or not isinstance(r, dict):
                self._err("record %r: a lower-case name and a mapping", name)
                continue
            unknown = set(r) - {"c_struct", "doc", "fields"}
            if unknown:
                self._err("record %s: unknown keys %s", name, ", ".join(sorted(unknown)))
            rec.c_struct = _text(r.get("c_struct"))
            if not STRUCT_RE.match(rec.c_struct):
                self._err("record %s: c_struct must be lb_<name>", name)
            rec.doc = _text(r.get("doc"))
            rec.fields = []
            for i, f in enumerate(r.get("fields") or []):
                fld = self._field(rec, i, f)
                if fld is not None:
                    rec.fields.append(fld)
            if not rec.fields:
                self._err("record %s: no fields", name)
            index = {f.name: i for i, f in enumerate(rec.fields)}
            if len(index) != len(rec.fields):
                self._err("record %s: a field name is repeated", name)
            for i, f in enumerate(rec.fields):
                for key in ("default_from", "at_least", "at_most"):
                    other = getattr(f, key)
                    setattr(f, key + "_index", -1)
                    if other is None:
                        continue
                    j = index.get(other)
                    if j is None or rec.fields[j].type != "integer" or f.type != "integer":
                        self._err("record %s: field %s: %s names no integer field",
                                  name, f.name, key)
                    elif key == "default_from" and j >= i:
                        self._err("record %s: field %s: default_from names a later field",
                                  name, f.name)
                    else:
                        setattr(f, key + "_index", j)
            out.append(rec)
        return out

    def _field(self, rec, i, f):
        if not isinstance(f, dict) or "name" not in f or "type" not in f:
            self._err("record %s: field %d: a mapping with name and type", rec.name, i)
            return None
        fld = Field()
        fld.name = str(f["name"])
        fld.type = f["type"]
        fld.doc = _text(f.get("doc"))
        fld.required = bool(f.get("required", False))
        fld.default_from = f.get("default_from")
        fld.at_least = f.get("at_least")
        fld.at_most = f.get("at_most")
        where = "record %s: field %s" % (rec.name, fld.name)
        allowed = {"name", "type", "doc", "required", "default_from", "at_least", "at_most"}
        if not NAME_RE.match(fld.name):
            self._err("%s: a lower-case name", where)
        if fld.type not in FIELD_TYPES:
            self._err("%s: type must be one of %s", where, ", ".join(FIELD_TYPES))
            return None
        fld.max = fld.count = fld.min = 0
        fld.lo = fld.hi = fld.default = 0
        fld.ctype = "SKC_C_NONE"
        if fld.type in ("string", "names"):
            allowed |= {"max"} | ({"count"} if fld.type == "names" else {"min"})
            fld.max = f.get("max")
            if not isinstance(fld.max, int) or not 1 <= fld.max <= 255:
                self._err("%s: max must be 1..255", where)
                fld.max = 1
            if fld.type == "string":
                fld.min = f.get("min", 0)
                if not isinstance(fld.min, int) or isinstance(fld.min, bool) or \
                        not 0 <= fld.min <= fld.max:
                    self._err("%s: min must be 0..max", where)
                    fld.min = 0
            if fld.type == "names":
                fld.count = f.get("count")
                if not isinstance(fld.count, int) or not 1 <= fld.count <= 64:
                    self._err("%s: count must be 1..64", where)
                    fld.count = 1
        elif fld.type == "attributes":
            allowed |= {"count"}
            fld.count = f.get("count")
            if not isinstance(fld.count, int) or isinstance(fld.count, bool) or \
                    not 1 <= fld.count <= 4096:
                self._err("%s: count must be 1..4096", where)
                fld.count = 1
        elif fld.type == "integer":
            allowed |= {"lo", "hi", "ctype", "default"}
            ct = CTYPES.get(f.get("ctype"))
            fld.lo, fld.hi = f.get("lo"), f.get("hi")
            if ct is None:
                self._err("%s: ctype must be one of %s", where, ", ".join(sorted(CTYPES)))
                ct = CTYPES["int"]
            fld.c_type = f.get("ctype")
            fld.ctype = ct[0]
            if not isinstance(fld.lo, int) or not isinstance(fld.hi, int) or fld.lo > fld.hi:
                self._err("%s: lo and hi must be integers, lo <= hi", where)
                fld.lo = fld.hi = 0
            elif ct[3] and (fld.lo < -1 or fld.hi > ct[2]) or \
                    not ct[3] and (fld.lo < ct[1] or fld.hi > ct[2]):
                # CK_ULONG keeps -1 as CK_UNAVAILABLE_INFORMATION
                self._err("%s: lo..hi does not fit %s", where, fld.c_type)
            if "default" in f and fld.default_from is not None:
                self._err("%s: default and default_from both", where)
            fld.default = f.get("default", fld.lo if fld.lo > 0 else 0)
            if not isinstance(fld.default, int) or isinstance(fld.default, bool) or \
                    not fld.lo <= fld.default <= fld.hi:
                if not fld.required:
                    self._err("%s: default must be an integer within lo..hi", where)
                fld.default = 0
        elif fld.type == "boolean":
            allowed |= {"default"}
            d = f.get("default", False)
            if not isinstance(d, bool):
                self._err("%s: default must be true or false", where)
                d = False
            fld.default = 1 if d else 0
        unknown = set(f) - allowed
        if unknown:
            self._err("%s: unknown keys %s", where, ", ".join(sorted(unknown)))
        if fld.type != "integer" and (fld.default_from or fld.at_least or fld.at_most):
            self._err("%s: default_from, at_least, at_most are for integers", where)
        fld.what = self._what(fld)
        return fld

    @staticmethod
    def _what(f):
        """The rule in words: the log line of a malformed answer says it."""
        if f.type == "string":
            if f.min:
                return "a string of %d..%d bytes without NUL" % (f.min, f.max)
            return "a string of at most %d bytes without NUL" % f.max
        if f.type == "attributes":
            return "a table of at most %d attributes keyed by CKA numbers" % f.count
        if f.type == "names":
            return "a list of at most %d strings of 1..%d bytes without NUL" % (f.count, f.max)
        if f.type == "boolean":
            return "a boolean"
        if f.type == "version":
            return "{major, minor}, integers 0..255"
        return "an integer %d..%d" % (f.lo, f.hi)

    def _functions(self, doc):
        out = []
        if not isinstance(doc, list):
            self._err("functions: a list")
            return out
        names = set()
        recs = {r.name: r for r in self.records}
        for i, f in enumerate(doc):
            if not isinstance(f, dict) or not NAME_RE.match(str(f.get("name", ""))):
                self._err("function %d: a mapping with a lower-case name", i)
                continue
            fn = Function()
            fn.name = f["name"]
            where = "function %s" % fn.name
            unknown = set(f) - {"name", "args", "result", "record", "max", "if_missing",
                                "kind", "doc"}
            if unknown:
                self._err("%s: unknown keys %s", where, ", ".join(sorted(unknown)))
            if fn.name in names:
                self._err("%s: listed twice", where)
            names.add(fn.name)
            fn.args = []
            for a in f.get("args") or []:
                if not isinstance(a, dict) or not NAME_RE.match(str(a.get("name", ""))) \
                        or "type" not in a:
                    self._err("%s: an argument is {name, type, doc}", where)
                    continue
                fn.args.append({"name": a["name"], "type": str(a["type"]),
                                "doc": _text(a.get("doc"))})
            fn.result = str(f.get("result"))
            if fn.result not in RESULTS:
                self._err("%s: result must be one of %s", where, ", ".join(RESULTS))
            fn.record = None
            if fn.result in RECORD_RESULTS:
                fn.record = recs.get(f.get("record"))
                if fn.record is None:
                    self._err("%s: record names no record", where)
            elif "record" in f:
                self._err("%s: record is for record, list and pair results", where)
            fn.max = f.get("max", 0)
            if not isinstance(fn.max, int) or fn.max < 0:
                self._err("%s: max must be a non-negative integer", where)
                fn.max = 0
            if fn.result == "list" and fn.max == 0:
                self._err("%s: a list needs its max", where)
            fn.if_missing = str(f.get("if_missing", ""))
            if not re.match(r"^CKR_[A-Z0-9_]+$", fn.if_missing):
                self._err("%s: if_missing must be a CKR_ name", where)
            fn.kind = f.get("kind")
            if fn.kind not in KINDS:
                self._err("%s: kind must be one of %s", where, ", ".join(KINDS))
                fn.kind = "read"
            fn.c_kind = KINDS[fn.kind]
            fn.doc = _text(f.get("doc"))
            out.append(fn)
        return out

    def function(self, name):
        for f in self.functions:
            if f.name == name:
                return f
        return None

    def record(self, name):
        for r in self.records:
            if r.name == name:
                return r
        return None


# --- the C outputs ------------------------------------------------------------------

def c_member(f):
    """The C declaration of a record field in its struct."""
    if f.type == "string":
        return "char %s[%d];" % (f.name, f.max + 1)
    if f.type == "names":
        return "char %s[%d][%d];\n\tsize_t %s_count;" % (f.name, f.count, f.max + 1, f.name)
    if f.type == "attributes":
        return "struct lb_attr *%s;\n\tsize_t n%s;" % (f.name, f.name)
    if f.type == "boolean":
        return "int %s;" % f.name
    if f.type == "version":
        return "CK_VERSION %s;" % f.name
    return "%s %s;" % (f.c_type, f.name)


def c_ll(v):
    """A long long constant that C accepts without a warning."""
    return "%dLL" % v if v >= 0 else "(%dLL)" % v


def render(env, contract, banner):
    """The C outputs: {output file: text}."""
    out = {}
    for template, output in OUTPUTS:
        text = env.get_template(template).render(
            contract=contract, banner=banner(template), output=output, c_member=c_member,
            c_ll=c_ll)
        out[output] = text
    return out


# --- the README section -------------------------------------------------------------

def _md(s):
    return s.replace("|", "\\|")


def _default_text(rec, f):
    if f.required:
        return "required"
    if f.default_from is not None:
        return "`%s`" % f.default_from
    if f.type == "string":
        return '`""`'
    if f.type in ("names", "attributes"):
        return "none"
    if f.type == "boolean":
        return "`true`" if f.default else "`false`"
    if f.type == "version":
        return "`{0, 0}`"
    return "`%d`" % f.default


def _type_text(f):
    if f.type == "string":
        if f.min:
            return "string of %d–%d bytes" % (f.min, f.max)
        return "string ≤ %d bytes" % f.max
    if f.type == "attributes":
        return "table of ≤ %d attributes: CKA number → value typed by spec/attributes.yaml" \
            % f.count
    if f.type == "names":
        return "list of ≤ %d strings of 1–%d bytes" % (f.count, f.max)
    if f.type == "version":
        return "`{major, minor}`, 0–255"
    if f.type == "integer":
        t = "integer %d–%d" % (f.lo, f.hi)
        if f.at_least:
            t += ", ≥ `%s`" % f.at_least
        if f.at_most:
            t += ", ≤ `%s`" % f.at_most
        return t
    return f.type


def _result_text(fn):
    r = fn.result
    if r == "true":
        s = "`true`"
    elif r == "record":
        s = "one `%s` record" % fn.record.name
    elif r == "list":
        s = "a list of at most %d `%s` records" % (fn.max, fn.record.name)
    elif r == "bytes":
        s = "a byte string"
    elif r == "time":
        s = "a string of 16 digits"
    else:
        s = "two `%s` records" % fn.record.name
    return s


def readme_section(contract):
    lines = [BEGIN,
             "<!-- generated by codegen/contract.py from spec/script-contract.yaml: "
             "edit the YAML and run '%s' -->" % FIX_COMMAND,
             "",
             "| function | returns | if the script has none | login |",
             "|---|---|---|---|"]
    kinds = {"read": "any", "change": "without login: the card's rights reset first",
             "private-key": "never called without login"}
    for fn in contract.functions:
        sig = "`%s(%s)`" % (fn.name, ", ".join(["card"] + [a["name"] for a in fn.args]))
        ret = _result_text(fn)
        if fn.doc:
            ret += ": " + fn.doc
        lines.append("| %s | %s | `%s` | %s |" % (sig, _md(ret), fn.if_missing,
                                                   kinds[fn.kind]))
    lines += ["", "Arguments (after `card`):", "",
              "| function | argument | Lua type | meaning |", "|---|---|---|---|"]
    for fn in contract.functions:
        for a in fn.args:
            lines.append("| `%s` | `%s` | %s | %s |" % (fn.name, a["name"], _md(a["type"]),
                                                      _md(a["doc"])))
    for rec in contract.records:
        lines += ["", "The `%s` record (%s):" % (rec.name, _md(rec.doc)), "",
                  "| field | type | default | meaning |", "|---|---|---|---|"]
        for f in rec.fields:
            lines.append("| `%s` | %s | %s | %s |" % (f.name, _md(_type_text(f)),
                                                    _default_text(rec, f), _md(f.doc)))
    lines += ["", "A field of the wrong type or out of its bounds, a missing required field, "
              "a field the record does not have, an attribute of the wrong type "
              "(`field 'attrs': CKA_LABEL: a string is due`) or a broken `≥`/`≤` rule (checked when both values are known, -1 being "
              "unknown) fails the call with `CKR_FUNCTION_FAILED`, and the debug log names "
              "the function and the field: `lb: FAMILY.token_info: malformed result: "
              "field 'max_pin': an integer 0..255`.", END]
    return "\n".join(lines) + "\n"


def update_readme(text, contract):
    """text with its contract section replaced; ValueError when the markers are missing."""
    b = text.find(BEGIN)
    e = text.find(END)
    if b < 0 or e < b:
        raise ValueError("no '%s' ... '%s' section" % (BEGIN, END))
    e += len(END)
    if e < len(text) and text[e] == "\n":
        e += 1
    return text[:b] + readme_section(contract) + text[e:]


def main(argv=None):
    ap = argparse.ArgumentParser(description="The contract tables of scripts/README.md.")
    ap.add_argument("--spec", required=True)
    ap.add_argument("--readme", required=True)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    try:
        contract = Contract.load(args.spec, display_dir=os.path.normpath(args.spec))
    except ContractErrors as e:
        for line in e.errors:
            sys.stderr.write(line + "\n")
        sys.stderr.write("%d error(s); nothing generated\n" % len(e.errors))
        return 1
    try:
        with open(args.readme, encoding="utf-8") as f:
            have = f.read()
        want = update_readme(have, contract)
    except (OSError, ValueError) as e:
        sys.stderr.write("%s: error: %s\n" % (args.readme, e))
        return 1
    if args.check:
        if have != want:
            sys.stderr.write("check-generated: %s: the contract tables do not match %s; "
                             "run: %s\n" % (args.readme, contract.path, FIX_COMMAND))
            return 1
        return 0
    if have != want:
        tmp = args.readme + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(want)
        os.replace(tmp, args.readme)
        print("generated the contract tables of %s" % args.readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
