#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The Rutoken ECP script's object and private-key calls against APDU transcripts: every
# tests/scripts/objects/*.apdu names the objtest call it replays ("# call:"), the result
# it must end with ("# expect:" — CKR_OK, or the CKR_ name the call returns) and the lines
# its output must contain ("# output:"). build/sk-script checks that the script sends
# exactly the transcript's APDUs, all of them, and nothing else (undo steps included).
# The good paths were recorded from the virtual token (record, beside them); the bad-*.apdu
# files are edited copies (make-bad.py) whose card answers are short, long, garbled or
# refusals: each must end in its CKR, never in a script error.
. "$(dirname "$0")/rig/tap.sh"

SK=$BUILD/sk-script
DIR=$TOP/tests/scripts/objects
[ -x "$SK" ] || skip_all "$SK is missing (make)"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/scripts"
ln -s "$TOP/scripts/lib" "$W/scripts/lib"
ln -s "$TOP/scripts/rutoken_ecp" "$W/scripts/rutoken_ecp"
ln -s "$TOP/tests/scripts/objtest" "$W/scripts/objtest"

for f in "$DIR"/*.apdu; do
	name=$(basename "$f" .apdu)
	call=$(sed -n 's/^# call: //p' "$f")
	want=$(sed -n 's/^# expect: //p' "$f")
	if [ -z "$call" ] || [ -z "$want" ]; then
		ok 1 "$name: has '# call:' and '# expect:'"
		continue
	fi
	read -r fn arg <<<"$call"
	timeout 20 "$SK" --scripts "$W/scripts" --family objtest --transcript "$f" \
		call "$fn" "$arg" >"$W/out" 2>"$W/err"
	rc=$?
	got=$(tail -n 1 "$W/out")
	case $got in CKR_*) ;; *) got=CKR_OK ;; esac
	if [ "$rc" != 0 ] || [ "$got" != "$want" ]; then
		ok 1 "$name: $fn -> $want (got $got, exit $rc)"
		sed 's/^/#   /' "$W/err" >&2
		continue
	fi
	missing=
	while IFS= read -r line; do
		grep -qxF -- "$line" "$W/out" || missing="$missing [${line:0:60}...]"
	done < <(sed -n 's/^# output: //p' "$f")
	if [ -n "$missing" ]; then
		ok 1 "$name: output lacks$missing"
		continue
	fi
	if grep -qi "traceback" "$W/err"; then
		ok 1 "$name: no script error"
		sed 's/^/#   /' "$W/err" >&2
		continue
	fi
	ok 0 "$name: $fn -> $want ($(grep -c '^>' "$f") APDUs)"
done

done_testing
