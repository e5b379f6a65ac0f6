#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# With the card management key in the configuration file (piv.management_key), the PIV
# token is writable through Scriptoki: C_GenerateKeyPair makes P-256, RSA-2048 and P-384
# keys in the slots their CKA_ID names (01 9A, 02 9C, 03 9D; none: the first free one)
# and C_CreateObject writes a certificate into its slot; independent tools use what
# Scriptoki made: yubico-piv-tool reads the certificate back (openssl compares it) and
# signs with the key (test-signature, which checks the signature against the
# certificate), OpenSC's PIV driver signs with the keys and openssl verifies in another
# process. C_DestroyObject empties the certificate's object. CKA_ALLOWED_MECHANISMS,
# which PIV cannot store, is refused. A wrong management key fails the call with
# CKR_FUNCTION_FAILED and leaves the card's state file byte for byte as it was; the key
# is in no line of a level-3 debug log.
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
printf 'piv.management_key = %s\n' "$PIV_MGM" >"$W/scriptoki.conf"
export SCRIPTOKI_CONF=$W/scriptoki.conf
piv() { timeout 60 pkcs11-tool --module "$M" --slot-index 0 "$@"; }
# ecpub OUT PEM: the EC public key of a key-pair generation's listing (its EC_POINT, a DER
# OCTET STRING) as a PEM SubjectPublicKeyInfo (RFC 5480: the fixed prefix of P-256 and
# P-384 keys), for openssl
ecpub() {
	local pt
	pt=$(sed -n 's/^ *EC_POINT: *04[0-9a-f][0-9a-f]\(04[0-9a-f]*\)$/\1/p' "$1" | head -n 1)
	case ${#pt} in
	130) pt=3059301306072a8648ce3d020106082a8648ce3d030107034200$pt ;;
	194) pt=3076301006072a8648ce3d020106052b81040022036200$pt ;;
	*) return 1 ;;
	esac
	echo "$pt" | xxd -r -p | openssl pkey -pubin -inform der -out "$2" 2>/dev/null
}
osc() { timeout 60 pkcs11-tool --module "$P11" --slot-index 0 "$@"; }

piv -L >"$W/L" 2>&1
grep -q "PIV Card" "$W/L" && ! grep -q "readonly" "$W/L"
ok $? "with a management key the PIV token is not write-protected" || sed 's/^/# /' "$W/L" >&2
piv -M >"$W/M" 2>&1
grep -q "RSA-PKCS-KEY-PAIR-GEN" "$W/M" && grep -qE "EC(DSA)?-KEY-PAIR-GEN" "$W/M"
ok $? "... and lists RSA and EC key-pair generation" || sed 's/^/# /' "$W/M" >&2
(SCRIPTOKI_CONF=/dev/null piv -L 2>&1 | grep -q "readonly")
ok $? "without it the token is write-protected"

# ---- key generation through Scriptoki, with a level-3 debug log ----
SCRIPTOKI_DEBUG=3 SCRIPTOKI_DEBUG_FILE=$W/debug.log \
	piv -l -p "$PIV_PIN" --keypairgen --key-type EC:prime256v1 --id 01 --label a >"$W/g" 2>&1
ok $? "C_GenerateKeyPair: P-256 in CKA_ID 01" || { sed "s/^/# /" "$W/g"; grep -E "lb:|card" "$W/debug.log" | tail -30 | sed "s/^/# /"; } >&2
ecpub "$W/g" "$W/01.pub"
ok $? "... its public key is listed"
grep -q "setting piv.management_key read (secret: masked)" "$W/debug.log"
ok $? "the debug log says the management key was read"
grep -q "card > 00 87 03 9B" "$W/debug.log" && grep -q "card > 00 47 00 9A" "$W/debug.log"
ok $? "... and shows the authentication and the GENERATE of 9A"
spaced=$(echo "$PIV_MGM" | sed 's/../& /g; s/ $//')
! grep -qi -e "$PIV_MGM" -e "$spaced" "$W/debug.log"
ok $? "... but not the management key, as text or as bytes"

piv -l -p "$PIV_PIN" --keypairgen --key-type rsa:2048 --id 02 --label b >"$W/g" 2>&1
ok $? "RSA-2048 in CKA_ID 02" || sed 's/^/# /' "$W/g" >&2
piv --read-object --type pubkey --id 02 -o "$W/02.der" >/dev/null 2>&1 &&
	openssl pkey -pubin -inform der -in "$W/02.der" -out "$W/02.pub" 2>/dev/null
ok $? "... its public key reads back"
piv -l -p "$PIV_PIN" --keypairgen --key-type EC:secp384r1 --label c >"$W/g" 2>&1
ok $? "P-384 without a CKA_ID" || sed 's/^/# /' "$W/g" >&2
ecpub "$W/g" "$W/03.pub" && grep -q "ID: *03" "$W/g"
ok $? "... lands in the first free slot, 9D (CKA_ID 03)"
ypt -a status >"$W/st" 2>&1
ok $? "yubico-piv-tool -a status runs on the card Scriptoki changed"

# ---- certificates through Scriptoki ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/ca.key" \
	-subj /CN=ca -days 2 -out "$W/ca.pem" 2>/dev/null
openssl x509 -new -subj "/CN=t9115 auth" -force_pubkey "$W/01.pub" -CA "$W/ca.pem" \
	-CAkey "$W/ca.key" -days 2 -out "$W/01.pem" 2>/dev/null &&
	openssl x509 -in "$W/01.pem" -outform der -out "$W/01.crt"
piv -l -p "$PIV_PIN" --write-object "$W/01.crt" --type cert --id 01 --label x >"$W/e" 2>&1
ok $? "C_CreateObject writes a certificate for 9A" || sed 's/^/# /' "$W/e" >&2
ypt -a read-certificate -s 9a -o "$W/back.pem" >/dev/null 2>&1 &&
	cmp -s <(openssl x509 -in "$W/back.pem" -outform der) "$W/01.crt"
ok $? "yubico-piv-tool reads it back, byte for byte (openssl)"
ypt -a status 2>&1 | grep -q "t9115 auth"
ok $? "... and -a status shows its subject"
ypt -a verify-pin -P "$PIV_PIN" -a test-signature -s 9a -i "$W/01.pem" >"$W/ts" 2>&1
ok $? "yubico-piv-tool signs with the key Scriptoki generated (test-signature)" ||
	sed 's/^/# /' "$W/ts" >&2
piv -l -p "$PIV_PIN" --write-object "$W/01.crt" --type cert --id 01 >"$W/e" 2>&1
grep -q CKR_ATTRIBUTE_VALUE_INVALID "$W/e"
ok $? "a second certificate for a slot that has one: CKR_ATTRIBUTE_VALUE_INVALID"

# OpenSC's PIV driver lists a key whose slot has a certificate
openssl x509 -new -subj "/CN=t9115 sign" -force_pubkey "$W/02.pub" -CA "$W/ca.pem" \
	-CAkey "$W/ca.key" -days 2 -outform der -out "$W/02.crt" 2>/dev/null
piv -l -p "$PIV_PIN" --write-object "$W/02.crt" --type cert --label y >"$W/e" 2>&1
ok $? "a certificate without CKA_ID goes to the slot of its key" || sed 's/^/# /' "$W/e" >&2
ypt -a read-certificate -s 9c -o "$W/back.pem" >/dev/null 2>&1 &&
	cmp -s <(openssl x509 -in "$W/back.pem" -outform der) "$W/02.crt"
ok $? "... 9C (yubico-piv-tool reads it back)"

# ---- the keys sign through OpenSC's PIV driver and through Scriptoki ----
echo "signed by a key Scriptoki made" >"$W/m"
osc -l -p "$PIV_PIN" --sign -m ECDSA-SHA256 --signature-format openssl --id 01 -i "$W/m" \
	-o "$W/s1" >"$W/e" 2>&1 &&
	openssl dgst -sha256 -verify "$W/01.pub" -signature "$W/s1" "$W/m" >/dev/null 2>&1
ok $? "OpenSC's PIV driver signs with the P-256 key (openssl verifies)" ||
	sed 's/^/# /' "$W/e" >&2
osc -l -p "$PIV_PIN" --sign -m SHA256-RSA-PKCS --id 02 -i "$W/m" -o "$W/s2" >"$W/e" 2>&1 &&
	openssl dgst -sha256 -verify "$W/02.pub" -signature "$W/s2" "$W/m" >/dev/null 2>&1
ok $? "... and with the RSA-2048 key" || sed 's/^/# /' "$W/e" >&2
piv -l -p "$PIV_PIN" --sign -m SHA256-RSA-PKCS-PSS --mgf MGF1-SHA256 --salt-len 32 --id 02 \
	-i "$W/m" -o "$W/s3" >"$W/e" 2>&1 &&
	openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
		-verify "$W/02.pub" -signature "$W/s3" "$W/m" >/dev/null 2>&1
ok $? "Scriptoki signs RSA-PSS with it (openssl verifies)" || sed 's/^/# /' "$W/e" >&2
piv -l -p "$PIV_PIN" --sign -m ECDSA-SHA384 --signature-format openssl --id 03 -i "$W/m" \
	-o "$W/s4" >"$W/e" 2>&1 &&
	openssl dgst -sha384 -verify "$W/03.pub" -signature "$W/s4" "$W/m" >/dev/null 2>&1
ok $? "... and ECDSA P-384 with the key in 9D" || sed 's/^/# /' "$W/e" >&2

# ---- what PIV cannot store is refused ----
cp "$PIV_STATE" "$W/before"
SCRIPTOKI_DEBUG=3 SCRIPTOKI_DEBUG_FILE=$W/allowed.log \
	piv -l -p "$PIV_PIN" --keypairgen --key-type EC:prime256v1 --id 04 \
	--allowed-mechanisms ECDSA >"$W/e" 2>&1
grep -q CKR_ATTRIBUTE_VALUE_INVALID "$W/e"
ok $? "CKA_ALLOWED_MECHANISMS in a key template: CKR_ATTRIBUTE_VALUE_INVALID" ||
	sed 's/^/# /' "$W/e" >&2
grep -q "C_GenerateKeyPair.*CKA_ALLOWED_MECHANISMS.*= CKR_ATTRIBUTE_VALUE_INVALID" \
	"$W/allowed.log" && ! grep -qE "piv.generate_key_pair|card > 00 87" "$W/allowed.log"
ok $? "... refused by the runtime before the script is asked (the family does not declare stores_allowed_mechanisms)"
printf 'data' >"$W/d"
piv -l -p "$PIV_PIN" --write-object "$W/d" --type data --label d >"$W/e" 2>&1
grep -q CKR_ATTRIBUTE_VALUE_INVALID "$W/e"
ok $? "a data object: CKR_ATTRIBUTE_VALUE_INVALID (PIV stores certificates only)"
piv -l -p "$PIV_PIN" --delete-object --type privkey --id 02 >"$W/e" 2>&1
grep -qE "CKR_ACTION_PROHIBITED|0x1b\)" "$W/e"
ok $? "C_DestroyObject of a key: CKR_ACTION_PROHIBITED" || sed 's/^/# /' "$W/e" >&2
cmp -s "$PIV_STATE" "$W/before"; ok $? "... and the card is unchanged"

# ---- a wrong management key ----
printf 'piv.management_key = %s\n' 0102030405060708010203040506070801020304050607FF \
	>"$W/wrong.conf"
SCRIPTOKI_CONF=$W/wrong.conf piv -l -p "$PIV_PIN" --keypairgen --key-type EC:prime256v1 \
	--id 04 >"$W/e" 2>&1
grep -q CKR_FUNCTION_FAILED "$W/e"
ok $? "a wrong management key: C_GenerateKeyPair fails with CKR_FUNCTION_FAILED" ||
	sed 's/^/# /' "$W/e" >&2
cmp -s "$PIV_STATE" "$W/before"; ok $? "... and the card's state file is unchanged"
printf 'piv.management_key = %s\npiv.management_key_algorithm = aes192\n' "$PIV_MGM" \
	>"$W/alg.conf"
SCRIPTOKI_CONF=$W/alg.conf piv -l -p "$PIV_PIN" --delete-object --type cert --id 01 \
	>"$W/e" 2>&1
grep -q CKR_FUNCTION_FAILED "$W/e"
ok $? "the right key under the wrong algorithm: CKR_FUNCTION_FAILED" || sed 's/^/# /' "$W/e" >&2
cmp -s "$PIV_STATE" "$W/before"; ok $? "... and the card is unchanged"

# ---- destroying the certificate ----
piv -l -p "$PIV_PIN" --delete-object --type cert --id 01 >"$W/e" 2>&1
ok $? "C_DestroyObject of the 9A certificate" || sed 's/^/# /' "$W/e" >&2
! ypt -a read-certificate -s 9a -o "$W/gone.pem" >/dev/null 2>&1
ok $? "... yubico-piv-tool finds no certificate in 9A"
piv --list-objects --type pubkey 2>/dev/null | grep -q "ID: *01"
ok $? "... and the 9A key is still listed (from the card's metadata)"
done_testing
