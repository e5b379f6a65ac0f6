#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6301 — what a pkcs11-tool user tries first with secret keys, on a virtual Rutoken ECP
# through build/scriptoki-pkcs11.so. pkcs11-tool (OpenSC 0.23) makes token keys only, so
# these are the family's token secret keys: --keygen --key-type AES:32; --encrypt and
# --decrypt with AES-CBC-PAD (the padding is the host's, the CBC the token's) round trip;
# a known key imported with --write-object --type secrkey, its AES-ECB, AES-CBC and
# AES-CBC-PAD encryptions checked against `openssl enc` and its AES-CMAC (--sign) against
# `openssl mac`, both in other processes; DES3:24 and GOST28147:32, which this family
# or pkcs11-tool 0.23 refuse, are checked for a clean refusal that leaves no object.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	need_py python3-pykcs11 PyKCS11
	exec timeout -k 5 300 "$RIG" --fresh -- "$0"
fi
. "$TOP/tests/rig/consumers.sh"
trap 'rm -rf "$W"' EXIT

token_with_keys t6301
ok $? "a fresh token with a user PIN" || show
login() { p11 --login --pin $USER_PIN "$@"; }
hexof() { od -An -v -tx1 "$1" | tr -d ' \n'; }

login --keygen --key-type AES:32 --label k --id 01
ok $? "pkcs11-tool --keygen --key-type AES:32" || show
login --list-objects --type secrkey
grep -q 'label: *k$' "$W/out" && grep -q 'AES length 32\|AES.*32' "$W/out"
ok $? "... a 32-byte AES token key (--list-objects)" || show

# 37 bytes: two whole blocks and a partial one (the padding fills it)
printf 'thirty-seven bytes of plain text here' >"$W/plain"
IV=000102030405060708090a0b0c0d0e0f
login --encrypt -m AES-CBC-PAD --iv $IV --id 01 -i "$W/plain" -o "$W/ct"
ok $? "--encrypt -m AES-CBC-PAD --iv with the generated key" || show
is "$(stat -c %s "$W/ct" 2>/dev/null)" 48 "... 48 bytes of ciphertext (padded to three blocks)"
login --decrypt -m AES-CBC-PAD --iv $IV --id 01 -i "$W/ct" -o "$W/back"
ok $? "--decrypt -m AES-CBC-PAD" || show
cmp -s "$W/plain" "$W/back"
ok $? "... gives the plain text back"

# a known key: the FIPS-197 C.3 AES-256 key (00 01 .. 1f)
KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
printf '%s' $KEY | xxd -r -p >"$W/key.bin"
login --write-object "$W/key.bin" --type secrkey --key-type AES:32 --label kat --id 02 \
	--usage-decrypt --usage-sign
ok $? "--write-object key.bin --type secrkey --key-type AES:32" || show

# FIPS-197 C.3: 00112233..ff under that key is 8ea2b7ca516745bfeafc49904b496089
printf '00112233445566778899aabbccddeeff' | xxd -r -p >"$W/fips"
login --encrypt -m AES-ECB --id 02 -i "$W/fips" -o "$W/fips.ct"
ok $? "--encrypt -m AES-ECB with the imported key" || show
is "$(hexof "$W/fips.ct")" 8ea2b7ca516745bfeafc49904b496089 "... the FIPS-197 C.3 answer"

head -c 64 /dev/urandom >"$W/data64"
login --encrypt -m AES-CBC --iv $IV --id 02 -i "$W/data64" -o "$W/cbc.ct"
ok $? "--encrypt -m AES-CBC (four blocks)" || show
openssl enc -aes-256-cbc -K $KEY -iv $IV -nopad -in "$W/data64" -out "$W/cbc.ref"
cmp -s "$W/cbc.ct" "$W/cbc.ref"
ok $? "... as openssl enc -aes-256-cbc -nopad"
login --decrypt -m AES-CBC --iv $IV --id 02 -i "$W/cbc.ref" -o "$W/cbc.back"
cmp -s "$W/cbc.back" "$W/data64"
ok $? "--decrypt -m AES-CBC of openssl's ciphertext" || show

login --encrypt -m AES-CBC-PAD --iv $IV --id 02 -i "$W/plain" -o "$W/pad.ct"
openssl enc -aes-256-cbc -K $KEY -iv $IV -in "$W/plain" -out "$W/pad.ref"
cmp -s "$W/pad.ct" "$W/pad.ref"
ok $? "AES-CBC-PAD as openssl enc -aes-256-cbc (PKCS #7 padding)" || show
printf '0123456789abcdef' >"$W/block"
openssl enc -aes-256-cbc -K $KEY -iv $IV -in "$W/block" -out "$W/block.ref"
login --decrypt -m AES-CBC-PAD --iv $IV --id 02 -i "$W/block.ref" -o "$W/block.back"
cmp -s "$W/block.back" "$W/block"
ok $? "--decrypt -m AES-CBC-PAD of openssl's whole-block text (a block of padding)" || show

# CMAC: pkcs11-tool 0.23's --sign looks for a private key only ("Private key not found"
# with a secret key's id); a newer one may sign with secret keys. The number is
# CKM_AES_CMAC (0x108a) where the name is unknown.
cmac=AES-CMAC
p11 -M
grep -q 'AES-CMAC' "$W/out" || cmac=0x108a
ref=$(openssl mac -cipher AES-256-CBC -macopt hexkey:$KEY -in "$W/plain" CMAC 2>/dev/null |
      tr 'A-F' 'a-f')
login --sign -m $cmac --id 02 -i "$W/plain" -o "$W/mac"
if [ $? -ne 0 ] && grep -q 'Private key not found' "$W/out"; then
	# the tool's own refusal (it never asked the module to sign): recorded as such, the
	# token's CMAC being checked through PyKCS11 below
	ok 0 "pkcs11-tool 0.23 refuses --sign with a secret key itself ($(grep -i 'not found' "$W/out" | head -1))"
else
	is "$(hexof "$W/mac")" "$ref" "--sign -m $cmac: as openssl mac CMAC" || show
fi
# the same MAC through the module by PyKCS11 (the token's CMAC of the imported key)
got=$(timeout 60 /usr/bin/python3 - "$M" $USER_PIN "$W/plain" <<'PY' 2>"$W/out"
import sys, PyKCS11
CKM_AES_CMAC = 0x108A  # PKCS #11 3.2
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList(tokenPresent=True)[0])
s.login(sys.argv[2])
k = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
		   (PyKCS11.CKA_LABEL, "kat")])[0]
data = open(sys.argv[3], "rb").read()
mac = bytes(s.sign(k, data, PyKCS11.Mechanism(CKM_AES_CMAC, None)))
s.verify(k, data, mac, PyKCS11.Mechanism(CKM_AES_CMAC, None)) or sys.exit(1)
print(mac.hex())
PY
)
is "$got" "$ref" "AES-CMAC of the token key (PyKCS11 C_Sign, C_Verify): as openssl mac CMAC" ||
	show

# what this family or pkcs11-tool 0.23 does not make: a clean refusal, no object left
count_secret() { login --list-objects --type secrkey; grep -c '^Secret Key Object' "$W/out"; }
before=$(count_secret)
login --keygen --key-type DES3:24 --label d3 --id 03
[ $? -ne 0 ]
ok $? "--keygen --key-type DES3:24: refused (the family keeps no DES3 keys)"
diag "pkcs11-tool said: $(grep -v '^Using' "$W/out" | head -2 | tr '\n' ' ')"
login --keygen --key-type GOST28147:32 --label g --id 04
[ $? -ne 0 ]
ok $? "--keygen --key-type GOST28147:32: refused"
diag "pkcs11-tool said: $(grep -v '^Using' "$W/out" | head -2 | tr '\n' ' ')"
is "$(count_secret)" "$before" "... neither left a secret key behind"

done_testing
