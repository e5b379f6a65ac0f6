#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The Rutoken ECP family's token secret keys as OpenSC's pkcs11-tool sees them through
# build/scriptoki-pkcs11.so: the mechanism list shows the GOST 28147-89 and Kuznyechik
# mechanisms the token computes with its own keys, with CKF_HW (pkcs11-tool's "hw").
# pkcs11-tool 0.23 itself cannot ask for a
# GOST 28147-89 key (its --key-type knows AES, DES3 and GENERIC only): the test records
# that refusal as the tool's own and checks that no key was made.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/vtlib.sh"
if [ "${1:-}" != --inside ]; then
	vt_need
	vt_rig --fresh
fi

vt_p11_token t9125
is "$(p11_mech GOST28147-ECB | grep -c 'hw.*encrypt.*decrypt')" 1 \
	"GOST28147-ECB: computed by the token (hw), encrypt and decrypt" || cat "$W/mechs" >&2
is "$(p11_mech GOST28147-MAC | grep -c 'hw.*sign.*verify')" 1 "GOST28147-MAC: hw, sign and verify"
is "$(p11_mech GOST28147-KEY-GEN | grep -c 'hw.*generate')" 1 "GOST28147-KEY-GEN: hw, generate"
# pkcs11-tool 0.23 prints the TC26 Kuznyechik numbers as they are
grep -Eqi 'd4321031.*hw.*encrypt' "$W/mechs"
ok $? "Kuznyechik ECB (0xD4321031): hw, encrypt" || cat "$W/mechs" >&2

p11 --login --pin "$USER_PIN" --keygen --key-type GOST28147:32 --label p11tool >"$W/out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -qi 'unknown key type\|Unsupported key type' "$W/out"; then
	# the tool's own refusal: it asked the module for nothing, and no key was made
	ok 0 "pkcs11-tool 0.23 refuses --keygen GOST28147:32 itself ($(grep -i "key type" "$W/out" | head -1))"
	p11 --login --pin "$USER_PIN" --list-objects --type secrkey >"$W/out" 2>&1
	! grep -q 'p11tool' "$W/out"
	ok $? "... and the token holds no key of that label" || cat "$W/out" >&2
else
	ok $rc "pkcs11-tool --keygen --key-type GOST28147:32" || cat "$W/out" >&2
fi

done_testing
