#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The virtual token's extensions (tests/vtoken/README.md, "Extensions"): GOST R 34.10-2012
# 256- and 512-bit keys and ECDSA P-256, generated on the card and used through raw APDUs
# (build/pcsc-probe); every signature is checked in a separate process by an independent
# implementation: the OpenSSL gost engine for GOST, OpenSSL's ECDSA for P-256.
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
# create_pair REF PROP0 PARAM PRIVSIZE PUBSIZE (hex): the two CREATE FILE APDUs
create_pair() {
	echo "00E0000027 6F25 8002$4 82021000 830200$1 8506$2$3 00AA0000 $SEC_PRIV" | tr -d ' '
	echo "00E0000027 6F25 8002$5 82021000 830200$1 8506$(printf %02X $((0x$2 | 0x10)))$3 00AA0000 $SEC_PUB" |
		tr -d ' '
}

# reference public keys from OpenSSL, whose key bytes are swapped for the card's
openssl genpkey -engine gost -algorithm gost2012_256 -pkeyopt paramset:TCA 2>/dev/null |
	openssl pkey -engine gost -pubout -outform DER -out "$W/ref256.der" 2>/dev/null
openssl genpkey -engine gost -algorithm gost2012_512 -pkeyopt paramset:A 2>/dev/null |
	openssl pkey -engine gost -pubout -outform DER -out "$W/ref512.der" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
	openssl pkey -pubout -outform DER -out "$W/refec.der" 2>/dev/null
[ -s "$W/ref256.der" ] && [ -s "$W/ref512.der" ] && [ -s "$W/refec.der" ]
ok $? "reference public keys from OpenSSL"

/usr/bin/python3 - "$W" <<'PY'
import os, sys
w = sys.argv[1]
for name, n in (("h32", 32), ("h64", 64)):
    open(os.path.join(w, name), "wb").write(os.urandom(n))
PY
H32=$(hex <"$W/h32")
H64=$(hex <"$W/h64")

steps=("$VERIFY")
steps+=($(create_pair 05 04 50 0020 0040)) # GOST 2012-256, tc26 paramSetA
steps+=(0046800500 002241B603840105 "002A9E9A20${H32}00")
steps+=($(create_pair 06 05 20 0040 0080)) # GOST 2012-512, tc26 paramSetA
steps+=(0046800600 002241B603840106 "002A9E9A40${H64}00")
steps+=($(create_pair 07 07 01 0020 0040)) # ECDSA P-256
steps+=(0046800700 002241B603840107 "002A9E9A20${H32}00")
steps+=(80400000 002241B603840105 "002A9E9A20${H32}00")
"$PROBE" "${steps[@]}" >"$W/out" 2>&1
ok $? "pcsc-probe ran" || cat "$W/out" >&2
resp() { sed -n "${1}p" "$W/out" | awk '{ print $2 }'; }
sws=$(awk '{ printf "%s ", $NF }' "$W/out")
want=$(printf '9000 %.0s' $(seq 18))6982
is "${sws% }" "$want" "every step succeeds, and without the PIN the card refuses (6982)"
is "$(resp 4 | awk '{ print length }')" 128 "GOST 2012-256 GENERATE answers x || y (64 bytes)"
is "$(resp 9 | awk '{ print length }')" 256 "GOST 2012-512 GENERATE answers x || y (128 bytes)"
is "$(resp 14 | awk '{ print length }')" 128 "ECDSA GENERATE answers x || y (64 bytes)"

# card answers → DER public keys and signatures in the layouts OpenSSL expects
/usr/bin/python3 - "$W" "$(resp 4)" "$(resp 6)" "$(resp 9)" "$(resp 11)" "$(resp 14)" \
	"$(resp 16)" <<'PY'
import os, sys
w, pub256, sig256, pub512, sig512, pubec, sigec = sys.argv[1:]
def put(name, data):
    open(os.path.join(w, name), "wb").write(data)
def spki(ref, key):
    der = open(os.path.join(w, ref), "rb").read()
    return der[:-len(key)] + key
# GOST: the public key bytes go in as the card gave them (LE x || y); the card's r || s
# (each LE) reversed as a whole is s || r big-endian, the layout of RFC 4491 and PKCS#11
put("pub256.der", spki("ref256.der", bytes.fromhex(pub256)))
put("sig256", bytes.fromhex(sig256)[::-1])
put("pub512.der", spki("ref512.der", bytes.fromhex(pub512)))
put("sig512", bytes.fromhex(sig512)[::-1])
# ECDSA: big-endian x || y after the 04 of the reference; r || s → ECDSA-Sig-Value
put("pubec.der", spki("refec.der", bytes.fromhex(pubec)))
def integer(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b
raw = bytes.fromhex(sigec)
body = integer(raw[:32]) + integer(raw[32:])
put("sigec.der", b"\x30" + bytes([len(body)]) + body)
PY
gv() { # KEY HASHFILE SIGFILE: verify with the gost engine in its own process
	openssl pkeyutl -engine gost -verify -pubin -keyform DER -inkey "$W/$1" -in "$W/$2" \
		-sigfile "$W/$3" >"$W/v.log" 2>&1
}
gv pub256.der h32 sig256; ok $? "the gost engine verifies the GOST R 34.10-2012-256 signature" ||
	cat "$W/v.log" >&2
gv pub512.der h64 sig512; ok $? "the gost engine verifies the GOST R 34.10-2012-512 signature" ||
	cat "$W/v.log" >&2
openssl pkeyutl -verify -pubin -keyform DER -inkey "$W/pubec.der" -in "$W/h32" \
	-sigfile "$W/sigec.der" >"$W/v.log" 2>&1
ok $? "OpenSSL verifies the ECDSA P-256 signature" || cat "$W/v.log" >&2
head -c 32 /dev/urandom >"$W/other"
gv pub256.der other sig256; is $? 1 "... the GOST signature does not fit another hash"
openssl pkeyutl -verify -pubin -keyform DER -inkey "$W/pubec.der" -in "$W/other" \
	-sigfile "$W/sigec.der" >/dev/null 2>&1
is $? 1 "... nor does the ECDSA one"

# RSA-4096 (beyond OpenSC 0.23): GENERATE in the 0.25+ form with an A6 template, a
# 512-byte answer in two parts (61 00, GET RESPONSE), and a chained 512-byte PSO
M=$(/usr/bin/python3 -c 'import os; print((b"\x01" + os.urandom(510) + b"\x00").hex())')
"$PROBE" "$VERIFY" $(create_pair 0A 23 00 0508 0300) 0046800A08A60694040100010000 00C0000000 \
	002241B60384010A "102A9E9AFF${M:0:510}" "102A9E9AFF${M:510:510}" "002A9E9A02${M:1020:4}00" \
	00C0000000 >"$W/out" 2>&1
sws=$(awk '{ printf "%s ", $NF }' "$W/out")
is "${sws% }" "9000 9000 9000 6100 9000 9000 9000 9000 6100 9000" \
	"RSA-4096: create, GENERATE (A6 form) 61 00, GET RESPONSE, MSE, chained PSO 61 00, GET RESPONSE"
/usr/bin/python3 - "$(resp 4)$(resp 5)" "$(resp 9)$(resp 10)" "$M" <<'PY'
import sys
n = int.from_bytes(bytes.fromhex(sys.argv[1]), "little")
s = int.from_bytes(bytes.fromhex(sys.argv[2]), "little")
m = int.from_bytes(bytes.fromhex(sys.argv[3]), "little")
sys.exit(0 if n.bit_length() == 4096 and pow(s, 65537, n) == m else 1)
PY
ok $? "the 4096-bit modulus and signature (little-endian) check out: s^65537 mod n = m"

# bad kinds are refused
"$PROBE" "$VERIFY" $(create_pair 08 05 77 0040 0080) $(create_pair 09 04 50 0040 0040) \
	>"$W/out" 2>&1
is "$(sed -n 2p "$W/out" | awk '{ print $NF }')" 6A80 "an unknown parameter set -> 6A80"
is "$(sed -n 4p "$W/out" | awk '{ print $NF }')" 6A80 "a private RSF of the wrong size -> 6A80"

done_testing
