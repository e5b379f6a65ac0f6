#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The virtual PIV card against OpenSC's own PIV driver (Debian's opensc 0.23): the card is
# recognised by its PIV application behind a generic ATR (opensc-tool -a / -n), pkcs15-tool
# -D lists the keys and certificates of the slots, and pkcs11-tool through opensc-pkcs11.so
# signs (RSA PKCS#1 v1.5, ECDSA), decrypts and derives (ECDH) with keys generated on the
# card; the results
# are checked by openssl(1) in other processes. The rig serves a virtual Rutoken ECP beside
# it (two readers), which OpenSC keeps telling apart.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/pivlib.sh"
if [ "${1:-}" != --inside ]; then
	piv_need
	need_opensc
	piv_rig -n 1 --piv 1 --fresh
fi
piv_find || { echo "1..1"; echo "not ok 1 - the rig has no PIV card"; exit 1; }
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
# the PIV card's slot (slot 0 is the Rutoken's reader, whose token OpenSC does not know)
p11() { pkcs11-tool --module "$P11" --slot-description "$PIV_READER" "$@"; }

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export OPENSC_CONF=$W/opensc.conf
# a private configuration: no file cache (it would outlive the card), defaults otherwise
printf 'app default {\n\tframework pkcs15 {\n\t\tuse_file_caching = no;\n\t}\n}\n' >"$OPENSC_CONF"

is "$VTOKEN0_KIND/$VTOKEN1_KIND/$PIV" "rutoken/piv/1" \
	"the rig: token 0 a Rutoken ECP, token 1 the PIV card"
[ "$VTOKEN0_READER" != "$PIV_READER" ]; ok $? "... in two readers"
is "$(opensc-tool -r "$VTOKEN0_READER" -n 2>/dev/null)" "Rutoken ECP" \
	"opensc-tool -n: the Rutoken is still a Rutoken"
is "$(opensc-tool -r "$PIV_READER" -a 2>/dev/null)" "3b:81:80:01:80:80" \
	"opensc-tool -a: the generic ATR"
is "$(opensc-tool -r "$PIV_READER" -n 2>/dev/null)" "Personal Identity Verification Card" \
	"opensc-tool -n: OpenSC's PIV driver takes the card (by its application)"

# provisioning with yubico-piv-tool: CHUID, CCC, keys in 9A (RSA) and 9C (P-256), certificates
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/ca.key" \
	-subj /CN=ca -days 2 -out "$W/ca.pem" 2>/dev/null
make_cert() {
	openssl x509 -new -subj "/CN=$3" -force_pubkey "$1" -CA "$W/ca.pem" -CAkey "$W/ca.key" \
		-days 2 -out "$2" 2>/dev/null
}
ypt -a set-chuid -a set-ccc >/dev/null 2>&1; ok $? "set-chuid, set-ccc"
ypt -a generate -s 9a -A RSA2048 -o "$W/9a.pub" >/dev/null 2>&1 &&
	make_cert "$W/9a.pub" "$W/9a.pem" "piv auth" &&
	ypt -a import-certificate -s 9a -i "$W/9a.pem" >/dev/null 2>&1
ok $? "RSA-2048 key and certificate in 9a"
ypt -a generate -s 9c -A ECCP256 -o "$W/9c.pub" >/dev/null 2>&1 &&
	make_cert "$W/9c.pub" "$W/9c.pem" "piv sign" &&
	ypt -a import-certificate -s 9c -i "$W/9c.pem" >/dev/null 2>&1
ok $? "P-256 key and certificate in 9c"

pkcs15-tool -r "$PIV_READER" -D >"$W/d" 2>&1; ok $? "pkcs15-tool -D"
grep -q "Private RSA Key \[PIV AUTH key\]" "$W/d"; ok $? "-D: the RSA key of 9A"
grep -A8 "Private RSA Key \[PIV AUTH key\]" "$W/d" | grep -q "ModLength      : 2048"
ok $? "-D: ... 2048 bits"
grep -q "Private EC Key \[SIGN key\]" "$W/d"; ok $? "-D: the EC key of 9C"
grep -q "Certificate for PIV Authentication" "$W/d" &&
	grep -q "Certificate for Digital Signature" "$W/d"
ok $? "-D: both certificates"
grep -q "Private EC Key \[KEY MAN key\]" "$W/d"; is $? 1 "-D: no key in 9D"
sn=$(sed -n 's/^\tSerial number  : //p' "$W/d")
[[ $sn =~ ^[0-9a-f]{32}$ && $sn != 00000000000000000000000000000000 ]]
ok $? "-D: the serial is the CHUID's GUID ($sn)"

p11 -L >"$W/l" 2>&1; ok $? "pkcs11-tool -L"
grep -q "token label        : piv auth" "$W/l"
ok $? "-L: the token is labelled after the 9A certificate"
grep -q "): $VTOKEN0_READER" "$W/l" && grep -q "): $PIV_READER" "$W/l"
ok $? "-L: both readers are slots"

echo "data to be signed" >"$W/data"
p11 --login --pin "$PIV_PIN" --sign -m SHA256-RSA-PKCS --id 01 \
	-i "$W/data" -o "$W/sig" >"$W/out" 2>&1
ok $? "pkcs11-tool --sign SHA256-RSA-PKCS with the 9A key" || diag "$(cat "$W/out")"
openssl dgst -sha256 -verify "$W/9a.pub" -signature "$W/sig" "$W/data" >/dev/null 2>&1
ok $? "openssl verifies the RSA signature"
p11 --login --pin 999999 --sign -m SHA256-RSA-PKCS --id 01 \
	-i "$W/data" -o "$W/sig2" >/dev/null 2>&1
is $? 1 "a wrong PIN: no signature"
is "$(piv_state pin)" 2/3 "... and one try used"

openssl dgst -sha256 -binary "$W/data" >"$W/hash"
p11 --login --pin "$PIV_PIN" --sign -m ECDSA --id 02 \
	--signature-format openssl -i "$W/hash" -o "$W/esig" >"$W/out" 2>&1
ok $? "pkcs11-tool --sign ECDSA with the 9C key (PIN always)" || diag "$(cat "$W/out")"
openssl dgst -sha256 -verify "$W/9c.pub" -signature "$W/esig" "$W/data" >/dev/null 2>&1
ok $? "openssl verifies the ECDSA signature"

echo "a secret message" >"$W/msg"
openssl pkeyutl -encrypt -pubin -inkey "$W/9a.pub" -in "$W/msg" -out "$W/enc" 2>/dev/null
p11 --login --pin "$PIV_PIN" --decrypt -m RSA-PKCS --id 01 \
	-i "$W/enc" -o "$W/dec" >"$W/out" 2>&1
ok $? "pkcs11-tool --decrypt RSA-PKCS with the 9A key" || diag "$(cat "$W/out")"
cmp -s "$W/msg" "$W/dec"; ok $? "... gives openssl's plaintext back"

# ECDH with a P-256 key in 9D (key management): the card's share equals openssl's
ypt -a generate -s 9d -A ECCP256 -o "$W/9d.pub" >/dev/null 2>&1 &&
	make_cert "$W/9d.pub" "$W/9d.pem" "piv keymgmt" &&
	ypt -a import-certificate -s 9d -i "$W/9d.pem" >/dev/null 2>&1
ok $? "P-256 key and certificate in 9d"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/peer.key" 2>/dev/null
openssl pkey -in "$W/peer.key" -pubout -outform DER -out "$W/peer.der" 2>/dev/null
p11 --login --pin "$PIV_PIN" --derive -m ECDH1-DERIVE --id 03 \
	-i "$W/peer.der" -o "$W/secret" >"$W/out" 2>&1
ok $? "pkcs11-tool --derive ECDH1-DERIVE with the 9D key" || diag "$(cat "$W/out")"
openssl pkeyutl -derive -inkey "$W/peer.key" -peerkey "$W/9d.pub" -out "$W/secret2" 2>/dev/null
cmp -s "$W/secret" "$W/secret2"; ok $? "... the same secret as openssl derives"

done_testing
