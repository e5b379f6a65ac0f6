#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# C_InitPIN on a PIV card is the PUK operation: the SO (whose PIN is the PUK) logged in,
# C_InitPIN(new PIN) sends RESET RETRY COUNTER (SP 800-73-4 Part 2, 3.2.3: 00 2C 00 80
# with the PUK and the new PIN, each padded to 8 bytes with FF), which sets the PIN,
# resets its counter and unblocks it; the runtime gives the script the PUK of the SO's
# login (the contract's init_pin_so_pin, t2029). A PIN blocked with wrong tries: C_Login
# SO with a wrong PUK fails (CKR_PIN_INCORRECT, the PIN still blocked), with the PUK it
# works, C_InitPIN sets a new PIN, C_Login USER with it works, and yubico-piv-tool's
# verify-pin accepts it (another program, its own PIV code). Bad paths: C_InitPIN without
# login and as the user is CKR_USER_NOT_LOGGED_IN; a fault (6F00) at each of its APDUs
# but the optional Yubico GET VERSION / SERIAL / METADATA is an error and leaves the
# card's state file byte for byte as it was; without a PIN cache (SCRIPTOKI_PIN_CACHE=0)
# there is no PUK to send: CKR_FUNCTION_FAILED, nothing sent.
# Neither the PUK nor the new PIN is in a level-3 debug log.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/pivlib.sh"
if [ "${1:-}" != --inside ]; then
	piv_need "$BUILD/scriptoki-pkcs11.so"
	need_opensc
	need_py python3-pykcs11 PyKCS11
	piv_rig -n 0 --piv 1 --fresh
fi
piv_inside --no-conf
NEW=975310
flags() { piv -L 2>/dev/null | sed -n 's/^ *token flags *: //p'; }

# ---- block the PIN ----
for i in 1 2 3; do
	piv -l -p 654321 -O >"$W/e$i" 2>&1
done
grep -q CKR_PIN_INCORRECT "$W/e1" && grep -q CKR_PIN_LOCKED "$W/e3"
ok $? "three wrong PINs: CKR_PIN_INCORRECT, then CKR_PIN_LOCKED"
is "$(piv_state pin)" 0/3 "... the card's PIN is blocked"
[[ "$(flags)" == *"user PIN locked"* ]]; ok $? "... CKF_USER_PIN_LOCKED"

cat >"$W/initpin.py" <<'PY'
import subprocess, sys
import PyKCS11 as P

mod, puk, new, ctl, sock, state, trace, mode = sys.argv[1:9]
lib = P.PyKCS11Lib()
lib.load(mod)
slot = lib.getSlotList(tokenPresent=True)[0]
s = lib.openSession(slot, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)

def call(f, *a):
    try:
        f(*a)
        return "CKR_OK"
    except P.PyKCS11Error as e:
        return P.CKR.get(e.value, str(e.value))

def vctl(*a):
    subprocess.run([ctl, sock] + list(a), stdout=subprocess.DEVNULL, check=True)

def snap():
    with open(state, "rb") as f:
        return f.read()

def apdus():
    with open(trace) as f:
        return [l.split() for l in f if l.startswith("> ")]

out = {}
if mode == "nocache":
    out["so_login"] = call(s.login, puk, P.CKU_SO)
    before, n = snap(), len(apdus())
    out["nocache"] = call(s.initPin, new)
    out["nocache_ins"] = " ".join(a[2] for a in apdus()[n:]) or "none"
    out["nocache_same"] = str(snap() == before)
else:
    out["not_logged_in"] = call(s.initPin, new)
    out["wrong_puk"] = call(s.login, "87654321", P.CKU_SO)
    out["so_login"] = call(s.login, puk, P.CKU_SO)
    before = snap()
    n = len(apdus())
    out["init_pin"] = call(s.initPin, new)
    new_apdus = apdus()[n:]
    out["ins"] = " ".join(a[2] for a in new_apdus)
    rrc = [a for a in new_apdus if a[2] == "2C"]
    out["rrc"] = " ".join(rrc[0][1:6]) if rrc else ""
    out["changed"] = str(snap() != before)
    # a C_InitPIN after another one reads the token's description again first: its
    # APDUs, then 6F00 at each of them in turn (the card's state file compared each time)
    n = len(apdus())
    out["again"] = call(s.initPin, new)
    seq = [a[2] for a in apdus()[n:]]
    bad, rrc_fault = [], "not faulted"
    for k, ins in enumerate(seq, 1):
        before = snap()
        vctl("fail-at", str(k), "6F00")
        rc = call(s.initPin, new)
        vctl("fail-at", "1000000", "6F00")
        same = snap() == before
        if ins == "2C":
            rrc_fault = "%s %s" % (rc, same)
        # GET VERSION, GET SERIAL, GET METADATA (Yubico extensions) are optional: a card
        # without them is served too; every other fault must fail the call, the card
        # unchanged
        if ins not in ("FD", "F8", "F7") and (rc == "CKR_OK" or not same):
            bad.append("%d:%s:%s:%s" % (k, ins, rc, same))
    out["fault_seq"] = " ".join(seq)
    out["fault_bad"] = " ".join(bad) or "none"
    out["fault_rrc"] = rrc_fault
    out["so_logout"] = call(s.logout)
    out["user_login"] = call(s.login, new)
    out["as_user"] = call(s.initPin, new)
for k, v in out.items():
    print(k, v)
PY
py() {
	timeout 120 env $(piv_san_env) /usr/bin/python3 "$W/initpin.py" "$M" "$PIV_PUK" "$NEW" "$VTCTL" "$PIV_CTL" \
		"$PIV_STATE" "$PIV_TRACE" "$@"
}
v() { sed -n "s/^$1 //p" "$W/py"; }

SCRIPTOKI_DEBUG=3 SCRIPTOKI_DEBUG_FILE=$W/debug.log py all >"$W/py" 2>&1
ok $? "the PyKCS11 run" || show "$W/py"
is "$(v not_logged_in)" CKR_USER_NOT_LOGGED_IN "C_InitPIN without login: CKR_USER_NOT_LOGGED_IN"
is "$(v wrong_puk)" CKR_PIN_INCORRECT "C_Login SO with a wrong PUK: CKR_PIN_INCORRECT"
is "$(v so_login)" CKR_OK "C_Login SO with the PUK"
is "$(v init_pin)" CKR_OK "C_InitPIN with the new PIN"
is "$(v ins)" "A4 2C" "... sends SELECT and RESET RETRY COUNTER"
is "$(v rrc)" "00 2C 00 80 10" "... 00 2C 00 80 with 16 bytes (PUK and PIN, each padded to 8)"
is "$(v changed)" True "... and changes the card"
is "$(v again)" CKR_OK "a second C_InitPIN ($(v fault_seq))"
is "$(v fault_bad)" none "6F00 at each of its APDUs: an error, the card's state file byte for byte as it was"
is "$(v fault_rrc)" "CKR_DEVICE_ERROR True" "... at RESET RETRY COUNTER: CKR_DEVICE_ERROR, the card unchanged"
is "$(v user_login)" CKR_OK "C_Login USER with the new PIN"
is "$(v as_user)" CKR_USER_NOT_LOGGED_IN "C_InitPIN as the user: CKR_USER_NOT_LOGGED_IN"
is "$(piv_state pin)" 3/3 "the card's PIN is unblocked, its counter full"
[[ "$(flags)" != *"locked"* ]]; ok $? "... no CKF_USER_PIN_LOCKED"
ypt -a verify-pin -P "$NEW" >"$W/e" 2>&1
ok $? "yubico-piv-tool verify-pin accepts the new PIN" || show "$W/e"
! ypt -a verify-pin -P "$PIV_PIN" >/dev/null 2>&1
ok $? "... and refuses the old one"
ypt -a verify-pin -P "$NEW" >/dev/null 2>&1     # the count back to full

grep -q "card > 00 2C 00 80" "$W/debug.log"
ok $? "the debug log shows RESET RETRY COUNTER"
spaced() { echo -n "$1" | od -An -tx1 | tr -s ' ' | sed 's/^ //; s/ $//' | tr a-f A-F; }
! grep -qiF -e "$PIV_PUK" -e "$NEW" -e "$(spaced "$PIV_PUK")" -e "$(spaced "$NEW")" \
	-e "$(spaced "$PIV_PUK" | tr -d ' ')" -e "$(spaced "$NEW" | tr -d ' ')" "$W/debug.log"
ok $? "... but neither the PUK nor the new PIN, as text or as hex"

# ---- without a PIN cache the PUK is not kept: C_InitPIN cannot send it ----
for i in 1 2 3; do
	ypt -a verify-pin -P 111111 >/dev/null 2>&1
done
is "$(piv_state pin)" 0/3 "the PIN blocked again (yubico-piv-tool)"
SCRIPTOKI_PIN_CACHE=0 py nocache >"$W/py" 2>&1
ok $? "the PyKCS11 run without a PIN cache" || show "$W/py"
is "$(v so_login)" CKR_OK "... C_Login SO"
is "$(v nocache)" CKR_FUNCTION_FAILED "... C_InitPIN: CKR_FUNCTION_FAILED"
is "$(v nocache_ins)" none "... nothing sent"
is "$(v nocache_same)" True "... the card unchanged"
is "$(piv_state pin)" 0/3 "... the PIN still blocked"
done_testing
