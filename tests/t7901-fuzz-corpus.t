#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t7901 — every kept fuzz corpus (tests/fuzz/corpus/NAME/) replays through its target
# built without libFuzzer (BUILD/fuzz/replay-NAME, tests/fuzz/replay.c), so the harnesses
# build and run in every make check and cannot rot, and the regression inputs stay fixed;
# under make check-asan the same replays run with ASan and UBSan. The fuzzing itself is
# make fuzz-ci / make fuzz (tests/fuzz/fuzz.mk).
. "$(dirname "$0")/rig/tap.sh"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

targets=$(cd "$TOP/tests/fuzz" && ls fuzz-*.c | sed 's/^fuzz-//; s/\.c$//')
[ -n "$targets" ]
ok $? "there are fuzz targets ($(echo $targets))"
for t in $targets; do
	bin=$BUILD/fuzz/replay-$t
	corpus=$TOP/tests/fuzz/corpus/$t
	n=$(find "$corpus" -type f 2>/dev/null | wc -l)
	if [ ! -x "$bin" ]; then
		ok 1 "$t: $bin is built"
		continue
	fi
	[ "$n" -gt 0 ]
	ok $? "$t: the kept corpus has inputs ($n)" || continue
	out=$(timeout 300 "$bin" "$corpus" 2>"$W/err")
	rc=$?
	ok $rc "$t: the corpus replays (exit $rc)" || tail -n 30 "$W/err" | sed 's/^/#   /' >&2
	is "$out" "replayed $n input(s)" "$t: every input ran"
done
done_testing
