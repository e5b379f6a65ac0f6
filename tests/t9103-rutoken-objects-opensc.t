#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Token objects of the Rutoken ECP script on the virtual token, cross-checked with Debian's
# OpenSC and verified with independent code (OpenSSL for RSA and ECDSA, the OpenSSL gost
# engine in its own process for GOST):
#   - keys OpenSC's pkcs15-init generated are listed by objects() with the right
#     attributes and sign (and decrypt) through our sign() / decrypt();
#   - key pairs our generate_key_pair made (RSA, GOST R 34.10-2001, 2012-256, 2012-512,
#     P-256) are listed by pkcs15-tool -D, the RSA and GOST-2001 ones sign through
#     opensc-pkcs11.so, and all of them sign through our sign();
#   - certificates and data objects we store are read by OpenSC; labels we change and
#     objects we destroy are changed and gone for OpenSC too;
#   - random() gives fresh bytes.
# The calls go through the objtest family (tests/scripts/objtest) and build/sk-script.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/vtlib.sh"
if [ "${1:-}" != --inside ]; then
	vt_need "$BUILD/sk-script"
	need_pkg xxd /usr/bin/xxd
	need_py python3-cryptography cryptography
	need_gost
	vt_rig --fresh
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/scripts"
ln -s "$TOP/scripts/lib" "$W/scripts/lib"
ln -s "$TOP/scripts/rutoken_ecp" "$W/scripts/rutoken_ecp"
ln -s "$TOP/tests/scripts/objtest" "$W/scripts/objtest"

obj() { timeout 120 "$BUILD/sk-script" --scripts "$W/scripts" --family objtest \
	--reader "$VTOKEN0_READER" call "$@"; }
# objl FUNCTION ARG: the same, the user logging in first in the same transaction (the
# rig's pcscd powers an idle card off between two processes, and the login with it)
objl() { obj "$1" "@$USER_PIN,$2"; }
sk() { timeout 30 "$BUILD/sk-script" --scripts "$TOP/scripts" --family rutoken_ecp \
	--reader "$VTOKEN0_READER" "$@"; }
p11() { timeout 60 pkcs11-tool --module "$P11" "$@"; }
hexof() { xxd -p -c 100000 "$1" | tr a-f A-F; }
unhexto() { xxd -r -p >"$1"; }
hexstr() { printf '%s' "$1" | xxd -p -c 1000 | tr a-f A-F; }
# line REF-PREFIX FILE: the object line whose ref starts so; attr NAME LINE: its value
line() { grep "^$1" "$2" | head -n 1; }
attr() { echo "$2" | tr ' ' '\n' | sed -n "s/^CKA_$1=//p"; }
ref() { echo "$1" | cut -d' ' -f1; }

opensc_keys >"$W/log" 2>&1
ok $? "OpenSC initialises the token with an RSA-2048 key (id 11) and a GOST-2001 key (id 22)" ||
	cat "$W/log" >&2

# --- OpenSC's keys, as objects() sees them ---------------------------------------------
obj objects 0 >"$W/objs"
is "$(grep -c '^prkey:' "$W/objs")/$(grep -c '^pubkey:' "$W/objs")" 2/2 \
	"objects(): two private and two public keys, listed without login"
rsa=$(line prkey:3F001000100060020001 "$W/objs")
is "$(attr CLASS "$rsa")/$(attr KEY_TYPE "$rsa")/$(attr ID "$rsa")/$(attr LABEL "$rsa")" \
	"3/0/11/$(hexstr rsakey)" "RSA private key: class, key type, ID, label"
is "$(attr SIGN "$rsa")/$(attr DECRYPT "$rsa")/$(attr PRIVATE "$rsa")/$(attr SENSITIVE "$rsa")" \
	true/true/true/true "... sign, decrypt, private, sensitive"
is "$(attr LOCAL "$rsa")/$(attr KEY_GEN_MECHANISM "$rsa")/$(attr ALWAYS_SENSITIVE "$rsa")/$(attr NEVER_EXTRACTABLE "$rsa")/$(attr EXTRACTABLE "$rsa")" \
	true/0/true/true/false "... local, made by CKM_RSA_PKCS_KEY_PAIR_GEN, never extractable"
timeout 60 pkcs15-tool --read-public-key 11 >"$W/rsa11.pem" 2>/dev/null
n11=$(openssl rsa -pubin -in "$W/rsa11.pem" -noout -modulus 2>/dev/null | sed 's/^Modulus=//')
is "$(attr MODULUS "$rsa")" "$n11" "... its modulus is the one OpenSC reads"
is "$(attr PUBLIC_EXPONENT "$rsa")" 010001 "... exponent 65537"
rpub=$(line pubkey:3F0050000200 "$W/objs")
is "$(attr CLASS "$rpub")/$(attr ID "$rpub")/$(attr MODULUS_BITS "$rpub")/$(attr VERIFY "$rpub")/$(attr ENCRYPT "$rpub")/$(attr LOCAL "$rpub")" \
	2/11/2048/true/true/true "RSA public key: class, ID, 2048 bits, verify, encrypt, local"
gost=$(line prkey:3F001000100060020002 "$W/objs")
is "$(attr KEY_TYPE "$gost")/$(attr ID "$gost")/$(attr SIGN "$gost")/$(attr DECRYPT "$gost")" \
	48/22/true/false "GOST private key: CKK_GOSTR3410, ID 22, sign only"
is "$(attr GOSTR3410_PARAMS "$gost")/$(attr GOSTR3411_PARAMS "$gost")" \
	06072A850302022301/06072A850302021E01 "... CryptoPro A, GOST R 34.11-94 parameters"
gpub=$(line pubkey:3F0050000201 "$W/objs")
is "$(attr VALUE "$gpub" | awk '{ print length }')" 128 "GOST public key: a 64-byte value"

# --- our sign() and decrypt() with OpenSC's keys ---------------------------------------
is "$(sk login user "$USER_PIN")" CKR_OK "user login"
echo "a message to sign" >"$W/msg"
# PKCS#1 v1.5 block of a SHA-256 DigestInfo, 256 bytes
dig=$(openssl dgst -sha256 -binary "$W/msg" | xxd -p -c 100 | tr a-f A-F)
di=3031300D060960864801650304020105000420$dig
pad=$(printf 'FF%.0s' $(seq 1 $((256 - 3 - ${#di} / 2))))
objl sign "prkey:3F001000100060020001,RSA_X_509,0001${pad}00$di" >"$W/sig.hex"
unhexto "$W/sig.bin" <"$W/sig.hex"
openssl dgst -sha256 -verify "$W/rsa11.pem" -signature "$W/sig.bin" "$W/msg" >/dev/null 2>&1
ok $? "sign() with OpenSC's RSA key: OpenSSL verifies the signature"
printf 'secret session key' >"$W/plain"
openssl pkeyutl -encrypt -pubin -inkey "$W/rsa11.pem" -in "$W/plain" -out "$W/ct" 2>/dev/null
out=$(objl decrypt "prkey:3F001000100060020001,RSA_X_509,$(hexof "$W/ct")")
is "${out: -36}" "$(hexstr 'secret session key')" \
	"decrypt() with OpenSC's RSA key: OpenSSL's ciphertext opens (PKCS#1 block, message at its end)"
is "${out:0:4}" 0002 "... the block is a PKCS#1 type 2 block"

timeout 60 pkcs15-tool --read-public-key 22 >"$W/gost22.pem" 2>/dev/null
head -c 32 /dev/urandom >"$W/h32"
objl sign "prkey:3F001000100060020002,GOSTR3410,$(hexof "$W/h32")" | unhexto "$W/gsig"
openssl pkeyutl -engine gost -verify -pubin -inkey "$W/gost22.pem" -in "$W/h32" \
	-sigfile "$W/gsig" >"$W/v.log" 2>&1
ok $? "sign() with OpenSC's GOST-2001 key: the gost engine verifies it" || cat "$W/v.log" >&2

# --- our key pairs, for OpenSC ------------------------------------------------------------
objl gen "RSA_PKCS_KEY_PAIR_GEN,pub.MODULUS_BITS=2048,priv.LABEL=s:ourrsa,pub.LABEL=s:ourrsa" >"$W/g1"
prk=$(line prkey: "$W/g1")
is "$(ref "$prk")" prkey:3F001000100060020003 "generate_key_pair RSA-2048: the lowest free key reference (3)"
is "$(attr ID "$prk")" "$(attr MODULUS "$prk" | xxd -r -p | openssl sha1 -binary | xxd -p | tr a-f A-F)" \
	"... CKA_ID = SHA-1 of the modulus, as OpenSC makes it"
is "$(attr ID "$(line pubkey: "$W/g1")")" "$(attr ID "$prk")" "... both halves share it"
is "$(attr LOCAL "$prk")/$(attr KEY_GEN_MECHANISM "$prk")/$(attr NEVER_EXTRACTABLE "$prk")" \
	true/0/true "... local, CKM_RSA_PKCS_KEY_PAIR_GEN, never extractable"
objl gen "GOSTR3410_KEY_PAIR_GEN,pub.GOSTR3410_PARAMS=x:06072A850302022301,pub.GOSTR3411_PARAMS=x:06072A850302021E01,priv.LABEL=s:ourgost,pub.LABEL=s:ourgost" >"$W/g2"
is "$(ref "$(line prkey: "$W/g2")")" prkey:3F001000100060020004 "generate_key_pair GOST R 34.10-2001"
objl gen "GOSTR3410_KEY_PAIR_GEN,pub.GOSTR3410_PARAMS=x:06072A850302022302,pub.GOSTR3411_PARAMS=x:06082A85030701010202,priv.LABEL=s:g256" >"$W/g3"
g3=$(line pubkey: "$W/g3")
is "$(attr KEY_TYPE "$g3")/$(attr GOSTR3411_PARAMS "$g3")/$(attr VALUE "$g3" | awk '{ print length }')" \
	48/06082A85030701010202/128 "generate_key_pair GOST R 34.10-2012-256 (CryptoPro B, Streebog-256)"
objl gen "GOSTR3410_512_KEY_PAIR_GEN,pub.GOSTR3410_PARAMS=x:06092A8503070102010201,priv.LABEL=s:g512" >"$W/g4"
g4=$(line pubkey: "$W/g4")
is "$(attr KEY_TYPE "$g4")/$(attr GOSTR3410_PARAMS "$g4")/$(attr VALUE "$g4" | awk '{ print length }')" \
	3560050691/06092A8503070102010201/256 "generate_key_pair GOST R 34.10-2012-512 (TC26 A)"
objl gen "EC_KEY_PAIR_GEN,pub.EC_PARAMS=x:06082A8648CE3D030107,priv.LABEL=s:ourec,pub.LABEL=s:ourec" >"$W/g5"
g5=$(line pubkey: "$W/g5")
is "$(attr KEY_TYPE "$g5")/$(attr EC_PARAMS "$g5")/$(attr EC_POINT "$g5" | cut -c1-6)" \
	3/06082A8648CE3D030107/044104 "generate_key_pair P-256: EC_POINT a DER OCTET STRING"
is "$(objl gen "RSA_PKCS_KEY_PAIR_GEN,pub.MODULUS_BITS=2048,pub.PUBLIC_EXPONENT=x:03")" \
	CKR_ATTRIBUTE_VALUE_INVALID "an RSA exponent other than 65537 is refused"
is "$(objl gen "EC_KEY_PAIR_GEN,pub.EC_PARAMS=x:06052B81040022")" CKR_CURVE_NOT_SUPPORTED \
	"a curve other than P-256 is refused"
is "$(objl gen "RSA_PKCS_KEY_PAIR_GEN,pub.MODULUS_BITS=1000")" CKR_ATTRIBUTE_VALUE_INVALID \
	"an RSA size that is no multiple of 128 is refused"
sk logout >/dev/null

timeout 60 pkcs15-tool -D >"$W/dump" 2>&1
ok $? "pkcs15-tool -D reads the token"
for k in "Private RSA Key \[ourrsa\]" "Public RSA Key \[ourrsa\]" "Private GOSTR3410 Key \[ourgost\]" \
	 "Public GOSTR3410 Key \[ourgost\]" "Private EC Key \[ourec\]" "Public EC Key \[ourec\]"; do
	grep -q "$k" "$W/dump"; ok $? "... lists $(echo "$k" | tr -d '\\')"
done
grep -A10 'Private RSA Key \[ourrsa\]' "$W/dump" | grep -q 'Path *: 3f001000100060020003'
ok $? "... our RSA key at 3F00/1000/1000/6002/0003"

# (pkcs11-tool --sign picks its key by --id; --label does not select it)
p11 --login --pin "$USER_PIN" --sign -m SHA256-RSA-PKCS --id "$(attr ID "$prk")" -i "$W/msg" \
	-o "$W/osig" >"$W/log" 2>&1
ok $? "opensc-pkcs11 signs with our RSA key" || cat "$W/log" >&2
p11 --read-object --type pubkey --label ourrsa -o "$W/ourrsa.der" >/dev/null 2>&1
openssl rsa -pubin -inform DER -in "$W/ourrsa.der" -out "$W/ourrsa.pem" 2>/dev/null
openssl dgst -sha256 -verify "$W/ourrsa.pem" -signature "$W/osig" "$W/msg" >/dev/null 2>&1
ok $? "... and OpenSSL verifies it with the public key OpenSC reads"
is "$(openssl rsa -pubin -in "$W/ourrsa.pem" -noout -modulus | sed 's/^Modulus=//')" \
	"$(attr MODULUS "$prk")" "... which is our CKA_MODULUS"
gid=$(attr ID "$(line pubkey: "$W/g2")")
p11 --login --pin "$USER_PIN" --sign -m GOSTR3410 --id "$gid" -i "$W/h32" \
	-o "$W/ogsig" >"$W/log" 2>&1
ok $? "opensc-pkcs11 signs with our GOST-2001 key" || cat "$W/log" >&2
timeout 60 pkcs15-tool --read-public-key "$gid" >"$W/ourgost.pem" 2>/dev/null
openssl pkeyutl -engine gost -verify -pubin -inkey "$W/ourgost.pem" -in "$W/h32" \
	-sigfile "$W/ogsig" >"$W/v.log" 2>&1
ok $? "... and the gost engine verifies it" || cat "$W/v.log" >&2

# --- our keys through our sign() -----------------------------------------------------------
is "$(sk login user "$USER_PIN")" CKR_OK "user login"
objl sign "prkey:3F001000100060020004,GOSTR3410,$(hexof "$W/h32")" | unhexto "$W/gsig2"
openssl pkeyutl -engine gost -verify -pubin -inkey "$W/ourgost.pem" -in "$W/h32" \
	-sigfile "$W/gsig2" >"$W/v.log" 2>&1
ok $? "sign() with our GOST-2001 key: the gost engine verifies it" || cat "$W/v.log" >&2

# reference SubjectPublicKeyInfos with the same parameters; the key bytes are swapped in
openssl genpkey -engine gost -algorithm gost2012_256 -pkeyopt paramset:B 2>/dev/null |
	openssl pkey -engine gost -pubout -outform DER -out "$W/ref256.der" 2>/dev/null
openssl genpkey -engine gost -algorithm gost2012_512 -pkeyopt paramset:A 2>/dev/null |
	openssl pkey -engine gost -pubout -outform DER -out "$W/ref512.der" 2>/dev/null
head -c 64 /dev/urandom >"$W/h64"
objl sign "prkey:3F001000100060020005,GOSTR3410,$(hexof "$W/h32")" >"$W/s256"
objl sign "prkey:3F001000100060020006,GOSTR3410_512,$(hexof "$W/h64")" >"$W/s512"
objl sign "prkey:3F001000100060020007,ECDSA,$(hexof "$W/h32")" >"$W/sec"
/usr/bin/python3 - "$W" "$(attr VALUE "$g3")" "$(attr VALUE "$g4")" "$(attr EC_POINT "$g5")" <<'PY'
import os, sys
w, v256, v512, ecpoint = sys.argv[1:]
def rd(n, mode="rb"):
    return open(os.path.join(w, n), mode).read()
def put(n, data):
    open(os.path.join(w, n), "wb").write(data)
def spki(ref, key):
    der = rd(ref)
    return der[:-len(key)] + key
put("pub256.der", spki("ref256.der", bytes.fromhex(v256)))
put("pub512.der", spki("ref512.der", bytes.fromhex(v512)))
put("sig256", bytes.fromhex(rd("s256", "r").strip()))
put("sig512", bytes.fromhex(rd("s512", "r").strip()))
# P-256: SubjectPublicKeyInfo around the point; r || s → ECDSA-Sig-Value
pt = bytes.fromhex(ecpoint)[2:]
alg = bytes.fromhex("301306072A8648CE3D020106082A8648CE3D030107")
bits = b"\x03" + bytes([len(pt) + 1]) + b"\x00" + pt
body = alg + bits
put("pubec.der", b"\x30" + bytes([len(body)]) + body)
def integer(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b
raw = bytes.fromhex(rd("sec", "r").strip())
body = integer(raw[:32]) + integer(raw[32:])
put("sigec.der", b"\x30" + bytes([len(body)]) + body)
PY
gv() { openssl pkeyutl -engine gost -verify -pubin -keyform DER -inkey "$W/$1" -in "$W/$2" \
	-sigfile "$W/$3" >"$W/v.log" 2>&1; }
gv pub256.der h32 sig256; ok $? "sign() with our GOST-2012-256 key: the gost engine verifies it" ||
	cat "$W/v.log" >&2
gv pub512.der h64 sig512; ok $? "sign() with our GOST-2012-512 key: the gost engine verifies it" ||
	cat "$W/v.log" >&2
openssl pkeyutl -verify -pubin -keyform DER -inkey "$W/pubec.der" -in "$W/h32" \
	-sigfile "$W/sigec.der" >"$W/v.log" 2>&1
ok $? "sign() with our P-256 key: OpenSSL verifies it" || cat "$W/v.log" >&2
is "$(objl sign "prkey:3F001000100060020003,RSA_X_509,00")" CKR_DATA_LEN_RANGE \
	"an RSA block shorter than any modulus is refused before any APDU"

# --- certificates and data objects --------------------------------------------------------
openssl req -x509 -newkey rsa:1024 -nodes -keyout "$W/ck.pem" -subj /CN=Scriptoki -days 2 \
	-outform DER -out "$W/c.der" 2>/dev/null
objl create "CLASS=CKO_CERTIFICATE,CERTIFICATE_TYPE=CKC_X_509,LABEL=s:ourcert,ID=x:0A0B,VALUE=x:$(hexof "$W/c.der")" >"$W/c.out"
cert=$(cat "$W/c.out")
is "$(ref "$cert")" cert:3F0050000300 "create_object certificate: EF 0300"
subj=$(openssl x509 -inform DER -in "$W/c.der" -noout -subject -nameopt RFC2253)
is "$(attr SUBJECT "$cert")" "$(/usr/bin/python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
def tlv(b, i):
    l = b[i + 1]; h = 2
    if l & 0x80:
        n = l & 0x7F; l = int.from_bytes(b[i + 2:i + 2 + n], "big"); h = 2 + n
    return i + h, l
i, _ = tlv(d, 0)            # Certificate
i, _ = tlv(d, i)            # tbsCertificate
fields = []
while len(fields) < 6:
    s, l = tlv(d, i); fields.append(d[i:s + l]); i = s + l
if fields[0][0] != 0xA0:
    fields.insert(0, b"")
print(fields[5].hex().upper())' "$W/c.der")" "... CKA_SUBJECT is the certificate's subject ($subj)"
objl create "CLASS=CKO_DATA,LABEL=s:ourdata,APPLICATION=s:scriptoki,OBJECT_ID=x:06032A0304,VALUE=s:hello" >"$W/d.out"
is "$(ref "$(cat "$W/d.out")")" data:3F0050000400 "create_object public data object: EF 0400"
objl create "CLASS=CKO_DATA,PRIVATE=true,LABEL=s:secretdata,VALUE=s:hush" >"$W/d2.out"
is "$(ref "$(cat "$W/d2.out")")" data:3F0050000500 "create_object private data object: EF 0500"
sk logout >/dev/null
obj objects 0 >"$W/objs0"
grep -q '^data:3F0050000500' "$W/objs0"; is $? 1 "objects() without login hides the private data object"
grep -q "^data:3F0050000400 .*CKA_VALUE=$(hexstr hello)" "$W/objs0"; ok $? "... and shows the public one"
obj objects 1 >"$W/objs1"
grep -q '^data:3F0050000400' "$W/objs1" && ! grep -q '^data:3F0050000500' "$W/objs1"
ok $? "objects(logged_in) when the card has no PIN verified leaves the private data object out"
timeout 60 pkcs15-tool -D >"$W/dump" 2>&1
grep -q 'X.509 Certificate \[ourcert\]' "$W/dump"; ok $? "pkcs15-tool -D lists our certificate"
grep -q 'Data object \[ourdata\]' "$W/dump" || grep -q "ourdata" "$W/dump"
ok $? "... and our data object"
timeout 60 pkcs15-tool --read-certificate 0a0b 2>/dev/null | openssl x509 -outform DER -out "$W/c2.der" 2>/dev/null
cmp -s "$W/c.der" "$W/c2.der"; ok $? "... and reads back the certificate we stored"

is "$(sk login user "$USER_PIN")" CKR_OK "user login"
objl objects 1 >"$W/objs1"
grep -q "^data:3F0050000500 .*CKA_VALUE=$(hexstr hush)" "$W/objs1"; ok $? "objects(logged_in) shows the private data object"
set=$(objl setattr "prkey:3F001000100060020003,LABEL=s:renamed,ID=x:CAFE")
is "$(attr LABEL "$set")/$(attr ID "$set")" "$(hexstr renamed)/CAFE" "set_attributes: a new label and ID"
is "$(objl setattr "prkey:3F001000100060020003,SIGN=false")" CKR_ATTRIBUTE_READ_ONLY \
	"... other attributes are read-only"
is "$(ref "$(objl setattr "prkey:3F001000100060020003,SIGN=true,SENSITIVE=true")")" \
	prkey:3F001000100060020003 "... unless they keep the value they have"
is "$(objl destroy cert:3F0050000300)" CKR_OK "destroy_object certificate"
is "$(objl destroy prkey:3F001000100060020004)" CKR_OK "destroy_object of our GOST-2001 private key"
is "$(objl destroy prkey:3F001000100060020004)" CKR_OBJECT_HANDLE_INVALID "... a second time: no such object"
sk logout >/dev/null
timeout 60 pkcs15-tool -D >"$W/dump" 2>&1
grep -q 'Private RSA Key \[renamed\]' "$W/dump"; ok $? "pkcs15-tool -D sees the new label"
grep -q 'ourcert\|Private GOSTR3410 Key \[ourgost\]' "$W/dump"; is $? 1 "... and not the destroyed objects"
grep -q '^file 4 0004 10 ' "$VTOKEN0_STATE"; is $? 1 "... whose RSFs are gone from the token"

# --- private keys imported --------------------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/imp.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/impec.pem" 2>/dev/null
/usr/bin/python3 - "$W" <<'PY'
import sys
from cryptography.hazmat.primitives import serialization
w = sys.argv[1]
def h(x, n=0):
    s = "%X" % x
    s = "0" * (len(s) % 2) + s
    return "0" * max(0, 2 * n - len(s)) + s
k = serialization.load_pem_private_key(open(w + "/imp.pem", "rb").read(), None)
p = k.private_numbers()
n = p.public_numbers
open(w + "/imp.args", "w").write(
    "CLASS=CKO_PRIVATE_KEY,KEY_TYPE=CKK_RSA,LABEL=s:imported,ID=x:4242,SIGN=true,DECRYPT=true,"
    "MODULUS=x:%s,PUBLIC_EXPONENT=x:%s,PRIME_1=x:%s,PRIME_2=x:%s,EXPONENT_1=x:%s,"
    "EXPONENT_2=x:%s,COEFFICIENT=x:%s" % (h(n.n), h(n.e), h(p.p), h(p.q), h(p.dmp1), h(p.dmq1), h(p.iqmp)))
e = serialization.load_pem_private_key(open(w + "/impec.pem", "rb").read(), None)
open(w + "/impec.args", "w").write(
    "CLASS=CKO_PRIVATE_KEY,KEY_TYPE=CKK_EC,LABEL=s:importedec,ID=x:4343,SIGN=true,"
    "EC_PARAMS=x:06082A8648CE3D030107,VALUE=x:%s" % h(e.private_numbers().private_value, 32))
PY
imp=$(objl create "$(cat "$W/imp.args")")
is "$(ref "$imp")" prkey:3F001000100060020004 "create_object of an RSA-2048 private key: RSF 6002/0004"
is "$(attr LOCAL "$imp")/$(attr SENSITIVE "$imp")/$(attr ALWAYS_SENSITIVE "$imp")" false/true/false \
	"... sensitive, neither local nor always sensitive"
is "$(attr MODULUS "$imp")" "$(openssl pkey -in "$W/imp.pem" -pubout | openssl rsa -pubin -noout -modulus | sed 's/^Modulus=//')" \
	"... CKA_MODULUS as given"
objl sign "prkey:3F001000100060020004,RSA_X_509,0001${pad}00$di" | unhexto "$W/isig"
openssl dgst -sha256 -verify <(openssl pkey -in "$W/imp.pem" -pubout) -signature "$W/isig" \
	"$W/msg" >/dev/null 2>&1
ok $? "sign() with the imported RSA key: OpenSSL verifies it with the original public key"
p11 --login --pin "$USER_PIN" --sign -m SHA256-RSA-PKCS --id 4242 -i "$W/msg" -o "$W/isig2" \
	>"$W/log" 2>&1
openssl dgst -sha256 -verify <(openssl pkey -in "$W/imp.pem" -pubout) -signature "$W/isig2" \
	"$W/msg" >/dev/null 2>&1
ok $? "... and opensc-pkcs11 signs with it too"
impec=$(objl create "$(cat "$W/impec.args")")
is "$(ref "$impec")" prkey:3F001000100060020008 "create_object of a P-256 private key: the next free reference (8)"
objl sign "$(ref "$impec"),ECDSA,$(hexof "$W/h32")" >"$W/isec"
/usr/bin/python3 - "$W" <<'PY'
import sys
w = sys.argv[1]
raw = bytes.fromhex(open(w + "/isec").read().strip())
def integer(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b
body = integer(raw[:32]) + integer(raw[32:])
open(w + "/isec.der", "wb").write(b"\x30" + bytes([len(body)]) + body)
PY
openssl pkeyutl -verify -inkey "$W/impec.pem" -in "$W/h32" -sigfile "$W/isec.der" >/dev/null 2>&1
ok $? "sign() with the imported P-256 key: OpenSSL verifies it"
is "$(objl create "CLASS=CKO_PRIVATE_KEY,KEY_TYPE=CKK_RSA,MODULUS=x:C0FFEE,PUBLIC_EXPONENT=x:010001")" \
	CKR_ATTRIBUTE_VALUE_INVALID "an RSA private key of 24 bits is refused"
is "$(objl create "CLASS=CKO_PRIVATE_KEY,KEY_TYPE=CKK_EC,EC_PARAMS=x:06082A8648CE3D030107,EXTRACTABLE=true,VALUE=x:01")" \
	CKR_ATTRIBUTE_VALUE_INVALID "an extractable private key is refused (the card never gives it back)"

# --- certificates and data objects OpenSC stored ---------------------------------------------
openssl req -x509 -newkey rsa:1024 -nodes -keyout "$W/ok.pem" -subj /CN=OpenSCcert -days 2 \
	-out "$W/oc.pem" 2>/dev/null
openssl x509 -in "$W/oc.pem" -outform DER -out "$W/oc.der"
printf 'opensc data' >"$W/od.txt"
{ pkcs15-init --store-certificate "$W/oc.pem" --id 11 --label osccert --pin "$USER_PIN" &&
  pkcs15-init --store-data "$W/od.txt" --label oscdata --application-name oscapp \
	--application-id 1.2.3.4 --pin "$USER_PIN" &&
  pkcs15-init --store-data "$W/od.txt" --label oscpriv --auth-id 02 --pin "$USER_PIN"; } \
	>"$W/log" 2>&1
ok $? "OpenSC stores a certificate, a public and a private data object" || cat "$W/log" >&2
obj objects 0 >"$W/objs0"
objl objects 1 >"$W/objs1"
oc=$(grep "^cert:.*CKA_LABEL=$(hexstr osccert) " "$W/objs0")
is "$(attr ID "$oc")/$(attr CERTIFICATE_TYPE "$oc")/$(attr VALUE "$oc")" "11/0/$(hexof "$W/oc.der")" \
	"objects(): OpenSC's certificate, its ID and value"
is "$(attr SERIAL_NUMBER "$oc")" "$(openssl x509 -in "$W/oc.pem" -noout -serial | sed 's/^serial=//' |
	/usr/bin/python3 -c 'import sys; v = bytes.fromhex(sys.stdin.read().strip()); v = (b"\0" + v) if v[0] & 0x80 else v; print((bytes([2, len(v)]) + v).hex().upper())')" \
	"... its serial number, DER-encoded"
od=$(grep "^data:.*CKA_LABEL=$(hexstr oscdata) " "$W/objs0")
is "$(attr APPLICATION "$od")/$(attr OBJECT_ID "$od")/$(attr VALUE "$od")/$(attr PRIVATE "$od")" \
	"$(hexstr oscapp)/06032A0304/$(hexstr 'opensc data')/false" "... OpenSC's data object: application, OID, value"
grep -q "CKA_LABEL=$(hexstr oscpriv) " "$W/objs0"; is $? 1 "... its private data object is not listed without login"
op=$(grep "^data:.*CKA_LABEL=$(hexstr oscpriv) " "$W/objs1")
is "$(attr PRIVATE "$op")/$(attr VALUE "$op")" "true/$(hexstr 'opensc data')" "... and is with it"

# --- random ----------------------------------------------------------------------------------
r1=$(obj random 300)
r2=$(obj random 300)
is "${#r1}" 600 "random(300): 300 bytes (two GET CHALLENGEs)"
[ "$r1" != "$r2" ]; ok $? "... not the same twice"

done_testing
