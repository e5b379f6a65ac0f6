#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The Rutoken ECP script against APDU transcripts: every tests/scripts/rutoken_ecp/*.apdu
# names the family call it replays ("# call:"), the CKR it must end with ("# expect:") and
# lines its output must contain ("# output:"). build/sk-script checks that the script sends
# exactly the transcript's APDUs, all of them, and nothing else. The good paths were
# recorded from the virtual token (record, beside them); the bad-*.apdu files are edited
# copies whose card answers are short, garbled or unexpected: each must end in its CKR,
# never in a script error.
. "$(dirname "$0")/rig/tap.sh"

SK=$BUILD/sk-script
DIR=$TOP/tests/scripts/rutoken_ecp
[ -x "$SK" ] || skip_all "$SK is missing (make)"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

for f in "$DIR"/*.apdu; do
	name=$(basename "$f" .apdu)
	call=$(sed -n 's/^# call: //p' "$f")
	want=$(sed -n 's/^# expect: //p' "$f")
	if [ -z "$call" ] || [ -z "$want" ]; then
		ok 1 "$name: has '# call:' and '# expect:'"
		continue
	fi
	read -r -a args <<<"$call"
	timeout 20 "$SK" --scripts "$TOP/scripts" --family rutoken_ecp --transcript "$f" \
		"${args[@]}" >"$W/out" 2>"$W/err"
	rc=$?
	got=$(grep -E '^CKR_' "$W/out" | tail -n 1)
	[ -n "$got" ] || got=CKR_OK
	if [ "$want" = CKR_OK ]; then want_rc=0; else want_rc=1; fi
	if [ "$rc" != "$want_rc" ] || [ "$got" != "$want" ]; then
		ok 1 "$name: $call -> $want (got $got, exit $rc)"
		sed 's/^/#   /' "$W/err" >&2
		continue
	fi
	missing=
	while IFS= read -r line; do
		grep -qxF -- "$line" "$W/out" || missing="$missing [$line]"
	done < <(sed -n 's/^# output: //p' "$f")
	if [ -n "$missing" ]; then
		ok 1 "$name: output lacks$missing"
		sed 's/^/#   /' "$W/out" >&2
		continue
	fi
	# a script error is logged as a traceback; a bad answer must not raise one
	if grep -qi "traceback" "$W/err"; then
		ok 1 "$name: no script error"
		sed 's/^/#   /' "$W/err" >&2
		continue
	fi
	ok 0 "$name: $call -> $want"
done

done_testing
