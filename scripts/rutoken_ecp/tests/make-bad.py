# SPDX-License-Identifier: BSD-2-Clause
"""make-bad.py: write the bad-answer transcripts (bad-*.apdu and a few odd good paths)
as edits of the recorded ones; run it after record.

    /usr/bin/python3 scripts/rutoken_ecp/tests/make-bad.py
"""
import os
D = os.path.dirname(os.path.abspath(__file__)) + "/"
HDR = "# SPDX-License-Identifier: BSD-2-Clause\n"

def steps(name):
    out = []
    for l in open(D + name + ".apdu"):
        if l.startswith(">") or l.startswith("<"):
            out.append(l.rstrip("\n"))
    return out

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

ti = steps("token-info")
# ti: [sel DIR, ans, read, ans, sel ODF, ans, read, ans, sel TI, ans, read, ans, sel AODF, ans, read, ans]
# (no GET DATA: the serial is TokenInfo's)
def ti_with(idx, answer, upto=None):
    l = list(ti[: (idx + 1)])
    l[idx] = "< " + answer
    return l

write("bad-fcp-short", "token_info: the FCP of EF.DIR claims 29 bytes and has 4", "token_info",
      "CKR_DEVICE_ERROR", ti_with(1, "62 1D 80 02 00 80 90 00"))
write("bad-fcp-no-fid", "token_info: an FCP without tag 83 (FID)", "token_info",
      "CKR_DEVICE_ERROR", ti_with(1, "62 08 80 02 00 80 82 02 01 00 90 00"))
write("bad-fcp-tag", "token_info: SELECT answers data that is no FCP template", "token_info",
      "CKR_DEVICE_ERROR", ti_with(1, "6A 03 01 02 03 90 00"))
write("bad-fcp-inner", "token_info: an FCP whose inner TLV runs past its end", "token_info",
      "CKR_DEVICE_ERROR", ti_with(1, "62 06 80 05 00 80 82 02 90 00"))
write("bad-fcp-empty", "token_info: SELECT answers 90 00 and no FCP", "token_info",
      "CKR_DEVICE_ERROR", ti_with(1, "90 00"))
write("bad-select-sw", "token_info: SELECT EF.DIR answers 6F 00", "token_info",
      "CKR_DEVICE_ERROR", ti_with(1, "6F 00"))
write("bad-read-sw", "token_info: READ BINARY of EF.DIR answers 69 82", "token_info",
      "CKR_DEVICE_ERROR", ti_with(3, "69 82"))
write("bad-read-too-long", "token_info: READ BINARY answers more bytes than Le asked for",
      "token_info", "CKR_DEVICE_ERROR", ti_with(3, " ".join(["00"] * 129) + " 90 00"))
# TokenInfo read = index 11
write("bad-tokeninfo-truncated", "token_info: TokenInfo ends inside its SEQUENCE (short read, 62 82)",
      "token_info", "CKR_TOKEN_NOT_RECOGNIZED", ti_with(11, "30 23 02 01 00 04 04 D3 5F 62 82"))
write("bad-tokeninfo-zeros", "token_info: TokenInfo is all zeros", "token_info",
      "CKR_TOKEN_NOT_RECOGNIZED", ti_with(11, " ".join(["00"] * 128) + " 90 00"))
write("bad-tokeninfo-noflags", "token_info: TokenInfo without its tokenflags BIT STRING",
      "token_info", "CKR_TOKEN_NOT_RECOGNIZED",
      ti_with(11, "30 0D 02 01 00 04 04 D3 5F AB 62 80 02 41 42 90 00"))
# a label with a NUL and a byte that is not UTF-8 (as another tool may write): still shown
lab = steps("token-info-no-user")   # (no user PIN yet)
lab[11] = ("< 30 23 02 01 00 04 04 4A 1C 10 A0 0C 09 41 6B 74 69 76 20 43 6F 2E 80 09 53 63 00"
           " 69 70 FF 6F 6B 69 03 02 04 10 " + " ".join(["00"] * 91) + " 90 00")
with open(D + "bad-tokeninfo-label-utf8.apdu", "w") as f:
    f.write(HDR)
    f.write("# token_info: a TokenInfo label (written by another tool) with a NUL and a byte"
            " that is not UTF-8\n")
    f.write("# Edited from a recorded transcript: the label is still shown, those bytes as"
            " \"?\".\n# call: token_info\n# expect: CKR_OK\n")
    for o in ["label=Sc?ip?oki", "serial=4a1c10a0", "min_pin=4", "so_min_pin=8", "max_pin=32",
              "initialized=true", "user_pin_initialized=false"]:
        f.write("# output: %s\n" % o)
    for l in lab:
        f.write(l + "\n")
write("bad-odf-odd-path", "token_info: an ODF path of odd length", "token_info",
      "CKR_TOKEN_NOT_RECOGNIZED", ti_with(7, "A8 09 30 07 04 05 3F 00 50 00 60 90 00"))
write("bad-aodf-garbled", "token_info: an AODF PIN object without its attributes", "token_info",
      "CKR_TOKEN_NOT_RECOGNIZED", ti_with(15, "30 05 30 03 04 01 01 90 00"))
write("bad-aodf-overrun", "token_info: an AODF object longer than the file", "token_info",
      "CKR_TOKEN_NOT_RECOGNIZED", ti_with(15, "30 7F 30 1A 0C 14 90 00"))
write("bad-dir-garbled", "token_info: an EF.DIR record whose length runs past the file", "token_info",
      "CKR_TOKEN_NOT_RECOGNIZED", ti_with(3, "61 21 4F 0C A0 00 90 00"))

# serial variants: the chip's serial (GET DATA) is asked only when TokenInfo has none
base = ti[:16]
TIB = ti[11].split()[1:-2]          # TokenInfo: 30 23 02 01 00 04 04 <serial 4> ...
assert TIB[0] == "30" and TIB[5] == "04" and TIB[6] == "04"
SERB = " ".join(TIB[7:11])
SER = SERB.replace(" ", "").lower()
# the same TokenInfo with an empty serialNumber (04 00), as long as the file read
noser = ["30", "%02X" % (int(TIB[1], 16) - 4)] + TIB[2:6] + ["00"] + TIB[11:] + ["00"] * 4
base_noser = list(base)
base_noser[11] = "< " + " ".join(noser) + " 90 00"
write("serial-get-response", "token_info: TokenInfo has no serial; GET DATA answers 61 04,\n"
      "GET RESPONSE brings the chip's", "token_info", "CKR_OK",
      base_noser + ["> 00 CA 01 81 00", "< 61 04", "> 00 C0 00 00 04", "< " + SERB + " 90 00"],
      ["serial=" + SER, "initialized=true"])
write("serial-6c", "token_info: TokenInfo has no serial; GET DATA answers 6C 04, the script\n"
      "asks again with Le=04", "token_info", "CKR_OK",
      base_noser + ["> 00 CA 01 81 00", "< 6C 04", "> 00 CA 01 81 04", "< " + SERB + " 90 00"],
      ["serial=" + SER])
write("serial-fallback", "token_info: the serial is TokenInfo's; the chip is not asked (GET DATA)",
      "token_info", "CKR_OK", base, ["serial=" + SER])
short = list(ti)
short[11] = "< " + " ".join(short[11].split()[1:-2][:0x25]) + " 62 82"
write("read-short-6282", "token_info: TokenInfo read ends early with 62 82 (accepted)",
      "token_info", "CKR_OK", short, ["label=Scriptoki", "initialized=true"])

# login / pin_info / logout
V = "> 00 20 00 02 08 31 32 33 34 35 36 37 38"
write("bad-login-6a88", "login: the card has no user PIN (6A 88)", "login user 12345678",
      "CKR_USER_PIN_NOT_INITIALIZED", [V, "< 6A 88"])
write("bad-login-6700", "login: the card refuses the PIN length (67 00)", "login user 12345678",
      "CKR_PIN_LEN_RANGE", [V, "< 67 00"])
write("bad-login-6983", "login: the PIN is blocked (69 83)", "login user 12345678",
      "CKR_PIN_LOCKED", [V, "< 69 83"])
write("bad-login-63c0", "login: wrong, no tries left (63 C0)", "login user 12345678",
      "CKR_PIN_LOCKED", [V, "< 63 C0"])
write("bad-login-6300-locked", "login: 63 00, and the empty VERIFY says blocked", "login user 12345678",
      "CKR_PIN_LOCKED", [V, "< 63 00", "> 00 20 00 02", "< 69 83"])
write("bad-login-reset-fails", "login: 6F 86, and RESET ACCESS RIGHTS is refused", "login user 12345678",
      "CKR_DEVICE_ERROR", [V, "< 6F 86", "> 80 40 00 00", "< 6D 00"])
write("bad-login-6f86-twice", "login: 6F 86 again after the reset: reported, no loop", "login user 12345678",
      "CKR_USER_ANOTHER_ALREADY_LOGGED_IN", [V, "< 6F 86", "> 80 40 00 00", "< 90 00", V, "< 6F 86"])
write("bad-login-garbage-sw", "login: an unknown status word", "login user 12345678",
      "CKR_DEVICE_ERROR", [V, "< 12 34"])
write("bad-pin-info-sw", "pin_info: the empty VERIFY answers 6A 86", "pin_info user",
      "CKR_DEVICE_ERROR", ["> 00 20 00 02", "< 6A 86"])
write("pin-info-absent", "pin_info: no such PIN on the card (6A 88): counts unknown", "pin_info so",
      "CKR_OK", ["> 00 20 00 01", "< 6A 88"], ["max_tries=-1", "tries_left=-1"])
write("bad-logout-sw", "logout: RESET ACCESS RIGHTS answers 6E 00", "logout",
      "CKR_DEVICE_ERROR", ["> 80 40 00 00", "< 6E 00"])

# set_pin: CHANGE refused
sp = steps("set-pin-user")
sp2 = sp[:5] + ["< 6A 80", "> 80 40 00 00", "< 90 00"]
write("bad-set-pin-change", "set_pin: the card refuses the new PIN (6A 80); logged out again",
      "set_pin user 12345678 11223344", "CKR_PIN_LEN_RANGE", sp2)

# init_pin: CHANGE refused after creating the RSF -> undo attempt
ip = steps("init-pin-create")
i24 = [k for k, l in enumerate(ip) if l.startswith("> 00 24")][0]
undo = ip[: i24 + 1] + ["< 6A 80", "> 00 A4 08 00 02 50 00 00",
        "< 62 1D 80 02 13 88 82 02 38 00 83 02 50 00 86 0F 43 00 00 00 00 00 00 02 00 00 00 00 00 00 00 90 00",
        "> 00 E4 00 00 02 00 02", "< 6A 82"]
write("bad-init-pin-change", "init_pin: CHANGE REFERENCE DATA fails after the PIN RSF was created;\nthe script tries to delete it again (the card refuses: a PIN RSF is never deletable)",
      "init_pin 12345678", "CKR_PIN_LEN_RANGE", undo)
# AODF full: FCP size of AODF = 0x3D (exactly the SO object)
full = ip[:16]
full[13] = full[13].replace("80 02 01 00", "80 02 00 3D")
full[14] = "> 00 B0 00 00 3D"
ans = full[15].split()[1:-2][:0x3D]
full[15] = "< " + " ".join(ans) + " 90 00"
write("bad-init-pin-aodf-full", "init_pin: the AODF has no room for the user PIN: nothing is changed",
      "init_pin 12345678", "CKR_DEVICE_MEMORY", full)

# init_token
it = steps("init-token")
ie = [k for k, l in enumerate(it) if l.startswith("> 80 8A")][0]
write("bad-init-token-erase", "init_token: the erase is refused (69 85): nothing changed",
      "init_token 87654321 Scriptoki", "CKR_FUNCTION_FAILED", it[: ie + 1] + ["< 69 85"])
write("bad-init-token-create", "init_token: CREATE of the MF fails after the erase: CKR_GENERAL_ERROR",
      "init_token 87654321 Scriptoki", "CKR_GENERAL_ERROR", it[: ie + 3] + ["< 6A 84"])
write("bad-init-token-short-pin", "init_token: an SO PIN shorter than 8 on a blank card: "
      "incorrect for the new token, never sent", "init_token 1234 Scriptoki",
      "CKR_PIN_INCORRECT", ["> 00 20 00 01", "< 6A 88"])
write("bad-init-token-short-wrong-so", "init_token: a wrong SO PIN shorter than 8: the "
      "current SO PIN is verified first", "init_token 1234 Scriptoki", "CKR_PIN_INCORRECT",
      ["> 00 20 00 01", "< 63 CA", "> 00 20 00 01 04 31 32 33 34", "< 63 C9"])
write("bad-init-token-long-wrong-so", "init_token: an SO PIN longer than any on the card: "
      "incorrect, never sent", "init_token " + "1" * 33 + " Scriptoki", "CKR_PIN_INCORRECT",
      ["> 00 20 00 01", "< 63 CA"])
