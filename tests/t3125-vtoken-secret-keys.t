#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The virtual token's secret keys (tests/vtoken/README.md, "Secret keys", an extension):
# key RSFs in 6003 written with CHANGE REFERENCE DATA or generated with GENERATE 46 83,
# MSE B8 with a mode + PSO ENCIPHER / DECIPHER (chained), MSE B4 + the MAC command, through
# raw APDUs (build/pcsc-probe). Known answers from GOST R 34.12-2015 (A.1 Kuznyechik, A.2
# Magma = GOST 28147-89 with the TC26-Z S-boxes) and GOST R 34.13-2015 (A.1.6 OMAC), and
# every result also computed in another process by an independent implementation: the
# OpenSSL gost engine (GOST 28147-89 ECB and MAC), its gostprov provider (Kuznyechik) and
# OpenSSL (AES).
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
create() { vt_sk_create "$@"; }         # REF KIND SIZE
write() { vt_sk_write "$1"; }
lc() { vt_lc "$1"; }
resp() { sed -n "${1}p" "$W/out" | awk '{ print tolower($2) }'; }
sw() { sed -n "${1}p" "$W/out" | awk '{ print $NF }'; }

# GOST R 34.12-2015 A.2 (Magma): K = ffeeddcc...fcfdfeff, P = fedcba9876543210,
# C = 4ee901e5c2d8ca3d. The card's GOST 28147-89 uses the gost engine's byte order
# (32-bit little-endian words): the key is each 4-byte word reversed, blocks reversed.
K89=ccddeeff8899aabb4455667700112233f3f2f1f0f7f6f5f4fbfaf9f8fffefdfc
P89=1032547698badcfe
C89=3dcad8c2e501e94e
# GOST R 34.12-2015 A.1 (Kuznyechik) and GOST R 34.13-2015 A.1.6 (OMAC, its 64-bit MAC)
KK=8899aabbccddeeff0011223344556677fedcba98765432100123456789abcdef
PK=1122334455667700ffeeddccbbaa9988
CK=7f679d90bebc24305a468d42b9d4edcd
MK=1122334455667700ffeeddccbbaa998800112233445566778899aabbcceeff0a112233445566778899aabbcceeff0a002233445566778899aabbcceeff0a0011
OMACK=336f4d296059fbe3
KA=$(head -c 16 /dev/urandom | hex)
IVA=$(head -c 16 /dev/urandom | hex)
R89=$(head -c 40 /dev/urandom | hex)     # 5 blocks for ECB
RM=$(head -c 77 /dev/urandom | hex)      # a MAC over a partial last block
RA=$(head -c 48 /dev/urandom | hex)
# 600 bytes for a chained ECB encryption (two parts: 10 2A ..., 00 2A ...)
BIG=$(head -c 600 /dev/urandom | hex)

steps=("$VERIFY")
steps+=("$(create 01 0A 0020)" "$(write $K89)")                          # 2 3
steps+=(002241B806830101800101 "002A8680$(lc $P89)${P89}00")              # 4 5
steps+=("002A8086$(lc $C89)${C89}00" "002A8680$(lc $R89)${R89}00")       # 6 7
steps+=(002241B403830101 "002A9080$(lc $RM)${RM}00")                      # 8 9
steps+=("$(create 02 0B 0020)" "$(write $KK)")                            # 10 11
steps+=(002241B806830102800101 "002A8680$(lc $PK)${PK}00")               # 12 13
steps+=(002241B403830102 "002A9080$(lc $MK)${MK}00")                      # 14 15
steps+=("$(create 03 0C 0010)" "$(write $KA)")                            # 16 17
steps+=(002241B806830103800102 "002A8680$(lc $IVA$RA)${IVA}${RA}00")     # 18 19
steps+=(002241B806830101800101 "102A8680FF${BIG:0:510}" "102A8680FF${BIG:510:510}"
	"002A8680$(printf %02X $((600 - 510)))${BIG:1020}00" 00C0000000
	00C0000000)                                                       # 20-25
steps+=("$(create 04 0A 0020)" 0046830400 002241B806830104800101          # 26-28
	"002A8680$(lc $P89)${P89}00")                                     # 29
steps+=(80400000 002241B806830101800101 "002A8680$(lc $P89)${P89}00")    # 30-32
steps+=(002241B803830101 "002A8680$(lc $P89)${P89}00")                    # 33 34 (no mode)
steps+=("$VERIFY" 00B00000 002241B806830101800102 "002A868008${P89}00")   # 35-38
"$PROBE" "${steps[@]}" >"$W/out" 2>&1
ok $? "pcsc-probe ran" || cat "$W/out" >&2
sws=$(awk '{ printf "%s ", $NF }' "$W/out")
want="$(printf '9000 %.0s' $(seq 22))6100 6158 $(printf '9000 %.0s' $(seq 7))6982 9000 6985 9000 6982 9000 6700"
is "${sws% }" "$want" "every step succeeds; without the PIN 6982; encipher without a mode 6985; no READ BINARY of a key (6982); CBC without IV + block 6700" ||
	cat "$W/out" >&2

is "$(resp 5)" "$C89" "GOST 28147-89 ECB: the GOST R 34.12-2015 A.2 (Magma) example"
is "$(resp 6)" "$P89" "... and PSO DECIPHER gives the plaintext back"
is "$(resp 13)" "$CK" "Kuznyechik ECB: the GOST R 34.12-2015 A.1 example"
is "$(resp 15 | cut -c1-16)" "$OMACK" "Kuznyechik OMAC: the GOST R 34.13-2015 A.1.6 example"
is "$(resp 15 | awk '{ print length }')" 32 "... a whole block (16 bytes) answered"

# the same through the gost engine and OpenSSL, each in its own process
eng_ecb() { # KEY BLOCKS: ECB as the first CFB block for IV = X over zeros (t4019's way)
	local k=$1 d=$2 i out=
	for ((i = 0; i < ${#d}; i += 16)); do
		out+=$(head -c 8 /dev/zero | CRYPT_PARAMS=id-tc26-gost-28147-param-Z openssl enc \
			-engine gost -gost89 -K "$k" -iv "${d:$i:16}" 2>/dev/null | hex)
	done
	echo "$out"
}
is "$(eng_ecb $K89 $P89)" "$C89" "the gost engine agrees on the A.2 example (byte order)"
is "$(resp 7)" "$(eng_ecb $K89 $R89)" "GOST 28147-89 ECB of 5 random blocks = the gost engine's"
engmac=$(echo "$RM" | xxd -r -p | openssl dgst -engine gost -mac gost-mac-12 \
	-macopt hexkey:$K89 2>/dev/null | awk '{ print $NF }')
is "$(resp 9)" "$engmac" "GOST 28147-89 MAC (77 bytes) = the gost engine's gost-mac-12"
is "$(resp 19)" "$(echo "$RA" | xxd -r -p | openssl enc -aes-128-cbc -nopad -K $KA -iv $IVA | hex)" \
	"AES-128 CBC (3 blocks) = OpenSSL's"
is "$(echo "$MK" | xxd -r -p | openssl enc -provider default -provider gostprov \
	-kuznyechik-ecb -nopad -K $KK 2>/dev/null | hex | cut -c1-32)" "$CK" \
	"gostprov's Kuznyechik agrees on the A.1 example"
is "$(resp 23)$(resp 24)$(resp 25)" "$(eng_ecb $K89 $BIG)" \
	"a chained 600-byte ECB encryption (61 00, GET RESPONSE) = the gost engine's"
is "$(resp 29 | awk '{ print length }')" 16 "a generated key (GENERATE 46 83) encrypts"
[ "$(resp 29)" != "$C89" ]
ok $? "... with a key of its own"
grep -Eqi "^file 4 0*1 10 32 1 0a0000aa0000 [0-9a-f]+ $K89\$" "$VTOKEN0_STATE"
ok $? "the imported key is in the state file (6003/0001, written, its value)" ||
	grep '^file 4' "$VTOKEN0_STATE" | cut -c1-60 >&2
grep -Eqi "^file 4 0*4 10 32 1 0a0000aa0000 [0-9a-f]+ [0-9a-f]{64}\$" "$VTOKEN0_STATE"
ok $? "... and the generated one (6003/0004)"

# kinds and lengths that are refused
"$PROBE" "$VERIFY" "$(create 09 0A 0010)" "$(create 09 0C 0011)" "$(create 09 1A 0020)" \
	0046830900 002241B406830101800101 >"$W/out" 2>&1
is "$(sw 2) $(sw 3) $(sw 4) $(sw 5) $(sw 6)" "6A80 6A80 6A80 6A82 6A80" \
	"a 16-byte GOST key, a 17-byte AES key, a 'public' secret kind, GENERATE of nothing, a MAC with a mode: refused"

done_testing
