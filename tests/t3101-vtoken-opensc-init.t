#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Debian's unmodified OpenSC initialises the virtual Rutoken ECP with the rutoken_ecp
# profile: the card is named by its ATR, erase / create-pkcs15 / store-pin --finalize /
# -G rsa/2048 / -G gost2001 succeed, pkcs15-tool reads the result back, and the APDU
# trace shows the commands with every PIN masked.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/vtlib.sh"
if [ "${1:-}" != --inside ]; then
	vt_need
	vt_rig --fresh
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

out=$(opensc-tool -n 2>/dev/null | tail -1)
is "$out" "Rutoken ECP" "opensc-tool -n names the card"
out=$(opensc-tool -a 2>&1 | tail -1)
is "$out" "3b:8b:01:52:75:74:6f:6b:65:6e:20:45:43:50:a0" "the ATR of a Rutoken ECP"

pkcs15-init --erase-card -p rutoken_ecp >"$W/log" 2>&1
ok $? "pkcs15-init --erase-card -p rutoken_ecp" || cat "$W/log" >&2
is "$(vt_state init-phase)" 1 "the card is in its initialisation phase"
pkcs15-init --create-pkcs15 --so-pin "$SO_PIN" --so-puk "" >"$W/log" 2>&1
ok $? "pkcs15-init --create-pkcs15" || cat "$W/log" >&2
pkcs15-init --store-pin --label "User PIN" --auth-id 02 --pin "$USER_PIN" --puk "" \
	--so-pin "$SO_PIN" --finalize >"$W/log" 2>&1
ok $? "pkcs15-init --store-pin --finalize" || cat "$W/log" >&2
is "$(vt_state init-phase)" 0 "finalize ended the initialisation phase"
pkcs15-init -G rsa/2048 --auth-id 02 --id 11 --key-usage sign,decrypt --pin "$USER_PIN" \
	--label rsakey >"$W/log" 2>&1
ok $? "pkcs15-init -G rsa/2048" || cat "$W/log" >&2
pkcs15-init -G gost2001 --auth-id 02 --id 22 --pin "$USER_PIN" --label gostkey >"$W/log" 2>&1
ok $? "pkcs15-init -G gost2001" || cat "$W/log" >&2

pkcs15-tool -D >"$W/dump" 2>&1
ok $? "pkcs15-tool -D"
grep -q "PKCS#15 Card \[Rutoken ECP\]" "$W/dump"; ok $? "... a PKCS#15 card named Rutoken ECP"
grep -q "Private RSA Key \[rsakey\]" "$W/dump"; ok $? "... with the RSA private key"
grep -q "Path *: 3f001000100060020001" "$W/dump"; ok $? "... filed in 3F00/1000/1000/6002/0001"
grep -q "ModLength *: 2048" "$W/dump"; ok $? "... of 2048 bits"
grep -q "Private GOSTR3410 Key \[gostkey\]" "$W/dump"; ok $? "... and the GOST private key"
grep -q "Path *: 3f001000100060020002" "$W/dump"; ok $? "... in 6002/0002"
serial=$("$PROBE" 00CA018100 | awk '{ print tolower($2) }')
grep -qi "Serial number *: $serial" "$W/dump"; ok $? "TokenInfo carries the card's serial ($serial)"

pkcs15-tool --read-public-key 11 >"$W/rsa.pem" 2>/dev/null
out=$(openssl pkey -pubin -in "$W/rsa.pem" -noout -text 2>/dev/null | head -1)
is "$out" "Public-Key: (2048 bit)" "the RSA public key reads back as 2048 bits"
pkcs15-tool --read-public-key 22 >"$W/gost.pem" 2>/dev/null
grep -q "BEGIN PUBLIC KEY" "$W/gost.pem"; ok $? "the GOST public key reads back"

opensc-tool -f >"$W/files" 2>&1
ok $? "opensc-tool -f lists the file system (listing SELECTs)"
grep -q "^ *3f005000 type: DF" "$W/files"; ok $? "... including the PKCS#15 application 5000"

# the trace: every PIN command is there, no PIN value is
T=$VTOKEN0_TRACE
grep -q "^> 00 20 00 02 08 \*\* \*\* \*\* \*\* \*\* \*\* \*\* \*\*$" "$T"
ok $? "trace: VERIFY user with the PIN masked"
grep -q "^> 00 24 01 01 0E \*\*" "$T"; ok $? "trace: the SO PIN set through 24 01 01, masked"
pins_hex="31 32 33 34 35 36 37 38|38 37 36 35 34 33 32 31"
grep -Eq "$pins_hex" "$T"; is $? 1 "trace: neither PIN value appears"
grep -q "^> 00 46 80 01 00$" "$T"; ok $? "trace: GENERATE KEY 46 80 01"
grep -q "^# power on" "$T"; ok $? "trace: power events are recorded"
n=$(grep -c '^>' "$T")
is "$n" "$(vt_state count)" "trace has one '>' line per APDU the control channel counted"

done_testing
