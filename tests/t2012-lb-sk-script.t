#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t2012 — build/sk-script: one call of a family script against an APDU transcript (match,
# mismatch, APDUs left unsent, extra APDUs), find_family by --atr, and against a virtual
# token through PC/SC when the rig is there.

. "$(dirname "$0")/rig/tap.sh"

SK=$BUILD/sk-script
[ -x "$SK" ] || skip_all "$SK is not built"
S=$TOP/tests/lb/scripts
TR=$TOP/tests/lb/transcripts
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

run() {
	out=$(timeout 30 "$SK" --scripts "$S" "$@" 2>"$T/err")
	rc=$?
}

run --family probe --transcript "$TR/probe-login.txt" login user 12345678
is "$rc $out" "0 CKR_OK" "login with the transcript's PIN"

run --family probe --transcript "$TR/probe-login.txt" login user 87654321
is "$rc" 2 "another PIN: the transcript does not match"
grep -q "probe-login.txt:3: the script sent another APDU" "$T/err"
ok $? "... the error names the transcript's line"
grep -q "87654321\|38 37 36 35" "$T/err"
ok $((!$?)) "... without printing the PIN"

run --family probe --transcript "$TR/probe-token-info.txt" token_info
is "$rc" 0 "token_info"
grep -qx "serial=12345678" <<<"$out"
ok $? "... prints the serial from the card's answer"
grep -qx "label=probe token" <<<"$out"
ok $? "... and the label"

run --family probe --transcript "$TR/probe-token-info.txt" mechanisms
is "$rc" 2 "a call that leaves the transcript's APDUs unsent fails"
grep -q "probe-token-info.txt:3: the script did not send this APDU" "$T/err"
ok $? "... naming the first unsent line"

printf '# SPDX-License-Identifier: BSD-2-Clause\n' >"$T/empty.txt"
run --family probe --transcript "$T/empty.txt" mechanisms
is "$rc" 0 "mechanisms sends nothing"
grep -q "^CKM_RSA_PKCS min=1024 max=2048 flags=CKF_HW|CKF_DECRYPT|CKF_SIGN$" <<<"$out"
ok $? "... and prints the mechanisms with their flags"

run --family probe --transcript "$T/empty.txt" token_info
is "$rc" 2 "an APDU after the end of the transcript fails"
grep -q "after the end of the transcript" "$T/err"
ok $? "... saying so"

printf '> 00 CA 01 ?? 00\n< 00 01 90 00\n' >"$T/wild.txt"
run --family probe --transcript "$T/wild.txt" token_info
is "$rc" 0 "?? in an expected APDU matches any byte"

printf '> 00 20 00 02 04 31 32 33 34\n< 63 C2\n' >"$T/wrong.txt"
run --family probe --transcript "$T/wrong.txt" login user 1234
is "$rc $out" "1 CKR_PIN_INCORRECT" "a CKR failure prints its name and exits 1"

printf '> 00 A4\n' >"$T/bad.txt"
run --family probe --transcript "$T/bad.txt" logout
is "$rc" 2 "a malformed transcript"
grep -q "bad.txt:1:" "$T/err"
ok $? "... the error names its line"

run --atr "3B 90 11" find_family
is "$rc $out" "0 probe" "find_family by --atr"
run --atr "3B 00" find_family
is "$rc $out" "1 CKR_FUNCTION_FAILED" "find_family of an unknown ATR: the broken family is reported"

run --atr "3B 90" --transcript "$TR/probe-login.txt" login user 12345678
is "$rc $out" "0 CKR_OK" "without --family, the ATR picks it"

run --family probe --atr "3B 90" call eval "return bytes.hex(card:atr())"
is "$rc $out" "0 3B90" "call: any function(card, string) of the script"

run --family probe
is "$rc" 2 "usage errors exit 2"

# through PC/SC, against a virtual token
if [ -x "$BUILD/vtoken" ] && [ -x "$RIG" ] && [ -e /usr/sbin/pcscd ]; then
	out=$(timeout 60 "$RIG" --fresh -- sh -c '"$0" --scripts "$1" --family probe \
		--reader "$VTOKEN0_READER" call eval "local d, sw = card:transmit(\"\\0\\xA4\\0\\0\")
		return #card:atr() > 0 and (\"%04X\"):format(sw) or \"no atr\""' "$SK" "$S" 2>"$T/err")
	rc=$?
	is "$rc" 0 "through PC/SC to a virtual token" || cat "$T/err" >&2
	grep -qx "[0-9A-F]\{4\}" <<<"$out"
	ok $? "... the card's ATR and a status word ($out) came back"
else
	diag "no virtual token rig: the PC/SC case is not run"
fi

done_testing
