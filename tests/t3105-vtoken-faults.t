#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Fault injection through the virtual token's control channel reaches a PC/SC client as
# the right errors: a forced status word arrives as that status word (and the command is
# not executed), a connection dropped instead of an answer is a failed transmit and then a
# removed card, and remove / insert are seen by pcscd as removal and insertion.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/vtlib.sh"
if [ "${1:-}" != --inside ]; then
	vt_need
	vt_rig --fresh
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
line() { sed -n "${1}p" "$W/out"; }

serial=$("$PROBE" 00CA018100 | awk '{ print $2 }')
[ ${#serial} = 8 ]; ok $? "GET DATA gives the 4-byte serial ($serial)"

# a forced status word
n0=$(vt_state count)
vt_ctl fail-at 1 6A82 >/dev/null; ok $? "control: fail-at 1 6A82"
"$PROBE" 00CA018100 00CA018100 >"$W/out"
is "$(line 1)" "resp - sw 6A82" "the next APDU is answered 6A82, without data"
is "$(line 2)" "resp $serial sw 9000" "the one after is normal again"
is "$(vt_state count)" $((n0 + 2)) "the control channel counted both APDUs"
vt_ctl fail-at 2 6581 >/dev/null
"$PROBE" 00200002 00200002 00200002 >"$W/out"
is "$(line 1)" "resp - sw 63CA" "fail-at 2: the first APDU executes"
is "$(line 2)" "resp - sw 6581" "... the second is answered 6581"
is "$(line 3)" "resp - sw 63CA" "... and was not executed (no try was used)"
# a forced status word on a command that would change the card: it must not happen
vt_ctl fail-at 1 6F00 >/dev/null
"$PROBE" "0020000208$(printf 00000000 | od -An -tx1 | tr -d ' \n')" 00200002 >"$W/out"
is "$(line 1)" "resp - sw 6F00" "a forced 6F00 on a wrong VERIFY"
is "$(line 2)" "resp - sw 63CA" "... costs no try: the command never ran"
grep -q "^# fault: answered 6F00 without executing" "$VTOKEN0_TRACE"
ok $? "the trace records the fault"
vt_ctl fail-at 1 12 >/dev/null; is $? 1 "control: a malformed status word is an error"
vt_ctl bogus >/dev/null; is $? 1 "control: an unknown command is an error"

# a dropped connection: transmit fails, then the card is gone for this handle and for pcscd
vt_ctl drop-at 1 >/dev/null; ok $? "control: drop-at 1"
"$PROBE" 00CA018100 wait-absent 00CA018100 >"$W/out"
# vpcd 0.8 hands pcscd an empty answer for a connection closed mid-command: the client
# gets success with no status word; a newer stack may report the failure directly.
case $(line 1) in
"short 0"|"error 0x80100016 SCARD_E_NOT_TRANSACTED"|"error 0x80100069 SCARD_W_REMOVED_CARD") r=0 ;;
*) r=1 ;;
esac
ok $r "the transmit in flight fails: $(line 1)"
is "$(line 2)" absent "pcscd sees the card removed"
is "$(line 3)" "error 0x80100069 SCARD_W_REMOVED_CARD" "the old handle: SCARD_W_REMOVED_CARD"
is "$(vt_state inserted)" 0 "the token stays out"
vt_ctl insert >/dev/null; ok $? "control: insert"
"$PROBE" wait-present 00CA018100 >"$W/out"
is "$(line 1)" present "pcscd sees the card again"
is "$(line 2)" "resp $serial sw 9000" "the same card answers"

# remove and insert on command
vt_ctl remove >/dev/null; ok $? "control: remove"
"$PROBE" wait-absent >"$W/out"
is "$(line 1)" absent "pcscd sees the removal"
vt_ctl insert >/dev/null
"$PROBE" wait-present 00CA018100 >"$W/out"
is "$(line 2)" "resp $serial sw 9000" "... and the insertion"
grep -q "^# remove (control)" "$VTOKEN0_TRACE" && grep -q "^# insert" "$VTOKEN0_TRACE"
ok $? "the trace records removal and insertion"

done_testing
