#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# t6002 — p11-kit lists the module when a module file points at it. The machine's own
# configuration is not touched: as an ordinary user the file goes into a private HOME
# (p11-kit's user configuration); as root, where p11-kit reads no user configuration, into
# a copy of the system module folder mounted over it in a private mount namespace.
set -u
mod=$(readlink -f "${SCRIPTOKI_MODULE:-${BUILD:-build}/scriptoki-pkcs11.so}")
n=0 fail=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail + 1)); fi; }

if ! command -v p11-kit >/dev/null; then
	# a package tools/ensure-deps installs: fail, not skip
	echo "1..1"
	echo "not ok 1 - p11-kit is missing: install the Debian package p11-kit (tools/ensure-deps test)"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sysmods=/usr/share/p11-kit/modules

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$tmp/modules"
	cp "$sysmods"/*.module "$tmp/modules/" 2>/dev/null
	printf 'module: %s\n' "$mod" > "$tmp/modules/scriptoki.module"
	out=$(timeout 30 unshare --mount --propagation private \
		sh -c 'mount --bind "$1" "$2" && exec p11-kit list-modules' sh "$tmp/modules" "$sysmods" 2>&1)
	rc=$?
else
	mkdir -p "$tmp/.config/pkcs11/modules"
	printf 'module: %s\n' "$mod" > "$tmp/.config/pkcs11/modules/scriptoki.module"
	out=$(HOME=$tmp XDG_CONFIG_HOME=$tmp/.config timeout 30 p11-kit list-modules 2>&1)
	rc=$?
fi
t $rc "p11-kit list-modules exits 0"
entry=$(printf '%s\n' "$out" | sed -n '/^scriptoki: /,/^[^ ]/p')
printf '%s\n' "$entry" | sed 's/^/# /' >&2
printf '%s\n' "$entry" | grep -q '^scriptoki: '; t $? "it lists the module by its file name"
printf '%s\n' "$entry" | grep -q 'library-description: Scriptoki PKCS#11 module'
t $? "with the library description"
printf '%s\n' "$entry" | grep -q 'library-manufacturer: Scriptoki project'
t $? "and the manufacturer"
printf '%s\n' "$entry" | grep -q 'library-version: 0\.1'
t $? "and the library version"
echo "1..$n"
[ "$fail" = 0 ]
