# SPDX-License-Identifier: BSD-2-Clause
"""make-bad.py: write the bad-answer transcripts of the object calls (bad-*.apdu) as edits
of the recorded ones; run it after record.

    /usr/bin/python3 scripts/rutoken_ecp/tests/objtest/make-bad.py
"""
import os
D = os.path.dirname(os.path.abspath(__file__)) + "/"
HDR = "# SPDX-License-Identifier: BSD-2-Clause\n"


def load(name):
    call, steps = None, []
    for l in open(D + name + ".apdu"):
        if l.startswith("# call: "):
            call = l[len("# call: "):].rstrip("\n")
        elif l.startswith(">") or l.startswith("<"):
            steps.append(l.rstrip("\n"))
    return call, steps


def write(name, desc, call, expect, lines, outputs=()):
    with open(D + name + ".apdu", "w") as f:
        f.write(HDR)
        for d in desc.split("\n"):
            f.write("# " + d + "\n")
        f.write("# Edited from a recorded transcript (bad card answers).\n")
        f.write("# call: %s\n# expect: %s\n" % (call, expect))
        for o in outputs:
            f.write("# output: %s\n" % o)
        for l in lines:
            f.write(l + "\n")


def find(steps, prefix, nth=1):
    """index of the nth APDU that starts with prefix"""
    k = 0
    for i, l in enumerate(steps):
        if l.startswith("> " + prefix):
            k += 1
            if k == nth:
                return i
    raise SystemExit("make-bad: no APDU " + prefix)


def upto(steps, i, answer):
    """the steps up to APDU i, whose answer becomes answer"""
    return steps[: i + 1] + ["< " + answer]


def rsf_fcp(fid):
    return "62 1D 80 02 00 C0 82 02 10 00 83 02 %s 86 0F 46 00 02 02 00 00 00 02 00 00 00 00 00 00 00 90 00" % fid


# --- generate_key_pair -------------------------------------------------------------------
call, st = load("gen-rsa")
g = find(st, "00 46 80 03")
undo_rsfs = [
    "> 00 A4 08 00 08 10 00 10 00 60 01 00 03 00", "< " + rsf_fcp("00 03"),
    "> 00 E4 00 00 02 00 03", "< 90 00",
    "> 00 A4 08 00 08 10 00 10 00 60 02 00 03 00", "< " + rsf_fcp("00 03"),
    "> 00 E4 00 00 02 00 03", "< 90 00",
]
write("bad-gen-short-answer",
      "generate_key_pair: GENERATE answers 64 bytes for an RSA-1024 key;\n"
      "both RSFs are deleted again (public first)", call, "CKR_DEVICE_ERROR",
      upto(st, g, " ".join(["5A"] * 64) + " 90 00") + undo_rsfs)
write("bad-gen-refused",
      "generate_key_pair: GENERATE answers 69 82; both RSFs are deleted again",
      call, "CKR_USER_NOT_LOGGED_IN", upto(st, g, "69 82") + undo_rsfs)
write("bad-gen-undo-fails",
      "generate_key_pair: GENERATE fails and so does the undo, twice: CKR_GENERAL_ERROR",
      call, "CKR_GENERAL_ERROR", upto(st, g, "6F 00") + [undo_rsfs[0], "< 6F 00"] * 2)
write("bad-gen-undo-retry",
      "generate_key_pair: GENERATE fails, the first undo SELECT is refused once (68 83,\n"
      "a broken chain) and works the second time", call, "CKR_DEVICE_ERROR",
      upto(st, g, "6F 00") + [undo_rsfs[0], "< 68 83"] + undo_rsfs)
c = find(st, "00 E0 00 00 27")
write("bad-gen-rsf-exists",
      "generate_key_pair: key reference 3 is taken on the card (6A89) although the\n"
      "PrKDF does not list it: an orphan, reclaimed (its public RSF is not there, its\n"
      "private one is deleted); the CREATE again is refused (6A84): nothing to undo",
      call, "CKR_DEVICE_MEMORY",
      upto(st, c, "6A 89") + [
          "> 00 A4 08 00 08 10 00 10 00 60 01 00 03 00", "< 6A 82",
          "> 00 A4 08 00 08 10 00 10 00 60 02 00 03 00", "< " + rsf_fcp("00 03"),
          "> 00 E4 00 00 02 00 03", "< 90 00",
          st[c - 2], st[c - 1], st[c], "< 6A 84"])

# --- objects -------------------------------------------------------------------------------
call, st = load("objects-public")
r = find(st, "00 B0 00 00 00")
write("bad-objects-prkdf-overrun", "objects: a PrKDF entry longer than the file", call,
      "CKR_DEVICE_ERROR", upto(st, r, "30 7F 30 0F 0C 06 72 73 61 6B 65 79 90 00"))
write("bad-objects-prkdf-garbled", "objects: a PrKDF key object without its type attributes",
      call, "CKR_DEVICE_ERROR", upto(st, r, "30 08 30 03 0C 01 41 30 01 00 90 00"))
write("bad-objects-prkdf-odd-path", "objects: a private key whose path has an odd length",
      call, "CKR_DEVICE_ERROR",
      upto(st, r, "30 1E 30 03 0C 01 41 30 08 04 01 11 03 02 06 40 A1 0D 30 0B 30 05 04 03 3F 00 10 02 02 08 00 90 00"))
p = find(st, "00 A4 08 00 04 50 00 02 00")
write("bad-objects-pubkey-garbled", "objects: the RSA public-key EF holds one INTEGER only",
      call, "CKR_DEVICE_ERROR", st[: p + 2] + ["> 00 B0 00 00 00", "< 30 03 02 01 05 62 82"])
write("bad-objects-pubkey-sw", "objects: READ BINARY of a public-key EF answers 6F 00",
      call, "CKR_DEVICE_ERROR", st[: p + 2] + ["> 00 B0 00 00 00", "< 6F 00"])

# --- sign, decrypt, random ----------------------------------------------------------------------
call, st = load("sign-rsa")
pso = find(st, "00 2A 9E 9A")
write("bad-sign-short", "sign: the PSO answer is one byte short", call, "CKR_DEVICE_ERROR",
      upto(st, pso, " ".join(["11"] * 127) + " 90 00"))
write("bad-sign-long", "sign: the PSO answer is one byte long", call, "CKR_DEVICE_ERROR",
      upto(st, pso, " ".join(["11"] * 129) + " 90 00"))
write("bad-sign-not-logged-in", "sign: the card wants the PIN (69 82)", call,
      "CKR_USER_NOT_LOGGED_IN", upto(st, pso, "69 82"))
write("bad-sign-mse", "sign: MSE SET is refused (6A 88)", call, "CKR_DEVICE_ERROR",
      upto(st, find(st, "00 22 41 B6"), "6A 88"))
write("bad-sign-no-key", "sign: the key RSF is not there (6A 82)", call,
      "CKR_KEY_HANDLE_INVALID", upto(st, 0, "6A 82"))
call, st = load("sign-gost")
write("bad-sign-gost-long", "sign GOST: 65 bytes instead of 64", call, "CKR_DEVICE_ERROR",
      upto(st, find(st, "00 2A 9E 9A"), " ".join(["22"] * 65) + " 90 00"))
call, st = load("sign-rsa2048")
write("bad-sign-chain-refused", "sign RSA-2048: the first chained PSO part is refused (68 84)",
      call, "CKR_DEVICE_ERROR", upto(st, find(st, "10 2A 9E 9A"), "68 84"))
call, st = load("decrypt-rsa")
write("bad-decrypt-6985", "decrypt: conditions of use not satisfied (69 85)", call,
      "CKR_FUNCTION_FAILED", upto(st, find(st, "00 2A 80 86"), "69 85"))
call, st = load("random")
write("bad-random-short", "random: the second GET CHALLENGE answers 43 bytes of 44", call,
      "CKR_DEVICE_ERROR", upto(st, 2, " ".join(["77"] * 43) + " 90 00"))

# --- destroy --------------------------------------------------------------------------------------
call, st = load("destroy-prkey")
e = find(st, "00 E4 00 00 02 00 06", 2)
write("bad-destroy-point-of-no-return",
      "destroy_object: deleting the private RSF fails after the PrKDF entry is gone (the\n"
      "commit): the key is destroyed, the RSF an orphan for the next change to reclaim",
      call, "CKR_OK", upto(st, e, "6F 00"))
e = find(st, "00 E4 00 00 02 00 06", 1)
write("bad-destroy-undo",
      "destroy_object: deleting the public RSF fails after the commit: it stays, an orphan,\n"
      "and the private RSF is deleted all the same",
      call, "CKR_OK", upto(st, e, "6F 00") + st[e + 2:])
