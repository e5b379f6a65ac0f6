#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6003 — make install: the module and the scripts land under PREFIX (and DESTDIR), the
# installed module reads the installed scripts (an edit there shows in C_GetTokenInfo,
# while the build tree's module is unaffected), exports only C_* symbols, and make
# uninstall removes what install put there. Runs inside a rig with a fresh token.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	exec timeout -k 5 300 "$RIG" --fresh -- "$0"
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
unset SCRIPTOKI_SCRIPTS SCRIPTOKI_CONF MAKEFLAGS MFLAGS
export SCRIPTOKI_CONF=/nonexistent/scriptoki.conf
show() { sed 's/^/#   /' "$W/out" >&2; }

make -s -C "$TOP" install PREFIX="$W/usr" >"$W/out" 2>&1
ok $? "make install PREFIX=..." || show
mod=$W/usr/lib/pkcs11/scriptoki-pkcs11.so
[ -f "$mod" ]; ok $? "the module is installed under PREFIX/lib/pkcs11"
[ -f "$W/usr/share/scriptoki/scripts/rutoken_ecp/token.lua" ] &&
	[ -f "$W/usr/share/scriptoki/scripts/lib/iso7816.lua" ]
ok $? "the scripts are installed under PREFIX/share/scriptoki/scripts"
other=$(nm -D --defined-only "$mod" | awk '{print $3}' | grep -vc '^C_')
is "$other" 0 "the installed module exports only C_* symbols"

timeout 60 pkcs11-tool --module "$BUILD/scriptoki-pkcs11.so" --init-token --label t6003 \
	--so-pin 87654321 >"$W/out" 2>&1
ok $? "the token is initialised (so that -T shows its model)" || show
sed -i 's/model = "Rutoken ECP"/model = "Installed ECP"/' \
	"$W/usr/share/scriptoki/scripts/rutoken_ecp/token.lua"
timeout 60 pkcs11-tool --module "$mod" -T >"$W/out" 2>&1
grep -q 'token model *: Installed ECP' "$W/out"
ok $? "the installed module reads the installed scripts (the edit shows)" || show
timeout 60 pkcs11-tool --module "$BUILD/scriptoki-pkcs11.so" -T >"$W/out" 2>&1
grep -q 'token model *: Rutoken ECP' "$W/out"
ok $? "the build tree's module still reads the tree's scripts" || show

make -s -C "$TOP" install DESTDIR="$W/stage" PREFIX=/usr >"$W/out" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr" || show
[ -f "$W/stage/usr/lib/pkcs11/scriptoki-pkcs11.so" ]; ok $? "... stages under DESTDIR"
strings "$W/stage/usr/lib/pkcs11/scriptoki-pkcs11.so" | grep -qx '/usr/share/scriptoki/scripts'
ok $? "... with the final scripts folder compiled in, not the staging one"

make -s -C "$TOP" uninstall PREFIX="$W/usr" >"$W/out" 2>&1
ok $? "make uninstall" || show
[ ! -e "$mod" ] && [ ! -e "$W/usr/share/scriptoki/scripts" ]
ok $? "... removes the module and the scripts"
done_testing
