#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# t6001 — OpenSC's pkcs11-tool loads the module: --show-info prints the library info, and
# -L lists no slot without an error. pkcs11-tool 0.23 itself exits 1 whenever a module has
# no slot, so the exit status is compared with OpenSC's own module's in the same situation
# (no PC/SC service at all), and the output must hold no error.
set -u
mod=${SCRIPTOKI_MODULE:-${BUILD:-build}/scriptoki-pkcs11.so}
ref=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
n=0 fail=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail + 1)); fi; }

# what the test uses of Debian's packages (tools/ensure-deps installs them): fail, not skip
for need in opensc:/usr/bin/pkcs11-tool opensc-pkcs11:$ref; do
	[ -e "${need#*:}" ] && continue
	echo "1..1"
	echo "not ok 1 - ${need#*:} is missing: install the Debian package ${need%%:*} (tools/ensure-deps test)"
	exit 1
done
export PCSCLITE_CSOCK_NAME=/nonexistent/pcscd.comm

out=$(timeout 20 pkcs11-tool --module "$mod" --show-info 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /' >&2
[ $rc -le 1 ]; t $? "pkcs11-tool --show-info runs to its end (exit $rc)"
printf '%s\n' "$out" | grep -q 'Cryptoki version 3\.2'; t $? "it reports Cryptoki 3.2"
printf '%s\n' "$out" | grep -q 'Manufacturer *Scriptoki project'; t $? "it names the manufacturer"
printf '%s\n' "$out" | grep -q 'Library *Scriptoki PKCS#11 module (ver 0\.1)'; t $? "it names the library and its version"
printf '%s\n' "$out" | grep -Eqi 'error|abort|CKR_'; [ $? -ne 0 ]; t $? "no error is printed"

out=$(timeout 20 pkcs11-tool --module "$mod" -L 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /' >&2
printf '%s\n' "$out" | grep -q '^Available slots:'; t $? "pkcs11-tool -L lists slots"
printf '%s\n' "$out" | grep -q 'No slots'; t $? "there are none"
printf '%s\n' "$out" | grep -Eqi 'error|abort|CKR_'; [ $? -ne 0 ]; t $? "no error is printed"
if [ -e "$ref" ]; then
	timeout 20 pkcs11-tool --module "$ref" -L >/dev/null 2>&1; refrc=$?
	[ $rc = $refrc ]; t $? "exit status $rc, as with OpenSC's own module without readers ($refrc)"
fi
echo "1..$n"
[ "$fail" = 0 ]
