#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The PIV family (scripts/piv) beside the Rutoken ECP family in one rig: a virtual
# Rutoken ECP in the first reader and a virtual PIV card (generic ATR) in the second.
# pkcs11-tool -L through Scriptoki lists both tokens, each served by its own family (the
# debug log names the VMs started: rutoken_ecp by ATR, piv by its SELECT probe, and no
# other); keys that yubico-piv-tool generated on the PIV card sign through Scriptoki
# (RSA PKCS#1 v1.5, RSA-PSS, ECDSA P-256 and P-384), and openssl(1) verifies the
# signatures in other processes with the public keys yubico-piv-tool wrote; RSA
# decryption of an openssl-encrypted block. (ssh-keygen and OpenSSL's engine: t9114.)
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/pivlib.sh"
if [ "${1:-}" != --inside ]; then
	piv_need "$BUILD/scriptoki-pkcs11.so"
	need_opensc
	piv_rig -n 1 --piv 1 --fresh
fi
piv_find || { echo "1..1"; echo "not ok 1 - the rig has no PIV card"; exit 1; }
M=$BUILD/scriptoki-pkcs11.so
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export SCRIPTOKI_SCRIPTS=$TOP/scripts
p11() { timeout 60 pkcs11-tool --module "$M" "$@"; }
piv() { p11 --slot-description "$PIV_READER" "$@"; }

# --- both families in one module ----------------------------------------------------
p11 --slot-index 0 --init-token --so-pin 87654321 --label rt-token >/dev/null 2>&1
ok $? "the Rutoken ECP is initialised through Scriptoki"
SCRIPTOKI_DEBUG=2 SCRIPTOKI_DEBUG_FILE=$W/log p11 -L >"$W/l" 2>&1
ok $? "pkcs11-tool -L"
grep -q "token label *: rt-token" "$W/l"; ok $? "-L: the Rutoken ECP's token"
grep -q "token model *: Rutoken ECP" "$W/l"; ok $? "-L: ... its model"
grep -q "token label *: PIV Card" "$W/l"; ok $? "-L: the PIV card's token"
grep -q "token model *: PIV$" "$W/l"; ok $? "-L: ... its model"
grep -A8 "token label *: PIV Card" "$W/l" | grep -q "readonly"
ok $? "-L: ... write-protected (no management key given)"
grep -A9 "token label *: PIV Card" "$W/l" | grep -q "pin min/max *: 6/8"
ok $? "-L: ... PIN lengths 6 to 8 (SP 800-73-4 Part 2, 2.4.3)"
is "$(grep -c 'lb: rutoken_ecp: VM started' "$W/log")" 1 "the log: one rutoken_ecp VM"
is "$(grep -c 'lb: piv: VM started' "$W/log")" 1 "the log: one piv VM"
is "$(grep 'VM started' "$W/log" | grep -vc 'rutoken_ecp\|piv')" 0 "... and no other"

# --- keys yubico-piv-tool generated sign through Scriptoki ------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/ca.key" \
	-subj /CN=ca -days 2 -out "$W/ca.pem" 2>/dev/null
ypt -a generate -s 9a -A RSA2048 -o "$W/9a.pub" >/dev/null 2>&1 &&
	openssl x509 -new -subj "/CN=piv auth" -force_pubkey "$W/9a.pub" -CA "$W/ca.pem" \
		-CAkey "$W/ca.key" -days 2 -out "$W/9a.pem" 2>/dev/null &&
	ypt -a import-certificate -s 9a -i "$W/9a.pem" >/dev/null 2>&1
ok $? "yubico-piv-tool: RSA-2048 key and certificate in 9a"
ypt -a generate -s 9c -A ECCP256 -o "$W/9c.pub" >/dev/null 2>&1
ok $? "yubico-piv-tool: P-256 key in 9c (no certificate)"
ypt -a generate -s 9e -A ECCP384 -o "$W/9e.pub" >/dev/null 2>&1
ok $? "yubico-piv-tool: P-384 key in 9e"

piv -O >"$W/o" 2>&1; ok $? "-O without login"
grep -q "label: *Certificate for PIV Authentication" "$W/o"; ok $? "-O: the 9A certificate"
grep -q "label: *PIV AUTH pubkey" "$W/o" && grep -q "label: *SIGN pubkey" "$W/o" &&
	grep -q "label: *CARD AUTH pubkey" "$W/o"
ok $? "-O: the public keys of 9A, 9C (from the card's metadata) and 9E"
piv --read-object --type cert --id 01 -o "$W/9a.der" >/dev/null 2>&1 &&
	openssl x509 -in "$W/9a.pem" -outform der -out "$W/9a.want" 2>/dev/null
cmp -s "$W/9a.der" "$W/9a.want"; ok $? "the certificate object holds the imported certificate"
is "$(grep -c 'Private Key Object' "$W/o")" 0 "-O: no private key without login"
grep -q "label: *KEY MAN" "$W/o"; is $? 1 "-O: nothing of the empty slot 9D"
piv -O -l -p "$PIV_PIN" >"$W/ol" 2>&1; ok $? "-O with login"
is "$(grep -c 'Private Key Object' "$W/ol")" 3 "-O: three private keys after login"
grep -A4 "label: *SIGN key" "$W/ol" | grep -q "always authenticate"
ok $? "-O: the 9C key wants the PIN for each use (its PIN policy)"

echo "to be signed by a PIV key" >"$W/d"
piv -l -p "$PIV_PIN" --sign -m SHA256-RSA-PKCS --id 01 -i "$W/d" -o "$W/s1" >/dev/null 2>&1
ok $? "sign SHA256-RSA-PKCS with 9A"
openssl dgst -sha256 -verify "$W/9a.pub" -signature "$W/s1" "$W/d" >/dev/null 2>&1
ok $? "... openssl verifies it"
piv -l -p "$PIV_PIN" --sign -m SHA256-RSA-PKCS-PSS --id 01 -i "$W/d" -o "$W/s2" >/dev/null 2>&1
ok $? "sign SHA256-RSA-PKCS-PSS with 9A"
openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 \
	-verify "$W/9a.pub" -signature "$W/s2" "$W/d" >/dev/null 2>&1
ok $? "... openssl verifies it"
piv -l -p "$PIV_PIN" --sign -m ECDSA-SHA256 --signature-format openssl --id 02 \
	-i "$W/d" -o "$W/s3" >/dev/null 2>&1
ok $? "sign ECDSA-SHA256 with 9C (P-256, context-specific login)"
openssl dgst -sha256 -verify "$W/9c.pub" -signature "$W/s3" "$W/d" >/dev/null 2>&1
ok $? "... openssl verifies it"
piv -l -p "$PIV_PIN" --sign -m ECDSA-SHA384 --signature-format openssl --id 04 \
	-i "$W/d" -o "$W/s4" >/dev/null 2>&1
ok $? "sign ECDSA-SHA384 with 9E (P-384)"
openssl dgst -sha384 -verify "$W/9e.pub" -signature "$W/s4" "$W/d" >/dev/null 2>&1
ok $? "... openssl verifies it"
# byte 20 with its lowest bit flipped: a fixed byte would leave it as it was 1 time in 256
b=$(od -An -tu1 -j20 -N1 "$W/s4" | tr -d ' ')
cp "$W/s4" "$W/s4bad" &&
	printf "\\$(printf %o $((b ^ 1)))" | dd of="$W/s4bad" bs=1 seek=20 conv=notrunc 2>/dev/null
openssl dgst -sha384 -verify "$W/9e.pub" -signature "$W/s4bad" "$W/d" >/dev/null 2>&1
is $? 1 "... and refuses a changed signature (the check can fail)"
piv -l -p 654321 --sign -m SHA256-RSA-PKCS --id 01 -i "$W/d" -o "$W/s5" >"$W/e" 2>&1
grep -q CKR_PIN_INCORRECT "$W/e"; ok $? "a wrong PIN: CKR_PIN_INCORRECT"
is "$(piv_state pin)" 2/3 "... the card counted it"
piv -l -p "$PIV_PIN" --sign -m SHA256-RSA-PKCS --id 03 -i "$W/d" -o "$W/s6" >"$W/e" 2>&1
is $? 1 "no key with the ID of the empty slot 9D"

# RSA decryption: openssl encrypts with the 9A public key, the card decrypts
printf 'a secret of the PIV card' >"$W/m"
openssl pkeyutl -encrypt -pubin -inkey "$W/9a.pub" -in "$W/m" -out "$W/c" 2>/dev/null
piv -l -p "$PIV_PIN" --decrypt -m RSA-PKCS --id 01 -i "$W/c" -o "$W/p" >/dev/null 2>&1
ok $? "decrypt RSA-PKCS with 9A"
cmp -s "$W/m" "$W/p"; ok $? "... the plaintext"

done_testing
