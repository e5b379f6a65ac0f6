#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The transcripts of t9004 again, this time through build/sk-script's own calls (objects,
# generate_key_pair, create_object, set_attributes, destroy_object, sign, decrypt, random),
# which go through the Lua bridge's lb_objects ... lb_random exactly as the module does:
# the script and the bridge agree on arguments, attribute types and results. Each
# transcript's "# call:" (objtest syntax) is translated into the harness's arguments.
. "$(dirname "$0")/rig/tap.sh"

SK=$BUILD/sk-script
DIR=$TOP/tests/scripts/objects
[ -x "$SK" ] || skip_all "$SK is missing (make)"
"$SK" 2>&1 | grep -q generate_key_pair || skip_all "$SK has no object calls"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

for f in "$DIR"/*.apdu; do
	name=$(basename "$f" .apdu)
	call=$(sed -n 's/^# call: //p' "$f")
	want=$(sed -n 's/^# expect: //p' "$f")
	read -r fn arg <<<"$call"
	IFS=, read -r -a a <<<"$arg"
	case $fn in
	objects) args=(objects); [ "$arg" = 1 ] && args+=(private) ;;
	gen) args=(generate_key_pair "${a[@]}") ;;
	create) args=(create_object "${a[@]}") ;;
	setattr) args=(set_attributes "${a[@]}") ;;
	destroy) args=(destroy_object "$arg") ;;
	sign | decrypt) args=("$fn" "${a[@]}") ;;
	random) args=(random "$arg") ;;
	*) ok 1 "$name: no native call for $fn"; continue ;;
	esac
	timeout 20 "$SK" --scripts "$TOP/scripts" --family rutoken_ecp --transcript "$f" \
		"${args[@]}" >"$W/out" 2>"$W/err"
	rc=$?
	got=$(grep -E '^CKR_' "$W/out" | tail -n 1)
	[ -n "$got" ] || got=CKR_OK
	if [ "$want" = CKR_OK ]; then want_rc=0; else want_rc=1; fi
	if [ "$rc" != "$want_rc" ] || [ "$got" != "$want" ]; then
		ok 1 "$name: ${args[0]} -> $want (got $got, exit $rc)"
		sed 's/^/#   /' "$W/err" >&2
		continue
	fi
	missing=
	while IFS= read -r line; do
		[ "$line" = CKR_OK ] && continue
		grep -qxF -- "$line" "$W/out" || missing="$missing [${line:0:60}...]"
	done < <(sed -n 's/^# output: //p' "$f")
	if [ -n "$missing" ]; then
		ok 1 "$name: output lacks$missing"
		sed 's/^/#   /' "$W/out" >&2
		continue
	fi
	ok 0 "$name: ${args[0]} -> $want"
done

done_testing
