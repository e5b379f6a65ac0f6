#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Foreign consumers of the PIV family through Scriptoki: after yubico-piv-tool generated an
# RSA-2048 key in 9A and a P-256 key in 9C, ssh-keygen -D lists both public keys, and
# OpenSSL through libp11's engine signs a certificate request with the 9A key whose public
# key is the card's. Not run under ASan (programs not built with it load the module; see
# tests/sanitize/sanitize.mk).
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/pivlib.sh"
if [ "${1:-}" != --inside ]; then
	[ -n "${SAN_MODULE:-}" ] && skip_all "foreign consumers are not run under a sanitizer"
	piv_need "$BUILD/scriptoki-pkcs11.so"
	need_pkg openssh-client /usr/bin/ssh-keygen
	need_pkg libengine-pkcs11-openssl /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
	piv_rig -n 1 --piv 1 --fresh
fi
piv_find || { echo "1..1"; echo "not ok 1 - the rig has no PIV card"; exit 1; }
. "$TOP/tests/rig/consumers.sh"
trap 'rm -rf "$W"' EXIT
export SCRIPTOKI_SCRIPTS=$TOP/scripts

ypt -a generate -s 9a -A RSA2048 -o "$W/9a.pub" >/dev/null 2>&1
ok $? "yubico-piv-tool: RSA-2048 key in 9a"
ypt -a generate -s 9c -A ECCP256 -o "$W/9c.pub" >/dev/null 2>&1
ok $? "yubico-piv-tool: P-256 key in 9c"

# ssh-keygen -D: the keys through Scriptoki
timeout 60 ssh-keygen -D "$M" >"$W/ssh" 2>/dev/null
ok $? "ssh-keygen -D"
ssh-keygen -i -m PKCS8 -f "$W/9a.pub" >"$W/9a.ssh" 2>/dev/null
grep -qF "$(cut -d' ' -f2 "$W/9a.ssh")" "$W/ssh"; ok $? "ssh-keygen -D: the 9A key"
ssh-keygen -i -m PKCS8 -f "$W/9c.pub" >"$W/9c.ssh" 2>/dev/null
grep -qF "$(cut -d' ' -f2 "$W/9c.ssh")" "$W/ssh"; ok $? "ssh-keygen -D: the 9C key"
# OpenSSL through libp11's engine: a CSR signed by the 9A key, its public key the card's
engine_conf "$W/openssl.cnf"
OPENSSL_CONF="$W/openssl.cnf" timeout 60 openssl req -new -engine pkcs11 -keyform engine \
	-key "pkcs11:token=PIV%20Card;object=PIV%20AUTH%20key;type=private;pin-value=$PIV_PIN" \
	-subj "/CN=t9110" -out "$W/req.csr" >/dev/null 2>&1
ok $? "openssl req -engine pkcs11: a CSR signed by the 9A key"
openssl req -verify -in "$W/req.csr" -noout 2>&1 | grep -q "verify OK"
ok $? "... its self-signature verifies"
openssl req -in "$W/req.csr" -noout -pubkey >"$W/req.pub" 2>/dev/null
cmp -s <(openssl pkey -pubin -in "$W/req.pub" -outform der 2>/dev/null) \
	<(openssl pkey -pubin -in "$W/9a.pub" -outform der 2>/dev/null)
ok $? "... with the public key yubico-piv-tool generated"
done_testing
