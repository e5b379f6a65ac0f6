#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6207 — a token served beyond its process: `p11-kit server --provider <module>` exports
# the virtual token on a private unix socket, and p11-kit-client.so, loaded by
# pkcs11-tool with P11_KIT_SERVER_ADDRESS, uses it: the token by its label, the
# mechanisms p11-kit's RPC can carry (Debian 12's p11-kit 0.24 passes exactly the list
# below and drops the others: see README, "p11-kit remoting"), signatures with the RSA key
# (PKCS#1 v1.5 and PSS) and the P-256 key that are verified apart from the remote path,
# an OAEP decryption, and a wrong PIN reported as such. The server is stopped by its PID.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	need_pkg p11-kit /usr/bin/p11-kit
	exec timeout -k 5 200 "$RIG" --fresh -- "$0"
fi
. "$TOP/tests/rig/servers.sh"

M=${SCRIPTOKI_MODULE:-$BUILD/scriptoki-pkcs11.so}
M=$(cd "$(dirname "$M")" && pwd)/$(basename "$M")
CLIENT=""
for c in /usr/lib/*/pkcs11/p11-kit-client.so /usr/lib/pkcs11/p11-kit-client.so; do
	[ -e "$c" ] && CLIENT=$c && break
done
SO_PIN=87654321
USER_PIN=12345678
W=$(mktemp -d)
SRV=""
trap 'stop_pid $SRV; rm -rf "$W"' EXIT
p11() { timeout 60 pkcs11-tool --module "$M" --slot-index 0 "$@" >"$W/out" 2>&1; }
rp11() { timeout 60 pkcs11-tool --module "$CLIENT" --slot-index 0 "$@" >"$W/out" 2>&1; }
show() { sed 's/^/#   /' "$1" >&2; }
[ -n "$CLIENT" ] || { echo "1..0 # SKIP p11-kit-client.so (p11-kit-modules) is not installed"; exit 0; }

# what Debian 12's p11-kit (0.24.1) carries over its RPC, of the mechanisms Scriptoki has,
# in the module's order (the token's declared mechanisms, AES and DES3 ones included, first)
CARRIED="RSA-PKCS-KEY-PAIR-GEN RSA-PKCS RSA-X-509 ECDSA-KEY-PAIR-GEN ECDSA AES-KEY-GEN AES-ECB
DES3-KEY-GEN DES3-ECB SHA-1 SHA256 SHA384 SHA512 RSA-PKCS-OAEP RSA-PKCS-PSS SHA-1-HMAC
SHA256-HMAC SHA384-HMAC SHA512-HMAC GENERIC-SECRET-KEY-GEN SHA1-RSA-PKCS SHA256-RSA-PKCS
SHA384-RSA-PKCS SHA512-RSA-PKCS ECDSA-SHA1"

p11 --init-token --label t6207 --so-pin $SO_PIN &&
	p11 --init-pin --login --login-type so --so-pin $SO_PIN --new-pin $USER_PIN &&
	p11 --login --pin $USER_PIN --keypairgen --key-type rsa:2048 --id 01 --label rsa &&
	p11 --login --pin $USER_PIN --keypairgen --key-type EC:prime256v1 --id 02 --label ec &&
	p11 --read-object --type pubkey --id 01 -o "$W/rsa.der" &&
	openssl pkey -pubin -inform DER -in "$W/rsa.der" -out "$W/rsa.pem" 2>"$W/out"
ok $? "a token with an RSA-2048 and a P-256 key, the RSA public key exported" || show "$W/out"

timeout 150 p11-kit server -f --provider "$M" -n "$W/p11.sock" "pkcs11:token=t6207" \
	>"$W/srv" 2>&1 </dev/null &
SRV=$!
wait_file $SRV "$W/srv" '^P11_KIT_SERVER_PID=' 30 && [ -S "$W/p11.sock" ]
ok $? "p11-kit server exports the token on a unix socket" || show "$W/srv"
export P11_KIT_SERVER_ADDRESS=unix:path=$W/p11.sock
grep -qF "P11_KIT_SERVER_ADDRESS=$P11_KIT_SERVER_ADDRESS;" "$W/srv"
ok $? "... at the address it announces" || show "$W/srv"

rp11 -L && grep -q 'token label *: t6207' "$W/out"
ok $? "through p11-kit-client.so: the token, by its label" || show "$W/out"
rp11 -M && sed -n 's/^  \([A-Za-z0-9_-]*\),.*/\1/p; s/^  \([A-Za-z0-9_-]*\)$/\1/p' "$W/out" \
	>"$W/remote.mechs"
is "$(tr '\n' ' ' <"$W/remote.mechs")" "$(echo $CARRIED) " "the mechanisms p11-kit carries"
p11 -M && sed -n 's/^  \([A-Za-z0-9_-]*\),.*/\1/p; s/^  \([A-Za-z0-9_-]*\)$/\1/p' "$W/out" \
	>"$W/local.mechs"
dropped=$(grep -vxF -f "$W/remote.mechs" "$W/local.mechs" | tr '\n' ' ')
diag "dropped by p11-kit's RPC: $dropped"
case " $dropped " in *" GOSTR3410 "*" SHA256-RSA-PKCS-PSS "*) true ;; *) false ;; esac
ok $? "... and the ones it drops (GOST, hash-and-PSS, SHA-3, SHA-224) are the module's"

head -c 1000 /dev/urandom >"$W/data"
openssl dgst -sha256 -binary "$W/data" >"$W/data.sha256"
rp11 --login --pin $USER_PIN --sign --mechanism SHA256-RSA-PKCS --id 01 \
	--input-file "$W/data" --output-file "$W/sig.pkcs1" &&
	openssl dgst -sha256 -verify "$W/rsa.pem" -signature "$W/sig.pkcs1" "$W/data" \
		>"$W/out" 2>&1
ok $? "SHA256-RSA-PKCS through the socket, verified by OpenSSL" || show "$W/out"
rp11 --login --pin $USER_PIN --sign --mechanism RSA-PKCS-PSS --hash-algorithm SHA256 \
	--mgf MGF1-SHA256 --salt-len 32 --id 01 --input-file "$W/data.sha256" \
	--output-file "$W/sig.pss" &&
	openssl pkeyutl -verify -pubin -inkey "$W/rsa.pem" -in "$W/data.sha256" \
		-sigfile "$W/sig.pss" -pkeyopt rsa_padding_mode:pss -pkeyopt digest:sha256 \
		-pkeyopt rsa_pss_saltlen:32 >"$W/out" 2>&1
ok $? "RSA-PKCS-PSS (its parameters carried) through the socket, verified by OpenSSL" ||
	show "$W/out"
rp11 --login --pin $USER_PIN --sign --mechanism ECDSA --id 02 --input-file "$W/data.sha256" \
	--output-file "$W/sig.ec" &&
	p11 --verify --mechanism ECDSA --id 02 --input-file "$W/data.sha256" \
		--signature-file "$W/sig.ec" && grep -q 'Signature is valid' "$W/out"
ok $? "ECDSA through the socket, verified by the module directly" || show "$W/out"
printf 'carried secret 3b1f' >"$W/plain"
openssl pkeyutl -encrypt -pubin -inkey "$W/rsa.pem" -pkeyopt rsa_padding_mode:oaep \
	-in "$W/plain" -out "$W/ct" 2>"$W/out" &&
	rp11 --login --pin $USER_PIN --decrypt --mechanism RSA-PKCS-OAEP --hash-algorithm SHA-1 \
		--mgf MGF1-SHA1 --id 01 --input-file "$W/ct" --output-file "$W/dec" &&
	cmp -s "$W/plain" "$W/dec"
ok $? "RSA-PKCS-OAEP decryption through the socket" || show "$W/out"
rp11 --login --pin 00000000 --list-objects
[ $? -ne 0 ] && grep -q 'CKR_PIN_INCORRECT' "$W/out"
ok $? "a wrong PIN comes back as CKR_PIN_INCORRECT" || show "$W/out"

stop_pid $SRV
! alive "$SRV"
ok $? "p11-kit server stopped by its PID"
SRV=""
done_testing
