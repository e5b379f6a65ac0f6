#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t5010 — the call trace (SCRIPTOKI_DEBUG=2, runtime/trace.c, formatters chosen per
# argument type by codegen): a pkcs11-tool session logs each call as one line with its
# arguments by name (handles, user types, flag names, mechanism and attribute names,
# buffer lengths), its result, its duration and the APDUs it sent; and neither a PIN, a
# data object's secret content, a private key component nor the signed plaintext appears;
# at SCRIPTOKI_DEBUG=1 nothing is traced.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	exec timeout -k 5 180 "$RIG" --fresh -- "$0"
fi

M=${SCRIPTOKI_MODULE:-$BUILD/scriptoki-pkcs11.so}
W=$(mktemp -d)
trap '[ -n "${T5008_KEEP:-}" ] || rm -rf "$W"' EXIT
SO_PIN=87654321
USER_PIN=31415926
SECRET="plaintext for the trace: 5be1d07c"
DATA="data object content: 9c04e2aa71"
export SCRIPTOKI_DEBUG=2 SCRIPTOKI_DEBUG_FILE=$W/module.log
p11() { timeout 60 pkcs11-tool --module "$M" --slot-index 0 "$@" >>"$W/out" 2>&1; }
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | tr a-f A-F; }

printf '%s' "$SECRET" >"$W/plain"
printf '%s' "$DATA" >"$W/data"
p11 --init-token --label t5008 --so-pin $SO_PIN &&
	p11 --init-pin --login --login-type so --so-pin $SO_PIN --new-pin $USER_PIN &&
	p11 --login --pin $USER_PIN --keypairgen --key-type rsa:1024 --id 4a --label trace-key &&
	p11 --login --pin $USER_PIN --write-object "$W/data" --type data --label trace-data \
		--private &&
	p11 --login --pin $USER_PIN --sign --mechanism SHA256-RSA-PKCS-PSS --id 4a \
		--input-file "$W/plain" --output-file "$W/sig"
ok $? "a session with the call trace on" || sed 's/^/#   /' "$W/out" >&2

log=$W/module.log
trace() { grep -E "$1" "$log" >/dev/null; }
trace ' C_Initialize\(pInitArgs=(NULL|\(set\))\) = CKR_OK \([0-9]+\.[0-9]{3} ms, 0 APDUs\)$'
ok $? "C_Initialize: its argument, result, duration and no APDU"
trace ' C_OpenSession\(slotID=0x[0-9a-f]+, flags=0x6 \(CKF_RW_SESSION\|CKF_SERIAL_SESSION\), pApplication=NULL, Notify=NULL, \*phSession=0x[0-9a-f]+\) = CKR_OK'
ok $? "C_OpenSession: slot handle, flags by name, the session handle it returned"
trace ' C_Login\(hSession=0x[0-9a-f]+, userType=CKU_USER, pPin=<secret>, ulPinLen=8\) = CKR_OK \([0-9.]+ ms, [1-9][0-9]* APDUs?'
ok $? "C_Login: user type by name, the PIN as <secret>, the APDUs it sent"
trace ' C_GenerateKeyPair\(hSession=0x[0-9a-f]+, pMechanism=\{CKM_RSA_PKCS_KEY_PAIR_GEN\}, pPublicKeyTemplate=\{[^}]*CKA_MODULUS_BITS=1024[^}]*\}, ulPublicKeyAttributeCount=[0-9]+, pPrivateKeyTemplate=\{[^}]*CKA_SENSITIVE=CK_TRUE[^}]*CKA_LABEL="trace-key", CKA_ID=4a\}, .*\*phPrivateKey=0x[0-9a-f]+\) = CKR_OK'
ok $? "C_GenerateKeyPair: mechanism and attribute names, public values, the handles"
trace ' C_SignInit\(hSession=0x[0-9a-f]+, pMechanism=\{CKM_SHA256_RSA_PKCS_PSS, hashAlg=CKM_SHA256, mgf=CKG_MGF1_SHA256, sLen=32\}, hKey=0x[0-9a-f]+\) = CKR_OK'
ok $? "C_SignInit: the PSS parameters by name"
trace ' C_Sign(Final|Update)?\(hSession=0x[0-9a-f]+, .*= CKR_OK \([0-9.]+ ms, [1-9][0-9]* APDUs: [0-9A-F ]+\)$'
ok $? "the signature: its APDUs counted and their instructions listed"
trace ' C_(Sign|SignUpdate)\(hSession=0x[0-9a-f]+, (pData|pPart)=\(33 bytes\), (ulDataLen|ulPartLen)=33'
ok $? "the signed data by its length only"
trace ' C_CreateObject\(hSession=0x[0-9a-f]+, pTemplate=\{.*CKA_CLASS=CKO_DATA.*CKA_VALUE=\('${#DATA}' bytes\)'
ok $? "C_CreateObject: a data object's value by its length only"
trace ' C_FindObjects\(hSession=0x[0-9a-f]+, phObject=\[(0x[0-9a-f]+ ?)*\], ulMaxObjectCount=[0-9]+, \*pulObjectCount=[0-9]+\)'
ok $? "C_FindObjects: the handles found"
trace ' C_GetTokenInfo\(slotID=0x[0-9a-f]+, pInfo=\{label="t5008", .*flags=0x[0-9a-f]+ \(.*CKF_TOKEN_INITIALIZED'
ok $? "C_GetTokenInfo: the label and flags by name"
[ "$(grep -cE ' C_[A-Za-z]+\(.*\) = CKR_[A-Z_]+ \([0-9]+\.[0-9]{3} ms, [0-9]+ APDUs?' "$log")" -gt 40 ]
ok $? "every call has its trace line"

for what in "$SO_PIN" "$USER_PIN"; do
	! grep -q "$what" "$log" && ! tr -d ' \n' <"$log" | tr a-f A-F | grep -q "$(hex "$what")"
	ok $? "the trace holds no PIN (as text or hex)"
done
! grep -q "$SECRET" "$log" && ! tr -d ' \n' <"$log" | tr a-f A-F | grep -q "$(hex "$SECRET")"
ok $? "the trace holds no plaintext"
! grep -q "$DATA" "$log" && ! tr -d ' \n' <"$log" | tr a-f A-F | grep -q "$(hex "$DATA")"
ok $? "the trace holds no data object content"
! grep -qE 'CKA_(PRIVATE_EXPONENT|PRIME_1|PRIME_2|EXPONENT_1|EXPONENT_2|COEFFICIENT|VALUE)=[0-9a-f"]' "$log"
ok $? "no private component or key value is shown, only lengths"

# level 1 logs only failures: no trace line, not even for the failed call
SCRIPTOKI_DEBUG=1 SCRIPTOKI_DEBUG_FILE=$W/level1.log timeout 60 pkcs11-tool --module "$M" \
	--slot-index 0 --login --pin 00000000 --list-objects >/dev/null 2>&1
grep -q 'C_Login = CKR_PIN_INCORRECT' "$W/level1.log" && ! grep -q ' C_[A-Za-z]*(' "$W/level1.log"
ok $? "SCRIPTOKI_DEBUG=1: the failed login logged, no call traced"
done_testing
