#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The virtual token's DES3 secret keys (tests/vtoken/README.md, "Secret keys", an
# extension next to AES): three-key TDEA RSFs (kind 0D, 24 bytes) in 6003, imported with
# CHANGE REFERENCE DATA or generated with GENERATE 46 83 (odd parity), MSE B8 with mode ECB
# or CBC + PSO ENCIPHER / DECIPHER (chained), through raw APDUs (build/pcsc-probe). Known
# answers from NIST SP 800-67 (the TDEA example) and NIST SP 800-20 (the variable
# plaintext and variable key known answer tests); random keys and data against
# `openssl enc -des-ede3` / `-des-ede3-cbc` in another process; the check value a host
# computes (the first 3 bytes of E(0), PKCS #11 3.0 CKA_CHECK_VALUE); and the refusals:
# key lengths, data and IV lengths, an unknown or unwritten key, CTR and the MAC.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/vtlib.sh"
if [ "${1:-}" != --inside ]; then
	vt_need
	vt_rig --fresh
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
VERIFY=$VT_VERIFY
create() { vt_sk_create "$1" 0D "$2"; } # REF SIZE: a DES3 (kind 0D) secret-key RSF
write() { vt_sk_write "$1"; }
lc() { vt_lc "$1"; }
mse() { printf '002241B80683010%s80010%s\n' "$1" "$2"; }        # KEY(1 digit) MODE
enc() { echo "002A8680$(lc "$1")${1}00"; }
dec() { echo "002A8086$(lc "$1")${1}00"; }
resp() { sed -n "${1}p" "$W/out" | awk '{ print tolower($2) }'; }
sw() { sed -n "${1}p" "$W/out" | awk '{ print $NF }'; }
ossl() { # CIPHER KEY [IV]: openssl enc -nopad of stdin (hex) to hex, in another process
	xxd -r -p | openssl enc "-$1" -nopad -K "$2" ${3:+-iv "$3"} | hex
}

# NIST SP 800-67 (Rev. 1, appendix B; the TDEA example also in Rev. 2's predecessors):
# Key1 = 0123456789ABCDEF, Key2 = 23456789ABCDEF01, Key3 = 456789ABCDEF0123, the plain
# text "The qufck brown fox jump" (sic), the ciphertext below.
K67=0123456789abcdef23456789abcdef01456789abcdef0123
P67=$(printf 'The qufck brown fox jump' | hex)
C67=a826fd8ce53b855fcce21c8112256fe668d5c05dd9b6b900
# the same key with every parity bit flipped (each byte even): DES ignores those bits
K67E=$(for ((i = 0; i < 48; i += 2)); do printf '%02x' $((0x${K67:$i:2} ^ 1)); done)
# NIST SP 800-20, TDEA in ECB mode (TECB) with KEY1 = KEY2 = KEY3:
# table A.1, variable plaintext KAT, rounds 1 and 2 (key 01..01): 8000.. -> 95F8A5E5DD31D900,
# 4000.. -> DD7F121CA5015619; table A.2, variable key KAT, round 1 (key 8001010101010101):
# P = 0 -> 95A8D72813DAA94D (and so the check value 95A8D7).
K20P=$(printf '01%.0s' $(seq 24))
P20="80000000000000004000000000000000"
C20=95f8a5e5dd31d900dd7f121ca5015619
K20K=800101010101010180010101010101018001010101010101
Z8=0000000000000000
C20K=95a8d72813daa94d
# random keys and data for OpenSSL
KR=$(head -c 24 /dev/urandom | hex)
IVR=$(head -c 8 /dev/urandom | hex)
RE=$(head -c 40 /dev/urandom | hex)      # ECB: 5 blocks
RC=$(head -c 48 /dev/urandom | hex)      # CBC: 6 blocks
BIG=$(head -c 600 /dev/urandom | hex)    # a chained CBC encryption: IV || 600 bytes
BIGD=$IVR$BIG

steps=("$VERIFY")                                                         # 1
steps+=("$(create 01 0018)" "$(write $K67)" "$(mse 1 1)")                 # 2-4
steps+=("$(enc $P67)" "$(dec $C67)")                                      # 5 6
steps+=("$(create 02 0018)" "$(write $K67E)" "$(mse 2 1)" "$(enc $P67)")  # 7-10
steps+=("$(create 03 0018)" "$(write $K20P)" "$(mse 3 1)" "$(enc $P20)")  # 11-14
steps+=("$(create 04 0018)" "$(write $K20K)" "$(mse 4 1)" "$(enc $Z8)")   # 15-18
steps+=("$(create 05 0018)" "$(write $KR)" "$(mse 5 1)" "$(enc $RE)")     # 19-22
steps+=("$(mse 5 2)" "$(enc $IVR$RC)")                                    # 23 24
CR=$(echo "$RC" | ossl des-ede3-cbc $KR $IVR)
steps+=("$(dec $IVR$CR)")                                                 # 25
steps+=("102A8680FF${BIGD:0:510}" "102A8680FF${BIGD:510:510}"
	"002A8680$(printf %02X $((608 - 510)))${BIGD:1020}00" 00C0000000
	00C0000000)                                                       # 26-30
# the CBC chaining of two commands: the second's IV is the first's last ciphertext block
steps+=("$(enc $IVR${RC:0:48})")                                          # 31
"$PROBE" "${steps[@]}" >"$W/out" 2>&1
ok $? "pcsc-probe ran" || cat "$W/out" >&2
# the second half of the chained CBC, with the IV the first half ended on
C31=$(resp 31)
"$PROBE" "$VERIFY" "$(mse 5 2)" "$(enc ${C31:32:16}${RC:48})" >"$W/out2" 2>&1
sws=$(awk '{ printf "%s ", $NF }' "$W/out")
want="$(printf '9000 %.0s' $(seq 27))6100 6158 9000 9000"
is "${sws% }" "$want" "every step succeeds (the 600-byte answer in parts: 61 00, 61 58)" ||
	cat "$W/out" >&2

is "$(resp 5)" "$C67" "ECB: the NIST SP 800-67 TDEA example (3 blocks)"
is "$(resp 6)" "$P67" "... and PSO DECIPHER gives its plain text back"
is "$(resp 10)" "$C67" "a key imported with even parity: the same answer (parity ignored)"
is "$(resp 14)" "$C20" "SP 800-20 table A.1 (variable plaintext KAT), rounds 1 and 2"
is "$(resp 18)" "$C20K" "SP 800-20 table A.2 (variable key KAT), round 1: E(0)"
is "$(resp 18 | cut -c1-6)" 95a8d7 "... whose first 3 bytes are the key's check value"

is "$(echo $P67 | ossl des-ede3 $K67)" "$C67" "openssl enc -des-ede3 agrees on the SP 800-67 example"
is "$(echo $P20 | ossl des-ede3 $K20P)$(echo $Z8 | ossl des-ede3 $K20K)" "$C20$C20K" \
	"... and on the SP 800-20 answers"
is "$(resp 22)" "$(echo "$RE" | ossl des-ede3 $KR)" \
	"ECB of 5 random blocks under a random key = openssl enc -des-ede3"
is "$(resp 24)" "$CR" "CBC of 6 random blocks = openssl enc -des-ede3-cbc"
is "$(resp 25)" "$RC" "... and PSO DECIPHER of openssl's ciphertext gives the data back"
is "$(resp 28)$(resp 29)$(resp 30)" "$(echo "$BIG" | ossl des-ede3-cbc $KR $IVR)" \
	"a chained 600-byte CBC encryption (10 2A ... , GET RESPONSE) = openssl's"
is "$(sed -n 3p "$W/out2" | awk '{ print $NF }')" 9000 "the second half of a CBC in two commands"
is "$C31$(sed -n 3p "$W/out2" | awk '{ print tolower($2) }')" "$CR" \
	"... chained on the first's last ciphertext block: openssl's CBC of the whole"

grep -Eqi "^file 4 0*1 10 24 1 0d0000aa0000 [0-9a-f]+ $K67\$" "$VTOKEN0_STATE"
ok $? "the imported key is in the state file (6003/0001, kind 0D, written, its value)" ||
	grep '^file 4' "$VTOKEN0_STATE" | cut -c1-60 >&2
grep -Eqi "^file 4 0*2 10 24 1 0d0000aa0000 [0-9a-f]+ $K67E\$" "$VTOKEN0_STATE"
ok $? "... the even-parity one as it was imported (parity not corrected)"

# generation on the card: the value (read from the state file, which only the test can
# see) has odd parity in each byte and is the key the card computes with
"$PROBE" "$VERIFY" "$(create 06 0018)" 0046830600 "$(mse 6 1)" "$(enc $Z8$P67)" \
	"$(create 07 0018)" 0046830700 >"$W/out" 2>&1
is "$(sw 2) $(sw 3) $(sw 4) $(sw 5) $(sw 6) $(sw 7)" "9000 9000 9000 9000 9000 9000" \
	"CREATE, GENERATE 46 83, MSE, PSO ENCIPHER with a generated key" || cat "$W/out" >&2
KG=$(grep -Ei '^file 4 0*6 10 24 1 0d0000aa0000 ' "$VTOKEN0_STATE" | awk '{ print $NF }')
KG7=$(grep -Ei '^file 4 0*7 10 24 1 0d0000aa0000 ' "$VTOKEN0_STATE" | awk '{ print $NF }')
is "${#KG}" 48 "the generated key: 24 bytes, written (6003/0006)"
odd=1
for k in $KG $KG7; do
	for ((i = 0; i < 48; i += 2)); do
		v=$((0x${k:$i:2})) n=0
		while ((v)); do n=$((n + (v & 1))); v=$((v >> 1)); done
		((n % 2 == 1)) || odd=0
	done
done
ok $((odd == 1 ? 0 : 1)) "... every byte of both generated keys has odd parity (FIPS 46-3)"
[ -n "$KG" ] && [ "$KG" != "$KG7" ] && [ "${KG:0:16}" != "${KG:16:16}" ] &&
	[ "${KG:16:16}" != "${KG:32:16}" ]
ok $? "... two generations differ, and K1, K2, K3 of one differ"
is "$(resp 5)" "$(echo $Z8$P67 | ossl des-ede3 "$KG")" \
	"... its ECB (E(0) for the check value, and the SP 800-67 text) = openssl's with that key"

# refusals
"$PROBE" "$VERIFY" "$(create 09 0010)" "$(create 09 0020)" "$(create 09 0019)" \
	"$(mse 1 1)" "$(enc 0011223344556677aabbcc)" "$(mse 1 2)" "$(enc 00112233${P67})" \
	"$(enc 0011223344556677)" "$(mse 1 3)" "$(enc $IVR$P67)" \
	002241B403830101 "002A9080$(lc $P67)${P67}00" \
	"$(mse 8 1)" "$(enc $P67)" \
	"$(create 0A 0018)" "$(mse A 1)" "$(enc $P67)" \
	"$(create 0B 0018)" "$(write 0123456789abcdef0123456789abcdef)" >"$W/out" 2>&1
got=$(for i in $(seq 2 20); do printf '%s ' "$(sw $i)"; done)
is "${got% }" "6A80 6A80 6A80 9000 6700 9000 6700 6700 9000 6A81 9000 6A81 9000 6A88 9000 9000 6984 9000 6A80" \
	"refused: DES3 keys of 16, 32 and 25 bytes (6A80); ECB of 11 bytes (6700); CBC with a 4-byte IV, or an IV alone (6700); CTR and the MAC with a DES3 key (6A81); an unknown key (6A88); a key never written (6984); a 16-byte value for a 24-byte key (6A80)" ||
	cat "$W/out" >&2

done_testing
