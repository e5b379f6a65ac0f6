#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# t5006 — the module exports the Cryptoki entry points and nothing else: every C_ function
# of the spec is a dynamic symbol, and no other symbol is defined. Its thread-locals are
# few and small: the hot ones use the initial-exec model (runtime/util.h, UTIL_TLS_HOT),
# which puts the module's whole TLS block in the static room glibc keeps for libraries
# loaded later (512 bytes by default), so the block must stay well inside it.
set -u
mod=${SCRIPTOKI_MODULE:-${BUILD:-build}/scriptoki-pkcs11.so}
n=0 fail=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail + 1)); fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$mod" | awk '{print $3}' | sort > "$tmp/exported"
[ -s "$tmp/exported" ]; t $? "nm lists the module's symbols"
grep -v '^C_' "$tmp/exported" > "$tmp/other"
[ ! -s "$tmp/other" ]; t $? "only C_* symbols are exported"
sed 's/^/# also exported: /' "$tmp/other" >&2

sed -n 's/^SK_PROBE_FUNCTION(\(C_[A-Za-z]*\),.*/\1/p' generated/sk_probe.inc | sort > "$tmp/spec"
[ "$(wc -l < "$tmp/spec")" -eq 104 ]; t $? "the spec names 104 functions"
comm -23 "$tmp/spec" "$tmp/exported" > "$tmp/missing"
[ ! -s "$tmp/missing" ]; t $? "every function of the spec is exported"
sed 's/^/# not exported: /' "$tmp/missing" >&2
comm -13 "$tmp/spec" "$tmp/exported" > "$tmp/extra"
[ ! -s "$tmp/extra" ]; t $? "no C_ symbol outside the spec is exported"
tls=$(readelf -lW "$mod" | awk '$1 == "TLS" { print $6 }')
[ -n "$tls" ]; t $? "readelf shows the module's TLS segment"
[ $((${tls:-0x100000})) -le 256 ]; t $? "its thread-locals take at most 256 bytes (${tls:-none})"
echo "1..$n"
[ "$fail" = 0 ]
