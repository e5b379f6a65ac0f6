#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# fuzz-run.t — run by make fuzz-ci and make fuzz (tests/fuzz/fuzz.mk), not by make check.
# For each target of FUZZ_TARGETS, with its libFuzzer build in FUZZ_BIN:
#   1. every file of its kept corpus (tests/fuzz/corpus/NAME/) once, as a list of files:
#      a crash, leak or sanitizer report on a kept input fails here;
#   2. FUZZ_SECONDS of fuzzing that starts from that corpus (-max_total_time); the new
#      inputs go to a scratch folder (FUZZ_KEEP=1: build-fuzz/fuzz/found/NAME/, kept),
#      never into the committed corpus; a finding is written to
#      build-fuzz/fuzz/artifacts/NAME/ and fails the test.
. "$(dirname "$0")/../rig/tap.sh"

: "${FUZZ_BIN:?}" "${FUZZ_SECONDS:?}" "${FUZZ_TARGETS:?}"
work=$(dirname "$FUZZ_BIN")/fuzz
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

for t in $FUZZ_TARGETS; do
	bin=$FUZZ_BIN/fuzz-$t
	corpus=$TOP/tests/fuzz/corpus/$t
	art=$work/artifacts/$t
	if [ "${FUZZ_KEEP:-0}" = 1 ]; then found=$work/found/$t; else found=$W/found-$t; fi
	mkdir -p "$art" "$found"
	n=$(find "$corpus" -type f | wc -l)
	[ -x "$bin" ] && [ "$n" -gt 0 ]
	ok $? "$t: the target is built and its kept corpus has $n inputs" || continue

	find "$corpus" -type f -print0 | sort -z |
		xargs -0 "$bin" -timeout=30 -rss_limit_mb=4096 >"$W/replay-$t.log" 2>&1
	ok $? "$t: every kept input replays without a report" ||
		tail -n 40 "$W/replay-$t.log" | sed 's/^/#   /' >&2

	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=30 -rss_limit_mb=4096 -max_len=4096 \
		-print_final_stats=1 -artifact_prefix="$art/" "$found" "$corpus" \
		>"$W/fuzz-$t.log" 2>&1
	rc=$?
	grep -E '^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+ *DONE)' \
		"$W/fuzz-$t.log" | sed "s/^/# $t: /" >&2
	ok $rc "$t: $FUZZ_SECONDS s of fuzzing from the corpus, no crash, leak or report" ||
		grep -v '^#[0-9]' "$W/fuzz-$t.log" | tail -n 60 | sed 's/^/#   /' >&2
done
done_testing
