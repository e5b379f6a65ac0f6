#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The rig with the virtual token itself: the environment names its state, trace and
# control channel; the token keeps its state across rig-restart-token and across rigs that
# share a --state-dir; --fresh starts it over.
. "$(dirname "$0")/rig/tap.sh"
need_rig "$BUILD/vtoken"

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T BUILD
serial=00CA018100

out=$(timeout 60 "$RIG" --fresh -n 2 -- sh -c '
	for i in 0 1; do
		eval "s=\$VTOKEN${i}_STATE t=\$VTOKEN${i}_TRACE c=\$VTOKEN${i}_CTL r=\$VTOKEN${i}_READER"
		[ -f "$s" ] && echo "state$i file"
		[ -S "$c" ] && echo "ctl$i socket"
		echo "serial$i $("$BUILD/rig-apdu" "$r" '$serial')"
		[ -s "$t" ] && echo "trace$i written"
	done
	new=$("$RIG_RESTART_TOKEN" 0) || exit 1
	echo "after $("$BUILD/rig-apdu" "$VTOKEN0_READER" '$serial')"
	grep -c -- "^# .*--fresh" "$RIG_DIR/token0.log" | sed "s/^/fresh-starts /"')
is $? 0 "two virtual tokens in the rig, and a restart"
get() { sed -n "s/^$1 //p" <<<"$out"; }
for i in 0 1; do
	is "$(get "state$i")" file "token $i: VTOKEN${i}_STATE is its state file"
	is "$(get "ctl$i")" socket "token $i: VTOKEN${i}_CTL is its control socket"
	is "$(get "trace$i")" written "token $i: VTOKEN${i}_TRACE is its trace"
	[[ $(get "serial$i") =~ ^[0-9A-F]+9000$ ]]; ok $? "token $i answers GET DATA serial"
done
[ "$(get serial0)" != "$(get serial1)" ]; ok $? "the two tokens have their own serial numbers"
is "$(get after)" "$(get serial0)" "after a restart the token has the same serial (state kept)"
is "$(get fresh-starts)" 1 "... because the restart did not pass --fresh"

out=$(timeout 60 "$RIG" --no-token-trace -- sh -c '
	echo "trace-var ${VTOKEN0_TRACE-unset}"
	"$BUILD/rig-apdu" "$VTOKEN0_READER" '$serial' >/dev/null && echo answered
	ls "$RIG_DIR" | grep -c "\.trace$"')
is "$out" "trace-var unset"$'\n'"answered"$'\n'"0" "--no-token-trace: no trace file, no VTOKEN0_TRACE"

# Across rigs: --state-dir keeps the token, --fresh starts it over.
s1=$(timeout 60 "$RIG" --fresh --state-dir "$T/d" -- sh -c '"$BUILD/rig-apdu" "$VTOKEN0_READER" '$serial)
s2=$(timeout 60 "$RIG" --state-dir "$T/d" -- sh -c '"$BUILD/rig-apdu" "$VTOKEN0_READER" '$serial)
is "$s2" "$s1" "a second rig on the same --state-dir finds the same token"
[ -n "$s1" ]; ok $? "... which answered ($s1)"

done_testing
