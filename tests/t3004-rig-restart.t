#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# rig-restart-token: inside the rig, a card's process is stopped, pcscd sees the card go,
# a new process serves the same reader, and the rig still stops it at the end.
. "$(dirname "$0")/rig/tap.sh"
need_rig

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T BUILD

timeout 60 "$RIG" --responder -n 2 -- sh -c '
	old=$VTOKEN1_PID
	new=$("$RIG_RESTART_TOKEN" 1) || exit 10
	echo "$old $new" >"$T/pids-restart"
	cp "$RIG_DIR/pids" "$RIG_DIR/ports" "$T/"
	"$BUILD/rig-apdu" "$VTOKEN1_READER" 00CA018100 >"$T/apdu" || exit 11
	"$BUILD/rig-apdu" "$VTOKEN0_READER" 00CA018100 >>"$T/apdu" || exit 12
	"$RIG_RESTART_TOKEN" 7 2>"$T/bad-index" && exit 13
	exit 0'
is $? 0 "restart inside the rig succeeds, and a bad index fails"
read -r old new <"$T/pids-restart"
[ -n "$new" ] && [ "$new" != "$old" ]; ok $? "a new process serves token 1 ($old -> $new)"
alive "$old"; is $? 1 "the old process is gone"
grep -q "^token1 $new\$" "$T/pids"; ok $? "RIG_DIR/pids names the new process"
is "$(cat "$T/apdu")" "9000"$'\n'"9000" "both cards answer after the restart"
grep -q "no token '7'" "$T/bad-index"; ok $? "restarting a token that does not exist is an error"
rig_gone "$T/pids" "$T/ports" "after a restart"

"$TOP/tests/rig/rig-restart-token" 0 2>/dev/null
is $? 1 "outside a rig, rig-restart-token fails"

done_testing
