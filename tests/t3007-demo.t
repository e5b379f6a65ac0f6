#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# `make demo`'s session runs to the end against a fresh virtual token: initialisation with
# pkcs15-init, login, key generation, a signature that OpenSSL verifies, random numbers.
. "$(dirname "$0")/rig/tap.sh"
need_rig "$BUILD/vtoken" "$BUILD/scriptoki-pkcs11.so"
need_opensc

out=$(timeout 300 "$RIG" --fresh -- "$TOP/tests/rig/demo" 2>&1)
st=$?
is "$st" 0 "the demo runs to the end"
[ "$st" = 0 ] || diag "$(tail -n 30 <<<"$out")"
grep -q '^    Verified OK' <<<"$out"; ok $? "OpenSSL verifies the token's signature"
grep -q "Every step succeeded" <<<"$out"; ok $? "the demo says it is done"
grep -q '12345678\|87654321' <<<"$out"; is $? 1 "no PIN appears in the demo's output"

done_testing
