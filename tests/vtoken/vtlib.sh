# SPDX-License-Identifier: BSD-2-Clause
#
# vtlib.sh — helpers for the virtual token's shell tests; source it after tests/rig/tap.sh.
#
#   vt_need [FILE...]       OpenSC and the rig (need_opensc, need_rig FILE...)
#   vt_rig RIG-OPTIONS...   re-run this test inside with-tokens (the test sees --inside)
#   vt_state FIELD          a field of the token's "state" answer (control channel)
#   vt_ctl COMMAND...       a control command to token 0
#   opensc_init             erase + create-pkcs15 + user PIN + finalize with OpenSC
#   opensc_keys             opensc_init, then an RSA-2048 key (id 11) and a GOST-2001 key (id 22)
#   vt_p11_token LABEL      inside the rig: W a work folder the EXIT trap removes, MOD the
#                           module, p11 ARGS pkcs11-tool on it; then two tests: pkcs11-tool
#                           initialises the token as LABEL with both PINs, and -M lists
#                           the mechanisms (into $W/mechs); p11_mech NAME: the line of NAME
#   hex                     stdin as lower-case hex, no spaces
#   VT_VERIFY               the APDU of VERIFY with the user PIN
#   vt_sk_create REF KIND SIZE   CREATE FILE of a secret-key RSF in 6003 (all hex; KIND the
#                           first byte of its proprietary attributes, 0A GOST 28147 ...)
#   vt_sk_write VALUE       CHANGE REFERENCE DATA of the RSF just created (VALUE hex)
#   vt_lc DATA              the Lc byte of hex DATA

P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
VTCTL=$BUILD/vtoken-ctl
PROBE=$BUILD/pcsc-probe
USER_PIN=12345678
SO_PIN=87654321

vt_need() {
	need_opensc
	need_rig "$BUILD/vtoken" "$VTCTL" "$PROBE" "$@"
}

vt_rig() {
	local self
	self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
	exec timeout 300 "$RIG" "$@" -- "$self" --inside
}

vt_ctl() { "$VTCTL" "$VTOKEN0_CTL" "$@"; }

vt_state() { vt_ctl state | tr ' ' '\n' | sed -n "s/^$1=//p"; }

opensc_init() {
	pkcs15-init --erase-card -p rutoken_ecp &&
	pkcs15-init --create-pkcs15 --so-pin "$SO_PIN" --so-puk "" &&
	pkcs15-init --store-pin --label "User PIN" --auth-id 02 --pin "$USER_PIN" --puk "" \
		--so-pin "$SO_PIN" --finalize
}

opensc_keys() {
	opensc_init &&
	pkcs15-init -G rsa/2048 --auth-id 02 --id 11 --key-usage sign,decrypt \
		--pin "$USER_PIN" --label rsakey &&
	pkcs15-init -G gost2001 --auth-id 02 --id 22 --pin "$USER_PIN" --label gostkey
}

vt_p11_token() {
	W=$(mktemp -d)
	trap 'rm -rf "$W"' EXIT
	MOD=$BUILD/scriptoki-pkcs11.so
	p11() { timeout 60 pkcs11-tool --module "$MOD" "$@"; }
	p11_mech() { grep -E "^ *$1[, ]" "$W/mechs" | head -1; }

	p11 --init-token --label "$1" --so-pin "$SO_PIN" >"$W/out" 2>&1 &&
		p11 --login --login-type so --so-pin "$SO_PIN" --init-pin --pin "$USER_PIN" \
			>>"$W/out" 2>&1
	ok $? "pkcs11-tool initialises the token and its user PIN" || cat "$W/out" >&2
	p11 -M >"$W/mechs" 2>&1
	ok $? "pkcs11-tool -M" || cat "$W/mechs" >&2
}

hex() { od -An -v -tx1 | tr -d ' \n'; }

# vt_rsa_full FILE BITS: a new RSA key in FILE whose CRT parts all have half the modulus'
# bytes, as OpenSC's Rutoken ECP store needs (tests/vtoken/rsa-full says why)
vt_rsa_full() {
	"$TOP/tests/vtoken/rsa-full" "$@"
}
VT_VERIFY=0020000208$(printf %s "$USER_PIN" | hex)

# The secret-key RSF's security attributes: write 2, use 2, delete 2 (the private-key RSF
# conditions OpenSC writes; tests/vtoken/README.md, "Secret keys")
VT_SK_SEC=860F460002020000000200000000000000
vt_sk_create() {
	echo "00E0000027 6F25 8002$3 82021000 830200$1 8506${2}00 00AA0000 $VT_SK_SEC" | tr -d ' '
}
vt_sk_write() {
	local n=$((${#1} / 2))
	printf '00240100%02X800200%02XA5%02X%s\n' $((n + 6)) $n $n "$1"
}
vt_lc() { printf '%02X' $((${#1} / 2)); }
