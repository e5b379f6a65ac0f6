#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6003 — make install: the module and the scripts land under PREFIX (and DESTDIR), the
# installed module reads the installed scripts (an edit there shows in C_GetTokenInfo,
# while the build tree's module is unaffected), exports only C_* symbols; LIBDIR,
# SYSCONFDIR, DATADIR give Debian's layout with the command, the manual pages, the
# p11-kit module file and a commented configuration file, and the folders compiled in are
# the final ones; make uninstall removes what install put there, folders included, and
# leaves what was there before. Runs inside a rig with a fresh token.
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
[ -f "$W/usr/share/scriptoki/scripts/rutoken_ecp/family.yaml" ] &&
	[ ! -e "$W/usr/share/scriptoki/scripts/rutoken_ecp/tests" ]
ok $? "... with each family's manifest (family.yaml), without its tests/"
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

# Debian's layout, staged
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
make -s -C "$TOP" install DESTDIR="$W/deb" PREFIX=/usr LIBDIR="/usr/lib/$ma" \
	SYSCONFDIR=/etc DATADIR=/usr/share >"$W/out" 2>&1
ok $? "make install with LIBDIR, SYSCONFDIR, DATADIR, DESTDIR" || show
D=$W/deb
[ -f "$D/usr/lib/$ma/pkcs11/scriptoki-pkcs11.so" ] && [ -x "$D/usr/bin/scriptoki" ] &&
	[ -f "$D/usr/share/scriptoki/scripts/rutoken_ecp/token.lua" ]
ok $? "... module in LIBDIR/pkcs11, the command in /usr/bin, scripts in DATADIR/scriptoki"
[ -f "$D/usr/share/man/man1/scriptoki.1" ] && [ -f "$D/usr/share/man/man5/scriptoki.conf.5" ] &&
	[ -f "$D/usr/share/man/man7/scriptoki-pkcs11.7" ]
ok $? "... the manual pages: scriptoki(1), scriptoki.conf(5), scriptoki-pkcs11(7)"
grep -qx "module: /usr/lib/$ma/pkcs11/scriptoki-pkcs11.so" \
	"$D/usr/share/p11-kit/modules/scriptoki.module"
ok $? "... a p11-kit module file naming the installed module"
[ -f "$D/etc/scriptoki.conf" ] && ! grep -v '^#' "$D/etc/scriptoki.conf" | grep -q '[^[:space:]]' &&
	grep -q '^#scripts = /usr/share/scriptoki/scripts$' "$D/etc/scriptoki.conf"
ok $? "... /etc/scriptoki.conf, every line a comment, naming the installed scripts folder"
strings "$D/usr/lib/$ma/pkcs11/scriptoki-pkcs11.so" | grep -qx '/etc/scriptoki.conf'
ok $? "... the module reads SYSCONFDIR's configuration file"
timeout 30 "$D/usr/bin/scriptoki" --version | grep -qx 'scriptoki 0\.1'
ok $? "... the installed command runs"

# a local prefix: the configuration file follows it
make -s -C "$TOP" install DESTDIR="$W/loc" PREFIX=/opt/sk >"$W/out" 2>&1
strings "$W/loc/opt/sk/lib/pkcs11/scriptoki-pkcs11.so" | grep -qx '/opt/sk/etc/scriptoki.conf' &&
	[ -f "$W/loc/opt/sk/etc/scriptoki.conf" ]
ok $? "PREFIX=/opt/sk: the configuration file is PREFIX/etc/scriptoki.conf" || show
make -s -C "$TOP" uninstall DESTDIR="$W/loc" PREFIX=/opt/sk >"$W/out" 2>&1
left=$(cd "$W/loc" && find . -mindepth 1 | sort | tr '\n' ' ')
is "$left" "" "... and uninstall leaves DESTDIR empty: every folder it made is gone"

# uninstall keeps what was there before, and an edited configuration
mkdir -p "$W/pre/usr/share/p11-kit/modules" "$W/pre/etc"
: >"$W/pre/usr/share/p11-kit/modules/other.module"
make -s -C "$TOP" install DESTDIR="$W/pre" PREFIX=/usr >"$W/out" 2>&1
echo "exclusive = yes" >>"$W/pre/etc/scriptoki.conf"
make -s -C "$TOP" uninstall DESTDIR="$W/pre" PREFIX=/usr >"$W/out" 2>&1
left=$(cd "$W/pre" && find . -mindepth 1 | sort | tr '\n' ' ')
is "$left" "./etc ./etc/scriptoki.conf ./usr ./usr/share ./usr/share/p11-kit ./usr/share/p11-kit/modules ./usr/share/p11-kit/modules/other.module " \
	"... folders and files that were there stay, and so does an edited configuration file"

make -s -C "$TOP" uninstall PREFIX="$W/usr" >"$W/out" 2>&1
ok $? "make uninstall" || show
[ ! -e "$mod" ] && [ ! -e "$W/usr/share/scriptoki/scripts" ]
ok $? "... removes the module and the scripts"
[ ! -e "$W/usr" ]; ok $? "... and every folder it made under PREFIX" ||
	(cd "$W" && find usr | sed 's/^/#   left: /' >&2)
done_testing
