#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6201 — pkcs11-tool with our module on a virtual Rutoken ECP: --keypairgen for rsa:2048,
# rsa:4096, GOSTR3410-2012-256:B, GOSTR3410-2012-512:A and EC:prime256v1; --sign and
# --verify with every signing mechanism of the issue; each signature also verified
# independently: openssl for RSA and ECDSA, the gost engine (in openssl, another process)
# for GOST; RSA PKCS#1 v1.5 and OAEP decryption of ciphertexts made by `openssl pkeyutl`.
# Like the t51xx tests it re-executes itself inside a rig with a fresh token (under timeout).
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	need_py python3-pykcs11 PyKCS11
	exec timeout -k 5 300 "$RIG" --fresh -- "$0"
fi

M=${SCRIPTOKI_MODULE:-$BUILD/scriptoki-pkcs11.so}
SO_PIN=87654321
USER_PIN=12345678
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

p11() { timeout 60 pkcs11-tool --module "$M" --slot-index 0 "$@" >"$W/out" 2>&1; }
show() { sed 's/^/#   /' "$W/out" >&2; }
gost_engine=0
openssl engine gost >/dev/null 2>&1 && gost_engine=1

printf 'a message for every mechanism of t6201\n' >"$W/msg"

p11 --init-token --label "t6201" --so-pin $SO_PIN
ok $? "--init-token" || show
p11 --init-pin --login --login-type so --so-pin $SO_PIN --new-pin $USER_PIN
ok $? "--init-pin" || show

# --- key pairs -----------------------------------------------------------------------------
gen() {
	p11 --login --pin $USER_PIN --keypairgen --key-type "$1" --id "$2" --label "$3"
	ok $? "--keypairgen $1" || show
}
gen rsa:2048 01 rsa2048
gen rsa:4096 02 rsa4096
gen GOSTR3410-2012-256:B 03 gost256
gen GOSTR3410-2012-512:A 04 gost512
gen EC:prime256v1 05 p256

p11 --list-objects
ok $? "--list-objects" || show
for l in rsa2048 rsa4096 gost256 gost512 p256; do
	grep -q "label: *$l" "$W/out"; ok $? "the keys labelled $l are listed" || show
done

# attr ID CKA_NAME: the public key's attribute in hex, read through PyKCS11 (another
# consumer of the module; no login needed for public objects)
attr() {
	/usr/bin/python3 - "$M" "$1" "$2" <<-'EOF' 2>"$W/out"
		import sys, PyKCS11
		lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
		s = lib.openSession(lib.getSlotList(tokenPresent=True)[0])
		o = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY),
		                   (PyKCS11.CKA_ID, bytes.fromhex(sys.argv[2]))])[0]
		a = getattr(PyKCS11, sys.argv[3])
		print(bytes(s.getAttributeValue(o, [a])[0]).hex())
	EOF
}
# spki ALG-HEX PARAMS-HEX KEY-HEX FILE: SEQUENCE { SEQUENCE { alg, params }, BIT STRING key }
spki() {
	/usr/bin/python3 - "$@" <<-'EOF'
		import sys
		def tlv(t, c):
		    n = len(c)
		    l = bytes([n]) if n < 128 else (bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255]))
		    return bytes([t]) + l + c
		alg, params, key = (bytes.fromhex(x) for x in sys.argv[1:4])
		open(sys.argv[4], "wb").write(tlv(0x30, tlv(0x30, alg + params) + tlv(0x03, b"\0" + key)))
	EOF
}
have_pykcs11=0
/usr/bin/python3 -c 'import PyKCS11' 2>/dev/null && have_pykcs11=1

# the public keys, as DER SubjectPublicKeyInfo: RSA from pkcs11-tool, EC and GOST built from
# the attributes (OpenSC 0.23's --read-object cannot export our P-256 key: "cannot create
# EVP_PKEY", a pkcs11-tool limitation with OpenSSL 3; GOST it does not export at all)
for id in 01 02; do
	p11 --read-object --type pubkey --id $id -o "$W/pub$id.der"
	ok $? "--read-object pubkey $id" || show
done
if ((have_pykcs11)); then
	point=$(attr 05 CKA_EC_POINT)           # a DER OCTET STRING: 04 41 04 x y
	spki 06072a8648ce3d0201 06082a8648ce3d030107 "${point:4}" "$W/pub05.der"
	ok $? "the P-256 public key as a SubjectPublicKeyInfo" || show
fi

# --- sign with the module, verify with the module and independently -----------------------
# sign ID MECH [extra pkcs11-tool options]: the signature in $W/sig
sign() {
	local id=$1 mech=$2
	shift 2
	p11 --login --pin $USER_PIN --sign --id "$id" -m "$mech" -i "$W/in" -o "$W/sig" "$@"
	ok $? "--sign $mech with key $id" || show
	p11 --login --pin $USER_PIN --verify --id "$id" -m "$mech" -i "$W/in" \
		--signature-file "$W/sig" "$@"
	ok $? "--verify $mech with key $id" || show
	grep -q 'Signature is valid' "$W/out"; ok $? "pkcs11-tool says the signature is valid" || show
}
ossl() { openssl "$@" >"$W/out" 2>&1; }

cp "$W/msg" "$W/in"
for id in 01 02; do
	for h in SHA1 SHA224 SHA256 SHA384 SHA512; do
		sign $id $h-RSA-PKCS
		ossl dgst -"${h,,}" -keyform DER -verify "$W/pub$id.der" -signature "$W/sig" "$W/in"
		ok $? "openssl verifies $h-RSA-PKCS of key $id" || show
		sign $id $h-RSA-PKCS-PSS
		ossl dgst -"${h,,}" -keyform DER -verify "$W/pub$id.der" -sigopt rsa_padding_mode:pss \
			-sigopt rsa_pss_saltlen:-1 -signature "$W/sig" "$W/in"
		ok $? "openssl verifies $h-RSA-PKCS-PSS of key $id" || show
	done
done
# RSA-PKCS on a DigestInfo (what a TLS or CMS signer passes) and RSA-PSS on a hash
openssl dgst -sha256 -binary "$W/msg" >"$W/h256"
printf '\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20' |
	cat - "$W/h256" >"$W/in"
sign 01 RSA-PKCS
ossl pkeyutl -verify -pubin -keyform DER -inkey "$W/pub01.der" -pkeyopt digest:sha256 \
	-in "$W/h256" -sigfile "$W/sig"
ok $? "openssl verifies RSA-PKCS over a SHA-256 DigestInfo" || show
cp "$W/h256" "$W/in"
sign 01 RSA-PKCS-PSS --hash-algorithm SHA256 --mgf MGF1-SHA256
ossl pkeyutl -verify -pubin -keyform DER -inkey "$W/pub01.der" -pkeyopt rsa_padding_mode:pss \
	-pkeyopt digest:sha256 -pkeyopt rsa_pss_saltlen:-1 -in "$W/h256" -sigfile "$W/sig"
ok $? "openssl verifies RSA-PKCS-PSS over a SHA-256 hash" || show

# ECDSA: pkcs11-tool writes r || s; --signature-format openssl writes DER for openssl
cp "$W/msg" "$W/in"
for h in SHA1 SHA224 SHA256 SHA384 SHA512; do
	sign 05 ECDSA-$h
	((have_pykcs11)) || continue
	p11 --login --pin $USER_PIN --sign --id 05 -m ECDSA-$h -i "$W/in" -o "$W/sig.der" \
		--signature-format openssl
	ok $? "--sign ECDSA-$h in DER" || show
	ossl dgst -"${h,,}" -keyform DER -verify "$W/pub05.der" -signature "$W/sig.der" "$W/in"
	ok $? "openssl verifies ECDSA-$h" || show
done
cp "$W/h256" "$W/in"
sign 05 ECDSA
if ((have_pykcs11)); then
	p11 --login --pin $USER_PIN --sign --id 05 -m ECDSA -i "$W/in" -o "$W/sig.der" \
		--signature-format openssl
	ossl pkeyutl -verify -pubin -keyform DER -inkey "$W/pub05.der" -in "$W/h256" \
		-sigfile "$W/sig.der"
	ok $? "openssl verifies raw ECDSA over a SHA-256 hash" || show
fi

# GOST: the public key's CKA_VALUE (x || y little-endian, read through PyKCS11) wrapped as
# the SubjectPublicKeyInfo the gost engine reads
if ((gost_engine && have_pykcs11)); then
	for spec in "03 32 06082a85030701010101 300b06092a8503070102010102 GOSTR3410-WITH-GOSTR3411-12-256 md_gost12_256 GOSTR3410" \
		    "04 64 06082a85030701010102 300b06092a8503070102010201 GOSTR3410-WITH-GOSTR3411-12-512 md_gost12_512 GOSTR3410_512"; do
		set -- $spec
		id=$1 n=$2 alg=$3 params=$4 mech=$5 md=$6 raw=$7
		value=$(attr "$id" CKA_VALUE)
		is "${#value}" $((4 * n)) "GOST key $id: CKA_VALUE has $((2 * n)) bytes" || show
		# the key is an OCTET STRING of x || y (little-endian) inside the BIT STRING
		if ((n == 32)); then key=0440$value; else key=048180$value; fi
		spki "$alg" "$params" "$key" "$W/gpub$id.der"
		cp "$W/msg" "$W/in"
		sign "$id" "$mech"
		ossl dgst -engine gost -"$md" -keyform DER -verify "$W/gpub$id.der" \
			-signature "$W/sig" "$W/in"
		ok $? "the gost engine verifies $mech (key $id)" || show
		openssl dgst -engine gost -"$md" -binary "$W/msg" >"$W/in" 2>/dev/null
		sign "$id" "$raw"
		ossl pkeyutl -engine gost -verify -pubin -keyform DER -inkey "$W/gpub$id.der" \
			-in "$W/in" -sigfile "$W/sig"
		ok $? "the gost engine verifies $raw over its own hash (key $id)" || show
	done
else
	diag "no gost engine or no PyKCS11: GOST signatures checked by the module only"
	cp "$W/msg" "$W/in"
	sign 03 GOSTR3410-WITH-GOSTR3411-12-256
	sign 04 GOSTR3410-WITH-GOSTR3411-12-512
fi

# --- decryption of openssl's ciphertexts ----------------------------------------------------
printf 'a secret of forty bytes for decryption' >"$W/plain"
for id in 01 02; do
	ossl pkeyutl -encrypt -pubin -keyform DER -inkey "$W/pub$id.der" -in "$W/plain" -out "$W/ct"
	ok $? "openssl encrypts with PKCS#1 v1.5 for key $id" || show
	p11 --login --pin $USER_PIN --decrypt --id $id -m RSA-PKCS -i "$W/ct" -o "$W/dec"
	ok $? "--decrypt RSA-PKCS with key $id" || show
	cmp -s "$W/plain" "$W/dec"; ok $? "the plaintext comes back (RSA-PKCS, key $id)"
	for h in SHA1 SHA256; do
		ossl pkeyutl -encrypt -pubin -keyform DER -inkey "$W/pub$id.der" -in "$W/plain" \
			-out "$W/ct" -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:"${h,,}" \
			-pkeyopt rsa_mgf1_md:"${h,,}"
		ok $? "openssl encrypts with OAEP-$h for key $id" || show
		p11 --login --pin $USER_PIN --decrypt --id $id -m RSA-PKCS-OAEP \
			--hash-algorithm "${h/SHA1/SHA-1}" --mgf MGF1-$h -i "$W/ct" -o "$W/dec"
		ok $? "--decrypt RSA-PKCS-OAEP $h with key $id" || show
		cmp -s "$W/plain" "$W/dec"; ok $? "the plaintext comes back (OAEP-$h, key $id)"
	done
done

# --- the mechanism list joins the host's mechanisms -------------------------------------------
p11 -M
for mech in SHA256-RSA-PKCS-PSS ECDSA-SHA256 GOSTR3410-WITH-GOSTR3411-12-512 RSA-PKCS-OAEP; do
	grep -q "^ *$mech," "$W/out"
	ok $? "-M lists $mech (a host-side mechanism joined with the token's)"
done

done_testing
