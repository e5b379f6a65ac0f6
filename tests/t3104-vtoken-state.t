#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The virtual token's state survives its restart: two rigs run one after the other on the
# same state directory (and a token restart inside a rig). Keys, PINs and retry counters
# stay; the login does not. The state file is written atomically and kept private.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/vtlib.sh"

if [ "${1:-}" = --inside ]; then
	# runs inside a rig; results go to files in $OUT for the outer part to check
	W=$(mktemp -d)
	trap 'rm -rf "$W"' EXIT
	case $2 in
	first)
		opensc_keys >"$OUT/init.log" 2>&1 || exit 1
		pkcs15-tool --read-public-key 11 >"$OUT/rsa1.pem" 2>/dev/null
		pkcs11-tool --module "$P11" -l --pin 00000000 -s -m SHA256-RSA-PKCS --id 11 \
			-i /dev/null -o "$W/x" >/dev/null 2>&1
		"$PROBE" "0020000108$(printf %s "$SO_PIN" | od -An -tx1 | tr -d ' \n')" \
			>"$OUT/verify1" 2>&1
		vt_ctl state >"$OUT/state1"
		;;
	second)
		vt_ctl state >"$OUT/state2"
		pkcs15-tool --read-public-key 11 >"$OUT/rsa2.pem" 2>/dev/null
		printf 'after restart\n' >"$OUT/data"
		pkcs11-tool --module "$P11" -l --pin "$USER_PIN" -s -m SHA256-RSA-PKCS --id 11 \
			-i "$OUT/data" -o "$OUT/sig" >"$OUT/sign.log" 2>&1
		"$PROBE" "0020000208$(printf %s "$USER_PIN" | od -An -tx1 | tr -d ' \n')" \
			>/dev/null 2>&1
		vt_ctl state >"$OUT/state3"
		"$RIG_RESTART_TOKEN" 0 >/dev/null || exit 1
		vt_ctl state >"$OUT/state4"
		pkcs15-tool --read-public-key 11 >"$OUT/rsa3.pem" 2>/dev/null
		;;
	esac
	exit 0
fi

vt_need
OUT=$(mktemp -d)
S=$OUT/rig
trap 'rm -rf "$OUT"' EXIT
export OUT
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

timeout 300 "$RIG" --fresh --state-dir "$S" -- "$self" --inside first
ok $? "first rig: OpenSC initialises the card, one wrong user PIN, SO login"
grep -q "verified=admin" "$OUT/state1"; ok $? "... the SO is logged in at the end"
grep -q "pin2=4/5" "$OUT/state1"; ok $? "... and the retry counter was at 4 of 5"
[ -s "$S/token0.state" ]; ok $? "the state file exists after the rig stopped"
is "$(stat -c %a "$S/token0.state")" 600 "... private to its owner (0600)"
ls "$S"/*.tmp >/dev/null 2>&1; is $? 2 "... and no temporary file is left"
grep -Eq '^(file|pin) ' "$S/token0.state"; ok $? "... with files and PINs in it"

timeout 300 "$RIG" --state-dir "$S" -- "$self" --inside second
ok $? "second rig on the same state directory"
grep -q "verified=none" "$OUT/state2"; ok $? "the restarted token has nobody logged in"
grep -q "pin2=4/5" "$OUT/state2"; ok $? "the retry counter survived (4 of 5)"
cmp -s "$OUT/rsa1.pem" "$OUT/rsa2.pem"; ok $? "the RSA public key is the same"
openssl dgst -sha256 -verify "$OUT/rsa1.pem" -signature "$OUT/sig" "$OUT/data" >/dev/null 2>&1
ok $? "the stored private key signs, verified with the first run's public key"
grep -q "verified=user" "$OUT/state3"; ok $? "logged in before a token restart"
grep -q "verified=none" "$OUT/state4"; ok $? "rig-restart-token: the login is gone"
grep -q "pin2=5/5" "$OUT/state4"; ok $? "... the reset counter is kept"
cmp -s "$OUT/rsa1.pem" "$OUT/rsa3.pem"; ok $? "... and so is the key"

done_testing
