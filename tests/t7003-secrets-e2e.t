#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t7003 — secrets stay secret, end to end (DESIGN.md, invariants): a whole session through
# pkcs11-tool with the module's most verbose log (SCRIPTOKI_DEBUG=3, card traffic
# included) — token and PIN initialisation, login, PIN change, key generation, signing, a
# decryption, random numbers — and neither the log nor the virtual token's APDU trace
# holds any of the PINs (as text or as the hex of the APDUs that carry them) or the
# decrypted plaintext. The log is checked to be non-trivial, so the test can fail.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	exec timeout -k 5 240 "$RIG" --fresh -- "$0"
fi

M=${SCRIPTOKI_MODULE:-$BUILD/scriptoki-pkcs11.so}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
SO_PIN=87654321   # the factory SO PIN: C_InitToken must present the current one
USER_PIN=31415926
NEW_PIN=27182818
SECRET="the plaintext nobody may log: 7f3a9c"
export SCRIPTOKI_DEBUG=3 SCRIPTOKI_DEBUG_FILE=$W/module.log
p11() { timeout 60 pkcs11-tool --module "$M" --slot-index 0 "$@" >>"$W/out" 2>&1; }
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | tr a-f A-F; }

p11 --init-token --label t7003 --so-pin $SO_PIN &&
	p11 --init-pin --login --login-type so --so-pin $SO_PIN --new-pin $USER_PIN &&
	p11 --login --pin $USER_PIN --change-pin --new-pin $NEW_PIN &&
	p11 --login --pin $NEW_PIN --keypairgen --key-type rsa:2048 --id 01 &&
	printf '%s' "$SECRET" >"$W/plain" &&
	p11 --login --pin $NEW_PIN --sign --mechanism SHA256-RSA-PKCS --id 01 \
		--input-file "$W/plain" --output-file "$W/sig" &&
	p11 --read-object --type pubkey --id 01 --output-file "$W/pub.der" &&
	openssl pkey -pubin -inform DER -in "$W/pub.der" -out "$W/pub.pem" 2>>"$W/out" &&
	openssl pkeyutl -encrypt -pubin -inkey "$W/pub.pem" -in "$W/plain" -out "$W/ct" \
		2>>"$W/out" &&
	p11 --login --pin $NEW_PIN --decrypt --mechanism RSA-PKCS --id 01 \
		--input-file "$W/ct" --output-file "$W/dec" &&
	p11 --generate-random 32 --output-file "$W/rnd"
ok $? "a whole session with the most verbose log" || sed 's/^/#   /' "$W/out" >&2
cmp -s "$W/plain" "$W/dec"
ok $? "the decryption round-tripped"

log=$W/module.log
[ "$(grep -c ' C_' "$log")" -gt 50 ] && grep -q 'card > 00 20 00 02 ([0-9]* bytes in all' "$log"
ok $? "the log is verbose: calls and card traffic, the user's VERIFY included"
for what in "$SO_PIN" "$USER_PIN" "$NEW_PIN"; do
	! grep -q "$what" "$log" && ! tr -d ' \n' <"$log" | tr a-f A-F | grep -q "$(hex "$what")"
	ok $? "the log holds no PIN (${#what} digits, as text or hex)"
	! tr -d ' \n' <"$VTOKEN0_TRACE" | tr a-f A-F | grep -q "$(hex "$what")"
	ok $? "the virtual token's trace holds no PIN either"
done
! grep -q "$SECRET" "$log" && ! tr -d ' \n' <"$log" | tr a-f A-F | grep -q "$(hex "$SECRET")"
ok $? "the log holds no decrypted plaintext"
done_testing
