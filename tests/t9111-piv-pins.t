#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The PIV family's PIN and PUK through Scriptoki, cross-checked with yubico-piv-tool on
# the same virtual PIV card: C_GetTokenInfo's counter flags follow the card's counts (GET
# METADATA), a wrong PIN is CKR_PIN_INCORRECT and counted, C_SetPIN of the user changes the
# PIV PIN and of the SO the PUK (CHANGE REFERENCE DATA 80 / 81), each of which
# yubico-piv-tool then accepts; a PIN of the wrong length never reaches the card; three
# wrong PINs lock it (CKR_PIN_LOCKED), and yubico-piv-tool unblocks it with the new PUK.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/pivlib.sh"
if [ "${1:-}" != --inside ]; then
	piv_need "$BUILD/scriptoki-pkcs11.so"
	need_opensc
	piv_rig -n 0 --piv 1 --fresh
fi
piv_find || { echo "1..1"; echo "not ok 1 - the rig has no PIV card"; exit 1; }
M=$BUILD/scriptoki-pkcs11.so
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export SCRIPTOKI_SCRIPTS=$TOP/scripts
piv() { timeout 60 pkcs11-tool --module "$M" --slot-index 0 "$@"; }
flags() { piv -L 2>/dev/null | sed -n 's/^ *token flags *: //p'; }

f=$(flags)
[[ "$f" == *"PIN initialized"* && "$f" != *"count low"* && "$f" != *locked* ]]
ok $? "a factory card: no counter flag ($f)"
piv -l -p 654321 -O >"$W/e" 2>&1
grep -q CKR_PIN_INCORRECT "$W/e"; ok $? "a wrong PIN: CKR_PIN_INCORRECT"
is "$(piv_state pin)" 2/3 "... counted by the card"
[[ "$(flags)" == *"user PIN count low"* ]]; ok $? "... CKF_USER_PIN_COUNT_LOW"
piv -l -p 1234567890 -O >"$W/e" 2>&1
grep -q CKR_PIN_INCORRECT "$W/e"; ok $? "a PIN of 10 digits: CKR_PIN_INCORRECT"
is "$(piv_state pin)" 2/3 "... and not sent to the card"
piv -l -p "$PIV_PIN" -O >/dev/null 2>&1; ok $? "the right PIN"
is "$(piv_state pin)" 3/3 "... resets the count"

piv --change-pin --pin "$PIV_PIN" --new-pin 246810 >/dev/null 2>&1
ok $? "C_SetPIN (user)"
ypt -a verify-pin -P 246810 >/dev/null 2>&1; ok $? "yubico-piv-tool verifies the new PIN"
ypt -a verify-pin -P "$PIV_PIN" >/dev/null 2>&1; is $? 1 "... and refuses the old one"
ypt -a verify-pin -P 246810 >/dev/null 2>&1
piv --change-pin --pin 246810 --new-pin 12345 >"$W/e" 2>&1
grep -q CKR_PIN_LEN_RANGE "$W/e"; ok $? "C_SetPIN to 5 digits: CKR_PIN_LEN_RANGE"
ypt -a verify-pin -P 246810 >/dev/null 2>&1; ok $? "... the PIN is unchanged"

piv -l --login-type so --so-pin "$PIV_PUK" --change-pin --new-pin 86427531 >/dev/null 2>&1
ok $? "C_SetPIN (SO): the PUK"
ypt -a verify-pin -P 246810 >/dev/null 2>&1
ypt -a unblock-pin -P 86427531 -N 246810 >/dev/null 2>&1
ok $? "yubico-piv-tool takes the new PUK (unblock-pin)"
is "$(piv_state puk)" 3/3 "... the PUK count is full"
piv -l --login-type so --so-pin 11112222 --change-pin --new-pin 33334444 >"$W/e" 2>&1
grep -q CKR_PIN_INCORRECT "$W/e"; ok $? "the SO login (VERIFY 81) with a wrong PUK: CKR_PIN_INCORRECT"
is "$(piv_state puk)" 2/3 "... counted"

for i in 1 2; do piv -l -p 999999 -O >/dev/null 2>&1; done
piv -l -p 999999 -O >"$W/e" 2>&1
grep -q CKR_PIN_LOCKED "$W/e"; ok $? "the third wrong PIN: CKR_PIN_LOCKED"
[[ "$(flags)" == *"user PIN locked"* ]]; ok $? "... CKF_USER_PIN_LOCKED"
piv -l -p 246810 -O >"$W/e" 2>&1
grep -q CKR_PIN_LOCKED "$W/e"; ok $? "the right PIN of a locked card: CKR_PIN_LOCKED"
ypt -a unblock-pin -P 86427531 -N 135790 >/dev/null 2>&1; ok $? "yubico-piv-tool unblocks it"
piv -l -p 135790 -O >/dev/null 2>&1; ok $? "... and the new PIN logs in through Scriptoki"
done_testing
