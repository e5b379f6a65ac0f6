#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# scripts/lib against transcripts, through the test family tests/scripts/libtest: ISO
# command chaining (CLA 10 on all chunks but the last), READ BINARY in 256-byte and UPDATE
# BINARY in 255-byte chunks, a short read, a chained chunk the card refuses, SELECT by
# path (P1=08 without 3F00; 3F00 alone by FID), and a PKCS#15 encode/decode round trip.
. "$(dirname "$0")/rig/tap.sh"

SK=$BUILD/sk-script
[ -x "$SK" ] || skip_all "$SK is missing (make)"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/scripts"
ln -s "$TOP/scripts/lib" "$W/scripts/lib"
ln -s "$TOP/tests/scripts/libtest" "$W/scripts/libtest"

# bytes N HH: N times the byte HH, blank-separated
bytes() { local i out=; for ((i = 0; i < $1; i++)); do out="$out $2"; done; echo "$out"; }
run() {         # run TRANSCRIPT FUNCTION ARG
	timeout 20 "$SK" --scripts "$W/scripts" --family libtest --transcript "$1" call "$2" "$3" 2>"$W/err"
}

{ echo "> 10 DA 01 02 FF $(bytes 255 AB)"; echo "< 90 00"
  echo "> 00 DA 01 02 2D $(bytes 45 AB)"; echo "< 01 02 90 00"; } >"$W/t1"
is "$(run "$W/t1" chain 300)" "9000 2" "300 bytes go as a chained 255 + 45"

{ echo "> 10 DA 01 02 FF $(bytes 255 AB)"; echo "< 6A 80"; } >"$W/t2"
is "$(run "$W/t2" chain 300)" "nil CKR_DEVICE_ERROR 6A80" "a refused chunk ends the chain"

{ echo "> 00 B0 00 00 00"; echo "< $(bytes 256 00) 90 00"
  echo "> 00 B0 01 00 00"; echo "< $(bytes 256 00) 90 00"
  echo "> 00 B0 02 00 0A"; echo "< $(bytes 10 00) 90 00"; } >"$W/t3"
is "$(run "$W/t3" read 522)" 522 "522 bytes are read as 256 + 256 + 10"

{ echo "> 00 B0 00 00 00"; echo "< $(bytes 100 00) 62 82"; } >"$W/t4"
is "$(run "$W/t4" read 300)" 100 "62 82 ends a short file"

{ echo "> 00 B0 00 00 10"; echo "< $(bytes 17 00) 90 00"; } >"$W/t5"
is "$(run "$W/t5" read 16)" "nil CKR_DEVICE_ERROR 9000" "more bytes than asked for is an error"

{ echo "> 00 D6 00 00 FF $(bytes 255 11)"; echo "< 90 00"
  echo "> 00 D6 00 FF 2D $(bytes 45 11)"; echo "< 90 00"; } >"$W/t6"
is "$(run "$W/t6" update 300)" ok "300 bytes are written as 255 + 45 at offsets 0000 and 00FF"

{ echo "> 00 A4 08 00 04 50 00 50 32 00"
  echo "< 62 1D 80 02 00 80 82 02 01 00 83 02 50 32 86 0F 43 00 00 00 00 00 00 02 00 00 00 00 00 00 00 90 00"; } >"$W/t7"
is "$(run "$W/t7" select 3F0050005032)" "fid=5032 type=01 size=128" "SELECT by path: P1=08, no 3F00"

{ echo "> 00 A4 00 00 02 3F 00 00"; echo "< 61 05"
  echo "> 00 C0 00 00 05"; echo "< 62 03 83 01 3F 90 00"; } >"$W/t8"
is "$(run "$W/t8" select 3F00)" "nil CKR_DEVICE_ERROR 9000" \
	"SELECT 3F00 by FID; GET RESPONSE; a 1-byte FID is refused"

: >"$W/t9"
is "$(run "$W/t9" p15 Ünïcode)" "label=Ünïcode login_required=true pins=1 ref=2 min=4 so=false" \
	"PKCS#15 TokenInfo and PIN object round trip"

done_testing
