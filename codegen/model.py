# SPDX-License-Identifier: BSD-2-Clause
"""The spec model: load spec/*.yaml, validate it, and derive every fact the templates print.

Templates only loop and branch over what this module computes: C declarations, prototypes,
argument checks, list membership, sort orders, hex spellings. Validation collects every
error as (file, line, message) and the caller prints them all as `file:line: error: ...`.
"""

import os
import re
from dataclasses import dataclass, field
from typing import List, Optional

import yamlloc

# --- fixed facts of the schema (spec/README.md) ------------------------------------------

VERSIONS = {"2.40": 240, "3.0": 300, "3.1": 310, "3.2": 320}
VENDORS = ("tc26", "rutoken")
CATEGORIES = ("general", "slot_token", "session", "object", "encryption", "decryption",
              "digest", "signing", "verification", "key_management", "random",
              "message", "kem", "validation", "async")
HANDLES = ("none", "slot", "session")
# login: who must be logged in to the session's token for the call (functions.yaml); the
# generated entry point hands it to the runtime, which answers CKR_USER_NOT_LOGGED_IN
LOGINS = ("none", "user", "so", "any")
DIRS = ("in", "out", "inout")
NULLABLE = ("no", "yes", "if_empty")

# The function lists the standard defines: C type, version stamp, our symbol, the newest
# `since` they contain. Each list is a prefix of the next (checked below).
FUNCTION_LISTS = (
    ("CK_FUNCTION_LIST", (2, 40), "sk_function_list_2_40", 240),
    ("CK_FUNCTION_LIST_3_0", (3, 0), "sk_function_list_3_0", 300),
    ("CK_FUNCTION_LIST_3_2", (3, 2), "sk_function_list_3_2", 320),
)
INTERFACE_LISTS = {"2.40": 0, "3.0": 1, "3.2": 2}

# How many functions each version adds (the 3.2 list has 104 entries).
EXPECTED_COUNTS = {240: 68, 300: 24, 310: 0, 320: 12}

# Files in load order, and the single family the first three constant files hold.
FILES = ("types.yaml", "return-codes.yaml", "mechanisms.yaml", "attributes.yaml",
         "constants.yaml", "functions.yaml", "module.yaml", "objects.yaml")
SINGLE_FAMILY_FILES = (
    ("return-codes.yaml", "CKR", "CK_RV", "Return values"),
    ("mechanisms.yaml", "CKM", "CK_MECHANISM_TYPE", "Mechanism types"),
    ("attributes.yaml", "CKA", "CK_ATTRIBUTE_TYPE", "Attribute types"),
)

# Value types of attributes (attributes.yaml `type:`), in the order of enum sk_attr_vtype.
ATTR_TYPES = ("bool", "ulong", "bytes", "utf8", "date", "bigint", "mechanisms", "template")
# The footnotes of the standard's attribute tables (objects.yaml `rules:`), in bit order.
ATTR_RULES = ("create_required", "create_forbidden", "generate_required", "generate_forbidden",
              "unwrap_required", "unwrap_forbidden", "sensitive", "modifiable",
              "copy_modifiable", "so_only", "true_stays", "false_stays")
# How an attribute is derived from the object's CKA_VALUE (objects.yaml `derive:`): its
# length in bytes, the first three bytes of its SHA-1 (certificates, 4.6.2), the first
# three bytes of the ECB encryption of one zero block under the key (secret keys, 4.10).
DERIVE_RULES = ("value_length", "sha1_prefix", "aes_ecb_zero_block", "des3_ecb_zero_block")
RULE_CONFLICTS = (("create_required", "create_forbidden"),
                  ("generate_required", "generate_forbidden"),
                  ("unwrap_required", "unwrap_forbidden"),
                  ("modifiable", "copy_modifiable"))

# Where a digest of mechanisms.yaml comes from: OpenSSL's default provider, or the gost
# provider of libengine-gost-openssl (loaded into the module's private library context).
DIGEST_PROVIDERS = ("default", "gostprov")

# mechanisms.yaml `prim:` (a primitive the runtime computes, see _check_prims): its
# parameter rules, in the order of enum sk_prim_param; which hashes it composes with, in
# the order of enum sk_prim_compose.
PRIM_PARAMS = ("none", "struct", "hash_oid")
PRIM_COMPOSE = ("none", "pkcs1", "any")
PRIM_IMPL = re.compile(r"^[a-z][a-z0-9_]*$")

# The codes any Cryptoki function may return (PKCS #11 3.2 §5.1.1, "universal Cryptoki
# function return values"); the return-code check allows them beside a function's list.
UNIVERSAL_RETURNS = ("CKR_OK", "CKR_GENERAL_ERROR", "CKR_HOST_MEMORY", "CKR_FUNCTION_FAILED")
# ... and those of any function that takes a session handle (§5.1.2).
SESSION_RETURNS = ("CKR_SESSION_HANDLE_INVALID", "CKR_DEVICE_REMOVED", "CKR_SESSION_CLOSED")

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
GROUP = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_VALUE = 0xFFFFFFFF
ALL_ONES_64 = 0xFFFFFFFFFFFFFFFF


class SpecErrors(Exception):
    def __init__(self, errors):
        super().__init__("%d spec error(s)" % len(errors))
        self.errors = errors


class Diag:
    def __init__(self):
        self.errors = []

    def error(self, path, line, message):
        self.errors.append((path, line, message))

    def formatted(self):
        order = {}
        for path, _, _ in self.errors:
            order.setdefault(path, len(order))
        # Stable: by file (first-error order), then line; same line keeps discovery order.
        items = sorted(enumerate(self.errors), key=lambda e: (order[e[1][0]], e[1][1], e[0]))
        return ["%s:%d: error: %s" % (p, ln, m) for _, (p, ln, m) in items]


# --- schema checking of one mapping -----------------------------------------------------

class Rec:
    """The checked keys of one YAML mapping: attributes by key, and their lines."""

    def __init__(self, line):
        self._line = line
        self._lines = {}
        self._key_lines = {}

    def key_line(self, key):
        return self._key_lines.get(key, self._line)

    def line(self, key=None):
        return self._lines.get(key, self._line) if key else self._line

    def has(self, key):
        return key in self._lines


def _describe(s):
    if isinstance(s, yamlloc.Scalar):
        return repr(s.text) if s.quoted else s.text
    if isinstance(s, yamlloc.YMap):
        return "a mapping"
    if isinstance(s, yamlloc.YList):
        return "a list"
    return repr(s)


class Checker:
    """Type checkers: each returns (ok, value, what it expected)."""

    @staticmethod
    def text(s):
        ok = isinstance(s, yamlloc.Scalar) and isinstance(s.value, str) and s.value.strip() != ""
        return ok, s.value if ok else None, "a non-empty string"

    @staticmethod
    def ident(s):
        ok = isinstance(s, yamlloc.Scalar) and isinstance(s.value, str) and IDENT.match(s.value)
        return bool(ok), s.value if ok else None, "a C identifier"

    @staticmethod
    def group(s):
        ok = isinstance(s, yamlloc.Scalar) and isinstance(s.value, str) and GROUP.match(s.value)
        return bool(ok), s.value if ok else None, "a lower-case identifier"

    @staticmethod
    def since(s):
        ok = (isinstance(s, yamlloc.Scalar) and isinstance(s.value, str) and s.quoted
              and s.value in VERSIONS)
        return ok, s.value if ok else None, 'a quoted version: "2.40", "3.0", "3.1" or "3.2"'

    @staticmethod
    def boolean(s):
        ok = isinstance(s, yamlloc.Scalar) and isinstance(s.value, bool)
        return ok, s.value if ok else None, "true or false"

    @staticmethod
    def count(s):
        ok = (isinstance(s, yamlloc.Scalar) and isinstance(s.value, int)
              and not isinstance(s.value, bool) and 0 < s.value < 65536)
        return ok, s.value if ok else None, "a positive integer"

    @staticmethod
    def byte(s):
        ok = (isinstance(s, yamlloc.Scalar) and isinstance(s.value, int)
              and not isinstance(s.value, bool) and 0 <= s.value <= 255)
        return ok, s.value if ok else None, "an integer 0..255"

    @staticmethod
    def value(s):
        ok = (isinstance(s, yamlloc.Scalar) and isinstance(s.value, int)
              and not isinstance(s.value, bool) and not s.quoted
              and (0 <= s.value <= MAX_VALUE or s.value == ALL_ONES_64))
        return ok, s.value if ok else None, \
            "an unsigned 32-bit integer in hex (0x00000120), or 0xFFFFFFFFFFFFFFFF for ~0UL"

    @staticmethod
    def nullable(s):
        if isinstance(s, yamlloc.Scalar):
            v = s.value
            if v is True:
                v = "yes"
            elif v is False:
                v = "no"
            if v in NULLABLE:
                return True, v, None
        return False, None, "no, yes or if_empty"

    @staticmethod
    def mapping(s):
        return isinstance(s, yamlloc.YMap), s, "a mapping"

    @staticmethod
    def seq(s):
        return isinstance(s, yamlloc.YList), s, "a list"

    @staticmethod
    def enum(values):
        def check(s):
            ok = isinstance(s, yamlloc.Scalar) and isinstance(s.value, str) and s.value in values
            return ok, s.value if ok else None, "one of " + ", ".join(values)
        return check


C = Checker


def check_keys(diag, path, m, what, schema, defaults=None):
    """Check mapping m against schema {key: (required, checker)}; return a Rec or None."""
    if not isinstance(m, yamlloc.YMap):
        diag.error(path, getattr(m, "line", 0) or 1, "%s must be a mapping, not %s"
                   % (what, _describe(m)))
        return None
    rec = Rec(m.line)
    for key in m:
        if key not in schema:
            diag.error(path, m.key_lines[key], "%s: unknown key '%s'" % (what, key))
    for key, (required, checker) in schema.items():
        if key not in m:
            if required:
                diag.error(path, m.line, "%s: missing required key '%s'" % (what, key))
            setattr(rec, key, (defaults or {}).get(key))
            continue
        ok, value, expected = checker(m[key])
        if not ok:
            diag.error(path, m.value_lines[key], "%s: '%s' must be %s, not %s"
                       % (what, key, expected, _describe(m[key])))
            value = (defaults or {}).get(key)
        setattr(rec, key, value)
        rec._lines[key] = m.value_lines[key]
        rec._key_lines[key] = m.key_lines[key]
    return rec


def items(diag, path, lst, what):
    """Yield (line, item) of a YList; report a non-list."""
    if lst is None:
        return
    if not isinstance(lst, yamlloc.YList):
        diag.error(path, getattr(lst, "line", 1), "%s must be a list" % what)
        return
    for line, item in zip(lst.item_lines, lst):
        yield line, item


# --- the model's objects ------------------------------------------------------------------

@dataclass
class TypeInfo:
    name: str
    kind: str            # scalar | struct | callback | funclist
    pointer: bool        # a C pointer (data or function)
    path: str = ""
    line: int = 0
    order: int = 0       # definition order, for "defined before use"
    struct: object = None  # the Struct this is (by value) or points to


@dataclass
class Family:
    prefix: str
    group: Optional[str]
    type: str
    title: str
    path: str
    line: int
    enum: str = ""
    index: int = 0
    constants: list = field(default_factory=list)
    first: int = 0       # its first row in the sorted name table
    c_group: str = ""    # C literal or NULL


@dataclass
class Constant:
    name: str
    value: int
    since: str
    vendor: Optional[str]
    deprecated: bool
    alias_of: Optional[str]
    meaning: Optional[str]
    path: str
    line: int
    order: int
    family: Family = None
    c_value: str = ""
    c_flags: str = ""
    c_comment: str = ""
    pad: str = ""


@dataclass
class ScalarType:
    name: str
    c: Optional[str]
    base: Optional[str]
    ptr: bool
    ptr2: bool
    since: str
    line: int
    decls: list = field(default_factory=list)


@dataclass
class Param:
    name: str
    type: str
    line: int
    c_decl: str = ""


@dataclass
class Callback:
    name: str
    returns: str
    args: list
    ptr: bool
    since: str
    line: int
    decls: list = field(default_factory=list)


@dataclass
class StructField:
    name: str
    type: str
    array: Optional[int]
    line: int
    c_decl: str = ""


@dataclass
class Struct:
    name: str
    since: str
    ptr: bool
    ptr2: bool
    fields: list
    line: int
    since_num: int = 0
    forward: list = field(default_factory=list)


@dataclass
class Check:
    keyword: str         # "if" or "else if"
    cond: str
    comment: str


@dataclass
class Arg:
    name: str
    type: str
    dir: str
    nullable: str
    length: Optional[str]
    secret: bool
    line: int
    pointer: bool = False
    c_decl: str = ""


@dataclass
class Function:
    name: str
    since: str
    category: str
    summary: str
    handle: str
    login: str
    rw: bool
    init: bool
    args: list
    returns: list
    line: int
    index: int = 0
    since_num: int = 0
    enum: str = ""
    short: str = ""
    rt_name: str = ""
    ptr_type: str = ""
    category_enum: str = ""
    implemented: bool = False
    need_init: int = 1
    need_rt: int = 0
    c_params: str = ""
    c_call: str = ""
    checks: list = field(default_factory=list)
    bad_args: str = "CKR_ARGUMENTS_BAD"   # what a failed argument check assigns
    session_call: str = ""   # handle: session — resolves the handle first (sk_session)
    slot_call: str = ""      # handle: slot — checks the slot ID after the arguments (sk_slot)
    pad_enum: str = ""
    trace: list = field(default_factory=list)


@dataclass
class FunctionList:
    ctype: str
    major: int
    minor: int
    symbol: str
    since_num: int
    functions: list
    count: int = 0
    forward: list = field(default_factory=list)


@dataclass
class Interface:
    name: str
    version: str
    c_name: str
    flist: FunctionList
    line: int


@dataclass
class ProbeStruct:
    ctype: str
    since_num: int
    fields: list


# --- helpers that make C text -------------------------------------------------------------

def c_string(s):
    """A C string literal for s (UTF-8, octal escapes for anything unusual)."""
    out = ['"']
    for b in s.encode("utf-8"):
        ch = chr(b)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= b < 0x7F and ch != "?":
            out.append(ch)
        else:
            out.append("\\%03o" % b)
    out.append('"')
    return "".join(out)


def c_hex(value):
    if value == ALL_ONES_64:
        return "(~0UL)"
    return "0x%08XUL" % value


def c_typedef(ctext, name):
    """`typedef <ctext> <name>;` with pointer stars placed like the rest of our C."""
    ctext = ctext.strip()
    if ctext.endswith("*"):
        return "typedef %s%s;" % (ctext, name)
    return "typedef %s %s;" % (ctext, name)


def version_key(v):
    return VERSIONS[v]


# --- the loader ---------------------------------------------------------------------------

class Spec:
    """Everything loaded, checked and derived. Build with Spec.load(); raises SpecErrors."""

    @classmethod
    def load(cls, spec_dir, display_dir=None, partial=False, label=None):
        self = cls()
        self.spec_dir = spec_dir
        self.display_dir = display_dir if display_dir is not None else spec_dir
        self.partial = partial
        self.label = label or self.display_dir
        self.diag = Diag()
        docs = {}
        for name in FILES:
            docs[name] = self._read(name)
        if self.diag.errors:
            # A file that cannot be read or parsed would only cause a cascade of undefined
            # names elsewhere: report the reading errors alone.
            raise SpecErrors(self.diag.formatted())
        self._load_types(docs["types.yaml"])
        self._load_constants(docs)
        self._load_functions(docs["functions.yaml"])
        self._load_module(docs["module.yaml"])
        self._load_objects(docs["objects.yaml"])
        self._check_required_types()
        if self.diag.errors:
            raise SpecErrors(self.diag.formatted())
        self._derive()
        return self

    def path(self, name):
        return os.path.join(self.display_dir, name)

    def _read(self, name):
        full = os.path.join(self.spec_dir, name)
        try:
            with open(full, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            self.diag.error(self.path(name), 1, "cannot read: %s" % e.strerror)
            return None
        except UnicodeDecodeError:
            self.diag.error(self.path(name), 1, "not UTF-8 text")
            return None
        first = text.split("\n", 1)[0]
        if "SPDX-License-Identifier:" not in first:
            self.diag.error(self.path(name), 1,
                            "the first line must be '# SPDX-License-Identifier: BSD-2-Clause'")
        try:
            doc = yamlloc.load(text, raw_scalars=True)
        except yamlloc.YamlError as e:
            self.diag.error(self.path(name), e.line, e.message)
            return None
        if doc is None:
            doc = yamlloc.YMap()
            doc.line = 1
        return doc

    def _top(self, name, doc, schema):
        if doc is None:
            return None
        return check_keys(self.diag, self.path(name), doc, "top level", schema)

    # --- types.yaml ---

    def _define_type(self, path, line, info):
        prev = self.types.get(info.name)
        if prev is not None:
            where = ("%s:%d" % (prev.path, prev.line)) if prev.line else "the generator"
            self.diag.error(path, line, "type %s is already defined (%s)" % (info.name, where))
            return
        info.path, info.line, info.order = path, line, len(self.types)
        self.types[info.name] = info

    def _load_types(self, doc):
        name = "types.yaml"
        path = self.path(name)
        self.types = {}
        self.scalars, self.callbacks, self.structs = [], [], []
        # Generated from functions.yaml: the function lists and their pointers.
        for ctype, _, _, _ in FUNCTION_LISTS:
            self.types[ctype] = TypeInfo(ctype, "funclist", False, "", 0, len(self.types))
            self.types[ctype + "_PTR"] = TypeInfo(ctype + "_PTR", "funclist", True, "", 0,
                                                  len(self.types))
            self.types[ctype + "_PTR_PTR"] = TypeInfo(ctype + "_PTR_PTR", "funclist", True,
                                                      "", 0, len(self.types))
        top = self._top(name, doc, {"scalars": (True, C.seq), "callbacks": (False, C.seq),
                                    "structs": (False, C.seq)})
        if top is None:
            return
        self._later = {}
        for section, suffixes in (("scalars", ("", "_PTR", "_PTR_PTR")),
                                  ("callbacks", ("", "_PTR")),
                                  ("structs", ("", "_PTR", "_PTR_PTR"))):
            lst = getattr(top, section)
            if isinstance(lst, yamlloc.YList):
                for line, item in zip(lst.item_lines, lst):
                    for suffix in suffixes:
                        self._later.setdefault(_name_of(item) + suffix, line)

        common = {"name": (True, C.ident), "since": (False, C.since),
                  "source": (False, C.text), "deprecated": (False, C.boolean)}
        for line, item in items(self.diag, path, top.scalars, "scalars"):
            what = "scalar " + _name_of(item)
            r = check_keys(self.diag, path, item, what, dict(common, **{
                "c": (False, C.text), "base": (False, C.ident),
                "ptr": (False, C.boolean), "ptr2": (False, C.boolean)}),
                {"since": "2.40", "ptr": False, "ptr2": False})
            if r is None or r.name is None:
                continue
            pointer = False
            if (r.c is None) == (r.base is None):
                self.diag.error(path, r.line(), "%s: give exactly one of 'c' (a C type) and "
                                "'base' (a type defined above)" % what)
            elif r.base is not None:
                base = self._type_before(path, r.line("base"), r.base, what + ": base")
                if base is None:
                    pass
                else:
                    pointer = base.pointer
            else:
                pointer = "*" in r.c
            if r.ptr2 and not r.ptr:
                self.diag.error(path, r.line("ptr2"), "%s: ptr2 needs ptr" % what)
            s = ScalarType(r.name, r.c, r.base, r.ptr, r.ptr2, r.since, line)
            self.scalars.append(s)
            self._define_type(path, line, TypeInfo(r.name, "scalar", pointer))
            if r.ptr:
                self._define_type(path, line, TypeInfo(r.name + "_PTR", "scalar", True))
            if r.ptr2:
                self._define_type(path, line, TypeInfo(r.name + "_PTR_PTR", "scalar", True))

        for line, item in items(self.diag, path, top.callbacks, "callbacks"):
            what = "callback " + _name_of(item)
            r = check_keys(self.diag, path, item, what, dict(common, **{
                "returns": (True, C.ident), "args": (True, C.seq),
                "ptr": (False, C.boolean)}), {"since": "2.40", "ptr": False})
            if r is None or r.name is None:
                continue
            if r.returns is not None:
                self._type_before(path, r.line("returns"), r.returns, what + ": return")
            params = []
            seen = {}
            for pline, p in items(self.diag, path, r.args, what + " args"):
                pr = check_keys(self.diag, path, p, what + " argument " + _name_of(p),
                                {"name": (True, C.ident), "type": (True, C.ident)})
                if pr is None or pr.name is None or pr.type is None:
                    continue
                if pr.name in seen:
                    self.diag.error(path, pline, "%s: duplicate argument %s (first at line %d)"
                                    % (what, pr.name, seen[pr.name]))
                seen.setdefault(pr.name, pline)
                params.append(Param(pr.name, pr.type, pr.line("type")))
            self.callbacks.append(Callback(r.name, r.returns, params, r.ptr, r.since, line))
            self._define_type(path, line, TypeInfo(r.name, "callback", True))
            if r.ptr:
                self._define_type(path, line, TypeInfo(r.name + "_PTR", "callback", True))

        for line, item in items(self.diag, path, top.structs, "structs"):
            what = "struct " + _name_of(item)
            r = check_keys(self.diag, path, item, what, dict(common, **{
                "fields": (True, C.seq), "ptr": (False, C.boolean),
                "ptr2": (False, C.boolean)}), {"since": "2.40", "ptr": False, "ptr2": False})
            if r is None or r.name is None:
                continue
            if r.ptr2 and not r.ptr:
                self.diag.error(path, r.line("ptr2"), "%s: ptr2 needs ptr" % what)
            fields = []
            seen = {}
            for fline, f in items(self.diag, path, r.fields, what + " fields"):
                fr = check_keys(self.diag, path, f, what + " field " + _name_of(f),
                                {"name": (True, C.ident), "type": (True, C.ident),
                                 "array": (False, C.count), "source": (False, C.text)})
                if fr is None or fr.name is None or fr.type is None:
                    continue
                if fr.name in seen:
                    self.diag.error(path, fline, "%s: duplicate field %s (first at line %d)"
                                    % (what, fr.name, seen[fr.name]))
                seen.setdefault(fr.name, fline)
                info = self._type_before(path, fr.line("type"), fr.type,
                                         "%s: field %s" % (what, fr.name))
                if info is None:
                    pass
                elif info.kind == "struct" and not info.pointer and info.name == r.name:
                    self.diag.error(path, fr.line("type"), "%s: field %s: a struct cannot "
                                    "contain itself" % (what, fr.name))
                elif info.kind == "funclist" and not info.pointer:
                    self.diag.error(path, fr.line("type"), "%s: field %s: %s can only be "
                                    "pointed to" % (what, fr.name, fr.type))
                fields.append(StructField(fr.name, fr.type, fr.array, fline))
            if not fields and r.fields is not None:
                self.diag.error(path, r.line("fields"), "%s: a struct needs fields" % what)
            st = Struct(r.name, r.since, r.ptr, r.ptr2, fields, line)
            self.structs.append(st)
            # Defined after its fields were checked: a struct cannot use itself by value.
            self._define_type(path, line, TypeInfo(r.name, "struct", False, struct=st))
            if r.ptr:
                self._define_type(path, line, TypeInfo(r.name + "_PTR", "struct", True,
                                                       struct=st))
            if r.ptr2:
                self._define_type(path, line, TypeInfo(r.name + "_PTR_PTR", "struct", True,
                                                       struct=st))
        # Callback arguments may name any type: the header declares every struct and its
        # pointers before the callbacks.
        for cb in self.callbacks:
            for p in cb.args:
                self._need_type(path, p.line, p.type, "callback %s: argument %s"
                                % (cb.name, p.name))

    def _type_before(self, path, line, tname, what):
        """A type used in types.yaml must be defined above the use (or be generated)."""
        info = self.types.get(tname)
        if info is not None:
            return info
        later = self._later.get(tname)
        if later is not None:
            self.diag.error(path, line, "%s: type %s is used before its definition (line %d)"
                            % (what, tname, later))
        else:
            self.diag.error(path, line, "%s: type %s is not defined" % (what, tname))
        return None

    def _need_type(self, path, line, tname, what):
        if tname not in self.types:
            self.diag.error(path, line, "%s: type %s is not defined in types.yaml"
                            % (what, tname))
            return None
        return self.types[tname]

    # --- the four constant files ---

    def _load_constants(self, docs):
        self.families = []
        self.constants = []
        self.const_by_name = {}
        fam_by_key = {}

        def add_family(prefix, group, ctype, title, path, line):
            key = (prefix, group)
            if key in fam_by_key:
                prev = fam_by_key[key]
                self.diag.error(path, line, "family %s%s is already defined (%s:%d)"
                                % (prefix, "/" + group if group else "", prev.path, prev.line))
                return None
            fam = Family(prefix, group, ctype, title, path, line)
            fam_by_key[key] = fam
            self.families.append(fam)
            return fam

        for name, prefix, ctype, title in SINGLE_FAMILY_FILES:
            add_family(prefix, None, ctype, title, self.path(name), 0)

        doc = docs["constants.yaml"]
        cpath = self.path("constants.yaml")
        ctop = self._top("constants.yaml", doc, {"families": (True, C.seq),
                                                 "constants": (True, C.seq)})
        top = ctop
        if top is not None:
            for line, item in items(self.diag, cpath, top.families, "families"):
                what = "family " + _name_of(item, "prefix")
                r = check_keys(self.diag, cpath, item, what, {
                    "prefix": (True, C.ident), "group": (False, C.group),
                    "type": (True, C.ident), "title": (True, C.text),
                    "source": (False, C.text)})
                if r is None or r.prefix is None:
                    continue
                if r.prefix in ("CKR", "CKM", "CKA"):
                    self.diag.error(cpath, line, "%s: %s_ constants live in their own file"
                                    % (what, r.prefix))
                    continue
                if r.type is not None:
                    self._need_type(cpath, r.line("type"), r.type, what)
                add_family(r.prefix, r.group, r.type, r.title, cpath, line)
            # A prefix with several families needs a group on each of them.
            by_prefix = {}
            for fam in self.families:
                by_prefix.setdefault(fam.prefix, []).append(fam)
            for prefix, fams in by_prefix.items():
                if len(fams) > 1:
                    for fam in fams:
                        if fam.group is None:
                            self.diag.error(fam.path, fam.line, "family %s: the prefix has "
                                            "several families, so each needs 'group'" % prefix)

        order = 0
        for name, prefix, _, _ in SINGLE_FAMILY_FILES:
            path = self.path(name)
            top = self._top(name, docs[name], {"constants": (True, C.seq)})
            if top is None:
                continue
            fam = fam_by_key[(prefix, None)]
            for line, item in items(self.diag, path, top.constants, "constants"):
                order += 1
                self._load_constant(path, line, item, order, name == "return-codes.yaml",
                                    lambda r, what, fam=fam: self._single_family(
                                        fam, r, what, path))
        top = ctop
        if top is not None:
            fams = [f for f in self.families if f.path == cpath]
            for line, item in items(self.diag, cpath, top.constants, "constants"):
                order += 1
                self._load_constant(cpath, line, item, order, False,
                                    lambda r, what: self._pick_family(fams, r, what, cpath),
                                    grouped=True)

        self._check_compositions()
        self._check_digests()
        self._check_prims()

        # alias_of: the other constant exists, is not itself an alias, and agrees.
        for c in self.constants:
            if c.alias_of is None:
                continue
            target = self.const_by_name.get(c.alias_of)
            if target is None:
                self.diag.error(c.path, c.line, "constant %s: alias_of %s names no constant"
                                % (c.name, c.alias_of))
            elif target is c:
                self.diag.error(c.path, c.line, "constant %s: alias_of names itself" % c.name)
            elif target.value != c.value:
                self.diag.error(c.path, c.line, "constant %s: value %s disagrees with its "
                                "alias_of %s (%s)" % (c.name, c_hex(c.value), target.name,
                                                       c_hex(target.value)))
            elif target.family is not c.family:
                self.diag.error(c.path, c.line, "constant %s: alias_of %s is in another "
                                "family" % (c.name, target.name))
            elif c.atype != target.atype:
                self.diag.error(c.path, c.line, "constant %s: type %s disagrees with its "
                                "alias_of %s (%s)" % (c.name, c.atype, target.name,
                                                       target.atype))

    def _check_digests(self):
        """mechanisms.yaml `digest:` of a digest mechanism: its OpenSSL algorithm name and
        provider, output size, the DER DigestInfo prefix of EMSA-PKCS1-v1_5 (RFC 8017 9.2
        note 1; absent for hashes PKCS #1 does not name), its CKG_MGF1_ constant (absent
        where PKCS #11 has none) and the name scripts use. One table, sk_digests."""
        self.digests = []
        seen_script = {}
        for c in self.constants:
            if c.family is None or c.family.prefix != "CKM" or c.digest is None:
                continue
            what = "constant %s: digest" % c.name
            r = check_keys(self.diag, c.path, c.digest, what, {
                "openssl": (True, C.text), "provider": (True, C.enum(DIGEST_PROVIDERS)),
                "size": (True, C.byte), "digest_info": (False, C.text),
                "mgf": (False, C.ident), "script": (True, C.text),
                "source": (False, C.text)})
            if r is None or r.openssl is None or r.provider is None or r.size is None \
                    or r.script is None:
                continue
            if c.hash is not None or c.alias_of is not None:
                self.diag.error(c.path, c.line, "%s: a composition or an alias is no "
                                "digest of its own" % what)
                continue
            if not re.match(r"^[a-z0-9][a-z0-9-]*$", r.script):
                self.diag.error(c.path, r.line("script"), "%s: script name %s must be lower "
                                "case letters, digits and '-'" % (what, r.script))
                continue
            if r.script in seen_script:
                self.diag.error(c.path, r.line("script"), "%s: script name %s is %s's too"
                                % (what, r.script, seen_script[r.script]))
                continue
            seen_script[r.script] = c.name
            der = b""
            if r.digest_info is not None:
                try:
                    der = bytes.fromhex(r.digest_info)
                except ValueError:
                    der = None
                # SEQUENCE { AlgorithmIdentifier, OCTET STRING of `size` bytes } up to the
                # digest itself: the outer length counts the digest that follows
                if der is None or len(der) < 4 or len(der) > 32 or der[0] != 0x30 or \
                        der[1] + 2 != len(der) + r.size or der[-2:] != bytes([4, r.size]):
                    self.diag.error(c.path, r.line("digest_info"), "%s: digest_info must be "
                                    "the hex DER of a DigestInfo up to a %d-byte digest"
                                    % (what, r.size))
                    continue
            mgf = "0"
            if r.mgf is not None:
                m = self._const_in(c.path, r.line("mgf"), r.mgf, ("CKG",), what + ": mgf")
                if m is None:
                    continue
                mgf = c_hex(m.value)
            self.digests.append({
                "name": c.name, "mech": c_hex(c.value), "openssl": c_string(r.openssl),
                "provider": c_string(r.provider), "size": r.size,
                "der": ", ".join("0x%02x" % b for b in der), "der_len": len(der),
                "mgf": mgf, "script": c_string(r.script)})

    def _check_prims(self):
        """mechanisms.yaml `prim:` of a primitive the runtime computes: the file that
        implements it (`impl`: runtime/prim/<impl>.c, prim_<impl>_ops), the key type, the
        key sizes, the operations it serves on the host alone and with the token (CKF_
        mechanism_info flags), the token's raw form, the flags taken from the raw form's
        declaration, its parameter (a types.yaml struct, or none) and how it composes with
        a hash. One table, sk_prims, sorted by mechanism."""
        self.prims = []
        self.prim_params, self.prim_compose = PRIM_PARAMS, PRIM_COMPOSE
        for c in self.constants:
            if c.family is None or c.family.prefix != "CKM" or c.prim is None:
                continue
            what = "constant %s: prim" % c.name
            r = check_keys(self.diag, c.path, c.prim, what, {
                "impl": (True, C.ident), "key_type": (True, C.ident),
                "min_bits": (True, C.count), "max_bits": (True, C.count),
                "host": (False, C.seq), "token": (False, C.seq), "raw": (False, C.ident),
                "inherit": (False, C.seq), "param": (False, C.ident),
                "compose": (False, C.mapping), "source": (False, C.text)})
            if r is None or r.impl is None or r.key_type is None or r.min_bits is None \
                    or r.max_bits is None:
                continue
            if c.hash is not None or c.alias_of is not None or c.digest is not None:
                self.diag.error(c.path, c.line, "%s: a composition, an alias or a digest is "
                                "no primitive of its own" % what)
                continue
            bad = False
            if not PRIM_IMPL.match(r.impl):
                self.diag.error(c.path, r.line("impl"), "%s: impl %s must be lower case "
                                "letters, digits and '_' (runtime/prim/<impl>.c)"
                                % (what, r.impl))
                bad = True
            kt = self._const_in(c.path, r.line("key_type"), r.key_type, ("CKK",),
                                what + ": key_type")
            if r.min_bits > r.max_bits:
                self.diag.error(c.path, r.line("min_bits"), "%s: min_bits %d is above "
                                "max_bits %d" % (what, r.min_bits, r.max_bits))
                bad = True
            flags = {}
            for key in ("host", "token", "inherit"):
                flags[key] = self._prim_flags(c, r, key, what)
                bad = bad or flags[key] is None
            raw = None
            if r.raw is not None:
                raw = self._const_in(c.path, r.line("raw"), r.raw, ("CKM",), what + ": raw")
                bad = bad or raw is None
            if flags["token"] and r.raw is None:
                self.diag.error(c.path, r.line("token"), "%s: token operations need 'raw', "
                                "the form the token computes" % what)
                bad = True
            if flags["host"] == [] and flags["token"] == []:
                self.diag.error(c.path, c.line, "%s: serves no operation (give 'host' or "
                                "'token')" % what)
                bad = True
            param, param_type = "none", None
            if r.param is not None and r.param != "none":
                if self._need_type(c.path, r.line("param"), r.param, what + ": param") is None:
                    bad = True
                param, param_type = "struct", r.param
            compose, compose_param = "none", "none"
            if r.compose is not None:
                cr = check_keys(self.diag, c.path, r.compose, what + ": compose", {
                    "hashes": (True, C.enum(PRIM_COMPOSE[1:])),
                    "param": (True, C.enum(("same",) + PRIM_PARAMS))})
                if cr is None or cr.hashes is None or cr.param is None:
                    bad = True
                else:
                    compose = cr.hashes
                    compose_param = param if cr.param == "same" else cr.param
                    if compose_param == "struct" and param_type is None:
                        self.diag.error(c.path, cr.line("param"), "%s: compose: param "
                                        "struct needs the primitive's own 'param'" % what)
                        bad = True
            if bad or kt is None:
                continue
            self.prims.append({
                "name": c.name, "value": c.value, "mech": c_hex(c.value), "impl": r.impl,
                "impl_str": c_string(r.impl), "key_type": c_hex(kt.value),
                "key_type_name": kt.name, "min_bits": r.min_bits, "max_bits": r.max_bits,
                "host": flags["host"], "token": flags["token"], "inherit": flags["inherit"],
                "raw": c_hex(raw.value) if raw is not None else "0",
                "raw_name": raw.name if raw is not None else None,
                "param": "SK_PRIM_PARAM_" + param.upper(), "param_type": param_type,
                "compose": "SK_PRIM_COMPOSE_" + compose.upper(),
                "compose_param": "SK_PRIM_PARAM_" + compose_param.upper()})
        self.prims.sort(key=lambda p: p["value"])
        self.prim_impls = sorted({p["impl"] for p in self.prims})
        # a composition names a primitive that composes with a hash, when the spec says
        # how it is computed at all (a primitive without `prim:` is not the runtime's: the
        # module leaves the composition out and logs why)
        by_name = {p["name"]: p for p in self.prims}
        for comp in self.compositions:
            p = by_name.get(comp["primitive_name"])
            c = self.const_by_name[comp["name"]]
            if p is not None and p["compose"] == "SK_PRIM_COMPOSE_NONE":
                self.diag.error(c.path, c.primitive_line, "constant %s: primitive %s does "
                                "not compose with a hash (its prim: has no compose)"
                                % (c.name, p["name"]))

    def _prim_flags(self, c, r, key, what):
        """The CKF_ mechanism_info flags of prim's key: C spelling ("0" for none) or None."""
        lst = getattr(r, key)
        if lst is None:
            return []
        names = []
        for line, item in zip(lst.item_lines, lst):
            ok, name, _ = C.ident(item)
            f = self.const_by_name.get(name) if ok else None
            if f is None or f.family is None or f.family.prefix != "CKF" or \
                    f.family.group != "mechanism_info":
                self.diag.error(c.path, line, "%s: %s: %s is not a CKF_ mechanism_info flag"
                                % (what, key, _describe(item)))
                return None
            names.append(f.name)
        return names

    def _check_compositions(self):
        """mechanisms.yaml `hash:` + `primitive:`: given together, each a mechanism, the
        primitive not itself a composition; the list of compositions in file order."""
        self.compositions = []
        for c in self.constants:
            if c.family is None or c.family.prefix != "CKM":
                continue
            if (c.hash is None) != (c.primitive is None):
                self.diag.error(c.path, c.line, "constant %s: 'hash' and 'primitive' go "
                                "together" % c.name)
                continue
            if c.hash is None:
                continue
            if c.alias_of is not None:
                self.diag.error(c.path, c.line, "constant %s: an alias has no composition "
                                "of its own" % c.name)
                continue
            bad = False
            for key, line in (("hash", c.hash_line), ("primitive", c.primitive_line)):
                other = self.const_by_name.get(getattr(c, key))
                if other is None or other.family is None or other.family.prefix != "CKM":
                    self.diag.error(c.path, line, "constant %s: %s %s is not a mechanism"
                                    % (c.name, key, getattr(c, key)))
                    bad = True
                elif other is c:
                    self.diag.error(c.path, line, "constant %s: %s names the mechanism "
                                    "itself" % (c.name, key))
                    bad = True
                elif key == "primitive" and other.hash is not None:
                    self.diag.error(c.path, line, "constant %s: primitive %s is itself a "
                                    "composition" % (c.name, other.name))
                    bad = True
            if not bad:
                h, p = self.const_by_name[c.hash], self.const_by_name[c.primitive]
                self.compositions.append({
                    "name": c.name, "hash_name": h.name, "primitive_name": p.name,
                    "type": c_hex(c.value), "hash": c_hex(h.value),
                    "primitive": c_hex(p.value)})

    def _single_family(self, fam, r, what, path):
        if not r.name.startswith(fam.prefix + "_"):
            self.diag.error(path, r.line("name"), "%s: name lacks the family prefix %s_"
                            % (what, fam.prefix))
            return None
        if r.group is not None:
            self.diag.error(path, r.line("group"), "%s: 'group' is for constants.yaml" % what)
        return fam

    def _pick_family(self, fams, r, what, path):
        cands = [f for f in fams if r.name.startswith(f.prefix + "_")]
        if not cands:
            self.diag.error(path, r.line("name"), "%s: name lacks a family prefix (one of %s)"
                            % (what, ", ".join(sorted({f.prefix + "_" for f in fams}))))
            return None
        longest = max(len(f.prefix) for f in cands)
        cands = [f for f in cands if len(f.prefix) == longest]
        if r.group is None:
            if len(cands) == 1:
                return cands[0]
            self.diag.error(path, r.line(), "%s: prefix %s_ has several families; give "
                            "'group' (one of %s)" % (what, cands[0].prefix,
                                                     ", ".join(f.group for f in cands)))
            return None
        for f in cands:
            if f.group == r.group:
                return f
        self.diag.error(path, r.line("group"), "%s: no family %s_ with group %s"
                        % (what, cands[0].prefix, r.group))
        return None

    def _load_constant(self, path, line, item, order, is_rv, pick, grouped=False):
        what = "constant " + _name_of(item)
        schema = {"name": (True, C.ident), "value": (True, C.value), "since": (True, C.since),
                  "vendor": (False, C.enum(VENDORS)), "deprecated": (False, C.boolean),
                  "alias_of": (False, C.ident), "source": (False, C.text),
                  "group": (False, C.group)}
        if is_rv:
            schema["meaning"] = (True, C.text)
        is_attr = path == self.path("attributes.yaml")
        if is_attr:
            schema["type"] = (True, C.enum(ATTR_TYPES))
        is_mech = path == self.path("mechanisms.yaml")
        if is_mech:
            # a hash-then-sign mechanism: the digest computed first, then the primitive
            schema["hash"] = (False, C.ident)
            schema["primitive"] = (False, C.ident)
            # a digest the host computes: where and how (see _check_digests)
            schema["digest"] = (False, C.mapping)
            # a primitive the runtime computes (see _check_prims)
            schema["prim"] = (False, C.mapping)
        r = check_keys(self.diag, path, item, what, schema, {"deprecated": False})
        if r is None or r.name is None:
            return
        prev = self.const_by_name.get(r.name)
        if prev is not None:
            self.diag.error(path, line, "duplicate constant %s (first at %s:%d)"
                            % (r.name, prev.path, prev.line))
            return
        fam = pick(r, what)
        c = Constant(r.name, r.value if r.value is not None else 0, r.since, r.vendor,
                     bool(r.deprecated), r.alias_of, getattr(r, "meaning", None), path, line,
                     order, fam)
        c.atype = r.type if is_attr else None
        c.hash = getattr(r, "hash", None) if is_mech else None
        c.primitive = getattr(r, "primitive", None) if is_mech else None
        c.digest = getattr(r, "digest", None) if is_mech else None
        c.prim = getattr(r, "prim", None) if is_mech else None
        c.hash_line = r.line("hash") if c.hash is not None else line
        c.primitive_line = r.line("primitive") if c.primitive is not None else line
        self.const_by_name[r.name] = c
        if fam is not None:
            self.constants.append(c)
            fam.constants.append(c)

    # --- functions.yaml ---

    def _load_functions(self, doc):
        name = "functions.yaml"
        path = self.path(name)
        self.functions = []
        self.fn_by_name = {}
        top = self._top(name, doc, {"functions": (True, C.seq)})
        if top is None:
            return
        schema = {"name": (True, C.ident), "since": (True, C.since),
                  "category": (True, C.enum(CATEGORIES)), "summary": (True, C.text),
                  "handle": (True, C.enum(HANDLES)), "login": (False, C.enum(LOGINS)),
                  "rw": (False, C.boolean), "init": (False, C.boolean),
                  "args": (True, C.seq), "returns": (True, C.seq), "source": (False, C.text)}
        arg_schema = {"name": (True, C.ident), "type": (True, C.ident),
                      "dir": (True, C.enum(DIRS)), "nullable": (False, C.nullable),
                      "length": (False, C.ident), "secret": (False, C.boolean),
                      "source": (False, C.text)}
        newest = None
        for line, item in items(self.diag, path, top.functions, "functions"):
            fname = _name_of(item)
            what = fname
            r = check_keys(self.diag, path, item, what, schema,
                           {"login": "none", "rw": False, "init": True})
            if r is None or r.name is None:
                continue
            if not r.name.startswith("C_"):
                self.diag.error(path, r.line("name"), "%s: function names begin with C_" % what)
            if r.name in self.fn_by_name:
                self.diag.error(path, line, "duplicate function %s (first at line %d)"
                                % (r.name, self.fn_by_name[r.name].line))
                continue
            if r.since is not None:
                if newest is not None and VERSIONS[r.since] < VERSIONS[newest[0]]:
                    self.diag.error(path, r.line("since"), "%s: since %s after %s (since %s): "
                                    "the list must keep each version's functions together, "
                                    "older first" % (what, r.since, newest[1], newest[0]))
                elif newest is None or VERSIONS[r.since] > VERSIONS[newest[0]]:
                    newest = (r.since, r.name)
            args = []
            arg_by_name = {}
            for aline, a in items(self.diag, path, r.args, what + " args"):
                awhat = "%s: argument %s" % (what, _name_of(a))
                ar = check_keys(self.diag, path, a, awhat, arg_schema,
                                {"nullable": None, "secret": False})
                if ar is None or ar.name is None:
                    continue
                if ar.name in arg_by_name:
                    self.diag.error(path, aline, "%s: duplicate argument %s (first at line %d)"
                                    % (what, ar.name, arg_by_name[ar.name].line))
                    continue
                info = self._need_type(path, ar.line("type"), ar.type, awhat) \
                    if ar.type is not None else None
                arg = Arg(ar.name, ar.type, ar.dir, ar.nullable, ar.length, ar.secret, aline)
                arg.pointer = bool(info and info.pointer)
                if info is not None:
                    if not info.pointer and ar.nullable is not None:
                        self.diag.error(path, ar.line("nullable"), "%s: nullable is for "
                                        "pointer arguments; %s is not one" % (awhat, ar.type))
                    if not info.pointer and ar.dir not in (None, "in"):
                        self.diag.error(path, ar.line("dir"), "%s: a non-pointer argument "
                                        "can only be dir: in" % awhat)
                    if not info.pointer and ar.length is not None:
                        self.diag.error(path, ar.line("length"), "%s: length is for pointer "
                                        "arguments; %s is not one" % (awhat, ar.type))
                arg._length_line = ar.line("length")
                arg._nullable_line = ar.line("nullable")
                arg_by_name[ar.name] = arg
                args.append(arg)
            for arg in args:
                if arg.nullable is None:
                    arg.nullable = "no"
                awhat = "%s: argument %s" % (what, arg.name)
                if arg.length is not None:
                    target = arg_by_name.get(arg.length)
                    if target is None:
                        self.diag.error(path, arg._length_line, "%s: length %s is not an "
                                        "argument of %s" % (awhat, arg.length, r.name))
                    elif target is arg:
                        self.diag.error(path, arg._length_line, "%s: length names the "
                                        "argument itself" % awhat)
                    elif arg.nullable == "if_empty" and target.pointer:
                        self.diag.error(path, arg._nullable_line, "%s: nullable: if_empty "
                                        "needs a length passed by value, and %s is a pointer"
                                        % (awhat, target.name))
                elif arg.nullable == "if_empty":
                    self.diag.error(path, arg._nullable_line, "%s: nullable: if_empty needs "
                                    "'length'" % awhat)
            returns = []
            seen_rv = {}
            for rline, rv in items(self.diag, path, r.returns, what + " returns"):
                ok, rvname, _ = C.ident(rv)
                if not ok:
                    self.diag.error(path, rline, "%s: returns: %s is not a name"
                                    % (what, _describe(rv)))
                    continue
                c = self.const_by_name.get(rvname)
                if c is None or c.family is None or c.family.prefix != "CKR":
                    self.diag.error(path, rline, "%s: return code %s is not in "
                                    "return-codes.yaml" % (what, rvname))
                elif rvname in seen_rv:
                    self.diag.error(path, rline, "%s: return code %s is listed twice"
                                    % (what, rvname))
                seen_rv[rvname] = rline
                returns.append(rvname)
            if returns and returns[0] != "CKR_OK":
                self.diag.error(path, r.line("returns"), "%s: returns must list CKR_OK first"
                                % what)
            # login and rw are checks on the session: they need one, and the code they
            # give must be one the function may return
            needs = (("login", "CKR_USER_NOT_LOGGED_IN", r.login not in (None, "none")),
                     ("rw", "CKR_SESSION_READ_ONLY", bool(r.rw)))
            for key, code, on in needs:
                if not on:
                    continue
                if r.handle is not None and r.handle != "session":
                    self.diag.error(path, r.line(key), "%s: %s needs handle: session"
                                    % (what, key))
                elif returns and code not in returns:
                    self.diag.error(path, r.line(key), "%s: %s gives %s, which returns "
                                    "does not list" % (what, key, code))
            fn = Function(r.name, r.since, r.category, r.summary, r.handle, r.login or "none",
                          bool(r.rw), r.init is not False, args, returns, line)
            self.functions.append(fn)
            self.fn_by_name[fn.name] = fn
        if not self.partial and top.functions is not None:
            counts = {v: 0 for v in EXPECTED_COUNTS}
            for fn in self.functions:
                if fn.since is not None:
                    counts[VERSIONS[fn.since]] += 1
            for v, want in EXPECTED_COUNTS.items():
                if counts[v] != want:
                    vname = [k for k, n in VERSIONS.items() if n == v][0]
                    self.diag.error(path, top.key_line("functions"), "%d functions have since "
                                    "\"%s\"; the standard has %d" % (counts[v], vname, want))

    # --- module.yaml ---

    def _load_module(self, doc):
        name = "module.yaml"
        path = self.path(name)
        self.interfaces = []
        self.implemented = set()
        self.module = None
        top = self._top(name, doc, {"module": (True, C.mapping), "interfaces": (True, C.seq),
                                    "implemented": (True, C.seq)})
        if top is None:
            return
        if top.module is not None:
            ver = {"major": (True, C.byte), "minor": (True, C.byte)}
            m = check_keys(self.diag, path, top.module, "module", {
                "manufacturer": (True, C.text), "description": (True, C.text),
                "library_version": (True, C.mapping), "cryptoki_version": (True, C.mapping)})
            if m is not None:
                for key in ("manufacturer", "description"):
                    v = getattr(m, key)
                    if v is not None and len(v.encode("utf-8")) > 32:
                        self.diag.error(path, m.line(key), "module: %s is longer than the 32 "
                                        "bytes CK_INFO holds" % key)
                lv = check_keys(self.diag, path, m.library_version, "library_version", ver) \
                    if m.library_version is not None else None
                cv = check_keys(self.diag, path, m.cryptoki_version, "cryptoki_version", ver) \
                    if m.cryptoki_version is not None else None
                self.module = (m, lv, cv)
        for line, item in items(self.diag, path, top.interfaces, "interfaces"):
            r = check_keys(self.diag, path, item, "interface", {
                "name": (True, C.text), "version": (True, C.enum(tuple(INTERFACE_LISTS)))})
            if r is None or r.name is None or r.version is None:
                continue
            dup = [ln for n, v, ln in self.interfaces if (n, v) == (r.name, r.version)]
            if dup:
                self.diag.error(path, line, "interface %s %s is already offered (line %d)"
                                % (r.name, r.version, dup[0]))
            self.interfaces.append((r.name, r.version, line))
        if top.interfaces is not None and not self.interfaces and not self.diag.errors:
            self.diag.error(path, top.key_line("interfaces"), "interfaces: offer at least one")
        seen = {}
        for line, item in items(self.diag, path, top.implemented, "implemented"):
            ok, fname, _ = C.ident(item)
            if not ok:
                self.diag.error(path, line, "implemented: %s is not a name" % _describe(item))
                continue
            if fname not in self.fn_by_name:
                self.diag.error(path, line, "implemented: %s is not in functions.yaml" % fname)
            elif fname in seen:
                self.diag.error(path, line, "implemented: %s is listed twice (line %d)"
                                % (fname, seen[fname]))
            seen.setdefault(fname, line)
            self.implemented.add(fname)

    # --- objects.yaml ---

    def _const_in(self, path, line, name, prefixes, what):
        """The constant called name, whose family prefix is one of prefixes; or None."""
        c = self.const_by_name.get(name)
        if c is None or c.family is None:
            self.diag.error(path, line, "%s: %s is not a defined constant" % (what, name))
            return None
        if c.family.prefix not in prefixes:
            self.diag.error(path, line, "%s: %s is not a %s constant"
                            % (what, name, " or ".join(p + "_" for p in prefixes)))
            return None
        return c

    def _attr_value(self, path, line, attr, node, what):
        """A default written in YAML, checked against the attribute's type: (kind, value)."""
        t = attr.atype
        v = node.value if isinstance(node, yamlloc.Scalar) else None
        if t == "bool":
            if isinstance(v, bool):
                return ("bool", v)
            expected = "true or false"
        elif t == "ulong":
            if isinstance(v, int) and not isinstance(v, bool) and not node.quoted and \
                    (0 <= v <= MAX_VALUE or v == ALL_ONES_64):
                return ("ulong", c_hex(v))
            if isinstance(v, str) and not node.quoted and IDENT.match(v):
                c = self.const_by_name.get(v)
                if c is not None and c.family is not None:
                    return ("ulong", c.name)
                self.diag.error(path, line, "%s: %s is not a defined constant" % (what, v))
                return None
            expected = "an unsigned integer or a constant's name"
        elif t in ("bytes", "utf8", "bigint", "date"):
            if isinstance(v, str) and (t != "date" or v == "" or re.match(r"^\d{8}$", v)):
                return ("bytes", v)
            expected = "a string" if t != "date" else "an empty string or a date YYYYMMDD"
        elif t == "mechanisms":
            if isinstance(v, str) and v == "":
                return ("bytes", v)
            expected = "an empty string (the empty list)"
        else:
            self.diag.error(path, line, "%s: a %s attribute has no default" % (what, t))
            return None
        self.diag.error(path, line, "%s: the default of a %s attribute must be %s, not %s"
                        % (what, t, expected, _describe(node)))
        return None

    def _obj_derive(self, path, dmap, rows, what):
        """A `derive:` mapping (attribute: rule) applied to the rows of one kind."""
        if dmap is None:
            return
        for key in dmap:
            kline, vline = dmap.key_lines[key], dmap.value_lines[key]
            attr = self._const_in(path, kline, key, ("CKA",), what + ": derive")
            if attr is None:
                continue
            ok, rule, expected = C.enum(DERIVE_RULES)(dmap[key])
            if not ok:
                self.diag.error(path, vline, "%s: derive: %s must be %s"
                                % (what, attr.name, expected))
                continue
            want = "ulong" if rule == "value_length" else "bytes"
            if attr.atype != want:
                self.diag.error(path, vline, "%s: derive: %s gives a %s value, and %s is %s"
                                % (what, rule, want, attr.name, attr.atype))
                continue
            hit = [row for row in rows if row["attr"].name == attr.name]
            if not hit:
                self.diag.error(path, kline, "%s: derive: %s is in none of its tables"
                                % (what, attr.name))
                continue
            if not [row for row in rows if row["attr"].name == "CKA_VALUE"]:
                self.diag.error(path, kline, "%s: derive: %s is derived from CKA_VALUE, "
                                "which is in none of its tables" % (what, attr.name))
                continue
            if hit[0].get("derive") is not None:
                self.diag.error(path, kline, "%s: derive: %s is derived twice"
                                % (what, attr.name))
                continue
            hit[0]["derive"] = rule

    def _load_objects(self, doc):
        name = "objects.yaml"
        path = self.path(name)
        self.obj_tables = {}
        self.obj_classes = []
        self.obj_keygens = []
        top = self._top(name, doc, {"tables": (True, C.seq), "classes": (True, C.seq),
                                    "generation": (False, C.seq)})
        if top is None:
            return
        for line, item in items(self.diag, path, top.tables, "tables"):
            what = "table " + _name_of(item)
            r = check_keys(self.diag, path, item, what, {
                "name": (True, C.group), "title": (True, C.text), "attrs": (True, C.seq),
                "source": (False, C.text)})
            if r is None or r.name is None:
                continue
            if r.name in self.obj_tables:
                self.diag.error(path, line, "duplicate table %s (first at line %d)"
                                % (r.name, self.obj_tables[r.name]["line"]))
                continue
            rows, seen = [], {}
            for aline, a in items(self.diag, path, r.attrs, what + " attrs"):
                ar = check_keys(self.diag, path, a, "%s: attribute %s"
                                % (what, _name_of(a, "attr")), {
                                    "attr": (True, C.ident), "rules": (False, C.seq),
                                    "default": (False, lambda s: (True, s, None)),
                                    "source": (False, C.text)})
                if ar is None or ar.attr is None:
                    continue
                awhat = "%s: %s" % (what, ar.attr)
                attr = self._const_in(path, ar.line("attr"), ar.attr, ("CKA",), what)
                if attr is None:
                    continue
                if attr.name in seen:
                    self.diag.error(path, aline, "%s: listed twice (first at line %d)"
                                    % (awhat, seen[attr.name]))
                    continue
                seen[attr.name] = aline
                rules = []
                for rline, rv in items(self.diag, path, ar.rules, awhat + ": rules"):
                    ok, rname, expected = C.enum(ATTR_RULES)(rv)
                    if not ok:
                        self.diag.error(path, rline, "%s: rule %s must be %s"
                                        % (awhat, _describe(rv), expected))
                    elif rname in rules:
                        self.diag.error(path, rline, "%s: rule %s is listed twice"
                                        % (awhat, rname))
                    else:
                        rules.append(rname)
                for x, y in RULE_CONFLICTS:
                    if x in rules and y in rules:
                        self.diag.error(path, ar.line("rules"), "%s: rules %s and %s "
                                        "contradict each other" % (awhat, x, y))
                if attr.atype != "bool" and ("true_stays" in rules or "false_stays" in rules
                                             or "so_only" in rules):
                    self.diag.error(path, ar.line("rules"), "%s: true_stays, false_stays "
                                    "and so_only are for bool attributes, and %s is %s"
                                    % (awhat, attr.name, attr.atype))
                dflt = None
                if ar.has("default"):
                    dflt = self._attr_value(path, ar.line("default"), attr, ar.default, awhat)
                rows.append({"attr": attr, "rules": rules, "default": dflt, "line": aline})
            self.obj_tables[r.name] = {"name": r.name, "title": r.title, "rows": rows,
                                       "line": line}

        def table_rows(tlist, tline, what):
            out = []
            for nline, n in items(self.diag, path, tlist, what + ": tables"):
                ok, tname, _ = C.group(n)
                if not ok or tname not in self.obj_tables:
                    self.diag.error(path, nline, "%s: table %s is not defined"
                                    % (what, _describe(n)))
                    continue
                out.append((tname, nline))
            return out

        seen_cls = {}
        for line, item in items(self.diag, path, top.classes, "classes"):
            what = "class " + _name_of(item, "class")
            r = check_keys(self.diag, path, item, what, {
                "class": (True, C.ident), "tables": (True, C.seq),
                "defaults": (False, C.mapping), "subtype": (False, C.ident),
                "kinds": (False, C.seq), "derive": (False, C.mapping),
                "source": (False, C.text)})
            if r is None:
                continue
            cls_name = getattr(r, "class")
            if cls_name is None:
                continue
            cls = self._const_in(path, r.line("class"), cls_name, ("CKO",), what)
            if cls is None:
                continue
            if cls.name in seen_cls:
                self.diag.error(path, line, "duplicate class %s (first at line %d)"
                                % (cls.name, seen_cls[cls.name]))
                continue
            seen_cls[cls.name] = line
            base = table_rows(r.tables, r.line("tables"), what)
            if (r.subtype is None) != (r.kinds is None):
                self.diag.error(path, line, "%s: give both 'subtype' and 'kinds', or neither"
                                % what)
            sub = None
            if r.subtype is not None:
                sub = self._const_in(path, r.line("subtype"), r.subtype, ("CKA",), what)
                if sub is not None and sub.atype != "ulong":
                    self.diag.error(path, r.line("subtype"), "%s: subtype %s must be a "
                                    "ulong attribute" % (what, sub.name))
                    sub = None
            kinds = []
            if r.kinds is not None:
                seen_k = {}
                for kline, k in items(self.diag, path, r.kinds, what + ": kinds"):
                    kr = check_keys(self.diag, path, k, "%s: kind %s"
                                    % (what, _name_of(k, "value")), {
                                        "value": (True, C.ident), "tables": (True, C.seq),
                                        "derive": (False, C.mapping),
                                        "source": (False, C.text)})
                    if kr is None or kr.value is None:
                        continue
                    kc = self.const_by_name.get(kr.value)
                    if kc is None or kc.family is None or kc.family.prefix in ("CKA", "CKR",
                                                                              "CKM", "CKO"):
                        self.diag.error(path, kr.line("value"), "%s: kind %s is not a "
                                        "defined constant of a key or certificate type"
                                        % (what, kr.value))
                        continue
                    if kc.value in seen_k:
                        self.diag.error(path, kline, "%s: kind %s is listed twice (first "
                                        "at line %d)" % (what, kc.name, seen_k[kc.value]))
                        continue
                    seen_k[kc.value] = kline
                    kinds.append((kc, kline, table_rows(kr.tables, kr.line("tables"),
                                                        "%s: kind %s" % (what, kc.name)),
                                  kr.derive))
            else:
                kinds.append((None, line, [], None))
            # Flatten: every (class, kind) gets its rows; an attribute in two of its tables
            # is an error, reported at its second place.
            flat_kinds = []
            for kc, kline, extra, kderive in kinds:
                rows, where = [], {}
                for tname, tline in base + extra:
                    for row in self.obj_tables[tname]["rows"]:
                        a = row["attr"].name
                        if a in where:
                            self.diag.error(path, tline, "%s%s: %s is in tables %s and %s"
                                            % (what, " kind " + kc.name if kc else "", a,
                                               where[a], tname))
                            continue
                        where[a] = tname
                        rows.append(dict(row))
                flat_kinds.append({"kind": kc, "rows": rows, "line": kline})
                for dmap, dwhat in ((r.derive, what),
                                    (kderive, "%s: kind %s" % (what, kc.name) if kc else what)):
                    self._obj_derive(path, dmap, rows, dwhat)
            if sub is not None:
                for fk in flat_kinds:
                    if sub.name not in [x["attr"].name for x in fk["rows"]]:
                        self.diag.error(path, r.line("subtype"), "%s: subtype %s is in "
                                        "none of its tables" % (what, sub.name))
                        break
            if r.defaults is not None:
                for key in r.defaults:
                    dline = r.defaults.value_lines[key]
                    attr = self._const_in(path, r.defaults.key_lines[key], key, ("CKA",),
                                          what + ": defaults")
                    if attr is None:
                        continue
                    dflt = self._attr_value(path, dline, attr, r.defaults[key],
                                            "%s: defaults: %s" % (what, key))
                    hit = False
                    for fk in flat_kinds:
                        for row in fk["rows"]:
                            if row["attr"].name == attr.name:
                                row["default"] = dflt
                                hit = True
                    if not hit:
                        self.diag.error(path, dline, "%s: defaults: %s is in none of the "
                                        "class's tables" % (what, key))
            self.obj_classes.append({"cls": cls, "subtype": sub, "kinds": flat_kinds,
                                     "line": line})
        seen_m = {}
        for line, item in items(self.diag, path, top.generation, "generation"):
            what = "generation " + _name_of(item, "mechanism")
            r = check_keys(self.diag, path, item, what, {
                "mechanism": (True, C.ident), "key_type": (True, C.ident),
                "source": (False, C.text)})
            if r is None or r.mechanism is None or r.key_type is None:
                continue
            m = self._const_in(path, r.line("mechanism"), r.mechanism, ("CKM",), what)
            k = self._const_in(path, r.line("key_type"), r.key_type, ("CKK",), what)
            if m is None or k is None:
                continue
            if m.value in seen_m:
                self.diag.error(path, line, "%s: listed twice (first at line %d)"
                                % (what, seen_m[m.value]))
                continue
            seen_m[m.value] = line
            self.obj_keygens.append({"mech": m, "key_type": k})

    def _derive_objects(self):
        # Attribute value types, one row per value (aliases folded), sorted by value.
        attrs = {}
        for c in self.constants:
            if c.family.prefix == "CKA" and c.alias_of is None:
                attrs.setdefault(c.value, c)
        self.attr_types = [{"name": c.name, "value": c_hex(c.value),
                            "vtype": "SK_AV_" + c.atype.upper()}
                           for _, c in sorted(attrs.items())]
        self.attr_vtypes = ["SK_AV_" + t.upper() for t in ATTR_TYPES]
        self.attr_rule_bits = [("SK_AR_" + r.upper(), 1 << i) for i, r in enumerate(ATTR_RULES)]
        self.attr_derive_kinds = ["SK_DERIVE_" + d.upper() for d in ("none",) + DERIVE_RULES]
        self.attr_rule_rows = []
        self.obj_kinds = []
        for cl in self.obj_classes:
            for fk in cl["kinds"]:
                first = len(self.attr_rule_rows)
                for row in sorted(fk["rows"], key=lambda x: x["attr"].value):
                    flags = " | ".join("SK_AR_" + r.upper() for r in ATTR_RULES
                                       if r in row["rules"]) or "0"
                    d = row["default"]
                    if d is None:
                        dk, du, db, dl = "SK_DEF_NONE", "0", "NULL", 0
                    elif d[0] == "bool":
                        dk, du, db, dl = "SK_DEF_BOOL", "1" if d[1] else "0", "NULL", 0
                    elif d[0] == "ulong":
                        dk, du, db, dl = "SK_DEF_ULONG", d[1], "NULL", 0
                    else:
                        raw = d[1].encode("utf-8")
                        dk, du, db, dl = "SK_DEF_BYTES", "0", c_string(d[1]), len(raw)
                    dv = row.get("derive")
                    self.attr_rule_rows.append({"attr": row["attr"].name, "flags": flags,
                                                "dkind": dk, "dulong": du, "dbytes": db,
                                                "dlen": dl,
                                                "derive": "SK_DERIVE_" + (dv or "none").upper()})
                self.obj_kinds.append({
                    "cls": cl["cls"].name,
                    "subtype_attr": cl["subtype"].name if cl["subtype"] else "0",
                    "has_subtype": 1 if cl["subtype"] else 0,
                    "subtype": fk["kind"].name if fk["kind"] else "0",
                    "comment": cl["cls"].name + (" / " + fk["kind"].name if fk["kind"] else ""),
                    "first": first, "count": len(self.attr_rule_rows) - first})
        self.keygens = [{"mech": g["mech"].name, "key_type": g["key_type"].name}
                        for g in self.obj_keygens]

    def _check_required_types(self):
        path = self.path("types.yaml")
        need = [("CK_RV", "the return type of every function"),
                ("CK_ULONG", "the name tables"),
                ("CK_VERSION", "the function lists' first field")]
        if self.interfaces:
            need.append(("CK_INTERFACE", "the interfaces of module.yaml"))
        for tname, why in need:
            if tname not in self.types:
                self.diag.error(path, 1, "types.yaml must define %s (%s)" % (tname, why))
        v = self.types.get("CK_VERSION")
        if v is not None and v.kind == "struct" and not v.pointer:
            names = [f.name for f in v.struct.fields]
            if names != ["major", "minor"]:
                self.diag.error(v.path, v.line, "struct CK_VERSION must have the fields major, "
                                "minor")

    # --- derived facts ------------------------------------------------------------------

    def _derive(self):
        # Types: C declarations.
        for s in self.scalars:
            s.decls.append(c_typedef(s.c if s.c is not None else s.base, s.name))
            if s.ptr:
                s.decls.append("typedef %s *%s_PTR;" % (s.name, s.name))
            if s.ptr2:
                s.decls.append("typedef %s_PTR *%s_PTR_PTR;" % (s.name, s.name))
        for st in self.structs:
            st.since_num = VERSIONS[st.since]
            st.forward.append("typedef struct %s %s;" % (st.name, st.name))
            if st.ptr:
                st.forward.append("typedef %s *%s_PTR;" % (st.name, st.name))
            if st.ptr2:
                st.forward.append("typedef %s_PTR *%s_PTR_PTR;" % (st.name, st.name))
            for f in st.fields:
                f.c_decl = "%s %s%s;" % (f.type, f.name, "[%d]" % f.array if f.array else "")
        for cb in self.callbacks:
            params = ", ".join("%s %s" % (p.type, p.name) for p in cb.args) or "void"
            cb.decls.append("typedef %s (*%s)(%s);" % (cb.returns, cb.name, params))
            if cb.ptr:
                cb.decls.append("typedef %s *%s_PTR;" % (cb.name, cb.name))

        # Constants: spelling, flags, families in enum order.
        for i, fam in enumerate(self.families):
            fam.index = i
            fam.enum = "SK_FAM_" + fam.prefix + ("_" + fam.group.upper() if fam.group else "")
            fam.c_group = c_string(fam.group) if fam.group else "NULL"
        width = max([len(c.name) for c in self.constants] + [0])
        for c in self.constants:
            c.c_value = c_hex(c.value)
            flags = []
            if c.vendor:
                flags.append("SK_CONST_VENDOR")
            if c.deprecated:
                flags.append("SK_CONST_DEPRECATED")
            if c.alias_of:
                flags.append("SK_CONST_ALIAS")
            c.c_flags = " | ".join(flags) or "0"
            notes = []
            if c.vendor:
                notes.append("vendor: " + c.vendor)
            if c.deprecated:
                notes.append("deprecated")
            if c.alias_of:
                notes.append("alias of " + c.alias_of)
            c.c_comment = "  /* %s */" % ", ".join(notes) if notes else ""
            c.pad = " " * (width - len(c.name))
        self.families_with_constants = [f for f in self.families if f.constants]
        # The name table: by (family, value); among equal values the preferred name first
        # (standard before alias/deprecated, standard before vendor), then spec order.
        self.sorted_consts = sorted(self.constants, key=lambda c: (
            c.family.index, c.value, bool(c.alias_of or c.deprecated), bool(c.vendor),
            c.order))
        for i, c in enumerate(self.sorted_consts):
            c.row = i
        for fam in self.families:
            rows = [c.row for c in fam.constants]
            fam.first = min(rows) if rows else 0
        self.by_name_rows = [c.row for c in sorted(self.constants,
                                                   key=lambda c: c.name.encode("ascii"))]
        self.row_type = "unsigned short" if len(self.constants) < 65536 else "unsigned int"

        # Functions.
        width = max([len(f.name) for f in self.functions] + [0])
        self.categories = [{"name": c, "enum": "SK_CAT_" + c.upper(), "c_name": c_string(c)}
                           for c in CATEGORIES]
        for i, fn in enumerate(self.functions):
            fn.index = i
            fn.since_num = VERSIONS[fn.since]
            fn.short = fn.name[2:]
            fn.enum = "SK_FN_" + fn.name
            fn.pad_enum = " " * (width - len(fn.name))
            fn.rt_name = "rt_" + fn.short
            fn.ptr_type = "CK_" + fn.name
            fn.category_enum = "SK_CAT_" + fn.category.upper()
            fn.implemented = fn.name in self.implemented
            fn.need_rt = 1 if fn.implemented else 0
            fn.need_init = 1 if fn.init else 0
            for a in fn.args:
                a.c_decl = "%s %s" % (a.type, a.name)
            fn.c_params = ", ".join(a.c_decl for a in fn.args) or "void"
            fn.c_call = ", ".join(a.name for a in fn.args)
            # the return-code sweep (sk_sweep.inc): each argument as the sweep passes it —
            # the first one the handle under test, a pointer the shared buffer or NULL
            # when it is the one left out, any other scalar 0
            fn.sweep_args = []
            for i, a in enumerate(fn.args):
                if i == 0 and fn.handle in ("session", "slot") and not a.pointer:
                    e = "(%s)handle" % a.type
                elif a.pointer:
                    e = "null_arg == %d ? NULL : (%s)(void *)sweep_buf" % (i, a.type)
                else:
                    e = "(%s)0" % a.type
                fn.sweep_args.append(e)
            fn.sweep_nonnull = [i for i, a in enumerate(fn.args)
                                if a.pointer and a.nullable == "no"]
            fn.trace = trace_calls(fn)
            # the allowed return codes sorted by value, for a binary search at run time: the
            # function's list, the universal codes (§5.1.1), those of every function with a
            # session handle (§5.1.2), CKR_CRYPTOKI_NOT_INITIALIZED for functions that need
            # C_Initialize and CKR_FUNCTION_NOT_SUPPORTED for a stub (both as §5.1.6
            # describes them)
            allowed = list(fn.returns) + list(UNIVERSAL_RETURNS)
            if fn.handle == "session":
                allowed += list(SESSION_RETURNS)
            if fn.init:
                allowed.append("CKR_CRYPTOKI_NOT_INITIALIZED")
            if not fn.implemented:
                allowed.append("CKR_FUNCTION_NOT_SUPPORTED")
            codes = sorted({self.const_by_name[r].value: r for r in allowed
                            if r in self.const_by_name}.items())
            fn.returns_sorted = [{"name": n, "c_value": c_hex(v)} for v, n in codes]
            by_name = {a.name: a for a in fn.args}
            # the handle first (PKCS #11 3.2 §5.1.8: the session codes of §5.1.2 come
            # before those of §5.1.6, CKR_ARGUMENTS_BAD among them); the session found is
            # handed to the runtime with what the spec requires of it (rw, login). A slot
            # ID is in the same group as CKR_ARGUMENTS_BAD: it is checked after the
            # pointers, which need no lock
            if fn.handle == "session" and fn.args and fn.args[0].type == "CK_SESSION_HANDLE":
                need = (["SK_NEED_RW"] if fn.rw else []) + \
                    (["SK_LOGIN_" + fn.login.upper()] if fn.login != "none" else [])
                fn.session_call = "sk_session(%s, %s)" % (fn.args[0].name,
                                                         " | ".join(need) or "0")
            if fn.handle == "slot" and fn.args and fn.args[0].type == "CK_SLOT_ID":
                fn.slot_call = "sk_slot(%s)" % fn.args[0].name
            if fn.handle == "session" and fn.args and fn.args[0].type == "CK_SESSION_HANDLE":
                # a bad argument is an error like any other: it ends the session's
                # operation the function continues (the runtime knows which)
                fn.bad_args = "sk_bad_args(%s, %s)" % (fn.enum, fn.args[0].name)
            for a in fn.args:
                if not a.pointer or a.nullable == "yes":
                    continue
                if a.nullable == "if_empty":
                    cond = "%s == NULL && %s != 0" % (a.name, by_name[a.length].name)
                else:
                    cond = "%s == NULL" % a.name
                fn.checks.append(Check("else if" if fn.checks else "if", cond,
                                       "%s: nullable: %s" % (a.name, a.nullable)))
        self.implemented_functions = [f for f in self.functions if f.implemented]

        # Function lists: each holds every function up to its version, in list order.
        self.function_lists = []
        for ctype, (major, minor), symbol, newest in FUNCTION_LISTS:
            fl = FunctionList(ctype, major, minor, symbol, newest,
                              [f for f in self.functions if f.since_num <= newest])
            fl.count = len(fl.functions)
            fl.forward = ["typedef struct %s %s;" % (ctype, ctype),
                          "typedef %s *%s_PTR;" % (ctype, ctype),
                          "typedef %s_PTR *%s_PTR_PTR;" % (ctype, ctype)]
            self.function_lists.append(fl)
        self.interface_objs = []
        for name, version, line in self.interfaces:
            self.interface_objs.append(Interface(name, version, c_string(name),
                                                 self.function_lists[INTERFACE_LISTS[version]],
                                                 line))

        # Module identity.
        m, lv, cv = self.module
        self.ident = {
            "manufacturer": c_string(m.manufacturer),
            "description": c_string(m.description),
            "library_major": lv.major, "library_minor": lv.minor,
            "cryptoki_major": cv.major, "cryptoki_minor": cv.minor,
        }

        self._derive_objects()

        # The probe: every struct and the three function lists.
        self.probe_structs = [ProbeStruct(st.name, st.since_num, [f.name for f in st.fields])
                              for st in self.structs]
        for fl in self.function_lists:
            self.probe_structs.append(ProbeStruct(
                fl.ctype, fl.since_num, ["version"] + [f.name for f in fl.functions]))


# --- call tracing: one formatter call per argument, chosen by the argument's type -------

# The flag family (constants.yaml prefix and group) a CK_FLAGS argument takes its names from.
TRACE_FLAG_GROUPS = {"C_OpenSession": "session_info",
                     "C_WaitForSlotEvent": "wait_for_slot_event",
                     "C_GetInterface": "interface"}
# Scalars shown by the name of their constant (the family's prefix).
TRACE_NAMED = {"CK_USER_TYPE": "CKU", "CK_MECHANISM_TYPE": "CKM"}
TRACE_HANDLES = ("CK_SESSION_HANDLE", "CK_OBJECT_HANDLE", "CK_SLOT_ID")
TRACE_HANDLE_PTRS = ("CK_SESSION_HANDLE_PTR", "CK_OBJECT_HANDLE_PTR", "CK_SLOT_ID_PTR")
TRACE_BUFFERS = ("CK_BYTE_PTR", "CK_UTF8CHAR_PTR", "CK_VOID_PTR")
# Output structures the runtime formats field by field (runtime/trace.c).
TRACE_STRUCTS = ("CK_INFO_PTR", "CK_SLOT_INFO_PTR", "CK_TOKEN_INFO_PTR", "CK_SESSION_INFO_PTR",
                 "CK_MECHANISM_INFO_PTR", "CK_VERSION_PTR")


def trace_calls(fn):
    """The C calls that describe each argument of fn in its trace line (runtime/trace.c).

    Never a value of a secret argument, and never the bytes of a buffer: secrets show as
    <secret>, buffers by their length, templates by attribute names (values only for the
    attribute types runtime/trace.c knows to be public)."""
    by_name = {a.name: a for a in fn.args}
    calls = []

    def length_expr(a):
        target = by_name.get(a.length)
        if target is None:
            return "(CK_ULONG)-1"
        if target.pointer:
            return "(%s != NULL ? *%s : (CK_ULONG)-1)" % (target.name, target.name)
        return target.name

    for a in fn.args:
        n = c_string(a.name)
        out = 1 if a.dir in ("out", "inout") else 0
        t = a.type
        if a.secret and t != "CK_ATTRIBUTE_PTR":
            calls.append("sk_trace_secret(&tr, %s, %s, %s)" % (n, a.name, length_expr(a)))
        elif t in TRACE_HANDLES:
            calls.append("sk_trace_handle(&tr, %s, %s)" % (n, a.name))
        elif t == "CK_ULONG":
            calls.append("sk_trace_ulong(&tr, %s, %s)" % (n, a.name))
        elif t == "CK_BBOOL":
            calls.append("sk_trace_bool(&tr, %s, %s)" % (n, a.name))
        elif t == "CK_FLAGS":
            group = TRACE_FLAG_GROUPS.get(fn.name)
            calls.append("sk_trace_flags(&tr, %s, %s, %s)"
                         % (n, c_string(group) if group else "NULL", a.name))
        elif t in TRACE_NAMED:
            calls.append("sk_trace_named(&tr, %s, %s, %s)" % (n, c_string(TRACE_NAMED[t]), a.name))
        elif t == "CK_MECHANISM_PTR":
            calls.append("sk_trace_mechanism(&tr, %s, %s)" % (n, a.name))
        elif t == "CK_ATTRIBUTE_PTR":
            calls.append("sk_trace_template(&tr, %s, %s, %s, %d, rv)"
                         % (n, a.name, length_expr(a), out))
        elif t in TRACE_BUFFERS and a.length is not None:
            calls.append("sk_trace_buffer(&tr, %s, %s, %s, %d, rv)"
                         % (n, a.name, length_expr(a), out))
        elif t == "CK_UTF8CHAR_PTR" and a.name == "pLabel":
            calls.append("sk_trace_label(&tr, %s, %s)" % (n, a.name))
        elif t == "CK_UTF8CHAR_PTR":
            calls.append("sk_trace_string(&tr, %s, %s)" % (n, a.name))
        elif t in ("CK_ULONG_PTR", "CK_FLAGS_PTR") and out:
            calls.append("sk_trace_ulong_out(&tr, %s, %s, rv)" % (n, a.name))
        elif t in TRACE_HANDLE_PTRS and a.length is None:
            calls.append("sk_trace_handle_out(&tr, %s, %s, rv)" % (n, a.name))
        elif t in TRACE_HANDLE_PTRS:
            target = by_name.get(a.length)
            count = length_expr(a)
            if target is not None and not target.pointer:
                # a by-value maximum (C_FindObjects): the count returned is the other output
                got = [b for b in fn.args if b.type == "CK_ULONG_PTR" and b.dir == "out"]
                if got:
                    count = "(%s != NULL ? *%s : 0)" % (got[0].name, got[0].name)
            calls.append("sk_trace_handles_out(&tr, %s, %s, %s, rv)" % (n, a.name, count))
        elif a.length is not None and out:
            calls.append("sk_trace_count_out(&tr, %s, %s, %s, rv)" % (n, a.name, length_expr(a)))
        elif t in TRACE_STRUCTS:
            calls.append("sk_trace_struct(&tr, %s, %s, %s, %d, rv)"
                         % (n, c_string(t[:-4]), a.name, out))
        elif t == "CK_NOTIFY":
            calls.append("sk_trace_present(&tr, %s, %s != NULL)" % (n, a.name))
        else:
            calls.append("sk_trace_pointer(&tr, %s, (const void *)%s)" % (n, a.name))
    return calls


def _name_of(item, key="name"):
    if isinstance(item, yamlloc.YMap):
        v = item.get(key)
        if isinstance(v, yamlloc.Scalar) and isinstance(v.value, str):
            return v.value
    return "(unnamed)"
