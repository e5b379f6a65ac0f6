#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Through Debian's opensc-pkcs11.so, pkcs11-tool uses the virtual token: SHA256-RSA-PKCS
# signatures verify with openssl, RSA-PKCS decryption round-trips a ciphertext made by
# openssl, GOSTR3410 signatures verify with the independent gost engine (another process),
# random data comes from GET CHALLENGE, a wrong PIN is CKR_PIN_INCORRECT while the card's
# retry counter goes down, and the PIN can be changed.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/vtlib.sh"
if [ "${1:-}" != --inside ]; then
	vt_need
	need_gost
	vt_rig --fresh
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
p11() { pkcs11-tool --module "$P11" "$@"; }

opensc_keys >"$W/log" 2>&1
ok $? "OpenSC initialises the card with an RSA and a GOST key" || cat "$W/log" >&2
pkcs15-tool --read-public-key 11 >"$W/rsa.pem" 2>/dev/null
pkcs15-tool --read-public-key 22 >"$W/gost.pem" 2>/dev/null

p11 -M >"$W/mechs" 2>&1
grep -q "SHA256-RSA-PKCS" "$W/mechs" && grep -q "GOSTR3410," "$W/mechs"
ok $? "the mechanism list has SHA256-RSA-PKCS and GOSTR3410"

# RSA signature
printf 'sign me\n' >"$W/data"
p11 -l --pin "$USER_PIN" -s -m SHA256-RSA-PKCS --id 11 -i "$W/data" -o "$W/sig" >"$W/log" 2>&1
ok $? "C_Sign with SHA256-RSA-PKCS" || cat "$W/log" >&2
openssl dgst -sha256 -verify "$W/rsa.pem" -signature "$W/sig" "$W/data" >/dev/null 2>&1
ok $? "openssl dgst -verify accepts the signature"
printf 'sign mE\n' >"$W/other"
openssl dgst -sha256 -verify "$W/rsa.pem" -signature "$W/sig" "$W/other" >/dev/null 2>&1
is $? 1 "... and rejects it for other data"

# RSA decryption
head -c 100 /dev/urandom >"$W/msg"
openssl pkeyutl -encrypt -pubin -inkey "$W/rsa.pem" -in "$W/msg" -out "$W/ct"
p11 -l --pin "$USER_PIN" --decrypt -m RSA-PKCS --id 11 -i "$W/ct" -o "$W/pt" >"$W/log" 2>&1
ok $? "C_Decrypt with RSA-PKCS" || cat "$W/log" >&2
cmp -s "$W/msg" "$W/pt"; ok $? "... gives back what openssl pkeyutl encrypted"
grep -q "^> 10 2A 80 86 FF" "$VTOKEN0_TRACE"; ok $? "... sent as a chained PSO (CLA 10)"

# GOST R 34.10-2001 signature, verified by the gost engine in its own process
head -c 32 /dev/urandom >"$W/h32"
p11 -l --pin "$USER_PIN" -s -m GOSTR3410 --id 22 -i "$W/h32" -o "$W/gsig" >"$W/log" 2>&1
ok $? "C_Sign with GOSTR3410" || cat "$W/log" >&2
is "$(stat -c %s "$W/gsig")" 64 "... 64 bytes"
openssl pkeyutl -engine gost -verify -pubin -inkey "$W/gost.pem" -in "$W/h32" \
	-sigfile "$W/gsig" >"$W/log" 2>&1
ok $? "the gost engine verifies the GOST signature" || cat "$W/log" >&2
head -c 32 /dev/urandom >"$W/h32b"
openssl pkeyutl -engine gost -verify -pubin -inkey "$W/gost.pem" -in "$W/h32b" \
	-sigfile "$W/gsig" >/dev/null 2>&1
is $? 1 "... and rejects it for another hash"

# random
p11 --generate-random 48 >"$W/rnd" 2>/dev/null
is "$(stat -c %s "$W/rnd")" 48 "C_GenerateRandom gives 48 bytes"
grep -q "^> 00 84 00 00 30$" "$VTOKEN0_TRACE"; ok $? "... from GET CHALLENGE 00 84 00 00 30"

# wrong PIN
is "$(vt_state pin2)" "5/5" "user PIN: 5 of 5 tries"
p11 -l --pin 00000000 -s -m SHA256-RSA-PKCS --id 11 -i "$W/data" -o "$W/x" >"$W/log" 2>&1
grep -q CKR_PIN_INCORRECT "$W/log"; ok $? "a wrong PIN: CKR_PIN_INCORRECT"
is "$(vt_state pin2)" "4/5" "... the card's counter went down to 4"
p11 -l --pin 99999999 -s -m SHA256-RSA-PKCS --id 11 -i "$W/data" -o "$W/x" >"$W/log" 2>&1
grep -q CKR_PIN_INCORRECT "$W/log"; ok $? "another wrong PIN: CKR_PIN_INCORRECT"
is "$(vt_state pin2)" "3/5" "... 3 left"
p11 -l --pin "$USER_PIN" -s -m SHA256-RSA-PKCS --id 11 -i "$W/data" -o "$W/x" >/dev/null 2>&1
ok $? "the right PIN still works"
is "$(vt_state pin2)" "5/5" "... and restores the counter"

# change PIN
p11 -l --pin "$USER_PIN" -c --new-pin 11223344 >"$W/log" 2>&1
ok $? "C_SetPIN changes the user PIN" || cat "$W/log" >&2
p11 -l --pin 11223344 -s -m SHA256-RSA-PKCS --id 11 -i "$W/data" -o "$W/sig2" >/dev/null 2>&1
ok $? "the new PIN signs"
openssl dgst -sha256 -verify "$W/rsa.pem" -signature "$W/sig2" "$W/data" >/dev/null 2>&1
ok $? "... a valid signature"
p11 -l --pin "$USER_PIN" -s -m SHA256-RSA-PKCS --id 11 -i "$W/data" -o "$W/x" >"$W/log" 2>&1
grep -q CKR_PIN_INCORRECT "$W/log"; ok $? "the old PIN is CKR_PIN_INCORRECT"
grep -Eq "31 31 32 32 33 33 34 34|31 32 33 34 35 36 37 38" "$VTOKEN0_TRACE"
is $? 1 "no PIN appears in the trace"

# key import (CHANGE REFERENCE DATA 24 01 00, chained A5 chunks) and deletion
vt_rsa_full "$W/imp.pem" 2048
openssl rsa -in "$W/imp.pem" -pubout -out "$W/imp.pub" 2>/dev/null
pkcs15-init --store-private-key "$W/imp.pem" --auth-id 02 --id 33 --pin 11223344 \
	--label imported >"$W/log" 2>&1
ok $? "pkcs15-init --store-private-key writes an RSA key into the card" || cat "$W/log" >&2
grep -q "^> 10 24 01 00 FF \*\* \*\*" "$VTOKEN0_TRACE"
ok $? "... in chained 24 01 00 commands, masked in the trace"
p11 -l --pin 11223344 -s -m SHA256-RSA-PKCS --id 33 -i "$W/data" -o "$W/isig" >/dev/null 2>&1
openssl dgst -sha256 -verify "$W/imp.pub" -signature "$W/isig" "$W/data" >/dev/null 2>&1
ok $? "the imported key signs with the right private key"
pkcs15-init --delete-objects privkey,pubkey --id 22 --pin 11223344 >"$W/log" 2>&1
ok $? "pkcs15-init --delete-objects removes the GOST key pair" || cat "$W/log" >&2
pkcs15-tool -D 2>/dev/null | grep -q GOSTR3410; is $? 1 "... it is no longer listed"
"$PROBE" 00A4080008100010006002000200 >"$W/out"
is "$(awk '{ print $NF }' "$W/out")" 6A82 "... and its key object is gone from 6002"

done_testing
