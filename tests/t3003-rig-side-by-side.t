#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Two rigs run at the same time, each with its own pcscd, socket, ports and cards, and
# neither sees the other's; a rig directory cannot be used by two rigs at once.
. "$(dirname "$0")/rig/tap.sh"
need_rig

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T BUILD
mkfifo "$T/a-ready" "$T/b-done"

# Rig A reports, then holds until rig B has finished its checks.
timeout 60 "$RIG" --responder -n 2 --state-dir "$T/a" -- sh -c '
	echo "$PCSCLITE_CSOCK_NAME $VTOKEN0_PORT $VTOKEN1_PORT" >"$T/a-info"
	echo ready >"$T/a-ready"
	read -r _ <"$T/b-done"
	"$BUILD/rig-apdu" "$VTOKEN0_READER" 00CA018100 >"$T/a-apdu"' &
a=$!
read -r _ <"$T/a-ready"

timeout 60 "$RIG" --responder -n 2 -- sh -c '
	echo "$PCSCLITE_CSOCK_NAME $VTOKEN0_PORT $VTOKEN1_PORT" >"$T/b-info"
	cp "$RIG_DIR/pids" "$T/b-pids"
	"$BUILD/rig-apdu" "$VTOKEN0_READER" 00CA018100 >"$T/b-apdu"
	"$BUILD/rig-wait" --timeout 0 present "$VTOKEN0_READER" "$VTOKEN1_READER"'
is $? 0 "rig B runs and sees its two cards while rig A runs"
# A second rig on A's directory is refused while A holds it.
err=$(timeout 60 "$RIG" --responder --state-dir "$T/a" -- true 2>&1)
is $? 125 "a second rig on the same --state-dir is refused"
grep -q 'in use' <<<"$err"; ok $? "... saying the directory is in use"
echo finished >"$T/b-done"
wait "$a"
is $? 0 "rig A finishes after rig B"

read -r sa pa0 pa1 <"$T/a-info"
read -r sb pb0 pb1 <"$T/b-info"
[ -n "$sa" ] && [ "$sa" != "$sb" ]; ok $? "different sockets ($sa, $sb)"
[ -n "$pa0" ] && [ -n "$pb0" ] && [ "$pa0" != "$pb0" ] && [ "$pa0" != "$pb1" ] &&
	[ "$pa1" != "$pb0" ] && [ "$pa1" != "$pb1" ]
ok $? "different ports ($pa0 $pa1; $pb0 $pb1)"
is "$(cat "$T/a-apdu")" 9000 "rig A's card answers after rig B stopped"
is "$(cat "$T/b-apdu")" 9000 "rig B's card answers"
rig_gone "$T/a/pids" "$T/a/ports" "rig A"

done_testing
