#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t5606 — OpenSC's pkcs11-tool (Debian 12: 0.23) derives through our module with a key pair
# it generated ON the virtual token: `pkcs11-tool --derive -m ECDH1-DERIVE` with a peer
# public key made by `openssl genpkey`; the value it writes equals `openssl pkeyutl
# -derive` of the peer's private key and the token's public key, in another process. The
# call trace shows the token agreed (its APDUs: SELECT, MSE SET, GENERAL AUTHENTICATE).
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

p11 --init-token --label "t5606" --so-pin $SO_PIN
ok $? "--init-token" || show
p11 --init-pin --login --login-type so --so-pin $SO_PIN --new-pin $USER_PIN
ok $? "--init-pin" || show
p11 --login --pin $USER_PIN --keypairgen --key-type EC:prime256v1 --id 57 --label agree \
	--usage-derive
ok $? "--keypairgen EC:prime256v1 --usage-derive on the token" || show
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/peer.pem" 2>"$W/out"
openssl pkey -in "$W/peer.pem" -pubout -outform DER -out "$W/peer.der" 2>>"$W/out"
ok $? "a peer key from openssl genpkey" || show

# the token's public key: its CKA_EC_POINT as pkcs11-tool lists it (04 41 04 x y), put into
# an SPKI of the same curve (the peer's, its point replaced)
p11 --list-objects --type pubkey --id 57
ok $? "--list-objects of the public key" || show
PT=$(awk '/EC_POINT:/ { print $2 }' "$W/out")
/usr/bin/python3 - "$W" "$PT" <<'PY'
import sys
w, pt = sys.argv[1], bytes.fromhex(sys.argv[2])
assert len(pt) == 67 and pt[:3] == b"\x04\x41\x04"
der = open(w + "/peer.der", "rb").read()
open(w + "/tok.der", "wb").write(der[:-65] + pt[2:])
PY
ok $? "... its EC_POINT, 04 41 04 x y, as an SPKI"
openssl pkey -pubin -inform DER -in "$W/tok.der" -out "$W/tok.pem" 2>"$W/out"
ok $? "openssl reads it (the point is on P-256)" || show

SCRIPTOKI_DEBUG=2 SCRIPTOKI_DEBUG_FILE="$W/trace" \
	p11 --login --pin $USER_PIN --derive -m ECDH1-DERIVE --id 57 \
	--input-file "$W/peer.der" --output-file "$W/ours"
ok $? "pkcs11-tool --derive -m ECDH1-DERIVE with the token's key" || show
# (before them, in this new process, the key's public value: its curve is read when the
# key is first used, a lazy object)
grep "C_DeriveKey(" "$W/trace" | grep -Eq "APDUs: (A4 B0( B0)* )?A4 22 86\)"
ok $? "... the token agreed (SELECT, MSE SET, GENERAL AUTHENTICATE)" ||
	grep "C_DeriveKey(" "$W/trace" | sed 's/^/#   /' >&2
openssl pkeyutl -derive -inkey "$W/peer.pem" -peerkey "$W/tok.pem" -out "$W/theirs" 2>"$W/out"
ok $? "openssl pkeyutl -derive with the token's public key" || show
cmp -s "$W/ours" "$W/theirs"
ok $? "pkcs11-tool's derived value is openssl's shared secret" ||
	diag "ours $(od -An -tx1 "$W/ours" | tr -d ' \n'), theirs $(od -An -tx1 "$W/theirs" | tr -d ' \n')"

done_testing
