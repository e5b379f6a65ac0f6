#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6208 — Java and Python sign with token keys, and OpenSSL verifies outside the token:
#   - Java's SunPKCS11 (a PKCS11 KeyStore over the module, one JVM): SHA256withRSA,
#     SHA256withECDSA and RSASSA-PSS (SHA-256, MGF1-SHA-256, 32-byte salt);
#   - PyKCS11 (Debian's python3-pykcs11, with /usr/bin/python3): token info, login, a
#     SHA256-RSA-PKCS and an ECDSA signature, and a wrong PIN reported as CKR_PIN_INCORRECT.
# SunPKCS11 shows a private key only with its certificate, so each key gets a self-signed
# one (made on the token through libp11's engine), whose public key OpenSSL verifies with.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	openssl engine pkcs11 >/dev/null 2>&1 ||
		skip_all "libengine-pkcs11-openssl is not installed (it makes the certificates)"
	exec timeout -k 5 200 "$RIG" --fresh -- "$0"
fi

. "$TOP/tests/rig/consumers.sh"
trap 'rm -rf "$W"' EXIT

token_with_keys t6208 01:rsa:2048:rsa 02:EC:prime256v1:ec
ok $? "a token with an RSA-2048 and a P-256 key" || show "$W/out"
engine_conf "$W/openssl.cnf"
for key in rsa ec; do
	id=$([ $key = rsa ] && echo 01 || echo 02)
	OPENSSL_CONF="$W/openssl.cnf" timeout 60 openssl req -new -x509 -days 2 -engine pkcs11 \
		-keyform engine -key "pkcs11:object=$key;type=private;pin-value=$USER_PIN" \
		-subj "/CN=t6208 $key" -outform DER -out "$W/$key.crt" >"$W/out" 2>&1 &&
		openssl x509 -inform DER -in "$W/$key.crt" -pubkey -noout >"$W/$key.pub" &&
		p11 --login --pin $USER_PIN --write-object "$W/$key.crt" --type cert --id $id \
			--label $key
	ok $? "a certificate for the $key key, self-signed on the token, stored beside it" ||
		show "$W/out"
done
head -c 3000 /dev/urandom >"$W/data"
openssl dgst -sha256 -binary "$W/data" >"$W/data.sha256"

# --- Java: SunPKCS11 --------------------------------------------------------------------
if command -v java >/dev/null && java --list-modules 2>/dev/null | grep -q '^jdk.crypto.cryptoki'; then
	printf 'name = Scriptoki\nlibrary = %s\nslotListIndex = 0\n' "$M" >"$W/pkcs11.cfg"
	cat >"$W/Sign.java" <<-'EOF'
		// SPDX-License-Identifier: BSD-2-Clause
		// Signs a file with token keys through SunPKCS11: cfg pin data (alias alg out)...
		import java.nio.file.Files;
		import java.nio.file.Paths;
		import java.security.KeyStore;
		import java.security.PrivateKey;
		import java.security.Provider;
		import java.security.Security;
		import java.security.Signature;
		import java.security.spec.MGF1ParameterSpec;
		import java.security.spec.PSSParameterSpec;

		public class Sign {
			public static void main(String[] a) throws Exception {
				Provider p = Security.getProvider("SunPKCS11").configure(a[0]);
				KeyStore ks = KeyStore.getInstance("PKCS11", p);
				ks.load(null, a[1].toCharArray());
				byte[] data = Files.readAllBytes(Paths.get(a[2]));
				for (int i = 3; i + 2 < a.length; i += 3) {
					PrivateKey k = (PrivateKey) ks.getKey(a[i], null);
					Signature s = Signature.getInstance(a[i + 1], p);
					if (a[i + 1].equals("RSASSA-PSS"))
						s.setParameter(new PSSParameterSpec("SHA-256", "MGF1",
							MGF1ParameterSpec.SHA256, 32, 1));
					s.initSign(k);
					s.update(data);
					Files.write(Paths.get(a[i + 2]), s.sign());
					System.out.println("signed " + a[i] + " " + a[i + 1] + " with "
						+ s.getProvider().getName());
				}
			}
		}
	EOF
	timeout 120 java -Xshare:auto "$W/Sign.java" "$W/pkcs11.cfg" $USER_PIN "$W/data" \
		rsa SHA256withRSA "$W/j.rsa" ec SHA256withECDSA "$W/j.ec" rsa RSASSA-PSS "$W/j.pss" \
		>"$W/java.out" 2>&1
	ok $? "SunPKCS11 signs with the token keys (one JVM, three signatures)" ||
		show "$W/java.out"
	grep -q 'signed rsa SHA256withRSA with SunPKCS11-Scriptoki' "$W/java.out"
	ok $? "... by the SunPKCS11-Scriptoki provider" || show "$W/java.out"
	openssl dgst -sha256 -verify "$W/rsa.pub" -signature "$W/j.rsa" "$W/data" >"$W/out" 2>&1
	ok $? "OpenSSL verifies Java's SHA256withRSA" || show "$W/out"
	openssl dgst -sha256 -verify "$W/ec.pub" -signature "$W/j.ec" "$W/data" >"$W/out" 2>&1
	ok $? "OpenSSL verifies Java's SHA256withECDSA" || show "$W/out"
	openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
		-sigopt rsa_mgf1_md:sha256 -verify "$W/rsa.pub" -signature "$W/j.pss" "$W/data" \
		>"$W/out" 2>&1
	ok $? "OpenSSL verifies Java's RSASSA-PSS" || show "$W/out"
else
	diag "no JDK with jdk.crypto.cryptoki (openjdk-17-jdk-headless): SunPKCS11 skipped"
fi

# --- Python: PyKCS11 --------------------------------------------------------------------
if /usr/bin/python3 -c 'import PyKCS11' 2>/dev/null; then
	cat >"$W/sign.py" <<-'EOF'
		# SPDX-License-Identifier: BSD-2-Clause
		# module pin data out.rsa out.ec: token info, login, two signatures, a wrong PIN
		import hashlib
		import sys
		import PyKCS11

		lib = PyKCS11.PyKCS11Lib()
		lib.load(sys.argv[1])
		slot = lib.getSlotList(tokenPresent=True)[0]
		print("label", lib.getTokenInfo(slot).label.strip())
		s = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
		try:
		    s.login("0000")
		    print("login with a wrong PIN succeeded")
		except PyKCS11.PyKCS11Error as e:
		    print("wrong PIN:", PyKCS11.CKR[e.value])
		s.login(sys.argv[2])
		data = open(sys.argv[3], "rb").read()
		digest = hashlib.sha256(data).digest()  # CKM_ECDSA signs a digest made by the caller
		for label, mech, msg, out in (("rsa", PyKCS11.CKM_SHA256_RSA_PKCS, data, sys.argv[4]),
		                              ("ec", PyKCS11.CKM_ECDSA, digest, sys.argv[5])):
		    key = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
		                         (PyKCS11.CKA_LABEL, label)])[0]
		    sig = bytes(s.sign(key, msg, PyKCS11.Mechanism(mech, None)))
		    open(out, "wb").write(sig)
		    print("signed", label, len(sig))
		s.logout()
		s.closeSession()
	EOF
	timeout 60 /usr/bin/python3 "$W/sign.py" "$M" $USER_PIN "$W/data" "$W/py.rsa" "$W/py.ec" \
		>"$W/py.out" 2>&1
	ok $? "PyKCS11 logs in and signs" || show "$W/py.out"
	grep -qx 'label t6208' "$W/py.out" && grep -qx 'wrong PIN: CKR_PIN_INCORRECT' "$W/py.out"
	ok $? "... reads the token's label and gets CKR_PIN_INCORRECT for a wrong PIN" ||
		show "$W/py.out"
	openssl dgst -sha256 -verify "$W/rsa.pub" -signature "$W/py.rsa" "$W/data" >"$W/out" 2>&1
	ok $? "OpenSSL verifies PyKCS11's SHA256-RSA-PKCS signature" || show "$W/out"
	# CKM_ECDSA gives r||s (PKCS#11's form); OpenSSL wants the DER of the two integers
	/usr/bin/python3 - "$W/py.ec" "$W/py.ec.der" <<-'EOF'
		import sys
		raw = open(sys.argv[1], "rb").read()
		def der_int(b):
		    b = b.lstrip(b"\0") or b"\0"
		    if b[0] & 0x80:
		        b = b"\0" + b
		    return b"\x02" + bytes([len(b)]) + b
		body = der_int(raw[:len(raw) // 2]) + der_int(raw[len(raw) // 2:])
		open(sys.argv[2], "wb").write(b"\x30" + bytes([len(body)]) + body)
	EOF
	openssl pkeyutl -verify -pubin -inkey "$W/ec.pub" -in "$W/data.sha256" -sigfile "$W/py.ec.der" \
		>"$W/out" 2>&1
	ok $? "OpenSSL verifies PyKCS11's ECDSA signature" || show "$W/out"
else
	diag "python3-pykcs11 is not installed: PyKCS11 skipped"
fi
done_testing
