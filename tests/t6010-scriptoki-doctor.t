#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6010 — the diagnostic command: `scriptoki doctor` shows each setting with where it came
# from (environment, FILE:LINE, built-in default), the scripts folder with every family and
# its syntax check, the gost provider, the readers and the family each card matched — and
# an unknown card (the rig's echo reader) as served by none; its exit status is the sum of
# the kinds of problem (1 configuration, 2 scripts, 4 PC/SC, 8 an unserved card, 64
# usage). `scriptoki check-scripts DIR` finds a syntax error with FILE:LINE and a script
# that fails when the module's sandbox runs it. Runs inside a rig with a fresh token.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl" "$BUILD/scriptoki"
	exec timeout -k 5 300 "$RIG" --fresh --echo -- "$0"
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
unset SCRIPTOKI_SCRIPTS SCRIPTOKI_EXCLUSIVE SCRIPTOKI_DEBUG SCRIPTOKI_DEBUG_FILE
SK=$BUILD/scriptoki
show() { sed 's/^/#   /' "$W/out" >&2; }
printf '# settings for t6010\n\nexclusive = yes\n' >"$W/good.conf"

SCRIPTOKI_CONF=$W/good.conf timeout 60 "$SK" doctor >"$W/out" 2>"$W/err"
is $? 8 "doctor with the token and an unknown card: exit 8 (an unserved card), nothing else" ||
	{ show; sed 's/^/#   err: /' "$W/err" >&2; }
grep -q "^  file: $W/good.conf (from SCRIPTOKI_CONF)" "$W/out"
ok $? "it names the configuration file and that SCRIPTOKI_CONF chose it"
grep -q "^  exclusive  = yes  ($W/good.conf:3; SCRIPTOKI_EXCLUSIVE)" "$W/out"
ok $? "a value from the file comes with FILE:LINE" || show
grep -q "^  scripts    = $TOP/scripts  (built-in default; SCRIPTOKI_SCRIPTS)" "$W/out"
ok $? "the built-in scripts folder is said to be the default" || show
grep -q '^  family rutoken_ecp$' "$W/out" && grep -A3 '^  family rutoken_ecp$' "$W/out" |
	grep -q 'syntax ok' && grep -A3 '^  family rutoken_ecp$' "$W/out" |
	grep -q "loads in the module's sandbox: ok"
ok $? "the rutoken_ecp family: syntax checked, loaded in the sandbox" || show
grep -q '^  gostprov: ' "$W/out"; ok $? "the gost provider is looked for"
grep -A2 "^  $VTOKEN0_READER: card, ATR" "$W/out" | grep -q 'served by family rutoken_ecp'
ok $? "the virtual token's reader: served by rutoken_ecp" || show
grep -A1 "^  $RESPONDER_READER: card, ATR 3B 84 01 65 63 68 6F 84" "$W/out" |
	grep -q 'no family serves it'
ok $? "the echo card: its ATR, and that no family serves it" || show
[ ! -s "$W/err" ]; ok $? "a good configuration: nothing on standard error"

SCRIPTOKI_EXCLUSIVE=off SCRIPTOKI_CONF=$W/good.conf timeout 60 "$SK" doctor >"$W/out" 2>&1
grep -q '^  exclusive  = no  (environment SCRIPTOKI_EXCLUSIVE; SCRIPTOKI_EXCLUSIVE)' "$W/out"
ok $? "the environment wins over the file, and says so" || show

printf 'exclusiv = yes\n' >"$W/bad.conf"
SCRIPTOKI_CONF=$W/bad.conf timeout 60 "$SK" doctor >"$W/out" 2>"$W/err"
is $? 9 "a configuration mistake adds 1 to the exit status"
grep -qx "scriptoki: $W/bad.conf:1: unknown key \"exclusiv\"" "$W/err"
ok $? "... and the module's own report of it is on standard error" ||
	sed 's/^/#   err: /' "$W/err" >&2

SCRIPTOKI_SCRIPTS=$W/none SCRIPTOKI_CONF=$W/good.conf timeout 60 "$SK" doctor >"$W/out" 2>&1
st=$?
(( (st & 2) != 0 )); ok $? "a missing scripts folder adds 2 (status $st)"
grep -q "^Scripts folder: $W/none" "$W/out" && grep -q 'MISSING' "$W/out"
ok $? "... and is named as missing" || show

PCSCLITE_CSOCK_NAME=$W/no-pcscd.comm SCRIPTOKI_CONF=$W/good.conf timeout 60 "$SK" doctor \
	>"$W/out" 2>&1
is $? 4 "no PC/SC service: exit 4"
grep -q 'cannot reach the PC/SC service' "$W/out"; ok $? "... said in words" || show

timeout 30 "$SK" frobnicate >"$W/out" 2>&1
is $? 64 "an unknown subcommand: exit 64"

# check-scripts on copies of the scripts folder
cp -r "$TOP/scripts" "$W/s"
timeout 60 "$SK" check-scripts "$W/s" >"$W/out" 2>&1
is $? 0 "check-scripts on the shipped scripts: exit 0" || show
printf 'local x = = 1\n' >>"$W/s/lib/pkcs15.lua"
timeout 60 "$SK" check-scripts "$W/s" >"$W/out" 2>&1
is $? 2 "a syntax error in lib/: exit 2"
grep -q "syntax error: $W/s/lib/pkcs15.lua:[0-9]*:" "$W/out"
ok $? "... with the file and line" || show
cp "$TOP/scripts/lib/pkcs15.lua" "$W/s/lib/pkcs15.lua"
mkdir "$W/s/broken"
printf 'error("this family is broken")\n' >"$W/s/broken/token.lua"
timeout 60 "$SK" check-scripts "$W/s" >"$W/out" 2>&1
is $? 2 "a family that fails when loaded: exit 2"
grep -A4 '^  family broken$' "$W/out" | grep -q "sandbox: FAILED"
ok $? "... the family is named, loading in the sandbox failed" || show
grep -q 'this family is broken' "$W/out"
ok $? "... and the script's own error message is shown" || show
rm -r "$W/s/broken"
mkdir "$W/s/halfdone"
printf 'priority: 0\n' >"$W/s/halfdone/family.yaml"
timeout 60 "$SK" check-scripts "$W/s" >"$W/out" 2>&1
is $? 2 "a family with a manifest but no token.lua: exit 2"
grep -A3 '^  family halfdone$' "$W/out" | grep -q 'manifest: ' &&
	grep -A3 '^  family halfdone$' "$W/out" | grep -q 'no token.lua'
ok $? "... its manifest is seen and the missing script named" || show
done_testing
