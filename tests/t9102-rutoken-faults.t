#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# All or nothing, with the virtual token failing each APDU in turn (vtoken-ctl fail-at N
# 6F00: the Nth APDU is answered 6F 00 without being executed):
#   set_pin   — every failure leaves the old PIN working and the new one refused;
#   init_pin  — every failure leaves CKF_USER_PIN_INITIALIZED unset (the AODF unchanged),
#               and a second init_pin then succeeds;
#   init_token — a failure before the erase leaves the token as it was (PKCS#15 intact);
#               one after it is CKR_GENERAL_ERROR, and a second init_token succeeds.
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
field() { sk token_info | sed -n "s/^$1=//p"; }
count() { vt_ctl count | sed 's/^ok //'; }

# APDUs one clean call sends
apdus() {
	local before after
	before=$(count)
	sk "$@" >/dev/null
	after=$(count)
	echo $((after - before))
}

fresh() {       # an initialised token without a user PIN; nobody logged in
	[ "$(sk init_token "$SO_PIN" Faults)" = CKR_OK ] || return 1
}

# --- set_pin ---------------------------------------------------------------------------
fresh && sk login so "$SO_PIN" >/dev/null && sk init_pin "$USER_PIN" >/dev/null &&
	sk logout >/dev/null
ok $? "a token with a user PIN"
n=$(apdus set_pin user "$USER_PIN" 11223344)
sk set_pin user 11223344 "$USER_PIN" >/dev/null
bad=0
for i in $(seq 1 "$n"); do
	vt_ctl fail-at "$i" 6F00 >/dev/null
	rv=$(sk set_pin user "$USER_PIN" 11223344)
	vt_ctl fail-at 1000000 6F00 >/dev/null  # disarm if the call sent fewer APDUs
	if [ "$rv" = CKR_OK ]; then
		# only the pre-check or the final logout may fail harmlessly: the PIN changed
		[ "$(sk login user 11223344)" = CKR_OK ] || { diag "set_pin fault $i: OK but new PIN refused"; bad=1; }
		sk logout >/dev/null
		sk set_pin user 11223344 "$USER_PIN" >/dev/null
	else
		[ "$(sk login user "$USER_PIN")" = CKR_OK ] || { diag "set_pin fault $i ($rv): old PIN lost"; bad=1; }
		sk logout >/dev/null
	fi
done
is "$bad" 0 "set_pin: each of its $n APDUs failing leaves a consistent PIN"

# --- init_pin ---------------------------------------------------------------------------
fresh && sk login so "$SO_PIN" >/dev/null
n=$(apdus init_pin "$USER_PIN")
bad=0
for i in $(seq 1 "$n"); do
	fresh && sk login so "$SO_PIN" >/dev/null || { bad=1; break; }
	vt_ctl fail-at "$i" 6F00 >/dev/null
	rv=$(sk init_pin "$USER_PIN")
	vt_ctl fail-at 1000000 6F00 >/dev/null
	if [ "$rv" = CKR_OK ]; then
		diag "init_pin fault $i: reported CKR_OK"; bad=1; continue
	fi
	[ "$(field user_pin_initialized)" = false ] ||
		{ diag "init_pin fault $i ($rv): user PIN flagged initialised"; bad=1; }
	sk login so "$SO_PIN" >/dev/null
	[ "$(sk init_pin "$USER_PIN")" = CKR_OK ] && [ "$(field user_pin_initialized)" = true ] ||
		{ diag "init_pin fault $i ($rv): a second init_pin fails"; bad=1; }
done
is "$bad" 0 "init_pin: each of its $n APDUs failing leaves the user PIN uninitialised, and a retry works"

# --- init_token ---------------------------------------------------------------------------
sk logout >/dev/null
n=$(apdus init_token "$SO_PIN" Faults)
bad=0
for i in $(seq 1 "$n"); do
	vt_ctl fail-at "$i" 6F00 >/dev/null
	rv=$(sk init_token "$SO_PIN" Other)
	vt_ctl fail-at 1000000 6F00 >/dev/null
	label=$(field label)
	case $rv in
	CKR_OK)
		[ "$label" = Other ] || { diag "init_token fault $i: OK but label '$label'"; bad=1; } ;;
	CKR_GENERAL_ERROR)
		;;      # after the erase: nothing to undo
	*)
		[ "$label" = Faults ] || { diag "init_token fault $i ($rv): token changed ('$label')"; bad=1; } ;;
	esac
	[ "$(sk init_token "$SO_PIN" Faults)" = CKR_OK ] ||
		{ diag "init_token fault $i ($rv): a second init_token fails"; bad=1; }
done
is "$bad" 0 "init_token: each of its $n APDUs failing: unchanged before the erase, re-initialisable after"

done_testing
