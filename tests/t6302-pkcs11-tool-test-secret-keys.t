#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6302 — pkcs11-tool's own self-tests on a virtual Rutoken ECP that holds token secret
# keys: `--test --login` and `--test-ec --login --session-rw`. The token carries AES,
# GOST 28147-89 and Kuznyechik token keys (made here by pkcs11-tool and PyKCS11), an EC
# key pair and an RSA one (pkcs11-tool 0.23's --test uses RSA keys only, none of the
# secret keys). pkcs11-tool 0.23 makes token objects only and a session object does not
# outlive its process, so the session key pairs present are the ones --test-ec itself
# generates in its session. pkcs11-tool's tests walk every key they find: a secret key must not make
# them fail.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	need_py python3-pykcs11 PyKCS11
	exec timeout -k 5 300 "$RIG" --fresh -- "$0"
fi
. "$TOP/tests/rig/consumers.sh"
trap 'rm -rf "$W"' EXIT

token_with_keys t6302 01:EC:prime256v1:ec 03:rsa:2048:rsa
ok $? "a fresh token with a user PIN, an EC and an RSA key pair" || show
p11 --login --pin $USER_PIN --keygen --key-type AES:32 --label aes --id 10
ok $? "an AES token key (pkcs11-tool --keygen)" || show
# GOST keys pkcs11-tool 0.23 cannot ask for (t6301): C_GenerateKey by PyKCS11
timeout 60 /usr/bin/python3 - "$M" $USER_PIN <<'PY' >"$W/out" 2>&1
import sys, PyKCS11
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList(tokenPresent=True)[0], PyKCS11.CKF_RW_SESSION)
s.login(sys.argv[2])
# id-tc26-gost-28147-param-Z (RFC 7836), the card's S-boxes
z = [0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x05, 0x01, 0x01]
for mech, ckk, label, extra in ((0x1220, 0x32, "g89", [(0x252, z)]),         # GOST28147
                                (0xD4321030, 0xD4321004, "kuz", [])):        # Kuznyechik
    t = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY), (PyKCS11.CKA_KEY_TYPE, ckk),
         (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_LABEL, label)] + extra
    s.generateKey(t, PyKCS11.Mechanism(mech, None))
print("made")
PY
grep -q made "$W/out"
ok $? "GOST 28147-89 and Kuznyechik token keys (PyKCS11 C_GenerateKey)" || show
p11 --login --pin $USER_PIN --list-objects --type secrkey
is "$(grep -c '^Secret Key Object' "$W/out")" 3 "... three token secret keys on the token" ||
	show

p11 --test --login --pin $USER_PIN
rc=$?
ok $rc "pkcs11-tool --test --login" || show
grep -qi "no errors" "$W/out"
ok $? "... reports no errors" || show
# pkcs11-tool 0.23's --test signs, verifies and decrypts with RSA keys only
# (its one warning, a C_SignUpdate answered CKR_FUNCTION_NOT_SUPPORTED, is its multi-part
# probe of a mechanism it then signs with in one part)
grep -q 'testing key .*(rsa)' "$W/out" && grep -q 'RSA-PKCS: OK' "$W/out" &&
	! grep -q 'ERR\|rsa.*skipping' "$W/out"
ok $? "... it signed, verified and decrypted with the RSA key" || show

p11 --test-ec --login --pin $USER_PIN --session-rw --id 02 --key-type EC:prime256v1
ok $? "pkcs11-tool --test-ec --login --session-rw" || show
grep -qi 'ecdsa\|EC' "$W/out"
ok $? "... ran its EC tests" || show
diag "test-ec: $(grep -v '^Using' "$W/out" | tail -3 | tr '\n' ' ')"

p11 --login --pin $USER_PIN --list-objects --type secrkey
is "$(grep -c '^Secret Key Object' "$W/out")" 3 "the token secret keys are still there" ||
	show

done_testing
