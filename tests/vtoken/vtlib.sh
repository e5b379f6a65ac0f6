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
