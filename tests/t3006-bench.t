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

# The scoreboard's shape (never its figures): a short run through Scriptoki's module on a
# token prepare-token made, with the in-process EVP floor: every operation row, the targets
# each with "met", "missed by" or "not measured", and the plot's data.
if [ -x "$BUILD/vtoken" ] && [ -f "$BUILD/scriptoki-pkcs11.so" ] && command -v pkcs15-init >/dev/null
then
	dat=$(mktemp)
	out=$(timeout 120 "$RIG" --fresh --no-token-trace -- "$TOP/tests/bench/prepare-token" \
		"$BUILD/bench" --scoreboard --module "Scriptoki=$BUILD/scriptoki-pkcs11.so" \
		--turns 1 --turn-ms 5 --plot-data "$dat" 2>&1)
	is $? 0 "the scoreboard runs against the prepared token"
	for op in 'C_GetAttributeValue \(cached\)' 'C_FindObjects' 'C_OpenSession\+C_CloseSession' \
		  'C_GetSessionInfo' 'C_GetSlotList' 'C_Sign SHA256-RSA-2048' 'C_Verify' \
		  'C_Decrypt RSA-PKCS-2048' 'C_GenerateRandom' 'SHA-256 64 B' 'SHA-256 16 KB'; do
		n=$(grep -Ec "^$op.* [124] +[0-9]+ " <<<"$out")
		[ "$n" -ge 1 ]; ok $? "a row with a figure for $op ($n)"
	done
	# the token prepare-token made has no EC or GOST key: their rows say "-"
	for op in 'C_Sign ECDSA P-256' 'C_Sign GOSTR3410-2001' 'C_Verify ECDSA P-256'; do
		n=$(grep -Ec "^$op.* [12] +- " <<<"$out")
		[ "$n" -ge 1 ]; ok $? "a row without a figure for $op: no such key ($n)"
	done
	grep -Eq '^SHA-256 64 B .* 1 +[0-9]+ +[0-9]+ +[0-9.]+x$' <<<"$out"
	ok $? "the digest row has the EVP floor and the ratio to it"
	n=$(grep -Ec ': (met|missed by [0-9]+%|not measured)$' <<<"$out")
	[ "$n" -ge 10 ]; ok $? "every target says met, missed by or not measured ($n)"
	is "$(grep -vc '^#' "$dat")" 3 "the plot's data has a line per thread count"
	[ $? = 0 ] || diag "$out"
	rm -f "$dat"
else
	ok 0 "# SKIP no virtual token, module or OpenSC tools"
fi

# The warm signature next to its own APDUs sent raw (apdu-counts' last target): it finds
# the module's APDUs in the token's trace, checks that sent raw they give the module's
# signature, and prints both medians and their ratio.
if [ -x "$BUILD/vtoken" ] && [ -f "$BUILD/scriptoki-pkcs11.so" ] && command -v pkcs15-init >/dev/null
then
	out=$(timeout 120 "$RIG" --fresh -- "$TOP/tests/bench/prepare-token" \
		"$BUILD/bench" --warm-sign "$BUILD/scriptoki-pkcs11.so" 12345678 \
		--iterations 20 2>&1)
	is $? 0 "bench --warm-sign runs against the prepared token"
	grep -Eq '^warm C_Sign SHA256-RSA-2048: [0-9]+ APDUs \(([0-9A-F]{2} ?)+ by INS\), 20 turns each: module [0-9.]+ us, raw [0-9.]+ us, ratio [0-9.]+$' <<<"$out"
	ok $? "... and prints the APDUs by INS, both medians and the ratio"
	[ $? = 0 ] || diag "$out"
	grep -Eq 'APDUs \(A4 22 2A 2A by INS\)' <<<"$out"
	ok $? "... the APDUs taken from the trace are SELECT, MSE and two chained PSO parts"
	out=$(timeout 120 "$RIG" --fresh --no-token-trace -- "$BUILD/bench" --warm-sign \
		"$BUILD/scriptoki-pkcs11.so" 12345678 2>&1)
	is $? 2 "bench --warm-sign without the token's trace refuses to measure"
	out=$(timeout 120 "$RIG" --fresh -- "$BUILD/bench" --warm-sign \
		"$BUILD/scriptoki-pkcs11.so" 12345678 --iterations 5 2>&1)
	is $? 1 "... and fails on a token with no key to sign with"
else
	ok 0 "# SKIP no virtual token, module or OpenSC tools"
fi

done_testing
