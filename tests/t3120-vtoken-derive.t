#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The virtual token's key agreement (extension, tests/vtoken/README.md "Key agreement"):
# MSE SET 41 A6 with the key, GENERAL AUTHENTICATE 00 86 00 00 7C { [80 UKM,] 85 point }
# → 7C { 82 agreed point }, through raw APDUs (build/pcsc-probe), with keys generated on the
# card. ECDH P-256: the x coordinate equals `openssl pkeyutl -derive` of the peer's key and
# the card's public key in another process. VKO GOST R 34.10-2012-256: Streebog-256 of the
# card's point equals the gost engine's VKO (pkeyutl -derive with the UKM). Malformed
# points and a missing MSE are card errors.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/vtlib.sh"
if [ "${1:-}" != --inside ]; then
	vt_need
	need_pkg python3 /usr/bin/python3
	need_gost
	vt_rig --fresh
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
VERIFY=$VT_VERIFY
SEC_PRIV=860F460002020000000200000000000000
SEC_PUB=860F460002000000000200000000000000
create_pair() {
	echo "00E0000027 6F25 8002$4 82021000 830200$1 8506$2$3 00AA0000 $SEC_PRIV" | tr -d ' '
	echo "00E0000027 6F25 8002$5 82021000 830200$1 8506$(printf %02X $((0x$2 | 0x10)))$3 00AA0000 $SEC_PUB" |
		tr -d ' '
}

# the peers, made by OpenSSL (and its gost engine)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/peerec.pem" 2>/dev/null
openssl pkey -in "$W/peerec.pem" -pubout -outform DER -out "$W/peerec.der" 2>/dev/null
openssl genpkey -engine gost -algorithm gost2012_256 -pkeyopt paramset:TCA \
	-out "$W/peer256.pem" 2>/dev/null
openssl pkey -engine gost -in "$W/peer256.pem" -pubout -outform DER -out "$W/peer256.der" \
	2>/dev/null
[ -s "$W/peerec.der" ] && [ -s "$W/peer256.der" ]
ok $? "peer keys from OpenSSL"
# the SPKI's last bytes are the point: 04 x y (EC, big-endian), x y (GOST, little-endian)
PEC=$(tail -c 65 "$W/peerec.der" | hex)
PG=$(tail -c 64 "$W/peer256.der" | hex)
UKM=$(head -c 8 /dev/urandom | hex)

steps=("$VERIFY")
steps+=($(create_pair 07 07 01 0020 0040))                       # 2-3
steps+=(0046800700 002241A603840107 "0086000045 7C43 8541${PEC} 00") # 4-6
steps+=($(create_pair 05 04 50 0020 0040))                       # 7-8
steps+=(0046800500 002241A603840105 "008600004E 7C4C 8008${UKM} 8540${PG} 00") # 9-11
# 12-13: y with its last bit flipped: not on the curve (for an x, only y and p - y are;
# zeroing the last byte instead left the point on it when that byte was 00, 1 run in 256)
BADY=$(printf '%s%02X' "${PEC:0:128}" $((0x${PEC:128:2} ^ 1)))
steps+=(002241A603840107 "0086000045 7C43 8541${BADY} 00")
steps+=("0086000044 7C42 8540${PEC:2} 00")                       # 14: no 04 prefix
steps+=(002241B603840107 "0086000045 7C43 8541${PEC} 00")         # 15-16: MSE for signing
"$PROBE" $(printf '%s\n' "${steps[@]}" | tr -d ' ') >"$W/out" 2>&1
ok $? "pcsc-probe ran" || cat "$W/out" >&2
resp() { sed -n "${1}p" "$W/out" | awk '{ print $2 }'; }
sws=$(awk '{ printf "%s ", $NF }' "$W/out")
is "${sws% }" "$(printf '9000 %.0s' $(seq 12))6A80 6A80 9000 6985" \
	"create, generate, MSE A6, GENERAL AUTHENTICATE; bad points 6A80; after MSE B6 6985"
R=$(resp 6)
is "${R:0:8}" 7C228220 "ECDH: the answer is 7C { 82 <32 bytes> }"
R=$(resp 11)
is "${R:0:8}" 7C428240 "VKO: the answer is 7C { 82 <64 bytes> }"

# the card's public keys as SPKIs (the peers' DER with the card's point in place)
/usr/bin/python3 - "$W" "$(resp 4)" "$(resp 9)" "$(resp 6)" "$(resp 11)" <<'PY'
import os, sys
w, pubec, pub256, zec, k256 = sys.argv[1:]
def spki(ref, key):
    der = open(os.path.join(w, ref), "rb").read()
    return der[:-len(key)] + key
open(os.path.join(w, "cardec.der"), "wb").write(spki("peerec.der", b"\x04" + bytes.fromhex(pubec)))
open(os.path.join(w, "card256.der"), "wb").write(spki("peer256.der", bytes.fromhex(pub256)))
open(os.path.join(w, "zcard"), "wb").write(bytes.fromhex(zec)[4:])
open(os.path.join(w, "kcard"), "wb").write(bytes.fromhex(k256)[4:])
PY
openssl pkeyutl -derive -inkey "$W/peerec.pem" -peerkey "$W/cardec.der" -peerform DER \
	-out "$W/zossl" 2>"$W/e.log"
ok $? "openssl pkeyutl -derive with the card's public key" || cat "$W/e.log" >&2
is "$(hex <"$W/zcard")" "$(hex <"$W/zossl")" "ECDH: the card's x coordinate is OpenSSL's shared secret"
openssl pkeyutl -engine gost -derive -inkey "$W/peer256.pem" -peerkey "$W/card256.der" \
	-peerform DER -pkeyopt ukmhex:"$UKM" -out "$W/kossl" 2>"$W/e.log"
ok $? "the gost engine's VKO with the card's public key and the UKM" || cat "$W/e.log" >&2
openssl dgst -engine gost -md_gost12_256 -binary -out "$W/khash" "$W/kcard" 2>/dev/null
is "$(hex <"$W/khash")" "$(hex <"$W/kossl")" \
	"VKO 2012-256: Streebog-256 of the card's point is the gost engine's KEK"

done_testing
