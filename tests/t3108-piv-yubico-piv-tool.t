#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The virtual PIV card against Debian's yubico-piv-tool (an independent PIV client): status,
# on-card RSA-2048 and P-256 key generation, certificates made by openssl(1) for the card's
# public keys, verify-pin + test-signature / test-decipher, an imported P-384 key, PIN and
# PUK changes, unblocking, and the reset that only a card with PIN and PUK blocked accepts.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/pivlib.sh"
if [ "${1:-}" != --inside ]; then
	piv_need
	piv_rig -n 0 --piv 1 --fresh
fi
piv_find || { echo "1..1"; echo "not ok 1 - the rig has no PIV card"; exit 1; }

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

ypt -a status >"$W/status" 2>&1; ok $? "status"
grep -q "^Version:	5.4.3" "$W/status"; ok $? "status: the version of GET VERSION"
grep -q "^PIN tries left:	3" "$W/status"; ok $? "status: 3 PIN tries (VERIFY without data, 63C3)"
serial=$(sed -n 's/^Serial Number:\t//p' "$W/status")
[[ $serial =~ ^[0-9]+$ ]]; ok $? "status: a serial number from GET SERIAL ($serial)"

# a CA made by openssl certifies for the card's public keys
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/ca.key" \
	-subj /CN=ca -days 2 -out "$W/ca.pem" 2>/dev/null
ok $? "openssl: a CA"
make_cert() { # PUBKEY CERT CN
	openssl x509 -new -subj "/CN=$3" -force_pubkey "$1" -CA "$W/ca.pem" -CAkey "$W/ca.key" \
		-days 2 -out "$2" 2>/dev/null
}

# generate without the management key: refused; with the default one: done
ypt --key=000000000000000000000000000000000000000000000000 -a generate -s 9a -A RSA2048 \
	-o "$W/x.pem" >/dev/null 2>&1
is $? 1 "generate with a wrong management key fails"
ypt -a generate -s 9a -A RSA2048 -o "$W/9a.pub" >"$W/out" 2>&1; ok $? "generate RSA-2048 in 9a"
openssl pkey -pubin -in "$W/9a.pub" -noout -text 2>/dev/null | grep -q "Public-Key: (2048 bit)"
ok $? "the answer is a 2048-bit RSA public key"
make_cert "$W/9a.pub" "$W/9a.pem" card9a; ok $? "openssl makes a certificate for it"
ypt -a import-certificate -s 9a -i "$W/9a.pem" >/dev/null 2>&1; ok $? "import-certificate 9a"
ypt -a read-certificate -s 9a -o "$W/9a.back" >/dev/null 2>&1
cmp -s <(openssl x509 -in "$W/9a.pem" -outform DER) <(openssl x509 -in "$W/9a.back" -outform DER)
ok $? "read-certificate gives it back (PUT DATA / GET DATA 5FC105)"
ypt -a test-signature -s 9a -i "$W/9a.pem" >/dev/null 2>&1
is $? 1 "test-signature without the PIN fails"
ypt -a verify-pin -P "$PIV_PIN" -a test-signature -s 9a -i "$W/9a.pem" >"$W/out" 2>&1
ok $? "verify-pin + test-signature 9a (RSA-2048)" || diag "$(cat "$W/out")"
ypt -a verify-pin -P "$PIV_PIN" -a test-decipher -s 9a -i "$W/9a.pem" >"$W/out" 2>&1
ok $? "verify-pin + test-decipher 9a (raw RSA)" || diag "$(cat "$W/out")"

ypt -a generate -s 9c -A ECCP256 -o "$W/9c.pub" >/dev/null 2>&1; ok $? "generate P-256 in 9c"
make_cert "$W/9c.pub" "$W/9c.pem" card9c && ypt -a import-certificate -s 9c -i "$W/9c.pem" \
	>/dev/null 2>&1
ok $? "certificate for 9c"
ypt -a verify-pin -P "$PIV_PIN" -a test-signature -s 9c -i "$W/9c.pem" >"$W/out" 2>&1
ok $? "verify-pin + test-signature 9c (ECDSA P-256)" || diag "$(cat "$W/out")"
ypt -a generate -s 9d -A ECCP256 -o "$W/9d.pub" >/dev/null 2>&1 &&
	make_cert "$W/9d.pub" "$W/9d.pem" card9d &&
	ypt -a import-certificate -s 9d -i "$W/9d.pem" >/dev/null 2>&1
ok $? "P-256 key and certificate in 9d"
ypt -a verify-pin -P "$PIV_PIN" -a test-decipher -s 9d -i "$W/9d.pem" >"$W/out" 2>&1
ok $? "verify-pin + test-decipher 9d (ECDH, tag 85)" || diag "$(cat "$W/out")"

# an imported P-384 key with a self-signed certificate, both made by openssl
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$W/p384.key" \
	-subj /CN=imported -days 2 -out "$W/p384.pem" 2>/dev/null
ypt -a import-key -s 95 -i "$W/p384.key" >/dev/null 2>&1
ok $? "import-key P-384 into retired slot 95"
ypt -a import-certificate -s 95 -i "$W/p384.pem" >/dev/null 2>&1
ok $? "import-certificate 95 (5FC120)"
ypt -a verify-pin -P "$PIV_PIN" -a test-signature -s 95 -i "$W/p384.pem" >"$W/out" 2>&1
ok $? "verify-pin + test-signature 95 (ECDSA P-384)" || diag "$(cat "$W/out")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/rsa.key" -subj /CN=rsa -days 2 \
	-out "$W/rsa.pem" 2>/dev/null
ypt -a import-key -s 9e -i "$W/rsa.key" >/dev/null 2>&1 &&
	ypt -a import-certificate -s 9e -i "$W/rsa.pem" >/dev/null 2>&1
ok $? "import-key + import-certificate RSA-2048 into 9e"
ypt -a test-signature -s 9e -i "$W/rsa.pem" >"$W/out" 2>&1
ok $? "test-signature 9e needs no PIN (its policy is never)" || diag "$(cat "$W/out")"

# PIN and PUK
ypt -a change-pin -P "$PIV_PIN" -N 654321 >/dev/null 2>&1; ok $? "change-pin"
ypt -a verify-pin -P "$PIV_PIN" >/dev/null 2>&1; is $? 1 "the old PIN is refused"
is "$(piv_state pin)" 2/3 "... and used a try"
ypt -a verify-pin -P 654321 >/dev/null 2>&1; ok $? "the new PIN verifies"
is "$(piv_state pin)" 3/3 "... and the counter is back to 3"
ypt -a change-puk -P "$PIV_PUK" -N 87654321 >/dev/null 2>&1; ok $? "change-puk"
ypt -a unblock-pin -P "$PIV_PUK" -N 111111 >/dev/null 2>&1; is $? 1 "unblock with the old PUK fails"
ypt -a unblock-pin -P 87654321 -N 111111 >/dev/null 2>&1; ok $? "unblock-pin with the new PUK"
ypt -a verify-pin -P 111111 >/dev/null 2>&1; ok $? "the PIN set by the PUK verifies"

# reset is refused while PIN or PUK is usable
ypt -a reset >/dev/null 2>&1; is $? 1 "reset refused while the PIN is not blocked"
for i in 1 2 3; do ypt -a verify-pin -P 000000 >/dev/null 2>&1; done
is "$(piv_state pin)" 0/3 "three wrong PINs block it"
ypt -a verify-pin -P 111111 >/dev/null 2>&1; is $? 1 "a blocked PIN refuses even the right value"
ypt -a reset >/dev/null 2>&1; is $? 1 "reset refused while the PUK is not blocked"
for i in 1 2 3; do ypt -a unblock-pin -P 00000000 -N 222222 >/dev/null 2>&1; done
is "$(piv_state puk)" 0/3 "three wrong PUKs block it"
ypt -a reset >"$W/out" 2>&1; ok $? "reset with PIN and PUK blocked" || diag "$(cat "$W/out")"
is "$(piv_state pin)/$(piv_state puk)" 3/3/3/3 "counters back to 3"
ypt -a verify-pin -P "$PIV_PIN" >/dev/null 2>&1; ok $? "the default PIN works again"
ypt -a read-certificate -s 9a >/dev/null 2>&1; is $? 1 "the certificates are gone"
ypt -a status >"$W/status" 2>&1
is "$(sed -n 's/^Serial Number:\t//p' "$W/status")" "$serial" "the serial survives the reset"

# a new management key (yubico-piv-tool 2.2 sets 3DES keys only; AES is tested in t3112)
NEW=0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a09080
ypt -a set-mgm-key -n "$NEW" >/dev/null 2>&1; ok $? "set-mgm-key"
ypt -a generate -s 9a -A ECCP256 -o "$W/x.pub" >/dev/null 2>&1
is $? 1 "the default key no longer authenticates"
ypt --key="$NEW" -a generate -s 9a -A ECCP256 -o "$W/x.pub" >/dev/null 2>&1
ok $? "the new key does"
ypt --key="$NEW" -a verify-pin -a pin-retries --pin-retries 5 --puk-retries 4 -P "$PIV_PIN" \
	>/dev/null 2>&1
ok $? "pin-retries 5 4"
is "$(piv_state pin)/$(piv_state puk)" 5/5/4/4 "SET PIN RETRIES took effect"
grep -q "3132333435" "$PIV_TRACE"; is $? 1 "the trace never shows a PIN"
grep -q "0F 0E 0D 0C" "$PIV_TRACE"; is $? 1 "... nor a management key"

done_testing
