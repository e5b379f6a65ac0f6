#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6202 — real consumers sign with token keys through our module: OpenSSL through libp11's
# engine (libengine-pkcs11-openssl) makes certificate requests signed by an RSA and a P-256
# key that `openssl req -verify` accepts; ssh-keygen -D prints the same RSA and ECDSA public
# keys that pkcs11-tool exports. Keys are generated with pkcs11-tool --keypairgen.
# Like the t51xx tests it re-executes itself inside a rig with a fresh token (under timeout).
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	need_pkg libengine-pkcs11-openssl /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
	need_pkg openssh-client /usr/bin/ssh-keygen
	exec timeout -k 5 200 "$RIG" --fresh -- "$0"
fi

. "$TOP/tests/rig/consumers.sh"
trap 'rm -rf "$W"' EXIT


token_with_keys t6202 01:rsa:2048:rsa 02:EC:prime256v1:ec
ok $? "a token with PINs, an RSA-2048 and a P-256 key (pkcs11-tool --keypairgen)" || show

# --- OpenSSL through libp11's engine ------------------------------------------------------
engine=/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
if [ -e "$engine" ] || openssl engine pkcs11 >/dev/null 2>&1; then
	engine_conf "$W/openssl.cnf"
	for key in rsa ec; do
		OPENSSL_CONF="$W/openssl.cnf" timeout 60 openssl req -new -engine pkcs11 \
			-keyform engine -key "pkcs11:object=$key;type=private;pin-value=$USER_PIN" \
			-subj "/CN=t6202 $key" -out "$W/$key.csr" >"$W/out" 2>&1
		ok $? "openssl req -engine pkcs11 makes a CSR signed by the $key key" || show
		openssl req -verify -in "$W/$key.csr" -noout >"$W/out" 2>&1
		ok $? "openssl req -verify accepts the $key CSR" || show
		grep -q 'verify OK' "$W/out"; ok $? "its self-signature verifies ($key)" || show
	done
else
	false; ok $? "libp11's engine is there (Debian package libengine-pkcs11-openssl)"
fi

# --- ssh-keygen -D ----------------------------------------------------------------------------
if command -v ssh-keygen >/dev/null; then
	timeout 60 ssh-keygen -D "$M" >"$W/ssh.pub" 2>"$W/out"
	ok $? "ssh-keygen -D lists the token's keys" || show
	for id in 01 02; do
		p11 --read-object --type pubkey --id $id -o "$W/$id.der" &&
			openssl pkey -pubin -inform DER -in "$W/$id.der" -out "$W/$id.pem" 2>"$W/out" &&
			ssh-keygen -i -m PKCS8 -f "$W/$id.pem" >"$W/$id.ssh" 2>"$W/out"
		if [ $? -ne 0 ]; then
			# OpenSC 0.23's pkcs11-tool cannot export a P-256 key with OpenSSL 3 (t6201)
			diag "key $id: no independent export, compared by type only"
			want=$([ $id = 01 ] && echo ssh-rsa || echo ecdsa-sha2-nistp256)
			grep -q "^$want " "$W/ssh.pub"; ok $? "ssh-keygen -D prints a $want key" || show
			continue
		fi
		read -r type blob _ <"$W/$id.ssh"
		grep -q "^$type $blob" "$W/ssh.pub"
		ok $? "ssh-keygen -D prints key $id ($type) as exported by pkcs11-tool" || show
	done
else
	false; ok $? "ssh-keygen is there (Debian package openssh-client)"
fi

done_testing
