#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6203 — keys cross between OpenSC and Scriptoki on one token, both ways, and
# pkcs11-tool's own self-test passes:
#   - a token initialised and keyed by OpenSC's pkcs15-init (RSA-2048, GOST R 34.10-2001):
#     Scriptoki finds both keys with their IDs and labels, and signs with them (the RSA
#     signature verified by OpenSSL, the GOST one by the gost engine in another process,
#     with the public key OpenSC exports, and by Scriptoki);
#   - a key pair Scriptoki generated is listed by pkcs15-tool -D and signs through
#     opensc-pkcs11.so (verified by OpenSSL);
#   - pkcs11-tool --test --login with our module reports no errors.
# It re-executes itself inside a rig with a fresh virtual token (under timeout).
. "$(dirname "$0")/rig/tap.sh"
OPENSC=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	exec timeout -k 5 240 "$RIG" --fresh -- "$0"
fi

M=${SCRIPTOKI_MODULE:-$BUILD/scriptoki-pkcs11.so}
M=$(cd "$(dirname "$M")" && pwd)/$(basename "$M")
R=$VTOKEN0_READER
SO_PIN=87654321
USER_PIN=12345678
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

run() { timeout 60 "$@" >"$W/out" 2>&1; }
show() { sed 's/^/#   /' "$W/out" >&2; }
ours() { run pkcs11-tool --module "$M" --slot-index 0 "$@"; }
theirs() { run pkcs11-tool --module "$OPENSC" --slot-index 0 "$@"; }

echo "a message signed across tools" >"$W/msg"
openssl dgst -sha256 -binary "$W/msg" >"$W/msg.sha256"

# --- OpenSC makes the token and its keys ------------------------------------------------
run pkcs15-init --reader "$R" --erase-card -p rutoken_ecp &&
	run pkcs15-init --reader "$R" --create-pkcs15 --so-pin $SO_PIN --so-puk "" &&
	run pkcs15-init --reader "$R" --store-pin --label "User PIN" --auth-id 02 \
		--pin $USER_PIN --puk "" --so-pin $SO_PIN --finalize
ok $? "OpenSC initialises the token" || show
run pkcs15-init --reader "$R" -G rsa/2048 --auth-id 02 --id 11 --key-usage sign,decrypt \
	--pin $USER_PIN --label "opensc rsa"
ok $? "OpenSC generates an RSA-2048 key (ID 11)" || show
run pkcs15-init --reader "$R" -G gost2001 --auth-id 02 --id 12 --pin $USER_PIN \
	--label "opensc gost"
ok $? "OpenSC generates a GOST R 34.10-2001 key (ID 12)" || show

# --- Scriptoki finds and uses them -------------------------------------------------------
ours --login --pin $USER_PIN --list-objects
ok $? "Scriptoki lists the objects" || show
grep -A3 "^Private Key Object; RSA" "$W/out" | grep -q "ID: *11"
ok $? "... the RSA private key with ID 11" || show
grep -q "label: *opensc rsa" "$W/out"
ok $? "... with OpenSC's label"
grep -A3 "^Private Key Object; GOSTR3410" "$W/out" | grep -q "ID: *12"
ok $? "... the GOST private key with ID 12" || show

ours --login --pin $USER_PIN --sign --mechanism SHA256-RSA-PKCS --id 11 \
	--input-file "$W/msg" --output-file "$W/sig-rsa"
ok $? "Scriptoki signs SHA256-RSA-PKCS with OpenSC's key" || show
ours --read-object --type pubkey --id 11 --output-file "$W/rsa.der" &&
	openssl pkey -pubin -inform DER -in "$W/rsa.der" -out "$W/rsa.pem" 2>"$W/out"
ok $? "its public key exported through Scriptoki" || show
run openssl dgst -sha256 -verify "$W/rsa.pem" -signature "$W/sig-rsa" "$W/msg"
ok $? "OpenSSL verifies the signature" || show

ours --login --pin $USER_PIN --sign --mechanism GOSTR3410 --id 12 \
	--input-file "$W/msg.sha256" --output-file "$W/sig-gost"
ok $? "Scriptoki signs GOSTR3410 with OpenSC's GOST key" || show
if openssl engine gost >/dev/null 2>&1; then
	run pkcs15-tool --reader "$R" --read-public-key 12 --output "$W/gost.pem"
	ok $? "OpenSC exports the GOST public key" || show
	run openssl pkeyutl -engine gost -verify -pubin -inkey "$W/gost.pem" \
		-in "$W/msg.sha256" -sigfile "$W/sig-gost"
	ok $? "the gost engine (another process) verifies the signature" || show
else
	diag "no gost engine: the GOST signature is checked by the module only"
fi
ours --verify --mechanism GOSTR3410 --id 12 --input-file "$W/msg.sha256" \
	--signature-file "$W/sig-gost"
grep -q "Signature is valid" "$W/out"
ok $? "... and so does Scriptoki (host-side GOST verification)" || show

# --- Scriptoki makes a key; OpenSC finds and uses it ---------------------------------------
ours --login --pin $USER_PIN --keypairgen --key-type rsa:2048 --id 21 --label "scriptoki rsa"
ok $? "Scriptoki generates an RSA-2048 key pair (ID 21)" || show
run pkcs15-tool --reader "$R" --dump
grep -q "scriptoki rsa" "$W/out"
ok $? "pkcs15-tool -D lists it" || show
grep -A12 "Private RSA Key \[scriptoki rsa\]" "$W/out" | grep -q "ID *: 21"
ok $? "... as a private RSA key with ID 21" || show
theirs --login --pin $USER_PIN --sign --mechanism SHA256-RSA-PKCS --id 21 \
	--input-file "$W/msg" --output-file "$W/sig-21"
ok $? "OpenSC's module signs with Scriptoki's key" || show
ours --read-object --type pubkey --id 21 --output-file "$W/k21.der" &&
	openssl pkey -pubin -inform DER -in "$W/k21.der" -out "$W/k21.pem" 2>"$W/out"
ok $? "its public key exported through Scriptoki" || show
run openssl dgst -sha256 -verify "$W/k21.pem" -signature "$W/sig-21" "$W/msg"
ok $? "OpenSSL verifies the signature" || show

# --- pkcs11-tool's own self-test ----------------------------------------------------------
ours --test --login --pin $USER_PIN
st=$?
ok $st "pkcs11-tool --test --login exits 0" || show
grep -q "No errors" "$W/out"
ok $? "... and reports no errors" || show

done_testing
