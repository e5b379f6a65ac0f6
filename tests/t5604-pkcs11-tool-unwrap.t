#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t5604 — OpenSC's pkcs11-tool (Debian 12: 0.23) unwraps through our module: an AES key
# encrypted by `openssl pkeyutl -encrypt` (PKCS #1 v1.5) with the public half of an RSA key
# pair that pkcs11-tool generated on the virtual token, then `pkcs11-tool --unwrap` with the
# token's private key, as far as pkcs11-tool 0.23 goes: it asks for a token secret key
# (refused unless the token keeps such keys) and gives OAEP no parameter. Its --derive is
# t5606's; its --wrap needs wrapping with a token secret key, which the module does not do
# (t5601-t5603 wrap through the API with session keys).
# Like the t51xx tests it re-executes itself inside a rig with a fresh token.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	exec timeout -k 5 200 "$RIG" --fresh -- "$0"
fi

M=${SCRIPTOKI_MODULE:-$BUILD/scriptoki-pkcs11.so}
SO_PIN=87654321
USER_PIN=12345678
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

p11() { timeout 60 pkcs11-tool --module "$M" --slot-index 0 "$@" >"$W/out" 2>&1; }
show() { sed 's/^/#   /' "$W/out" >&2; }

p11 --init-token --label "t5604" --so-pin $SO_PIN
ok $? "--init-token" || show
p11 --init-pin --login --login-type so --so-pin $SO_PIN --new-pin $USER_PIN
ok $? "--init-pin" || show
p11 --login --pin $USER_PIN --keypairgen --key-type rsa:1024 --id 56 --label wrap \
	--usage-wrap --usage-decrypt
ok $? "--keypairgen rsa:1024 --usage-wrap" || show
p11 --read-object --type pubkey --id 56 -o "$W/pub.der"
ok $? "--read-object of the public key" || show
openssl pkey -pubin -inform DER -in "$W/pub.der" -out "$W/pub.pem" 2>"$W/out"
ok $? "openssl reads it" || show
head -c 32 /dev/urandom >"$W/key"

for pad in pkcs1 oaep; do
	openssl pkeyutl -encrypt -pubin -inkey "$W/pub.pem" -pkeyopt rsa_padding_mode:$pad \
		-in "$W/key" -out "$W/wrapped.$pad" 2>"$W/out"
	ok $? "$pad: openssl pkeyutl -encrypt" || show
done

# pkcs11-tool 0.23 asks for a token key (CKA_TOKEN true): the secret keys here are session
# keys, so the template is refused as C_CreateObject refuses it, after the token unwrapped
# (the call trace shows its APDUs: MSE SET, PSO DECIPHER); a damaged ciphertext is refused
# as CKR_WRAPPED_KEY_INVALID first
unwrap() {
	SCRIPTOKI_DEBUG=2 SCRIPTOKI_DEBUG_FILE="$W/trace" \
		p11 --login --pin $USER_PIN --unwrap --mechanism "$1" --id 56 \
		--input-file "$2" --key-type AES:32 --extractable
}
unwrap RSA-PKCS "$W/wrapped.pkcs1"
[ $? -ne 0 ] && grep -q "CKR_TEMPLATE_INCONSISTENT" "$W/out"
ok $? "RSA-PKCS: --unwrap into a token key: CKR_TEMPLATE_INCONSISTENT" || show
# (before them, in this new process, the key's public value: the modulus the decryption
# checks the ciphertext against is read when the key is first used, a lazy object)
grep "C_UnwrapKey(" "$W/trace" | grep -Eq "APDUs: (A4 B0( B0)* )?A4 22 2A\)"
ok $? "RSA-PKCS: ... after the token decrypted" || sed 's/^/#   /' "$W/trace" >&2
cp "$W/wrapped.pkcs1" "$W/bad"
printf '\x00' | dd of="$W/bad" bs=1 seek=5 conv=notrunc 2>/dev/null
printf '\x00' | dd of="$W/bad" bs=1 seek=77 conv=notrunc 2>/dev/null
unwrap RSA-PKCS "$W/bad"
[ $? -ne 0 ] && grep -q "CKR_WRAPPED_KEY_INVALID" "$W/out"
ok $? "RSA-PKCS: a damaged ciphertext: CKR_WRAPPED_KEY_INVALID" || show
# ... and it gives CKM_RSA_PKCS_OAEP no parameter, which the mechanism requires
unwrap RSA-PKCS-OAEP "$W/wrapped.oaep"
[ $? -ne 0 ] && grep -q "CKR_MECHANISM_PARAM_INVALID" "$W/out"
ok $? "RSA-PKCS-OAEP without its parameter: CKR_MECHANISM_PARAM_INVALID" || show
grep "C_UnwrapKey(" "$W/trace" | grep -q "0 APDUs)"
ok $? "RSA-PKCS-OAEP: ... and the token was not asked" || sed 's/^/#   /' "$W/trace" >&2
done_testing
