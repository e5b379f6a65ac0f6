#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The benchmark program runs through the rig and prints its table: one row per target and
# the ratio to the floor. Only its working is tested here; timings are never judged.
. "$(dirname "$0")/rig/tap.sh"
need_rig "$BUILD/bench"

out=$(timeout 120 "$RIG" --responder --echo -- "$BUILD/bench" --iterations 300 --warmup 50)
is $? 0 "bench runs inside the rig (both readers served by vpcd-echo)"
row='^GET DATA serial \(APDU\) +'
grep -Eq "${row}virtual token +300 +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+x, [0-9.]+x$" <<<"$out"
ok $? "a row for the target, with its ratio to the floor"
grep -Eq "${row}floor \(vpcd-echo\) +300 +[0-9.]+ +[0-9.]+ +[0-9]+$" <<<"$out"
ok $? "a row for the floor"
[ $? = 0 ] || diag "$out"

# A card that answers something other than 90 00 is an error, not a number.
timeout 60 "$RIG" --responder -- "$BUILD/bench" --iterations 10 --reader "no such reader" \
	2>/dev/null
is $? 1 "bench fails on a reader it cannot use"

if [ -x "$BUILD/vtoken" ]; then
	out=$(timeout 120 "$RIG" --fresh --echo -- "$BUILD/bench" --iterations 300 --warmup 50)
	is $? 0 "bench against the virtual token"
	grep -Eq "${row}virtual token +300 " <<<"$out"; ok $? "... prints the token's row"
else
	ok 0 "# SKIP no virtual token built yet"
fi

done_testing
