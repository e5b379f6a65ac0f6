#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6209 — NSS serves TLS and issues certificates with a token key:
#   - the module added to a private NSS database with modutil, marked FRIENDLY (its
#     certificates readable without a login, which NSS needs to find the issuer's key);
#   - `certutil -C` issues a certificate for a request, signed by the token's RSA key as
#     the issuer, and OpenSSL verifies it against the token's certificate;
#   - `selfserv` with the token's key and certificate accepts OpenSSL's s_client over
#     TLS 1.2 and 1.3, the certificate verified.
# selfserv has no option to bind one address: the test runs in a private network
# namespace whose only interface is the loopback (unshare --net, as root), so the server
# is reachable on 127.0.0.1 and nowhere else. Without one the selfserv checks are skipped.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	need_pkg libnss3-tools /usr/bin/modutil /usr/bin/certutil
	openssl engine pkcs11 >/dev/null 2>&1 ||
		skip_all "libengine-pkcs11-openssl is not installed (it makes the token's certificate)"
	if unshare --net true 2>/dev/null && command -v ip >/dev/null; then
		exec timeout -k 5 200 unshare --net sh -c 'ip link set lo up && exec "$@"' sh \
			"$RIG" --fresh -- "$0"
	fi
	exec timeout -k 5 200 "$RIG" --fresh -- "$0"
fi
. "$TOP/tests/rig/servers.sh"

. "$TOP/tests/rig/consumers.sh"
SRV=""
trap 'stop_pid $SRV; rm -rf "$W"' EXIT

token_with_keys t6209 01:rsa:2048:tls
ok $? "a token with an RSA-2048 key" || show "$W/out"
engine_conf "$W/openssl.cnf"
OPENSSL_CONF="$W/openssl.cnf" timeout 60 openssl req -new -x509 -days 2 -engine pkcs11 \
	-keyform engine -key "pkcs11:object=tls;type=private;pin-value=$USER_PIN" \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" \
	-outform DER -out "$W/tok.der" >"$W/out" 2>&1 &&
	openssl x509 -inform DER -in "$W/tok.der" -out "$W/tok.pem" &&
	p11 --login --pin $USER_PIN --write-object "$W/tok.der" --type cert --id 01 --label tls
ok $? "the token's certificate, self-signed by its key, stored beside it" || show "$W/out"

db=sql:$W/nssdb
mkdir "$W/nssdb"
echo $USER_PIN >"$W/pw"
head -c 64 /dev/urandom >"$W/noise"
certutil -N -d "$db" --empty-password >"$W/out" 2>&1
ok $? "an empty NSS database" || show "$W/out"
echo | timeout 60 modutil -force -dbdir "$db" -add scriptoki -libfile "$M" \
	-mechanisms FRIENDLY >"$W/out" 2>&1
ok $? "modutil adds the module, marked FRIENDLY" || show "$W/out"
# NSS keeps it as the slot flag PublicCerts in the database's module list
grep -q 'slotFlags=[^]]*PublicCerts' "$W/nssdb/pkcs11.txt"
ok $? "... which NSS records as the token slot's PublicCerts flag" || show "$W/nssdb/pkcs11.txt"
timeout 60 certutil -L -d "$db" -h t6209 >"$W/out" 2>&1 && grep -q '^t6209:tls ' "$W/out"
ok $? "certutil sees the token's certificate without a login" || show "$W/out"

# --- certutil -C: the token's key signs a certificate -----------------------------------
timeout 60 certutil -R -d "$db" -s "CN=t6209 leaf" -k rsa -g 2048 -z "$W/noise" \
	-o "$W/leaf.req" >"$W/out" 2>&1
ok $? "a certificate request from a key in the database" || show "$W/out"
timeout 60 certutil -C -d "$db" -f "$W/pw" -c "t6209:tls" -i "$W/leaf.req" -m 6209 -v 12 \
	-o "$W/leaf.der" >"$W/out" 2>&1
ok $? "certutil -C issues it with the token's key as the issuer's" || show "$W/out"
openssl x509 -inform DER -in "$W/leaf.der" -out "$W/leaf.pem" 2>"$W/out" &&
	openssl verify -CAfile "$W/tok.pem" "$W/leaf.pem" >"$W/out" 2>&1 &&
	openssl x509 -in "$W/leaf.pem" -noout -issuer | grep -q 'CN *= *127.0.0.1'
ok $? "OpenSSL verifies the issued certificate against the token's" || show "$W/out"

# --- selfserv -----------------------------------------------------------------------------
if [ "$(ip -o link 2>/dev/null | wc -l)" = 1 ]; then
	port=$(pick_port)
	timeout 90 selfserv -d "$db" -f "$W/pw" -n "t6209:tls" -p "$port" -V tls1.2:tls1.3 \
		>"$W/srv" 2>&1 </dev/null &
	SRV=$!
	wait_listening $SRV "$port" 30
	ok $? "selfserv with the token's key listens (only loopback exists here)" || show "$W/srv"
	for v in 1_2 1_3; do
		printf 'GET / HTTP/1.0\r\n\r\n' | timeout 30 openssl s_client -tls$v \
			-connect "127.0.0.1:$port" -CAfile "$W/tok.pem" -verify_return_error \
			-ign_eof >"$W/cli" 2>&1
		grep -qE "New, TLSv${v/_/.}, Cipher|Protocol *: TLSv${v/_/.}" "$W/cli" &&
			grep -q 'Verify return code: 0 (ok)' "$W/cli"
		ok $? "s_client: TLS ${v/_/.} to selfserv, the token signing, certificate verified" ||
			show "$W/cli"
	done
	stop_pid $SRV
	SRV=""
else
	diag "no private network namespace (unshare --net needs root): selfserv, which binds" \
		"every address, is not started"
fi
done_testing
