#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6301 — what a pkcs11-tool user tries first with secret keys, on a virtual Rutoken ECP
# through build/scriptoki-pkcs11.so. pkcs11-tool (OpenSC 0.23) makes token keys only, so
# these are the family's token secret keys: --keygen --key-type AES:32; --encrypt and
# --decrypt with AES-CBC-PAD (the padding is the host's, the CBC the token's) round trip;
# a known key imported with --write-object --type secrkey, its AES-ECB, AES-CBC and
# AES-CBC-PAD encryptions checked against `openssl enc` and its AES-CMAC (--sign) against
# `openssl mac`, both in other processes. DES3 token keys: --keygen --key-type DES3:24
# and --write-object --type secrkey --key-type DES3:24 of a known key (the NIST SP 800-67
# example key); pkcs11-tool 0.23's --encrypt/--decrypt know no DES3 mechanism, so the
# DES3-ECB, -CBC and -CBC-PAD encryptions go through PyKCS11 (C_Encrypt, C_Decrypt) and
# are checked against `openssl enc -des-ede3[-cbc]`, the generated key by its round trip
# and its check value. GOST28147:32, which pkcs11-tool 0.23 cannot ask for, is checked
# for a clean refusal that leaves no object.
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

# DES3 (three-key TDEA) token keys: one generated on the token, one known key imported
login --keygen --key-type DES3:24 --label d3 --id 03
ok $? "pkcs11-tool --keygen --key-type DES3:24" || show
login --list-objects --type secrkey
grep -A3 'DES3 length 24' "$W/out" | grep -q 'label: *d3$'
ok $? "... a 24-byte DES3 token key (--list-objects)" || show
grep -A5 'label: *d3$' "$W/out" | grep -q 'Access:.*local'
ok $? "... made on the token (CKA_LOCAL)" || show
# NIST SP 800-67 (Rev. 1, appendix B), the TDEA example: Key1 || Key2 || Key3, the plain
# text "The qufck brown fox jump" (sic) and its ECB encryption
K3=0123456789abcdef23456789abcdef01456789abcdef0123
C67=a826fd8ce53b855fcce21c8112256fe668d5c05dd9b6b900
printf 'The qufck brown fox jump' >"$W/p67"
printf '%s' $K3 | xxd -r -p >"$W/k3.bin"
login --write-object "$W/k3.bin" --type secrkey --key-type DES3:24 --label d3kat --id 04 \
	--usage-decrypt
ok $? "--write-object k3.bin --type secrkey --key-type DES3:24" || show
login --list-objects --type secrkey
grep -A3 'DES3 length 24' "$W/out" | grep -q 'label: *d3kat$'
ok $? "... a 24-byte DES3 token key" || show

IV3=$(head -c 8 /dev/urandom | hexof /dev/stdin)
head -c 64 /dev/urandom >"$W/d64"
openssl enc -des-ede3-cbc -nopad -K $K3 -iv $IV3 -in "$W/d64" -out "$W/d64.ref"
login --encrypt -m DES3-CBC-PAD --iv $IV3 --id 04 -i "$W/plain" -o "$W/d3.ct"
if [ $? -ne 0 ] && grep -q 'illegal or not supported' "$W/out"; then
	# the tool's own refusal (it has no DES3 in --encrypt): the ciphers through PyKCS11
	ok 0 "pkcs11-tool 0.23 refuses -m DES3-CBC-PAD in --encrypt itself ($(grep -i 'not supported' "$W/out" | head -1))"
else
	is "$(hexof "$W/d3.ct")" "$(openssl enc -des-ede3-cbc -K $K3 -iv $IV3 -in "$W/plain" | hexof /dev/stdin)" \
		"--encrypt -m DES3-CBC-PAD: as openssl enc -des-ede3-cbc" || show
fi
# through the module by PyKCS11: each line "name hex"
timeout 60 /usr/bin/python3 - "$M" $USER_PIN "$W" $IV3 >"$W/py" 2>"$W/out" <<'PY'
import sys, PyKCS11
# PKCS #11 3.2 mechanism numbers
CKM_DES3_ECB, CKM_DES3_CBC, CKM_DES3_CBC_PAD = 0x132, 0x133, 0x136
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList(tokenPresent=True)[0], PyKCS11.CKF_SERIAL_SESSION)
s.login(sys.argv[2])
w, iv = sys.argv[3], bytes.fromhex(sys.argv[4])
def key(label):
    return s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
                          (PyKCS11.CKA_LABEL, label)])[0]
def enc(k, m, data, p=None):
    return bytes(s.encrypt(k, data, PyKCS11.Mechanism(m, p)))
def dec(k, m, data, p=None):
    return bytes(s.decrypt(k, data, PyKCS11.Mechanism(m, p)))
def kcv(k):
    return bytes(s.getAttributeValue(k, [PyKCS11.CKA_CHECK_VALUE], True)[0])
def out(name, b):
    print(name, b.hex())
kat, gen = key("d3kat"), key("d3")
p67, plain = open(w + "/p67", "rb").read(), open(w + "/plain", "rb").read()
d64, ossl = open(w + "/d64", "rb").read(), open(w + "/d64.ref", "rb").read()
out("ecb", enc(kat, CKM_DES3_ECB, p67))
out("cbc", enc(kat, CKM_DES3_CBC, d64, iv))
out("cbcdec", dec(kat, CKM_DES3_CBC, ossl, iv))
out("pad", enc(kat, CKM_DES3_CBC_PAD, plain, iv))
out("katkcv", kcv(kat))
ct = enc(gen, CKM_DES3_CBC_PAD, plain, iv)
out("genct", ct)
out("genback", dec(gen, CKM_DES3_CBC_PAD, ct, iv))
out("genkcv", kcv(gen))
out("genz", enc(gen, CKM_DES3_ECB, bytes(8)))
PY
ok $? "DES3 through PyKCS11 (C_Encrypt, C_Decrypt, C_GetAttributeValue)" || show
py() { awk -v n="$1" '$1 == n { print $2 }' "$W/py"; }
ossl3() { openssl enc "$@" -K $K3 | hexof /dev/stdin; }
is "$(py ecb)" $C67 "DES3-ECB of the imported key: the NIST SP 800-67 example"
is "$(ossl3 -des-ede3 -nopad -in "$W/p67")" $C67 "... which openssl enc -des-ede3 computes too"
is "$(py cbc)" "$(hexof "$W/d64.ref")" "DES3-CBC of 64 random bytes: as openssl enc -des-ede3-cbc -nopad"
is "$(py cbcdec)" "$(hexof "$W/d64")" "... and DES3-CBC decryption of openssl's ciphertext"
is "$(py pad)" "$(ossl3 -des-ede3-cbc -iv $IV3 -in "$W/plain")" \
	"DES3-CBC-PAD of 37 bytes: as openssl enc -des-ede3-cbc (PKCS #7 padding)"
is "$(py katkcv)" "$(head -c 8 /dev/zero | ossl3 -des-ede3 -nopad | cut -c1-6)" \
	"CKA_CHECK_VALUE of the imported key: the first 3 bytes of openssl's E(0)"
is "$(py genback)" "$(hexof "$W/plain")" "the generated key: DES3-CBC-PAD round trip"
[ "$(py genct | awk '{ print length }')" = 80 ] && [ "$(py genct)" != "$(py pad)" ]
ok $? "... 40 bytes of ciphertext, not the imported key's"
kcv=$(py genkcv)
[ ${#kcv} = 6 ] && [ "$kcv" = "$(py genz | cut -c1-6)" ]
ok $? "... its CKA_CHECK_VALUE ($kcv): the first 3 bytes of its own E(0)"

# what pkcs11-tool 0.23 cannot ask for: a clean refusal, no object left
count_secret() { login --list-objects --type secrkey; grep -c '^Secret Key Object' "$W/out"; }
before=$(count_secret)
login --keygen --key-type GOST28147:32 --label g --id 05
[ $? -ne 0 ]
ok $? "--keygen --key-type GOST28147:32: refused"
diag "pkcs11-tool said: $(grep -v '^Using' "$W/out" | head -2 | tr '\n' ' ')"
is "$(count_secret)" "$before" "... it left no secret key behind"

done_testing
