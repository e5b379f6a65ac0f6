#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# All or nothing for token objects, with the virtual token failing each APDU in turn
# (vtoken-ctl fail-at N 6F00: the Nth APDU is answered 6F 00 without being executed):
#   generate_key_pair (RSA-1024 on a token without PrKDF/PuKDF, so that the directories
#   are created; P-256 on a token that has them), create_object (a certificate, a private
#   data object), set_attributes (a new label) — every failure returns an error and
#   leaves the token's state file byte for byte as it was;
#   destroy_object of a key pair — every failure leaves the token as it was, or (after the
#   directory entry is gone, its commit) the key is destroyed and an RSF that could not be
#   deleted is left for the next change to reclaim.
# The calls go through the objtest family (tests/scripts/objtest) and build/sk-script.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/vtlib.sh"
if [ "${1:-}" != --inside ]; then
	vt_need "$BUILD/sk-script"
	need_pkg openssl /usr/bin/openssl
	need_py python3-cryptography cryptography
	vt_rig --fresh
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/scripts"
ln -s "$TOP/scripts/lib" "$W/scripts/lib"
ln -s "$TOP/scripts/rutoken_ecp" "$W/scripts/rutoken_ecp"
ln -s "$TOP/tests/scripts/objtest" "$W/scripts/objtest"

obj() { timeout 60 "$BUILD/sk-script" --scripts "$W/scripts" --family objtest \
	--reader "$VTOKEN0_READER" call "$@"; }
# objl FUNCTION ARG: the same, the user logging in first in the same transaction (the
# rig's pcscd powers an idle card off between two processes, and the login with it)
objl() { obj "$1" "@$USER_PIN,$2"; }
sk() { timeout 30 "$BUILD/sk-script" --scripts "$TOP/scripts" --family rutoken_ecp \
	--reader "$VTOKEN0_READER" "$@"; }
count() { vt_ctl count | sed 's/^ok //'; }
snap() { sha256sum <"$VTOKEN0_STATE" | cut -d' ' -f1; }

# APDUs one clean call sends (its result in $W/clean)
apdus() {
	local before after
	before=$(count)
	objl "$@" >"$W/clean"
	after=$(count)
	echo $((after - before))
}

# faults NAME CALL ARG: fail the 1st, 2nd, ... APDU of the call until the call gets
# through (the fault then lies past its end); every failure must leave the state file as
# it was. Sets n (the APDUs of the call that succeeded), bad, and $W/clean (its output).
faults() {
	local name=$1 i rv before after
	shift
	bad=0
	n=0
	for i in $(seq 1 200); do
		before=$(snap)
		vt_ctl fail-at "$i" 6F00 >/dev/null
		rv=$(objl "$@")
		vt_ctl fail-at 1000000 6F00 >/dev/null  # disarm if the call sent fewer APDUs
		after=$(snap)
		case $rv in
		CKR_*)
			[ "$before" = "$after" ] ||
				{ diag "$name fault $i ($rv): the token changed"; bad=1; } ;;
		*)
			echo "$rv" >"$W/clean"
			n=$((i - 1))
			return ;;
		esac
	done
	diag "$name: still failing after 200 faults"
	bad=1
}

opensc_init >"$W/log" 2>&1
ok $? "OpenSC initialises the token (no key directories yet)" || cat "$W/log" >&2
is "$(sk login user "$USER_PIN")" CKR_OK "user login"

GEN_RSA="RSA_PKCS_KEY_PAIR_GEN,pub.MODULUS_BITS=1024,priv.LABEL=s:k1"
GEN_EC="EC_KEY_PAIR_GEN,pub.EC_PARAMS=x:06082A8648CE3D030107,priv.LABEL=s:k2"

# --- generate_key_pair, creating PrKDF, PuKDF and their ODF entries ------------------
faults gen-rsa gen "$GEN_RSA"
is "$bad" 0 "generate_key_pair RSA (new directories): each of its $n APDUs failing leaves the token unchanged"
grep -q '^prkey:3F001000100060020001 ' "$W/clean"; ok $? "... then the pair is generated, key reference 1"
[ "$n" -ge 15 ]; ok $? "... which took $n APDUs (the directories were created)"

# --- generate_key_pair when the directories exist --------------------------------------
faults gen-ec gen "$GEN_EC"
is "$bad" 0 "generate_key_pair EC: each of its $n APDUs failing leaves the token unchanged"
grep -q '^prkey:3F001000100060020002 ' "$W/clean"; ok $? "... then the pair is generated, key reference 2"

# --- create_object ----------------------------------------------------------------------
openssl req -x509 -newkey rsa:1024 -nodes -keyout "$W/k.pem" -subj /CN=Scriptoki -days 2 \
	-outform DER -out "$W/c.der" 2>/dev/null
ok $? "a self-signed certificate for the test"
CERT="CLASS=CKO_CERTIFICATE,CERTIFICATE_TYPE=CKC_X_509,LABEL=s:cert,ID=x:01,VALUE=x:$(od -An -tx1 -v "$W/c.der" | tr -d ' \n')"
faults create-cert create "$CERT"
is "$bad" 0 "create_object certificate (new CDF): each of its $n APDUs failing leaves the token unchanged"
grep -q '^cert:3F0050000300 ' "$W/clean"; ok $? "... then it is stored in 0300"

DATA="CLASS=CKO_DATA,PRIVATE=true,LABEL=s:secret,APPLICATION=s:test,VALUE=x:0102030405"
faults create-data create "$DATA"
is "$bad" 0 "create_object private data (new DODF): each of its $n APDUs failing leaves the token unchanged"
ref=$(sed -n 's/^\(data:[0-9A-F]*\) .*/\1/p' "$W/clean")
is "$ref" data:3F0050000500 "... then it is stored in 0500"

faults set-label setattr "$ref,LABEL=s:renamed-object"
is "$bad" 0 "set_attributes: each of its $n APDUs failing leaves the token unchanged"
grep -q "CKA_LABEL=$(printf renamed-object | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" "$W/clean"
ok $? "... then the label is changed"

# --- create_object of a private key (RSA-1024: two RSFs, chained key writes) -------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$W/imp.pem" 2>/dev/null
IMP=$(/usr/bin/python3 - "$W/imp.pem" <<'PY'
import sys
from cryptography.hazmat.primitives import serialization
k = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
p = k.private_numbers()
def h(x):
    s = "%X" % x
    return "0" * (len(s) % 2) + s
print("CLASS=CKO_PRIVATE_KEY,KEY_TYPE=CKK_RSA,LABEL=s:imp,ID=x:99,MODULUS=x:%s,"
      "PUBLIC_EXPONENT=x:%s,PRIME_1=x:%s,PRIME_2=x:%s,EXPONENT_1=x:%s,EXPONENT_2=x:%s,"
      "COEFFICIENT=x:%s" % (h(p.public_numbers.n), h(p.public_numbers.e), h(p.p), h(p.q),
                             h(p.dmp1), h(p.dmq1), h(p.iqmp)))
PY
)
faults create-prkey create "$IMP"
is "$bad" 0 "create_object RSA private key: each of its $n APDUs failing leaves the token unchanged"
grep -q '^prkey:3F001000100060020003 ' "$W/clean"; ok $? "... then it is stored, key reference 3"

# --- destroy_object of a key pair ---------------------------------------------------------
objl gen "$GEN_EC" >"$W/pair"
ref=$(sed -n 's/^\(prkey:[0-9A-F]*\) .*/\1/p' "$W/pair")
n=$(apdus destroy "$ref")
is "$(cat "$W/clean")" CKR_OK "destroy_object of a private key ($n APDUs)"
general=0
complete=0
bad=0
for i in $(seq 1 "$n"); do
	objl gen "$GEN_EC" >"$W/pair"
	ref=$(sed -n 's/^\(prkey:[0-9A-F]*\) .*/\1/p' "$W/pair")
	before=$(snap)
	vt_ctl fail-at "$i" 6F00 >/dev/null
	rv=$(objl destroy "$ref")
	vt_ctl fail-at 1000000 6F00 >/dev/null
	case $rv in
	CKR_OK)
		# a fault after the commit (the PrKDF without the entry): the key is gone,
		# an RSF that stays is an orphan the next change reclaims
		complete=$((complete + 1))
		objl objects 1 | grep -q "^$ref " &&
			{ diag "destroy fault $i: CKR_OK, but the key is still listed"; bad=1; } ;;
	CKR_GENERAL_ERROR) general=$((general + 1)) ;;
	*) [ "$(snap)" = "$before" ] || { diag "destroy fault $i ($rv): the token changed"; bad=1; } ;;
	esac
	# clean up whatever is left of the pair
	objl destroy "$ref" >/dev/null
	objl destroy "$(sed -n 's/^\(pubkey:[0-9A-F]*\) .*/\1/p' "$W/pair")" >/dev/null
done
is "$bad" 0 "destroy_object: each of its $n APDUs failing leaves the token as it was, or the key destroyed ($complete times), or says CKR_GENERAL_ERROR ($general times)"
is "$general" 0 "... never CKR_GENERAL_ERROR: after the commit a file left is an orphan, not a failure"

sk logout >/dev/null
done_testing
