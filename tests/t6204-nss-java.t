#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6204 — NSS and Java load the module and use the token:
#   - NSS (modutil, certutil): the module is added to a private NSS database and listed
#     with its slot and token; after login certutil lists the token's RSA key, and makes a
#     certificate request signed by it that OpenSSL verifies;
#   - Java's SunPKCS11 provider (keytool): the module loads as a PKCS11 keystore and the
#     login succeeds.
# It re-executes itself inside a rig with a fresh virtual token (under timeout).
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	need_pkg libnss3-tools /usr/bin/modutil /usr/bin/certutil
	command -v keytool >/dev/null || need_fail openjdk-17-jdk-headless "Java's keytool"
	exec timeout -k 5 240 "$RIG" --fresh -- "$0"
fi

M=${SCRIPTOKI_MODULE:-$BUILD/scriptoki-pkcs11.so}
M=$(cd "$(dirname "$M")" && pwd)/$(basename "$M")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
show() { sed 's/^/#   /' "$W/out" >&2; }
p11() { timeout 60 pkcs11-tool --module "$M" --slot-index 0 "$@" >"$W/out" 2>&1; }

p11 --init-token --label t6204 --so-pin 87654321 &&
	p11 --init-pin --login --login-type so --so-pin 87654321 --new-pin 12345678 &&
	p11 --login --pin 12345678 --keypairgen --key-type rsa:2048 --id 01 --label "nss key"
ok $? "a token with PINs and an RSA-2048 key pair" || show
echo 12345678 >"$W/pw"
head -c 64 /dev/urandom >"$W/noise"

# --- NSS --------------------------------------------------------------------------------
db=sql:$W/nssdb
mkdir "$W/nssdb"
certutil -N -d "$db" --empty-password >"$W/out" 2>&1
ok $? "an empty NSS database" || show
echo | timeout 60 modutil -force -dbdir "$db" -add scriptoki -libfile "$M" >"$W/out" 2>&1
ok $? "modutil adds the module" || show
# (modutil -list complains, and exits non-zero, about every slot without a token — the
# rig's second vpcd reader is one — whatever the module; OpenSC's does the same)
timeout 60 modutil -dbdir "$db" -list scriptoki >"$W/out" 2>&1
grep -q "Name: scriptoki" "$W/out"
ok $? "modutil lists it" || show
is "$(grep -c 'ERROR' "$W/out")" 1 "... complaining only about the empty second reader" || show
grep -q "Token Name: t6204" "$W/out"
ok $? "... with the token in its slot" || show
grep -q "PKCS #11 Version 3.2" "$W/out"
ok $? "... and the Cryptoki version it reports" || show
timeout 60 certutil -K -d "$db" -h t6204 -f "$W/pw" >"$W/out" 2>&1
grep -q "rsa .*nss key" "$W/out"
ok $? "certutil logs in and lists the token's RSA key" || show
timeout 60 certutil -R -d "$db" -h t6204 -f "$W/pw" -z "$W/noise" -k 01 \
	-s "CN=Scriptoki NSS test" -o "$W/req.der" >"$W/out" 2>&1
ok $? "certutil makes a certificate request signed on the token" || show
openssl req -inform DER -in "$W/req.der" -verify -noout >"$W/out" 2>&1
ok $? "OpenSSL verifies the request's signature" || show

# --- Java SunPKCS11 -------------------------------------------------------------------------
if command -v keytool >/dev/null; then
	printf 'name = Scriptoki\nlibrary = %s\nslotListIndex = 0\n' "$M" >"$W/java.cfg"
	timeout 120 keytool -list -keystore NONE -storetype PKCS11 \
		-providerClass sun.security.pkcs11.SunPKCS11 -providerArg "$W/java.cfg" \
		-storepass 12345678 >"$W/out" 2>&1
	ok $? "keytool opens the token as a PKCS11 keystore (SunPKCS11) and logs in" || show
	grep -q "Keystore provider: SunPKCS11-Scriptoki" "$W/out"
	ok $? "... through the Scriptoki provider instance" || show
	timeout 120 keytool -list -keystore NONE -storetype PKCS11 \
		-providerClass sun.security.pkcs11.SunPKCS11 -providerArg "$W/java.cfg" \
		-storepass 11111111 >"$W/out" 2>&1
	[ $? -ne 0 ]; ok $? "... and refuses a wrong PIN" || show
else
	false; ok $? "Java's keytool is there (Debian package openjdk-17-jdk-headless)"
fi
done_testing
