#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Every family's APDU transcripts, beside it: scripts/<family>/tests/*.apdu and the test
# families' tests/scripts/<family>/tests/*.apdu. build/sk-script replays each one and
# checks that the script sends exactly the transcript's APDUs, all of them, and nothing
# else. A transcript's header says:
#
#   # call: CALL ARGS...     the sk-script call it replays (required)
#   # expect: CKR_NAME       the result it must end with (required)
#   # output: LINE           a line the output must contain (any number)
#   # atr: HEX               the card's ATR (default: none)
#   # family: any            name no family: the manifests choose, as the module does
#   # vms: N                 how many VMs may be started (counted in the debug log)
#   # conf: FILE             the configuration file of the run (SCRIPTOKI_CONF), a file
#                            beside the transcript: a family's settings, such as PIV's
#                            management key for its writing calls (default: none, so
#                            that no configuration of the machine reaches a replay)
#   # host-random: HEX       what the script's crypto.random gives (sk-script --random):
#                            a host challenge whose answer the transcript holds
#
# A transcript in a subfolder, scripts/<family>/tests/<helper>/*.apdu, replays a call of
# the test family <helper> ("call FUNCTION ARG": objtest runs the Rutoken ECP script's
# object calls through one string argument), and when its call is one of objtest's
# object calls, replays it again through sk-script's own object calls against <family>,
# which go through the Lua bridge exactly as the module's do. Every run must end in its
# CKR, never in a script error (a traceback in the debug log). The good paths were
# recorded from the virtual token ("record" beside them); the bad-*.apdu files are edited
# copies ("make-bad.py") whose card answers are short, garbled or refusals.
. "$(dirname "$0")/rig/tap.sh"

SK=$BUILD/sk-script
[ -x "$SK" ] || skip_all "$SK is missing (make)"
"$SK" 2>&1 | grep -q generate_key_pair || skip_all "$SK has no object calls"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# one scripts folder with every family, of the tree and of the tests
mkdir -p "$W/scripts"
ln -s "$TOP/scripts/lib" "$W/scripts/lib"
for d in "$TOP"/scripts/*/ "$TOP"/tests/scripts/*/; do
	f=$(basename "$d")
	[ "$f" = lib ] || [ ! -f "$d/token.lua" ] && continue
	[ -e "$W/scripts/$f" ] && { ok 1 "family $f is in scripts/ and tests/scripts/"; continue; }
	ln -s "${d%/}" "$W/scripts/$f"
done

hdr() { sed -n "s/^# $1: //p" "$2"; }

# replay FILE NAME FAMILY|any ARGS...: runs sk-script; sets rc, got (the CKR it ended
# with) and leaves the output in $W/out, the debug log in $W/log
replay() {
	local f=$1 fam=$2 atr conf rnd
	shift 2
	local opts=(--scripts "$W/scripts" --transcript "$f")
	[ "$fam" = any ] || opts+=(--family "$fam")
	atr=$(hdr atr "$f")
	[ -n "$atr" ] && opts+=(--atr "$atr")
	rnd=$(hdr host-random "$f")
	[ -n "$rnd" ] && opts+=(--random "$rnd")
	conf=$(hdr conf "$f")
	if [ -n "$conf" ]; then
		conf=$(dirname "$f")/$conf
		if [ ! -f "$conf" ] || [[ "$(hdr conf "$f")" == */* ]]; then
			echo "the conf file beside the transcript is missing: $conf" >"$W/err"
			: >"$W/out" >"$W/log"
			rc=2
			return
		fi
	else
		conf=/dev/null
	fi
	rm -f "$W/log"
	SCRIPTOKI_CONF=$conf SCRIPTOKI_DEBUG=2 SCRIPTOKI_DEBUG_FILE="$W/log" \
		timeout 20 "$SK" "${opts[@]}" "$@" >"$W/out" 2>"$W/err"
	rc=$?
	touch "$W/log"
}

# check NAME WANT WANT_RC SKIP_OK_OUTPUT: the checks every transcript shares
check() {
	local name=$1 want=$2 want_rc=$3 f=$4 line missing= vms
	if [ "$rc" != "$want_rc" ] || [ "$got" != "$want" ]; then
		ok 1 "$name -> $want (got $got, exit $rc)"
		sed 's/^/#   /' "$W/err" >&2
		return
	fi
	while IFS= read -r line; do
		[ "$line" = CKR_OK ] && continue
		grep -qxF -- "$line" "$W/out" || missing="$missing [${line:0:60}]"
	done < <(hdr output "$f")
	if [ -n "$missing" ]; then
		ok 1 "$name: output lacks$missing"
		sed 's/^/#   /' "$W/out" >&2
		return
	fi
	if grep -qi "traceback" "$W/log"; then
		ok 1 "$name: no script error"
		sed 's/^/#   /' "$W/log" >&2
		return
	fi
	vms=$(hdr vms "$f")
	if [ -n "$vms" ] && [ "$(grep -c ': VM started$' "$W/log")" != "$vms" ]; then
		ok 1 "$name: $vms VMs started (got $(grep -c ': VM started$' "$W/log"))"
		sed 's/^/#   /' "$W/log" >&2
		return
	fi
	ok 0 "$name -> $want"
}

# a family call: sk-script's own syntax
family_call() {
	local f=$1 fam=$2 name=$3 call want args
	call=$(hdr call "$f")
	want=$(hdr expect "$f")
	if [ -z "$call" ] || [ -z "$want" ]; then
		ok 1 "$name: has '# call:' and '# expect:'"
		return
	fi
	[ "$(hdr family "$f")" = any ] && fam=any
	read -r -a args <<<"$call"
	replay "$f" "$fam" "${args[@]}"
	got=$(grep -E '^CKR_' "$W/out" | tail -n 1)
	[ -n "$got" ] || got=CKR_OK
	# a long call (a certificate's value) is cut in the test's name
	[ ${#call} -le 100 ] || call="${call:0:100}..."
	check "$name: $call" "$want" "$([ "$want" = CKR_OK ] && echo 0 || echo 1)" "$f"
}

# a call of a helper family: "call FUNCTION ARG", its result a string (CKR_X on failure)
helper_call() {
	local f=$1 helper=$2 name=$3 fn arg want
	read -r fn arg <<<"$(hdr call "$f")"
	want=$(hdr expect "$f")
	if [ -z "$fn" ] || [ -z "$want" ]; then
		ok 1 "$name: has '# call:' and '# expect:'"
		return
	fi
	replay "$f" "$helper" call "$fn" "$arg"
	got=$(tail -n 1 "$W/out")
	case $got in CKR_*) ;; *) got=CKR_OK ;; esac
	check "$name: $helper $fn ($(grep -c '^>' "$f") APDUs)" "$want" 0 "$f"
}

# objtest's call syntax as sk-script's own object calls, in args; 1 when it has none
native_args() {
	local fn arg a
	read -r fn arg <<<"$(hdr call "$1")"
	IFS=, read -r -a a <<<"$arg"
	case $fn in
	objects) args=(objects); if [ "$arg" = 1 ]; then args+=(private); fi ;;
	gen) args=(generate_key_pair "${a[@]}") ;;
	create) args=(create_object "${a[@]}") ;;
	setattr) args=(set_attributes "${a[@]}") ;;
	destroy) args=(destroy_object "$arg") ;;
	sign | decrypt) args=("$fn" "${a[@]}") ;;
	random) args=(random "$arg") ;;
	*) return 1 ;;
	esac
}

n=0
for famdir in "$W"/scripts/*/; do
	fam=$(basename "$famdir")
	for f in "$famdir"tests/*.apdu; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		family_call "$f" "$fam" "$fam/$(basename "$f" .apdu)"
	done
	for sub in "$famdir"tests/*/; do
		[ -d "$sub" ] || continue
		helper=$(basename "$sub")
		if [ ! -f "$W/scripts/$helper/token.lua" ]; then
			ok 1 "$fam/tests/$helper: names a test family"
			continue
		fi
		for f in "$sub"*.apdu; do
			[ -e "$f" ] || continue
			n=$((n + 1))
			name=$fam/$helper/$(basename "$f" .apdu)
			helper_call "$f" "$helper" "$name"
			if native_args "$f"; then
				replay "$f" "$fam" "${args[@]}"
				got=$(grep -E '^CKR_' "$W/out" | tail -n 1)
				[ -n "$got" ] || got=CKR_OK
				want=$(hdr expect "$f")
				check "$name: native ${args[0]}" "$want" \
					"$([ "$want" = CKR_OK ] && echo 0 || echo 1)" "$f"
			fi
		done
	done
done
[ "$n" -gt 0 ]
ok $? "transcripts found ($n)"

done_testing
