#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The virtual token itself enforces access conditions: a private key cannot be used before
# its PIN is verified, files cannot be written where their security attribute forbids, and
# power-off (SCardReconnect with SCARD_UNPOWER_CARD) drops the login and the security
# environment. Raw APDUs through PC/SC (build/pcsc-probe), on a card OpenSC initialised.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/vtlib.sh"
if [ "${1:-}" != --inside ]; then
	vt_need
	vt_rig --fresh
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

opensc_keys >"$W/log" 2>&1
ok $? "OpenSC initialises the card with an RSA and a GOST key" || cat "$W/log" >&2

H=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
SEL_GOST=00A4080008100010006002000200
MSE_SIGN=002241B603840102
PSO=002A9E9A20${H}00
VERIFY=$VT_VERIFY

"$PROBE" 80400000 $SEL_GOST $MSE_SIGN $PSO $VERIFY $PSO unpower $PSO $SEL_GOST $MSE_SIGN \
	$PSO >"$W/out" 2>&1
ok $? "pcsc-probe ran" || cat "$W/out" >&2
sw() { sed -n "${1}p" "$W/out" | awk '{ print $NF }'; }
is "$(sw 1)" 9000 "RESET ACCESS RIGHTS"
is "$(sw 2)" 9000 "SELECT the GOST private key 3F00/1000/1000/6002/0002"
is "$(sw 3)" 9000 "MSE SET for signing with key 2"
is "$(sw 4)" 6982 "PSO sign without the user PIN: the card refuses (6982)"
is "$(sw 5)" 9000 "VERIFY the user PIN"
is "$(sw 6)" 9000 "PSO sign now works"
len=$(sed -n 6p "$W/out" | awk '{ print length($2) }')
is "$len" 128 "... a 64-byte signature"
is "$(sed -n 7p "$W/out")" unpowered "power the card off and on"
is "$(sw 8)" 6985 "PSO after power-off: the security environment is gone (6985)"
is "$(sw 9)" 9000 "SELECT the key again"
is "$(sw 10)" 9000 "MSE SET again"
is "$(sw 11)" 6982 "PSO: the login is gone too (6982)"
is "$(vt_state verified)" none "the control channel agrees: nobody is verified"

# files: the PrKDF (5000/6002) is readable by all but writable by the user only
"$PROBE" 80400000 00A40800045000600200 00B0000010 00D6000001AA \
	00A4080008100010006001000100 00E40000020001 $VERIFY 00A40800045000600200 \
	00D6000001AA >"$W/out" 2>&1
is "$(sw 2)" 9000 "SELECT the PrKDF 3F00/5000/6002"
is "$(sw 3)" 9000 "READ BINARY without PIN (read: always)"
is "$(sw 4)" 6982 "UPDATE BINARY without PIN is refused (update: user)"
is "$(sw 5)" 9000 "SELECT the public-key RSF 6001/0001"
is "$(sw 6)" 6982 "DELETE the key object without PIN is refused"
is "$(sw 8)" 9000 "SELECT the PrKDF again, user verified"
is "$(sw 9)" 9000 "UPDATE BINARY with the user PIN"

# OpenSC sees the refusal as such: a signature needs C_Login
printf 'x' >"$W/data"
pkcs11-tool --module "$P11" -s -m SHA256-RSA-PKCS --id 11 -i "$W/data" -o "$W/sig" \
	>"$W/log" 2>&1
is $? 1 "pkcs11-tool cannot sign without logging in"

done_testing
