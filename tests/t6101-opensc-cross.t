#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6101 — Scriptoki and Debian's unmodified OpenSC on one virtual Rutoken ECP.
#  1. pkcs11-tool with our module initialises the token (--init-token, --init-pin); OpenSC's
#     pkcs15-tool reads it (-D shows both PINs) and verifies the user PIN we set.
#  2. pkcs11-tool with our module: -L, -T, -M, --login, --change-pin; a wrong PIN counts
#     down, the token flags follow (user PIN count low, final user PIN try, user PIN
#     locked), the right PIN is then refused, and the SO unblocks with --init-pin.
#  3. OpenSC's pkcs15-init (rutoken_ecp profile) initialises the token again; our module
#     shows it initialised, logs in with its PIN, refuses a wrong one, changes the PIN, and
#     its SO sets a new user PIN that OpenSC then verifies.
# Like the t51xx tests it re-executes itself inside a rig with a fresh token (under timeout).
#
# pkcs11-tool needs an action to open a session and log in; --list-objects is the lightest.
# Object search may not be implemented yet (C_FindObjectsInit then fails after C_Login), so
# "the login works" means: no C_Login error, and the card answered the VERIFY 90 00.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	exec timeout -k 5 120 "$RIG" --fresh -- "$0"
fi

M=${SCRIPTOKI_MODULE:-$BUILD/scriptoki-pkcs11.so}
SO_PIN=87654321
USER_PIN=12345678
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

p11() { timeout 30 pkcs11-tool --module "$M" --slot-index 0 "$@" >"$W/out" 2>&1; }
show() { sed 's/^/#   /' "$W/out" >&2; }
apdus() { grep -c '^> ' "$VTOKEN0_TRACE"; }
# the token flags pkcs11-tool -T prints for our token
flags() { timeout 30 pkcs11-tool --module "$M" -T 2>/dev/null | sed -n 's/^ *token flags *: //p' | head -1; }
has_flag() { case ", $1," in *", $2,"*) return 0 ;; esac; return 1; }

# login PIN: pkcs11-tool logs in as the user; 0 when C_Login succeeded and the card said
# 90 00 to a VERIFY with data after the mark
login() {
	local mark
	mark=$(apdus)
	p11 --login --pin "$1" --list-objects
	! grep -q 'C_Login failed' "$W/out" || return 1
	awk -v m="$mark" '/^> / { n++; v = (n > m && $3 == "20" && NF > 6) } /^< / { if (v && $NF == "00" && $(NF-1) == "90") found = 1; v = 0 } END { exit !found }' "$VTOKEN0_TRACE"
}
login_error() { p11 --login --pin "$1" --list-objects; sed -n 's/.*C_Login failed: rv = \(CKR_[A-Z_]*\).*/\1/p' "$W/out" | head -1; }

# --- 1. our module initialises, OpenSC reads ---------------------------------------------
p11 --init-token --label "t6101 module" --so-pin $SO_PIN
ok $? "pkcs11-tool --init-token through our module" || show
p11 --init-pin --login --login-type so --so-pin $SO_PIN --new-pin $USER_PIN
ok $? "pkcs11-tool --init-pin (SO login) through our module" || show
timeout 30 pkcs15-tool -D >"$W/out" 2>&1
ok $? "OpenSC's pkcs15-tool -D reads the token" || show
grep -q 'PKCS#15 Card \[t6101 module\]' "$W/out"; ok $? "it shows the label we gave" || show
grep -q '^PIN \[User PIN\]' "$W/out"; ok $? "it shows the user PIN" || show
grep -q '^PIN \[Security Officer PIN\]' "$W/out"; ok $? "and the SO PIN" || show
timeout 30 pkcs15-tool --verify-pin --auth-id 02 --pin $USER_PIN >"$W/out" 2>&1
ok $? "OpenSC verifies the user PIN our module set" || show

# --- 2. pkcs11-tool with our module ---------------------------------------------------------
timeout 30 pkcs11-tool --module "$M" -L >"$W/out" 2>&1
ok $? "pkcs11-tool -L" || show
grep -q "token label *: t6101 module" "$W/out"; ok $? "-L: the label" || show
grep -q "token model *: Rutoken ECP" "$W/out"; ok $? "-L: the model" || show
f=$(flags)
diag "flags: $f"
has_flag "$f" "token initialized" && has_flag "$f" "PIN initialized" && has_flag "$f" "login required"
ok $? "-T: token initialized, PIN initialized, login required"
! has_flag "$f" "user PIN count low"; ok $? "-T: the user PIN's count is full"
p11 -M
ok $? "pkcs11-tool -M" || show
grep -q '^ *RSA-PKCS, .*sign' "$W/out" && grep -q '^ *ECDSA, ' "$W/out" && grep -q '^ *GOSTR3410, ' "$W/out"
ok $? "-M: RSA-PKCS, ECDSA, GOSTR3410" || show

login $USER_PIN; ok $? "--login with the user PIN" || show
is "$(login_error 99999999)" CKR_PIN_INCORRECT "--login with a wrong PIN: CKR_PIN_INCORRECT"
p11 --change-pin --pin $USER_PIN --new-pin 11223344
ok $? "--change-pin" || show
is "$(login_error $USER_PIN)" CKR_PIN_INCORRECT "the old PIN is refused"
login 11223344; ok $? "the new PIN logs in" || show
! has_flag "$(flags)" "user PIN count low"; ok $? "a right PIN refills the count"

# count down
seen_low=0 seen_final=0 locked=0 order=1 tries=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	e=$(login_error 99999999)
	tries=$i
	f=$(flags)
	diag "wrong PIN $i: $e; flags: $f"
	has_flag "$f" "user PIN count low" && seen_low=1
	has_flag "$f" "final user PIN try" && { seen_final=1; ((seen_low)) || order=0; }
	if has_flag "$f" "user PIN locked"; then
		locked=1
		((seen_final)) || order=0
		[ "$e" = CKR_PIN_INCORRECT ] || [ "$e" = CKR_PIN_LOCKED ] || order=0
		break
	fi
	[ "$e" = CKR_PIN_INCORRECT ] || order=0
done
is "$seen_low$seen_final$locked" 111 "-T shows user PIN count low, final user PIN try, user PIN locked"
is "$order" 1 "in that order, each wrong PIN refused with CKR_PIN_INCORRECT ($tries tries)"
is "$(login_error 11223344)" CKR_PIN_LOCKED "the right PIN is refused: CKR_PIN_LOCKED"
p11 --init-pin --login --login-type so --so-pin $SO_PIN --new-pin $USER_PIN
ok $? "the SO unblocks with --init-pin" || show
f=$(flags)
! has_flag "$f" "user PIN locked" && ! has_flag "$f" "user PIN count low" && ! has_flag "$f" "final user PIN try"
ok $? "-T: no user PIN flag left ($f)"
login $USER_PIN; ok $? "the user logs in with the new PIN" || show
timeout 30 pkcs15-tool --verify-pin --auth-id 02 --pin $USER_PIN >"$W/out" 2>&1
ok $? "OpenSC verifies it too" || show

# --- 3. OpenSC initialises, our module logs in ----------------------------------------------
timeout 30 pkcs15-init --erase-card -p rutoken_ecp >"$W/out" 2>&1
ok $? "pkcs15-init --erase-card -p rutoken_ecp" || show
timeout 30 pkcs15-init --create-pkcs15 --so-pin $SO_PIN --so-puk "" >"$W/out" 2>&1
ok $? "pkcs15-init --create-pkcs15" || show
timeout 30 pkcs15-init --store-pin --label "User PIN" --auth-id 02 --pin 24682468 --puk "" \
	--so-pin $SO_PIN --finalize >"$W/out" 2>&1
ok $? "pkcs15-init --store-pin --finalize" || show
f=$(flags)
has_flag "$f" "token initialized" && has_flag "$f" "PIN initialized"
ok $? "our module: token initialized, PIN initialized ($f)"
is "$(login_error 99999999)" CKR_PIN_INCORRECT "our module refuses a wrong PIN"
login 24682468; ok $? "our module logs in with the PIN OpenSC stored" || show
p11 --change-pin --pin 24682468 --new-pin 13571357
ok $? "our module changes it" || show
timeout 30 pkcs15-tool --verify-pin --auth-id 02 --pin 13571357 >"$W/out" 2>&1
ok $? "OpenSC verifies the changed PIN" || show
p11 --init-pin --login --login-type so --so-pin $SO_PIN --new-pin $USER_PIN
ok $? "our module's SO sets a new user PIN on OpenSC's token" || show
timeout 30 pkcs15-tool --verify-pin --auth-id 02 --pin $USER_PIN >"$W/out" 2>&1
ok $? "OpenSC verifies it" || show
done_testing
