#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# A PIV card without a management key given is write-protected through Scriptoki, and
# every change is refused before it reaches the card: key generation (the token lists no
# generation mechanism), a certificate or a
# data object to store, destroying the card's certificate and C_InitToken each fail with
# their CKR, the card's state file is byte for byte unchanged, and the card's keys still
# sign afterwards. (The PIN and the PUK change without the management key: C_SetPIN is
# t9111's, C_InitPIN t9118's.)
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/pivlib.sh"
if [ "${1:-}" != --inside ]; then
	piv_need "$BUILD/scriptoki-pkcs11.so"
	need_opensc
	piv_rig -n 0 --piv 1 --fresh
fi
piv_find || { echo "1..1"; echo "not ok 1 - the rig has no PIV card"; exit 1; }
M=$BUILD/scriptoki-pkcs11.so
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export SCRIPTOKI_SCRIPTS=$TOP/scripts
piv() { timeout 60 pkcs11-tool --module "$M" --slot-index 0 "$@"; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/ca.key" \
	-subj /CN=ca -days 2 -out "$W/ca.pem" 2>/dev/null
ypt -a generate -s 9a -A ECCP256 -o "$W/9a.pub" >/dev/null 2>&1 &&
	openssl x509 -new -subj "/CN=t9113" -force_pubkey "$W/9a.pub" -CA "$W/ca.pem" \
		-CAkey "$W/ca.key" -days 2 -out "$W/9a.pem" 2>/dev/null &&
	ypt -a import-certificate -s 9a -i "$W/9a.pem" >/dev/null 2>&1
ok $? "yubico-piv-tool: a P-256 key and its certificate in 9a"
cp "$PIV_STATE" "$W/before"
t0=$( [ -n "${PIV_TRACE:-}" ] && [ -f "$PIV_TRACE" ] && wc -l <"$PIV_TRACE" || echo 0)
apdus() { piv_state count; }
n0=$(apdus)

piv -l -p "$PIV_PIN" --keypairgen --key-type EC:prime256v1 --id 05 --label new >"$W/e" 2>&1
grep -q CKR_TOKEN_WRITE_PROTECTED "$W/e"
ok $? "key-pair generation on the token: CKR_TOKEN_WRITE_PROTECTED (the host's EC pair generation is listed, for session keys)" || sed 's/^/# /' "$W/e" >&2
openssl x509 -in "$W/9a.pem" -outform der -out "$W/c.der" 2>/dev/null
piv -l -p "$PIV_PIN" --write-object "$W/c.der" --type cert --id 06 --label c >"$W/e" 2>&1
grep -q CKR_TOKEN_WRITE_PROTECTED "$W/e"; ok $? "C_CreateObject (certificate): CKR_TOKEN_WRITE_PROTECTED"
printf 'data' >"$W/d"
piv -l -p "$PIV_PIN" --write-object "$W/d" --type data --label d >"$W/e" 2>&1
grep -q CKR_TOKEN_WRITE_PROTECTED "$W/e"; ok $? "C_CreateObject (data): CKR_TOKEN_WRITE_PROTECTED"
piv -l -p "$PIV_PIN" --delete-object --type cert --id 01 >"$W/e" 2>&1
grep -q "CKR_TOKEN_WRITE_PROTECTED" "$W/e"
ok $? "C_DestroyObject of the 9A certificate: CKR_TOKEN_WRITE_PROTECTED" || sed 's/^/# /' "$W/e" >&2
piv --init-token --so-pin "$PIV_PUK" --label x >"$W/e" 2>&1
grep -q "CKR_TOKEN_WRITE_PROTECTED" "$W/e"
ok $? "C_InitToken: CKR_TOKEN_WRITE_PROTECTED" || sed 's/^/# /' "$W/e" >&2

cmp -s "$PIV_STATE" "$W/before"; ok $? "the card's state file is unchanged"
n1=$(apdus)
# the calls above read the card (SELECT, GET DATA, GET METADATA, VERIFY) and write nothing:
# no APDU of theirs was PUT DATA, GENERATE or a management-key authentication
if [ -n "${PIV_TRACE:-}" ] && [ -f "$PIV_TRACE" ]; then
	tail -n "+$((t0 + 1))" "$PIV_TRACE" | grep -E '^> (00|10) (DB|47|87 0[38A-C] 9B|2C|FE|FF) ' >"$W/w" || true
	is "$(wc -l <"$W/w")" 0 "the trace: no PUT DATA, GENERATE, management key, RESET RETRY COUNTER or import"
else
	[ "$n1" -gt "$n0" ]; ok $? "the card was asked ($n0 -> $n1 APDUs)"
fi
echo "still signs" >"$W/m"
piv -l -p "$PIV_PIN" --sign -m ECDSA-SHA256 --signature-format openssl --id 01 -i "$W/m" \
	-o "$W/s" >/dev/null 2>&1 &&
	openssl dgst -sha256 -verify "$W/9a.pub" -signature "$W/s" "$W/m" >/dev/null 2>&1
ok $? "the 9A key still signs (openssl verifies)"
done_testing
