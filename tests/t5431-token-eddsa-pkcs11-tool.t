#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Ed25519 token keys of the Rutoken family (the virtual token's extension) as OpenSC 0.23's
# pkcs11-tool drives them through build/scriptoki-pkcs11.so, each step a new process:
# -M shows EC-EDWARDS-KEY-PAIR-GEN and EDDSA computed by the token (hw); --keypair
# --key-type EC:edwards25519 makes the pair on the token; -O in another process lists both
# halves again (EC_EDWARDS, CKA_EC_POINT 04 20 key); --sign -m EDDSA signs on the token,
# and openssl pkeyutl -verify -rawin verifies it with the public key pkcs11-tool
# --read-object exports (and refuses a changed message); pkcs11-tool --verify checks it on
# the host.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/vtlib.sh"
if [ "${1:-}" != --inside ]; then
	vt_need
	need_pkg openssl /usr/bin/openssl
	vt_rig --fresh
fi

vt_p11_token t5431
is "$(p11_mech EC-EDWARDS-KEY-PAIR-GEN | grep -c 'hw.*generate_key_pair')" 1 \
	"EC-EDWARDS-KEY-PAIR-GEN: the token's (hw), generate_key_pair" || cat "$W/mechs" >&2
is "$(p11_mech EDDSA | grep -c 'hw.*sign.*verify')" 1 "EDDSA: hw, sign (the token) and verify (the host)" ||
	cat "$W/mechs" >&2

p11 --login --pin "$USER_PIN" --keypairgen --key-type EC:edwards25519 --label edkey --id 4544 \
	>"$W/gen" 2>&1
ok $? "pkcs11-tool --keypairgen --key-type EC:edwards25519 on the token" || cat "$W/gen" >&2

# another process: both halves are there, and they are Ed25519 keys
p11 --login --pin "$USER_PIN" -O >"$W/objs" 2>&1
ok $? "pkcs11-tool -O in a new process" || cat "$W/objs" >&2
is "$(grep -c 'label: *edkey' "$W/objs")" 2 "... lists the private and the public key (label edkey)" ||
	cat "$W/objs" >&2
is "$(grep -c 'EC_EDWARDS' "$W/objs")" 2 "... both EC_EDWARDS" || cat "$W/objs" >&2

# the public key: pkcs11-tool 0.23 exports it as a PEM SubjectPublicKeyInfo (RFC 8410),
# which must hold the 32 bytes of the CKA_EC_POINT that -O printed (04 20 key)
p11 --read-object --type pubkey --id 4544 -o "$W/pub.pem" >"$W/out" 2>&1
ok $? "pkcs11-tool --read-object of the public key" || cat "$W/out" >&2
point=$(sed -n 's/^ *EC_POINT: *\([0-9a-f]*\)$/\1/p' "$W/objs")
spki=$(openssl pkey -pubin -in "$W/pub.pem" -outform DER 2>/dev/null | od -An -tx1 -v | tr -d ' \n')
is "$spki" "302a300506032b6570032100${point#0420}" \
	"... an Ed25519 SPKI whose key is CKA_EC_POINT's (${#point} hex digits: 04 20 key)"

head -c 1000 /dev/urandom >"$W/msg"
p11 --login --pin "$USER_PIN" --sign -m EDDSA --id 4544 -i "$W/msg" -o "$W/sig" >"$W/out" 2>&1
ok $? "pkcs11-tool --sign -m EDDSA (1000 bytes) in a new process" || cat "$W/out" >&2
is "$(stat -c %s "$W/sig" 2>/dev/null)" 64 "... a 64-byte signature"
openssl pkeyutl -verify -pubin -inkey "$W/pub.pem" -rawin -in "$W/msg" \
	-sigfile "$W/sig" >"$W/out" 2>&1
ok $? "openssl pkeyutl -verify -rawin verifies it with the exported key" || cat "$W/out" >&2
# the changed message: byte 500 with its lowest bit flipped (writing a fixed byte would
# leave the message as it was whenever the random byte already was that one)
cp "$W/msg" "$W/msg2"
b=$(od -An -tu1 -j500 -N1 "$W/msg" | tr -d ' ')
printf "\\$(printf %o $((b ^ 1)))" | dd of="$W/msg2" bs=1 seek=500 conv=notrunc 2>/dev/null
! cmp -s "$W/msg" "$W/msg2"
ok $? "the changed message differs from the signed one"
! openssl pkeyutl -verify -pubin -inkey "$W/pub.pem" -rawin -in "$W/msg2" \
	-sigfile "$W/sig" >"$W/out" 2>&1
ok $? "... and refuses it for a changed message"
# pkcs11-tool 0.23 exits 0 either way and says which: its words are checked
p11 --verify -m EDDSA --id 4544 -i "$W/msg" --signature-file "$W/sig" >"$W/out" 2>&1 &&
	grep -q '^Signature is valid' "$W/out"
ok $? "pkcs11-tool --verify -m EDDSA with the public key object (the host)" || cat "$W/out" >&2
p11 --verify -m EDDSA --id 4544 -i "$W/msg2" --signature-file "$W/sig" >"$W/out" 2>&1
grep -q '^Invalid signature' "$W/out" && ! grep -q 'Signature is valid' "$W/out"
ok $? "... refuses the changed message (\"Invalid signature\")" || cat "$W/out" >&2

done_testing
