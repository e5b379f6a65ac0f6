# SPDX-License-Identifier: BSD-2-Clause
#
# pivlib.sh — shared functions of the virtual PIV card's shell tests; source it after
# tests/rig/tap.sh.
#
#   piv_need [FILE...]      the rig, the virtual token and yubico-piv-tool
#   piv_rig RIG-OPTIONS...  re-run this test inside with-tokens with one PIV card
#                           (token 0, or the one after the Rutoken ECPs of "-n N")
#   PIV                     the index of the PIV card; PIV_READER its reader
#   ypt ARGS...             yubico-piv-tool on the PIV card's reader
#   piv_ctl / piv_state     the control channel of the PIV card (as vt_ctl / vt_state)
#   piv_inside [--no-conf]  inside the rig, what the tests of Scriptoki on the card share:
#                           the card found (piv_find) with its APDU trace, else the test
#                           fails; M the module, W a work folder the EXIT trap removes,
#                           SCRIPTOKI_SCRIPTS the scripts, SCRIPTOKI_CONF a file with the
#                           card's management key (--no-conf: /dev/null); piv ARGS runs
#                           pkcs11-tool on the card through M, show FILE prints FILE as
#                           TAP diagnostics
#   piv_san_env             under make check-asan, the environment (as words for env) a
#                           process other than pkcs11-tool needs to load M

PIV_PIN=123456
PIV_PUK=12345678
PIV_MGM=010203040506070801020304050607080102030405060708
VTCTL=$BUILD/vtoken-ctl
PROBE=$BUILD/pcsc-probe

piv_need() {
	need_pkg yubico-piv-tool /usr/bin/yubico-piv-tool
	need_pkg openssl /usr/bin/openssl
	need_rig "$BUILD/vtoken" "$VTCTL" "$PROBE" "$@"
}

piv_rig() {
	local self
	self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
	exec timeout 300 "$RIG" "$@" -- "$self" --inside
}

# the first token of kind piv
piv_find() {
	local i kind
	for ((i = 0; i < ${VTOKEN_COUNT:-0}; i++)); do
		kind=VTOKEN${i}_KIND
		if [ "${!kind:-}" = piv ]; then
			PIV=$i
			local r=VTOKEN${i}_READER c=VTOKEN${i}_CTL s=VTOKEN${i}_STATE t=VTOKEN${i}_TRACE
			PIV_READER=${!r} PIV_CTL=${!c} PIV_STATE=${!s} PIV_TRACE=${!t:-}
			return 0
		fi
	done
	return 1
}

ypt() { yubico-piv-tool -r "$PIV_READER" "$@"; }
piv_ctl() { "$VTCTL" "$PIV_CTL" "$@"; }
piv_state() { piv_ctl state | tr ' ' '\n' | sed -n "s/^$1=//p"; }

piv_inside() {
	piv_find || { echo "1..1"; echo "not ok 1 - the rig has no PIV card"; exit 1; }
	[ -n "${PIV_TRACE:-}" ] ||
		{ echo "1..1"; echo "not ok 1 - the rig keeps no APDU trace"; exit 1; }
	M=$BUILD/scriptoki-pkcs11.so
	W=$(mktemp -d)
	trap 'rm -rf "$W"' EXIT
	export SCRIPTOKI_SCRIPTS=$TOP/scripts
	if [ "${1:-}" = --no-conf ]; then
		export SCRIPTOKI_CONF=/dev/null
	else
		printf 'piv.management_key = %s\n' "$PIV_MGM" >"$W/scriptoki.conf"
		export SCRIPTOKI_CONF=$W/scriptoki.conf
	fi
}

piv() { timeout 60 pkcs11-tool --module "$M" --slot-index 0 "$@"; }
show() { sed 's/^/#   /' "$1" >&2; }

# The module of the sanitizer build needs the sanitizer's runtime first in the process (as
# tests/sanitize/bin/pkcs11-tool does; Python's own allocations are not the module's
# leaks; PyKCS11's C++ exceptions need libstdc++ loaded before ASan resolves __cxa_throw).
piv_san_env() {
	if [ -n "${SAN_PRELOAD:-}" ] && [ -n "${SAN_MODULE:-}" ] &&
		[ "$(readlink -f -- "$M")" = "$(readlink -f -- "$SAN_MODULE")" ]; then
		echo "LD_PRELOAD=$SAN_PRELOAD:libstdc++.so.6" \
			"ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	fi
}
