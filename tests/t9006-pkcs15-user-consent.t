#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t9006 — the PKCS#15 userConsent of PrKDF entries (what CKA_ALWAYS_AUTHENTICATE is stored
# as): CommonObjectAttributes { label, flags, authId, userConsent INTEGER }, written after
# authId only when above 0 (as OpenSC 0.23's encoder does), read back; an entry OpenSC
# wrote with userConsent decodes with it; a malformed one is refused.
. "$(dirname "$0")/rig/tap.sh"

SK=$BUILD/sk-script
[ -x "$SK" ] || skip_all "$SK is missing (make)"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/scripts"
ln -s "$TOP/scripts/lib" "$W/scripts/lib"
ln -s "$TOP/tests/scripts/consenttest" "$W/scripts/consenttest"
: >"$W/none"
run() {         # run FUNCTION ARG
	timeout 20 "$SK" --scripts "$W/scripts" --family consenttest --transcript "$W/none" \
		call "$1" "$2" 2>"$W/err"
}

is "$(run encode 1)" "300D0C016B030206C0040102020101 1" \
	"userConsent 1 is an INTEGER right after authId, and reads back"
is "$(run encode -)" "300A0C016B030206C0040102 nil" "no userConsent: no INTEGER"
is "$(run encode 0)" "300A0C016B030206C0040102 nil" "userConsent 0 is not written (OpenSC's rule)"
is "$(run encode 300)" "300E0C016B030206C00401020202012C 300" "a larger count"
# an RSA entry laid out as OpenSC 0.23 encodes it (common, key attributes, type attributes), with userConsent 1
key="30 0B 04 01 53 03 02 05 20 02 02 00 01 A1 0E 30 0C 30 06 04 04 60 02 00 01 02 02 08 00"
is "$(run decode "30 2C 30 0D 0C 01 6B 03 02 06 C0 04 01 02 02 01 01 $key 00 00")" "1" \
	"an OpenSC entry with userConsent 1 decodes with it"
is "$(run decode "30 29 30 0A 0C 01 6B 03 02 06 C0 04 01 02 $key 00 00")" "nil" \
	"... and one without it has none"
is "$(run decode "30 2B 30 0C 0C 01 6B 03 02 06 C0 04 01 02 02 00 $key 00 00")" \
	"nil CKR_DEVICE_ERROR" "an empty userConsent INTEGER is malformed"
done_testing
