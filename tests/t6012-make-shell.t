#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6012 — make shell, driven through standard input as a user's script would be: the shell
# has $SCRIPTOKI_MODULE, the module registered for p11-kit (p11-kit lists it once, the
# proxy reaches the token, OpenSC's module does not make it show twice), and the token's
# state persists in the named folder: a key made in the first run is there in the second.
# Nothing of the rig is left running after either run; the machine's p11-kit folder is
# unchanged. Each run is bounded by timeout.
. "$(dirname "$0")/rig/tap.sh"
need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
for t in pkcs11-tool:opensc p11-kit:p11-kit unshare:util-linux; do
	command -v "${t%%:*}" >/dev/null || skip_all "${t%%:*} is missing (package ${t#*:})"
done
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
unset SCRIPTOKI_MODULE SCRIPTOKI_SCRIPTS SCRIPTOKI_CONF MAKEFLAGS MFLAGS PCSCLITE_CSOCK_NAME
show() { sed 's/^/#   /' "$W/out" >&2; }
before=$(ls -l /usr/share/p11-kit/modules | md5sum)

timeout -k 5 240 make -s -C "$TOP" shell SHELL_STATE="$W/state" >"$W/out" 2>&1 <<'EOS'
echo "module=$SCRIPTOKI_MODULE"
echo "modules=$(p11-kit list-modules 2>/dev/null | grep -c '^scriptoki:')"
pkcs11-tool --module "$SCRIPTOKI_MODULE" --init-token --label shelltok --so-pin 87654321 >/dev/null 2>&1 &&
pkcs11-tool --module "$SCRIPTOKI_MODULE" --login --login-type so --so-pin 87654321 --init-pin --pin 12345678 >/dev/null 2>&1 &&
pkcs11-tool --module "$P11KIT_PROXY" --login --pin 12345678 --keypairgen --key-type EC:prime256v1 --id 07 --label kept >/dev/null 2>&1
echo "made=$?"
echo "proxy-tokens=$(pkcs11-tool --module "$P11KIT_PROXY" -L 2>/dev/null | grep -c 'token label *: shelltok')"
echo "rig=$RIG_PID"
EOS
is $? 0 "make shell < script: exits with the script's status" || show
grep -qx "module=$TOP/build/scriptoki-pkcs11.so" "$W/out"; ok $? "\$SCRIPTOKI_MODULE is set" || show
grep -qx 'modules=1' "$W/out"; ok $? "p11-kit lists the module, once" || show
grep -qx 'made=0' "$W/out"; ok $? "init, PIN and an EC key through p11-kit's proxy" || show
grep -qx 'proxy-tokens=1' "$W/out"; ok $? "the proxy shows the token once (OpenSC's module left out)" || show
rig=$(sed -n 's/^rig=//p' "$W/out")
pids=$(awk '{print $2}' "$W/state/pids" 2>/dev/null)
left=""
for p in $rig $pids; do alive "$p" && left="$left $p"; done
[ -n "$rig" ] && [ -n "$pids" ] && [ -z "$left" ]
ok $? "after the shell: the rig, pcscd and the token are gone"
[ -f "$W/state/token0.state" ]; ok $? "the token's state is in the named folder"

timeout -k 5 240 make -s -C "$TOP" shell SHELL_STATE="$W/state" >"$W/out" 2>&1 <<'EOS'
pkcs11-tool --module "$SCRIPTOKI_MODULE" --list-objects --type pubkey 2>/dev/null | grep -c 'label: *kept'
EOS
is "$(cat "$W/out")" 1 "a second run finds the key made in the first" || show
is "$(ls -l /usr/share/p11-kit/modules | md5sum)" "$before" "the machine's p11-kit module folder is unchanged"
done_testing
