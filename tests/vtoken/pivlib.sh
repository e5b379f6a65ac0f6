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
