# SPDX-License-Identifier: BSD-2-Clause
#
# consumers.sh — what the consumer tests (t62xx, t9114) share once they run inside a rig.
# Source it after tap.sh. It sets
#   M         the module under test, an absolute path (SCRIPTOKI_MODULE or $BUILD's)
#   SO_PIN, USER_PIN
#   W         a fresh work folder (the test's EXIT trap removes it)
# and defines
#   p11 ARGS...              pkcs11-tool on slot index 0 of the module, output in $W/out
#   show [FILE]              FILE (default $W/out) as TAP diagnostics
#   token_with_keys LABEL ID:TYPE:NAME...
#                            C_InitToken with LABEL, a user PIN, then one key pair per
#                            argument (TYPE as pkcs11-tool's --key-type, e.g.
#                            rsa:2048, EC:prime256v1); fails at the first step that fails
#   engine_conf FILE         an OpenSSL configuration loading libp11's engine for $M,
#                            with an empty [req] distinguished name (openssl req -subj)

M=${SCRIPTOKI_MODULE:-$BUILD/scriptoki-pkcs11.so}
M=$(cd "$(dirname "$M")" && pwd)/$(basename "$M")
SO_PIN=87654321
USER_PIN=12345678
W=$(mktemp -d)

p11() { timeout 60 pkcs11-tool --module "$M" --slot-index 0 "$@" >"$W/out" 2>&1; }
show() { sed 's/^/#   /' "${1:-$W/out}" >&2; }

token_with_keys() {
	local label=$1 k id type name
	shift
	p11 --init-token --label "$label" --so-pin $SO_PIN &&
		p11 --init-pin --login --login-type so --so-pin $SO_PIN --new-pin $USER_PIN ||
		return 1
	for k in "$@"; do
		# TYPE itself may hold a colon (rsa:2048): ID is the first field, NAME the last
		id=${k%%:*}
		name=${k##*:}
		type=${k#*:}
		type=${type%:*}
		p11 --login --pin $USER_PIN --keypairgen --key-type "$type" --id "$id" \
			--label "$name" || return 1
	done
}

engine_conf() {
	cat >"$1" <<-EOF
		openssl_conf = openssl_init
		[openssl_init]
		engines = engine_section
		[engine_section]
		pkcs11 = pkcs11_section
		[pkcs11_section]
		engine_id = pkcs11
		MODULE_PATH = $M
		init = 0
		[req]
		distinguished_name = dn
		[dn]
	EOF
}
