#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The virtual PIV card through Yubico's PKCS#11 module (Debian's ykcs11): the token is
# listed with the card's serial, the keys and certificates of the slots are objects, ECDSA
# and RSA-PSS signatures verify with openssl(1), and a key pair generated through the module
# (SO login = the management key) works. ykcs11 only looks at readers whose name starts
# with "Yubico": the rig names them so (--reader-name).
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/pivlib.sh"
if [ "${1:-}" != --inside ]; then
	piv_need
	need_pkg opensc /usr/bin/pkcs11-tool
	need_pkg ykcs11 /usr/lib/x86_64-linux-gnu/libykcs11.so
	piv_rig -n 0 --piv 1 --fresh --reader-name "Yubico vtoken"
fi
piv_find || { echo "1..1"; echo "not ok 1 - the rig has no PIV card"; exit 1; }
YK=/usr/lib/x86_64-linux-gnu/libykcs11.so

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
p11() { pkcs11-tool --module "$YK" "$@"; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/ca.key" \
	-subj /CN=ca -days 2 -out "$W/ca.pem" 2>/dev/null
make_cert() {
	openssl x509 -new -subj "/CN=$3" -force_pubkey "$1" -CA "$W/ca.pem" -CAkey "$W/ca.key" \
		-days 2 -out "$2" 2>/dev/null
}
ypt -a generate -s 9a -A ECCP256 -o "$W/9a.pub" >/dev/null 2>&1 &&
	make_cert "$W/9a.pub" "$W/9a.pem" ec9a &&
	ypt -a import-certificate -s 9a -i "$W/9a.pem" >/dev/null 2>&1
ok $? "yubico-piv-tool: P-256 key and certificate in 9a"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/9e.key" -subj /CN=rsa9e -days 2 \
	-out "$W/9e.pem" 2>/dev/null
openssl pkey -in "$W/9e.key" -pubout -out "$W/9e.pub" 2>/dev/null
ypt -a import-key -s 9e -i "$W/9e.key" >/dev/null 2>&1 &&
	ypt -a import-certificate -s 9e -i "$W/9e.pem" >/dev/null 2>&1
ok $? "yubico-piv-tool: an imported RSA-2048 key and its certificate in 9e"
serial=$(ypt -a status 2>/dev/null | sed -n 's/^Serial Number:\t//p')

p11 -L >"$W/l" 2>&1; ok $? "pkcs11-tool -L through ykcs11"
grep -q "serial num         : $serial\$" "$W/l"
ok $? "-L: the token has the card's serial ($serial)"
grep -q "firmware version   : 5.43" "$W/l"; ok $? "-L: the version of GET VERSION"
p11 -O >"$W/o" 2>&1; ok $? "pkcs11-tool -O"
grep -q "subject:    DN: CN=ec9a" "$W/o" && grep -q "subject:    DN: CN=rsa9e" "$W/o"
ok $? "-O: both certificates"
grep -q "label:      Public key for PIV Authentication" "$W/o"; ok $? "-O: the public key of 9a"

echo "signed through ykcs11" >"$W/data"
openssl dgst -sha256 -binary "$W/data" >"$W/hash"
p11 --login --pin "$PIV_PIN" --sign -m ECDSA --id 01 --signature-format openssl -i "$W/hash" \
	-o "$W/esig" >"$W/out" 2>&1
ok $? "ECDSA with the 9a key" || diag "$(cat "$W/out")"
openssl dgst -sha256 -verify "$W/9a.pub" -signature "$W/esig" "$W/data" >/dev/null 2>&1
ok $? "openssl verifies it"
p11 --login --pin 000000 --sign -m ECDSA --id 01 -i "$W/hash" -o "$W/x" >/dev/null 2>&1
is $? 1 "a wrong PIN gives no signature"
is "$(piv_state pin)" 2/3 "... and costs a try"
p11 --login --pin "$PIV_PIN" --sign -m SHA256-RSA-PKCS-PSS --id 04 -i "$W/data" \
	-o "$W/psig" >"$W/out" 2>&1
ok $? "SHA256-RSA-PKCS-PSS with the 9e key" || diag "$(cat "$W/out")"
openssl dgst -sha256 -verify "$W/9e.pub" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-2 \
	-signature "$W/psig" "$W/data" >/dev/null 2>&1
ok $? "openssl verifies the PSS signature"

# a key pair generated through the module: the SO PIN is the management key
p11 --login --login-type so --so-pin "$PIV_MGM" --keypairgen --key-type EC:prime256v1 --id 03 \
	>"$W/out" 2>&1
ok $? "C_GenerateKeyPair P-256 in 9d" || diag "$(cat "$W/out")"
p11 --login --login-type so --so-pin 00000000000000000000000000000000000000000000000f \
	--keypairgen --key-type EC:prime256v1 --id 03 >/dev/null 2>&1
is $? 1 "a wrong management key: no key pair"
p11 --read-object --type pubkey --id 03 -o "$W/9d.der" >/dev/null 2>&1
ok $? "its public key can be read"
p11 --login --pin "$PIV_PIN" --sign -m ECDSA --id 03 --signature-format openssl -i "$W/hash" \
	-o "$W/dsig" >"$W/out" 2>&1
ok $? "ECDSA with the new 9d key" || diag "$(cat "$W/out")"
openssl dgst -sha256 -verify <(openssl pkey -pubin -inform DER -in "$W/9d.der") \
	-signature "$W/dsig" "$W/data" >/dev/null 2>&1
ok $? "openssl verifies it with the public key ykcs11 read"

done_testing
