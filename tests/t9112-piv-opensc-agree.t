#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Scriptoki's PIV family and OpenSC's own PIV driver (opensc-pkcs11.so) show one virtual
# PIV card alike: after yubico-piv-tool put keys in 9A (RSA-2048, with a certificate), 9C
# (P-256, with a certificate), 9D (RSA-2048) and 9E (P-384, without certificates), both
# modules list the same objects after login — class, label and CKA_ID of each — and a
# signature made through one module verifies through the other.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/pivlib.sh"
if [ "${1:-}" != --inside ]; then
	piv_need "$BUILD/scriptoki-pkcs11.so"
	need_opensc
	piv_rig -n 0 --piv 1 --fresh
fi
piv_find || { echo "1..1"; echo "not ok 1 - the rig has no PIV card"; exit 1; }
M=$BUILD/scriptoki-pkcs11.so
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export SCRIPTOKI_SCRIPTS=$TOP/scripts
export OPENSC_CONF=$W/opensc.conf
printf 'app default {\n\tframework pkcs15 {\n\t\tuse_file_caching = no;\n\t}\n}\n' >"$OPENSC_CONF"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/ca.key" \
	-subj /CN=ca -days 2 -out "$W/ca.pem" 2>/dev/null
make_cert() {
	openssl x509 -new -subj "/CN=$3" -force_pubkey "$1" -CA "$W/ca.pem" -CAkey "$W/ca.key" \
		-days 2 -out "$2" 2>/dev/null
}
ypt -a generate -s 9a -A RSA2048 -o "$W/9a.pub" >/dev/null 2>&1 &&
	make_cert "$W/9a.pub" "$W/9a.pem" "piv auth" &&
	ypt -a import-certificate -s 9a -i "$W/9a.pem" >/dev/null 2>&1
ok $? "9a: RSA-2048 and a certificate"
ypt -a generate -s 9c -A ECCP256 -o "$W/9c.pub" >/dev/null 2>&1 &&
	make_cert "$W/9c.pub" "$W/9c.pem" "piv sign" &&
	ypt -a import-certificate -s 9c -i "$W/9c.pem" >/dev/null 2>&1
ok $? "9c: P-256 and a certificate"
ypt -a generate -s 9d -A RSA2048 -o "$W/9d.pub" >/dev/null 2>&1; ok $? "9d: RSA-2048"
ypt -a generate -s 9e -A ECCP384 -o "$W/9e.pub" >/dev/null 2>&1; ok $? "9e: P-384"

# list MODULE: "class|label|ID" of every object after login, sorted
list() {
	timeout 60 pkcs11-tool --module "$1" --slot-description "$PIV_READER" -l -p "$PIV_PIN" -O 2>/dev/null |
		awk '/Object;/ { c = $1 " " $2 } /^  label:/ { sub(/^  label: */, ""); l = $0 }
		     /^  ID:/ { print c "|" l "|" $2 }' | sort
}
list "$M" >"$W/ours"
list "$P11" >"$W/opensc"
[ -s "$W/ours" ]; ok $? "Scriptoki lists objects"
is "$(wc -l <"$W/ours")" 10 "... ten: 4 private keys, 4 public keys, 2 certificates"
grep -q "^Private Key|PIV AUTH key|01$" "$W/ours" && grep -q "^Private Key|KEY MAN key|03$" "$W/ours" &&
	grep -q "^Certificate Object;|Certificate for Digital Signature|02$" "$W/ours" &&
	grep -q "^Public Key|CARD AUTH pubkey|04$" "$W/ours"
ok $? "... with OpenSC's labels and IDs" || sed 's/^/# /' "$W/ours" >&2
# OpenSC lists public keys only where a certificate or its cache tells the key; compare the
# objects it lists
missing=$(comm -13 "$W/ours" "$W/opensc")
is "$missing" "" "every object OpenSC's PIV driver lists, Scriptoki lists alike"
[ "$(wc -l <"$W/opensc")" -ge 6 ]; ok $? "... OpenSC lists at least the keys and certificates of 9A, 9C" ||
	sed 's/^/# /' "$W/opensc" >&2

# a signature through Scriptoki verifies through OpenSC's module, and the reverse
echo "signed by one module, checked by the other" >"$W/d"
timeout 60 pkcs11-tool --module "$M" --slot-description "$PIV_READER" -l -p "$PIV_PIN" --sign \
	-m SHA256-RSA-PKCS --id 01 -i "$W/d" -o "$W/s1" >/dev/null 2>&1
ok $? "Scriptoki signs with 9A"
timeout 60 pkcs11-tool --module "$P11" --slot-description "$PIV_READER" --verify \
	-m SHA256-RSA-PKCS --id 01 -i "$W/d" --signature-file "$W/s1" 2>&1 | grep -q "Signature is valid"
ok $? "... OpenSC's module verifies it"
timeout 60 pkcs11-tool --module "$P11" --slot-description "$PIV_READER" -l -p "$PIV_PIN" --sign \
	-m ECDSA-SHA256 --id 02 -i "$W/d" -o "$W/s2" >/dev/null 2>&1
ok $? "OpenSC's module signs with 9C"
timeout 60 pkcs11-tool --module "$M" --slot-description "$PIV_READER" --verify \
	-m ECDSA-SHA256 --id 02 -i "$W/d" --signature-file "$W/s2" 2>&1 | grep -q "Signature is valid"
ok $? "... Scriptoki verifies it"
done_testing
