#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6205 — TLS servers whose private key stays on the token, against a private server on
# 127.0.0.1 (a port nothing listened on, the server stopped by its PID):
#   - OpenSSL's s_server through libp11's engine, with an RSA-2048 and a P-256 token key,
#     each accepting s_client over TLS 1.2 and TLS 1.3 (RSA-PSS signatures for 1.3);
#   - GnuTLS: p11tool lists the token's keys and signs with each (--test-sign), and
#     gnutls-serv with each token key (--provider) accepts gnutls-cli over TLS 1.2 and 1.3.
# The certificates are self-signed on the token (openssl req -x509 -engine pkcs11); each
# client checks the server's certificate against them, so the handshake can only succeed
# when the token made the signature.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	exec timeout -k 5 200 "$RIG" --fresh -- "$0"
fi
. "$TOP/tests/rig/servers.sh"

. "$TOP/tests/rig/consumers.sh"
SRV=""
trap 'stop_pid $SRV; rm -rf "$W"' EXIT

token_with_keys t6205 01:rsa:2048:rsa 02:EC:prime256v1:ec
ok $? "a token with an RSA-2048 and a P-256 key" || show "$W/out"

# --- OpenSSL: libp11's engine -------------------------------------------------------------
if openssl engine pkcs11 >/dev/null 2>&1; then
	engine_conf "$W/openssl.cnf"
	export OPENSSL_CONF=$W/openssl.cnf
	for key in rsa ec; do
		uri="pkcs11:object=$key;type=private;pin-value=$USER_PIN"
		timeout 60 openssl req -new -x509 -days 2 -engine pkcs11 -keyform engine \
			-key "$uri" -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" -out "$W/$key.crt" >"$W/out" 2>&1
		ok $? "openssl req -x509 -engine pkcs11: a certificate self-signed by the $key key" ||
			show "$W/out"
		# port 0: the kernel picks a free one; s_server says which on its ACCEPT line
		timeout 90 openssl s_server -engine pkcs11 -keyform engine -key "$uri" \
			-cert "$W/$key.crt" -accept 127.0.0.1:0 -naccept 2 -www \
			>"$W/srv.$key" 2>&1 </dev/null &
		SRV=$!
		wait_file $SRV "$W/srv.$key" '^ACCEPT' 30
		ok $? "s_server with the $key token key is listening on 127.0.0.1" || show "$W/srv.$key"
		port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$W/srv.$key")
		for v in 1_2 1_3; do
			printf 'GET / HTTP/1.0\r\n\r\n' | timeout 30 openssl s_client -tls$v \
				-connect "127.0.0.1:$port" -CAfile "$W/$key.crt" -verify_return_error \
				-ign_eof >"$W/cli" 2>&1
			grep -q "Protocol *: TLSv${v/_/.}" "$W/cli" &&
				grep -q 'Verify return code: 0 (ok)' "$W/cli" &&
				grep -q '^HTTP/1.0 200' "$W/cli"
			ok $? "s_client: TLS ${v/_/.} with the $key key on the token, certificate verified" ||
				show "$W/cli"
		done
		[ "$key" = rsa ] && { grep -q 'Peer signature type: RSA-PSS' "$W/cli"
			ok $? "TLS 1.3 with the RSA key: an RSA-PSS signature made by the token" ||
				show "$W/cli"; }
		stop_pid $SRV
		SRV=""
	done
	unset OPENSSL_CONF
else
	diag "libengine-pkcs11-openssl is not installed: the OpenSSL TLS checks are skipped"
fi

# --- GnuTLS -------------------------------------------------------------------------------
if command -v p11tool >/dev/null && command -v gnutls-serv >/dev/null; then
	export GNUTLS_PIN=$USER_PIN
	tok="pkcs11:token=t6205"
	timeout 60 p11tool --provider "$M" --login --list-privkeys "$tok" >"$W/out" 2>&1 &&
		grep -q 'object=rsa;type=private' "$W/out" && grep -q 'object=ec;type=private' "$W/out"
	ok $? "p11tool --list-privkeys lists both token keys" || show "$W/out"
	for key in rsa ec; do
		timeout 60 p11tool --provider "$M" --login --test-sign \
			"$tok;object=$key;type=private" >"$W/out" 2>&1 &&
			grep -q 'Verifying against public key in the token' "$W/out" &&
			! grep -qi 'fail' "$W/out"
		ok $? "p11tool --test-sign: the $key key signs and its public key verifies" ||
			show "$W/out"
	done
	for key in rsa ec; do
		[ -s "$W/$key.crt" ] || continue
		port=$(pick_port)
		timeout 90 gnutls-serv --provider "$M" --x509keyfile "$tok;object=$key;type=private" \
			--x509certfile "$W/$key.crt" --port "$port" --echo --disable-client-cert \
			>"$W/gsrv" 2>&1 </dev/null &
		SRV=$!
		wait_listening $SRV "$port" 30
		ok $? "gnutls-serv with the $key token key is listening" || show "$W/gsrv"
		for v in TLS1.2 TLS1.3; do
			echo hello | timeout 30 gnutls-cli --x509cafile "$W/$key.crt" --port "$port" \
				--priority "NORMAL:-VERS-ALL:+VERS-$v" 127.0.0.1 >"$W/gcli" 2>&1
			grep -q "Description: ($v-" "$W/gcli" && grep -q '^hello' "$W/gcli" &&
				grep -q 'Status: The certificate is trusted' "$W/gcli"
			ok $? "gnutls-cli: $v with the token's $key key, certificate trusted" ||
				show "$W/gcli"
		done
		stop_pid $SRV
		SRV=""
	done
	unset GNUTLS_PIN
else
	diag "gnutls-bin is not installed: the GnuTLS checks are skipped"
fi

done_testing
