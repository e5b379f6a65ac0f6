#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# find_family: the Rutoken ECP script claims exactly the Rutoken ECP ATRs of OpenSC's rtecp
# table (with their masks) and nothing else: not Rutoken Lite, not Rutoken S, not an ATR one
# byte longer or shorter.
. "$(dirname "$0")/rig/tap.sh"

SK=$BUILD/sk-script
[ -x "$SK" ] || skip_all "$SK is missing (make)"

fam() { timeout 20 "$SK" --scripts "$TOP/scripts" --atr "$1" find_family 2>/dev/null | tail -n 1; }

while read -r want name atr; do
	is "$(fam "$atr")" "$want" "$name"
done <<'LIST'
rutoken_ecp Rutoken-ECP 3B8B015275746F6B656E20454350A0
rutoken_ecp Rutoken-ECP-DS 3B8B015275746F6B656E204453 20C1
rutoken_ecp ECP-SC-T0 3B9C96005275746F6B656E4543507363
rutoken_ecp ECP-SC-T0-other-interface-bytes 3B9C11225275746F6B656E4543507363
rutoken_ecp ECP-SC-T1 3B9C948011405275746F6B656E4543507363C3
rutoken_ecp ECP-SC-T1-masked-bytes-differ 3B9C958112415275746F6B656E454350736300
rutoken_ecp ECP-SC-NFC 3B888001527453437781 83206A
rutoken_ecp ECP-SC-NFC-tail-differs 3B888001527453430000000000
CKR_TOKEN_NOT_RECOGNIZED NFC-without-RtSC 3B888001527453447781 83206A
CKR_TOKEN_NOT_RECOGNIZED ECP-one-byte-changed 3B8B015275746F6B656E20454351A0
CKR_TOKEN_NOT_RECOGNIZED ECP-one-byte-longer 3B8B015275746F6B656E20454350A000
CKR_TOKEN_NOT_RECOGNIZED ECP-one-byte-shorter 3B8B015275746F6B656E20454350
CKR_TOKEN_NOT_RECOGNIZED Rutoken-Lite 3B8B015275746F6B656E6C697465C2
CKR_TOKEN_NOT_RECOGNIZED Rutoken-S 3B6F00FF00567275546F6B6E7330200000 9000
CKR_TOKEN_NOT_RECOGNIZED ECP-SC-T0-historical-bytes-differ 3B9C96005275746F6B656E4543507364
LIST

done_testing
