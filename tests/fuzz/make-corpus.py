#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# make-corpus.py — write the seed inputs of the fuzz targets into tests/fuzz/corpus/
# (committed; run again after a transcript or the input format changes):
#
#   card/  one input per transcript of tests/scripts/rutoken_ecp/ and tests/scripts/objects/
#          (recorded from the virtual token, and their edited bad-* copies) whose call the
#          target has: the call byte, then the card's answers ("<" lines) in order
#   conf/  a few configuration files (typical, comments, blanks, CRLF, odd lines)
#   tmpl/  templates the module accepts or must refuse: data objects, public keys,
#          certificates, key pairs of each family, in tests/fuzz/fuzz-tmpl.c's encoding
#
# Inputs a long make fuzz found that add coverage are kept as corpus/NAME/found-SHA1
# (libFuzzer -merge=1, tests/fuzz/README.md); regression inputs (a finding, minimised)
# are added by hand as corpus/NAME/regress-*;
# this script never removes a file it did not write.
import os
import re
import struct
import sys

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = os.path.join(top, "tests", "fuzz", "corpus")

# fuzz-card.c's calls
CARD_CALLS = {"token_info": 0, "pin_info user": 1, "pin_info so": 2, "mechanisms": 3,
              "objects 0": 4, "objects 1": 5, "login": 6, "logout": 7, "random": 8,
              "sign": 9}


def card_call(call):
    words = call.split()
    if not words:
        return None
    fn, arg = words[0], words[1] if len(words) > 1 else ""
    if fn == "pin_info":
        return CARD_CALLS.get("pin_info " + arg)
    if fn == "objects":
        return CARD_CALLS["objects 1" if arg.endswith("1") else "objects 0"]
    return CARD_CALLS.get(fn)


def write(sub, name, data):
    d = os.path.join(out, sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def card_seeds():
    n = 0
    for folder in ("rutoken_ecp", "objects"):
        src = os.path.join(top, "tests", "scripts", folder)
        for fn in sorted(os.listdir(src)):
            if not fn.endswith(".apdu"):
                continue
            text = open(os.path.join(src, fn)).read()
            m = re.search(r"^# call: (.*)$", text, re.M)
            call = card_call(m.group(1)) if m else None
            if call is None:
                continue
            data = bytes([call])
            for line in text.splitlines():
                line = line.split("#", 1)[0].strip()
                if line.startswith("<"):
                    b = bytes.fromhex(line[1:].replace(" ", "").replace(":", ""))
                    data += struct.pack(">H", len(b)) + b
            write("card", folder + "-" + fn[:-len(".apdu")], data)
            n += 1
    return n


CONF = {
    "typical": b"# Scriptoki\nscripts = /usr/share/scriptoki/scripts\nexclusive = yes\n",
    "comments": b"  # only comments\n#scripts = /x\n\nexclusive = no # trailing\n",
    "crlf": b"scripts=/a/b\r\nexclusive=on\r\n",
    "odd": b"=\n= yes\nexclusive\nexclusive == yes\n  exclusive   =   true   \nscripts=#\n",
    "long": b"scripts = " + b"x" * 300 + b"\nscripts = /short\n",
    "empty": b"",
    "nul": b"exclusive = y\x00es\nscripts = /a\x00/b\n",
    "noeol": b"exclusive = 1",
}

# fuzz-tmpl.c's tables (indices)
T = {name: i for i, name in enumerate("""CLASS TOKEN PRIVATE LABEL APPLICATION VALUE OBJECT_ID
    CERTIFICATE_TYPE ISSUER SERIAL_NUMBER SUBJECT ID KEY_TYPE SENSITIVE ENCRYPT DECRYPT WRAP
    UNWRAP SIGN SIGN_RECOVER VERIFY VERIFY_RECOVER DERIVE START_DATE END_DATE MODULUS
    MODULUS_BITS PUBLIC_EXPONENT PRIVATE_EXPONENT PRIME_1 PRIME_2 EXPONENT_1 EXPONENT_2
    COEFFICIENT EXTRACTABLE LOCAL NEVER_EXTRACTABLE ALWAYS_SENSITIVE KEY_GEN_MECHANISM
    MODIFIABLE COPYABLE DESTROYABLE EC_PARAMS EC_POINT ALWAYS_AUTHENTICATE WRAP_WITH_TRUSTED
    TRUSTED CERTIFICATE_CATEGORY CHECK_VALUE GOSTR3410_PARAMS GOSTR3411_PARAMS
    GOST28147_PARAMS ALLOWED_MECHANISMS PUBLIC_KEY_INFO VALUE_LEN URL
    HASH_OF_SUBJECT_PUBLIC_KEY""".split())}
MECH = {"rsa": 0, "ec": 1, "gost256": 2, "gost512": 3}
CKO = {"data": 0, "certificate": 1, "public": 2, "private": 3}
CKK = {"rsa": 0, "ec": 3, "gost": 0x30}


def ulong(name, v):
    if v < 0xFD:
        return bytes([T[name], 0xFD, v])
    return bytes([T[name], 8]) + struct.pack("<Q", v)


def boolean(name, v):
    return bytes([T[name], 0xFE, 1 if v else 0])


def raw(name, b):
    return bytes([T[name], len(b)]) + b


def tmpl(what, mech, first, second=()):
    return bytes([what, MECH.get(mech, 0), len(first)]) + b"".join(first) + b"".join(second)


P256 = bytes.fromhex("06082a8648ce3d030107")
GOST256_A = bytes.fromhex("06072a85030202230 1".replace(" ", ""))
STREEBOG256 = bytes.fromhex("06082a850307010102 02".replace(" ", ""))
# RSA-1024 public key (modulus of a throwaway key, e = 65537)
MOD = bytes.fromhex(
    "c3a1f2e5d4b6978812345678abcdef0011223344556677889900aabbccddeeff"
    "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff1"
    "a5a5a5a55a5a5a5a1234123412341234fedcba9876543210fedcba9876543211"
    "00ff00ff00ff00ff11ee11ee11ee11ee22dd22dd22dd22dd33cc33cc33cc33cd")


def tmpl_seeds():
    s = {}
    s["data-session"] = tmpl(1, "", [ulong("CLASS", CKO["data"]), boolean("TOKEN", False),
                                      raw("LABEL", b"fuzz"), raw("VALUE", b"hello")])
    s["data-token"] = tmpl(1, "", [ulong("CLASS", CKO["data"]), boolean("TOKEN", True),
                                    boolean("PRIVATE", False), raw("APPLICATION", b"app"),
                                    raw("VALUE", b"\x00" * 40)])
    s["rsa-public-session"] = tmpl(1, "", [ulong("CLASS", CKO["public"]),
                                           ulong("KEY_TYPE", CKK["rsa"]),
                                           raw("MODULUS", MOD),
                                           raw("PUBLIC_EXPONENT", b"\x01\x00\x01"),
                                           boolean("VERIFY", True), raw("ID", b"\x01")])
    s["ec-public-session"] = tmpl(1, "", [ulong("CLASS", CKO["public"]),
                                          ulong("KEY_TYPE", CKK["ec"]),
                                          raw("EC_PARAMS", P256),
                                          raw("EC_POINT", b"\x04\x41\x04" + b"\x11" * 64)])
    s["cert-session"] = tmpl(1, "", [ulong("CLASS", CKO["certificate"]),
                                     ulong("CERTIFICATE_TYPE", 0), raw("SUBJECT", b"\x30\x00"),
                                     raw("VALUE", b"\x30\x03\x02\x01\x00")])
    s["bad-class"] = tmpl(1, "", [ulong("CLASS", 0x77), raw("LABEL", b"x")])
    s["bad-null-value"] = tmpl(1, "", [ulong("CLASS", CKO["data"]),
                                        bytes([T["VALUE"], 0xFF]), bytes([T["LABEL"], 0xFF])])
    s["bad-short-ulong"] = tmpl(1, "", [raw("CLASS", b"\x00\x00"), raw("TOKEN", b"\x01\x01")])
    s["bad-raw-type"] = tmpl(1, "", [ulong("CLASS", CKO["data"]),
                                      b"\xff\x11\x22\x33\x84\x03abc"])
    s["gen-rsa-token"] = tmpl(2, "rsa", [boolean("TOKEN", True), ulong("MODULUS_BITS", 1024),
                                         raw("PUBLIC_EXPONENT", b"\x01\x00\x01"),
                                         raw("ID", b"\x42")],
                              [boolean("TOKEN", True), boolean("PRIVATE", True),
                               boolean("SIGN", True), raw("ID", b"\x42")])
    s["gen-rsa-session"] = tmpl(2, "rsa", [ulong("MODULUS_BITS", 1024)], [boolean("SIGN", True)])
    s["gen-ec-token"] = tmpl(2, "ec", [boolean("TOKEN", True), raw("EC_PARAMS", P256)],
                             [boolean("TOKEN", True), boolean("SIGN", True)])
    s["gen-gost256-token"] = tmpl(2, "gost256",
                                  [boolean("TOKEN", True), raw("GOSTR3410_PARAMS", GOST256_A),
                                   raw("GOSTR3411_PARAMS", STREEBOG256)],
                                  [boolean("TOKEN", True), boolean("PRIVATE", True)])
    s["gen-gost512-token"] = tmpl(2, "gost512", [boolean("TOKEN", True)],
                                  [boolean("TOKEN", True)])
    s["gen-bad-bits"] = tmpl(2, "rsa", [boolean("TOKEN", True), ulong("MODULUS_BITS", 3)],
                             [boolean("TOKEN", True)])
    s["both-empty"] = tmpl(3, "ec", [])
    return s


def main():
    n = card_seeds()
    for k, v in CONF.items():
        write("conf", k, v)
    seeds = tmpl_seeds()
    for k, v in seeds.items():
        write("tmpl", k, v)
    print("card: %d, conf: %d, tmpl: %d" % (n, len(CONF), len(seeds)), file=sys.stderr)


main()
