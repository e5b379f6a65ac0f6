#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The Rutoken ECP script against the virtual token, cross-checked with Debian's OpenSC:
# a token our init_token + init_pin made is read by pkcs15-tool, logs in through
# opensc-pkcs11 and takes an OpenSC-generated key; a PIN our set_pin changed works in
# OpenSC and the other way round; a token OpenSC's pkcs15-init made gives sensible
# token_info and accepts our logins; a refused re-initialisation changes nothing.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/vtlib.sh"
if [ "${1:-}" != --inside ]; then
	vt_need "$BUILD/sk-script"
	vt_rig --fresh
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

sk() { timeout 30 "$BUILD/sk-script" --scripts "$TOP/scripts" --family rutoken_ecp \
	--reader "$VTOKEN0_READER" "$@"; }
# field NAME: a NAME=value line of the last sk output
field() { sed -n "s/^$1=//p" "$W/out"; }
p11() { timeout 60 pkcs11-tool --module "$P11" "$@"; }

# --- a factory token, initialised by us ------------------------------------------------
out=$(timeout 30 "$BUILD/sk-script" --scripts "$TOP/scripts" --reader "$VTOKEN0_READER" \
	find_family)
is "$out" rutoken_ecp "find_family picks rutoken_ecp for the virtual token's ATR"

sk token_info >"$W/out"
ok $? "token_info of a factory token"
is "$(field initialized)" false "... not initialised (no PKCS#15 application)"
is "$(field model)" "Rutoken ECP" "... model"
[ -n "$(field serial)" ]; ok $? "... a serial from GET DATA"
serial=$(field serial)

is "$(sk init_token 11111111 Scriptoki)" CKR_PIN_INCORRECT \
	"init_token with a wrong SO PIN is refused (the factory SO PIN is set)"
is "$(sk init_token "$SO_PIN" Scriptoki)" CKR_OK "init_token with the factory SO PIN"
is "$(vt_state init-phase)" 0 "... the initialisation phase is over"
is "$(vt_state verified)" none "... nobody is left logged in"
sk token_info >"$W/out"
is "$(field label)" Scriptoki "token_info: the label from TokenInfo"
is "$(field initialized)" true "... initialised"
is "$(field user_pin_initialized)" false "... no user PIN yet"
is "$(field serial)" "$serial" "... the same serial"

is "$(sk init_pin "$USER_PIN")" CKR_USER_NOT_LOGGED_IN "init_pin without the SO is refused"
is "$(sk login so "$SO_PIN")" CKR_OK "SO login"
is "$(sk init_pin "$USER_PIN")" CKR_OK "init_pin creates the user PIN"
is "$(sk logout)" CKR_OK "logout"
sk token_info >"$W/out"
is "$(field user_pin_initialized)" true "token_info: the user PIN is initialised"
is "$(field min_pin)/$(field max_pin)" 4/32 "... PIN lengths 4..32 from the AODF"
sk pin_info user >"$W/out"
is "$(field tries_left)/$(field max_tries)" 5/5 "pin_info user: 5 of 5 tries"

# --- OpenSC reads what we wrote ------------------------------------------------------------
timeout 60 pkcs15-tool -D >"$W/dump" 2>&1
ok $? "pkcs15-tool -D reads our token"
grep -q "PKCS#15 Card \[Scriptoki\]" "$W/dump"; ok $? "... card label Scriptoki"
grep -q "Serial number  : $serial" "$W/dump"; ok $? "... serial $serial"
grep -q "PIN \[Security Officer PIN\]" "$W/dump"; ok $? "... the SO PIN"
grep -q "PIN \[User PIN\]" "$W/dump"; ok $? "... the user PIN"
grep -A8 "PIN \[User PIN\]" "$W/dump" | grep -q "Reference      : 2"; ok $? "... user PIN reference 2"
p11 --login --pin "$USER_PIN" --list-objects >"$W/p11" 2>&1
ok $? "opensc-pkcs11 logs in with the PIN our init_pin set"
p11 --login --pin 00000000 --list-objects >"$W/p11" 2>&1
[ $? -ne 0 ]; ok $? "... and refuses a wrong one"
sk pin_info user >"$W/out"
is "$(field tries_left)" 4 "pin_info sees OpenSC's wrong try"
pkcs15-init -G rsa/2048 --auth-id 02 --id 11 --key-usage sign,decrypt --pin "$USER_PIN" \
	--label rsakey >"$W/log" 2>&1
ok $? "OpenSC generates an RSA key on our token" || cat "$W/log" >&2

# --- PIN changes both ways -------------------------------------------------------------
is "$(sk logout)" CKR_OK "logout (OpenSC left the user verified)"
is "$(sk set_pin user "$USER_PIN" 11223344)" CKR_OK "set_pin user"
is "$(vt_state verified)" none "... a PIN not verified before is not left verified"
is "$(sk set_pin user "$USER_PIN" 11223344)" CKR_PIN_INCORRECT "set_pin with the old PIN fails"
p11 --login --pin 11223344 --list-objects >"$W/p11" 2>&1
ok $? "opensc-pkcs11 logs in with the PIN our set_pin set"
p11 --login --pin 11223344 --change-pin --new-pin 55667788 >"$W/p11" 2>&1
ok $? "pkcs11-tool --change-pin through OpenSC"
is "$(sk login user 55667788)" CKR_OK "our login takes the PIN OpenSC set"
is "$(vt_state verified)" user "... the card has the user verified"
is "$(sk logout)" CKR_OK "logout"

# --- lock and unblock --------------------------------------------------------------------
for i in 1 2 3 4; do sk login user 00000000 >/dev/null; done
is "$(sk login user 00000000)" CKR_PIN_LOCKED "the fifth wrong PIN locks"
sk pin_info user >"$W/out"
is "$(field tries_left)" 0 "pin_info: no tries left"
is "$(sk login user 55667788)" CKR_PIN_LOCKED "a locked PIN refuses the right value"
is "$(sk login so "$SO_PIN")" CKR_OK "SO login"
is "$(sk init_pin "$USER_PIN")" CKR_OK "init_pin unblocks and sets the user PIN"
sk logout >/dev/null
is "$(sk login user "$USER_PIN")" CKR_OK "the unblocked user PIN works"
sk logout >/dev/null

# --- a refused re-initialisation changes nothing --------------------------------------------
is "$(sk init_token 11111111 Other)" CKR_PIN_INCORRECT "init_token with a wrong SO PIN"
timeout 60 pkcs15-tool -D >"$W/dump" 2>&1
grep -q "PKCS#15 Card \[Scriptoki\]" "$W/dump" && grep -q "Private RSA Key \[rsakey\]" "$W/dump"
ok $? "... the token and its key are still there"

# --- a token OpenSC initialised ------------------------------------------------------------
opensc_init >"$W/log" 2>&1
ok $? "OpenSC erases and initialises the token" || cat "$W/log" >&2
sk token_info >"$W/out"
ok $? "token_info of OpenSC's token"
is "$(field label)" "Rutoken ECP" "... OpenSC's label"
is "$(field initialized)/$(field user_pin_initialized)" true/true "... initialised, user PIN set"
is "$(field min_pin)/$(field max_pin)" 4/32 "... PIN lengths"
sk pin_info user >"$W/out"
is "$(field tries_left)/$(field max_tries)" 5/5 "pin_info user: 5 of 5"
sk pin_info so >"$W/out"
is "$(field tries_left)/$(field max_tries)" 10/10 "pin_info so: 10 of 10"
is "$(sk login user "$USER_PIN")" CKR_OK "our user login on OpenSC's token"
is "$(sk login user 00000000)" CKR_PIN_INCORRECT "... a wrong PIN is incorrect"
is "$(sk login so "$SO_PIN")" CKR_OK "our SO login on OpenSC's token"
is "$(sk init_pin 24682468)" CKR_OK "init_pin on OpenSC's token (the PIN exists: unblock + set)"
sk logout >/dev/null
p11 --login --pin 24682468 --list-objects >"$W/p11" 2>&1
ok $? "opensc-pkcs11 logs in with it"
timeout 60 pkcs15-tool -D >"$W/dump" 2>&1
is "$(grep -c 'PIN \[User PIN\]' "$W/dump")" 1 "... and the AODF still lists the user PIN once"

is "$(sk init_token "$SO_PIN" Again)" CKR_OK "init_token over OpenSC's token with its SO PIN"
timeout 60 pkcs15-tool -D >"$W/dump" 2>&1
grep -q "PKCS#15 Card \[Again\]" "$W/dump"; ok $? "pkcs15-tool reads the re-initialised token"
grep -q "User PIN" "$W/dump"; [ $? -ne 0 ]; ok $? "... which has no user PIN yet"

# --- the trace never shows a PIN --------------------------------------------------------------
hex() { printf '%s' "$1" | od -An -tx1 | tr 'a-f' 'A-F' | sed 's/^ *//; s/ *$//'; }
leak=0
for pin in "$USER_PIN" "$SO_PIN" 11223344 55667788 24682468; do
	grep -qF "$(hex "$pin")" "$VTOKEN0_TRACE" && leak=1
done
is "$leak" 0 "no PIN appears in the token's APDU trace"

done_testing
