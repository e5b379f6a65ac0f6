#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6011 — the Debian package: `make deb` builds scriptoki_<version>_<arch>.deb with
# Debian's own tools; its fields (Depends: pcscd, Recommends: the gost provider), its files
# (module in /usr/lib/<multiarch>/pkcs11, scripts, man pages, p11-kit module file,
# /etc/scriptoki.conf as a conffile, every line a comment) and lintian have nothing to say.
# It is installed with dpkg into a private root (the machine's dpkg database is not
# touched); a private mount namespace then lays that root over /usr and /etc, so that the
# installed files sit where the package puts them, for these processes only. There:
# `scriptoki doctor` finds nothing wrong, p11-kit lists the module, p11-kit's proxy reaches
# the token, the documented override keeps OpenSC's module from showing the same card a
# second time, and ssh-agent (started and stopped by PID) takes the token's key through
# the proxy with `ssh-add -s`, no -P needed, and signs with it (ssh-add -T).
# Debian packages: dpkg-dev, debhelper, fakeroot, lintian, openssh-client, p11-kit,
# p11-kit-modules, opensc. Runs as root (mount namespace), inside a rig with a fresh token.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	for t in dpkg-buildpackage:dpkg-dev dh:debhelper fakeroot:fakeroot lintian:lintian \
		ssh-agent:openssh-client p11-kit:p11-kit pkcs11-tool:opensc; do
		command -v "${t%%:*}" >/dev/null || skip_all "${t%%:*} is missing (package ${t#*:})"
	done
	[ "$(id -u)" = 0 ] || skip_all "needs root for the private mount namespace"
	exec timeout -k 5 900 "$RIG" --fresh -- "$0"
fi
W=$(mktemp -d)
agent_pid=""
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
unset SCRIPTOKI_SCRIPTS SCRIPTOKI_CONF SCRIPTOKI_EXCLUSIVE SCRIPTOKI_DEBUG MAKEFLAGS MFLAGS
show() { sed 's/^/#   /' "$W/out" >&2; }
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
ver=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)

make -s -C "$TOP" deb >"$W/out" 2>&1
ok $? "make deb" || show
deb=$BUILD/deb/scriptoki_${ver}_${arch}.deb
[ -f "$deb" ]; ok $? "it made scriptoki_${ver}_${arch}.deb" || exit 1
is "$ver" "$(printf '0.%d' "$(sed -n 's/.*library_version: {major: 0, minor: \([0-9]*\)}.*/\1/p' "$TOP/spec/module.yaml")")" \
	"the package version is the library version C_GetInfo reports"
dpkg-deb -f "$deb" Depends | tr ',' '\n' | grep -qx ' *pcscd'
ok $? "Depends: pcscd"
is "$(dpkg-deb -f "$deb" Recommends)" "libengine-gost-openssl" "Recommends: libengine-gost-openssl"
dpkg-deb -f "$deb" Description | grep -q 'Without libengine-gost-openssl'
ok $? "the description says what goes without the gost provider"
dpkg-deb -c "$deb" | awk '{print $6}' >"$W/files"
for f in "./usr/lib/$ma/pkcs11/scriptoki-pkcs11.so" ./usr/bin/scriptoki \
	./usr/share/scriptoki/scripts/rutoken_ecp/token.lua ./usr/share/scriptoki/scripts/lib/iso7816.lua \
	./usr/share/p11-kit/modules/scriptoki.module ./etc/scriptoki.conf \
	./usr/share/man/man1/scriptoki.1.gz ./usr/share/man/man5/scriptoki.conf.5.gz \
	./usr/share/man/man7/scriptoki-pkcs11.7.gz ./usr/share/doc/scriptoki/copyright; do
	grep -qxF "$f" "$W/files"; ok $? "the package holds $f"
done
! grep -q 'installed-dirs' "$W/files"; ok $? "... and not make install's own list"
mkdir "$W/ctl" && dpkg-deb -e "$deb" "$W/ctl"
grep -qx /etc/scriptoki.conf "$W/ctl/conffiles"; ok $? "/etc/scriptoki.conf is a conffile"
lintian --tag-display-limit 0 "$deb" >"$W/out" 2>&1
! grep -q '^[EW]: ' "$W/out"; ok $? "lintian: no error, no warning" || show

# --- install into a private root ------------------------------------------------------
R=$W/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"
: >"$R/var/lib/dpkg/available"
# --force-depends: pcscd and the libraries are the machine's, not in this empty root
dpkg --root="$R" --log="$W/dpkg.log" --force-depends -i "$deb" >"$W/out" 2>&1
ok $? "dpkg --root installs it into a private root" || show
dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Status}' scriptoki >"$W/out" 2>&1
is "$(cat "$W/out")" "install ok installed" "... dpkg there has it installed"
! grep -v '^#' "$R/etc/scriptoki.conf" | grep -q '[^[:space:]]'
ok $? "... /etc/scriptoki.conf: every line a comment"

# the documented way to keep OpenSC's module from showing the same card a second time
mkdir -p "$W/override/pkcs11/modules"
printf '# do not load OpenSC through p11-kit: Scriptoki serves the Rutoken\nmodule:\n' \
	>"$W/override/pkcs11/modules/opensc-pkcs11.module"

# in-ns [--no-opensc] CMD...: run CMD with the private root laid over /usr and /etc
in_ns() {
	local etc=$R/etc
	if [ "$1" = --no-opensc ]; then etc=$W/override:$R/etc; shift; fi
	timeout 120 unshare --mount --propagation private /bin/sh -c '
		set -e
		mount -t overlay overlay -o "lowerdir=$1/usr:/usr" /usr
		mount -t overlay overlay -o "lowerdir=$2:/etc" /etc
		shift 2
		exec "$@"' sh "$R" "$etc" "$@"
}

in_ns /usr/bin/scriptoki doctor >"$W/out" 2>&1
is $? 0 "the installed scriptoki doctor finds nothing wrong" || show
grep -q '^  file: /etc/scriptoki.conf (the default)' "$W/out" &&
	grep -q '^  scripts    = /usr/share/scriptoki/scripts  (built-in default' "$W/out" &&
	grep -q 'served by family rutoken_ecp' "$W/out"
ok $? "... it reads /etc/scriptoki.conf, the installed scripts, and the token is served" || show

in_ns p11-kit list-modules >"$W/out" 2>&1
sed -n '/^scriptoki: /,/^[^ ]/p' "$W/out" | grep -q "library-description: Scriptoki PKCS#11 module"
ok $? "p11-kit lists the installed module (its module file in /usr/share/p11-kit/modules)" || show

mod=/usr/lib/$ma/pkcs11/scriptoki-pkcs11.so
proxy=/usr/lib/$ma/p11-kit-proxy.so
in_ns pkcs11-tool --module "$mod" --init-token --label t6011 --so-pin 87654321 >"$W/out" 2>&1 &&
	in_ns pkcs11-tool --module "$mod" --login --login-type so --so-pin 87654321 \
		--init-pin --pin 12345678 >>"$W/out" 2>&1 &&
	in_ns pkcs11-tool --module "$mod" --login --pin 12345678 --keypairgen --key-type rsa:2048 \
		--id 01 --label ssh >>"$W/out" 2>&1
ok $? "the installed module initialises the token and makes an RSA key" || show

in_ns pkcs11-tool --module "$proxy" -L >"$W/out" 2>&1
n_both=$(grep -c 'token label *: t6011' "$W/out")
in_ns --no-opensc pkcs11-tool --module "$proxy" -L >"$W/out" 2>&1
n_ours=$(grep -c 'token label *: t6011' "$W/out")
is "$n_both" 2 "through p11-kit's proxy with OpenSC registered too: the card shows twice"
is "$n_ours" 1 "... with the override file of the README: once, through Scriptoki" || show
grep -q 'token manufacturer *: Aktiv' "$W/out" || grep -q 'token model *: Rutoken ECP' "$W/out"
ok $? "... and it is our module's token" || show

# ssh-agent by PID; ssh-add -s on the proxy (under /usr/lib: no -P needed), PIN by askpass
printf '#!/bin/sh\necho 12345678\n' >"$W/askpass"
chmod 0700 "$W/askpass"
in_ns --no-opensc /bin/sh -c '
	ssh-agent -D -a "$1/agent.sock" >/dev/null 2>"$1/agent.err" &
	echo $! >"$1/agent.pid"
	export SSH_AUTH_SOCK=$1/agent.sock
	i=0; while [ ! -S "$SSH_AUTH_SOCK" ]; do i=$((i+1)); [ $i -lt 200 ] || exit 9; sleep 0.05; done
	SSH_ASKPASS=$1/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none \
		ssh-add -s "$2" </dev/null >"$1/add.out" 2>&1; echo "add=$?"
	ssh-add -L >"$1/key.pub" 2>"$1/list.err"; echo "list=$?"
	ssh-add -T "$1/key.pub" >"$1/test.out" 2>&1; echo "test=$?"
	kill "$(cat "$1/agent.pid")"; wait "$(cat "$1/agent.pid")"; echo "agent=$?"
' sh "$W" "$proxy" >"$W/out" 2>&1
agent_pid=$(cat "$W/agent.pid" 2>/dev/null)
grep -qx 'add=0' "$W/out"; ok $? "ssh-add -s $proxy (no -P): the agent takes the card" ||
	{ show; sed 's/^/#   /' "$W/add.out" "$W/agent.err" >&2; }
grep -qx 'list=0' "$W/out" && [ "$(grep -c '^ssh-rsa ' "$W/key.pub")" = 1 ]
ok $? "... ssh-add -L: the token's one RSA key" || sed 's/^/#   /' "$W/key.pub" >&2
grep -qx 'test=0' "$W/out"; ok $? "... ssh-add -T: the agent signs with it and it verifies" ||
	sed 's/^/#   /' "$W/test.out" >&2
grep -q '^agent=' "$W/out" && ! { [ -n "$agent_pid" ] && alive "$agent_pid"; }
ok $? "ssh-agent is stopped by its PID"
agent_pid=""
done_testing
