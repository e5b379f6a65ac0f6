#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Fault injection on the virtual PIV card: a forced status word or a connection dropped at
# any APDU of an on-card key generation (yubico-piv-tool generate) or of a chained
# certificate write (PUT DATA in parts of 255 bytes) makes the tool fail and leaves the
# card exactly as it was (the state file byte for byte, and what the card answers). The
# rules are the Rutoken token's (t3105): the faulted APDU is not executed; a dropped
# connection is a removed card, which loses the chain collected so far.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/pivlib.sh"
if [ "${1:-}" != --inside ]; then
	piv_need
	piv_rig -n 0 --piv 1 --fresh
fi
piv_find || { echo "1..1"; echo "not ok 1 - the rig has no PIV card"; exit 1; }

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# ins_of CMD...: run CMD, print the INS of each APDU it sent, in order (from the trace)
ins_of() {
	local from
	from=$(wc -l <"$PIV_TRACE")
	"$@" >/dev/null 2>&1
	tail -n +$((from + 1)) "$PIV_TRACE" | awk '$1 == ">" { print $3 }'
}
# position N INS: the position (from 1) of the N-th APDU with this INS in "$W/ins"
position() { awk -v n="$1" -v ins="$2" '$1 == ins && ++k == n { print NR; exit }' "$W/ins"; }
# after a drop: pcscd sees the card go, then come back. When the client that saw the drop
# was yubico-piv-tool, vpcd 0.8 sometimes leaves a re-insertion unpowered (pcscd then
# reports no card); pulling and inserting once more, as a user would, brings it back.
# Bounded: after three tries the next step fails visibly.
reinsert() {
	local try
	for try in 1 2 3; do
		"$PROBE" -r "$PIV_READER" wait-absent >/dev/null
		piv_ctl insert >/dev/null
		"$PROBE" -r "$PIV_READER" wait-present >/dev/null
		[ "$("$PROBE" -r "$PIV_READER" 00A4040005A000000308 | cut -c1-4)" = resp ] && return 0
		piv_ctl remove >/dev/null
	done
	diag "the PIV card did not come back after a drop"
	return 1
}
snapshot() { cp "$PIV_STATE" "$W/state.$1"; }
unchanged() { cmp -s "$PIV_STATE" "$W/state.$1"; }

# ---- key generation ----
ins_of ypt -a generate -s 9a -A ECCP256 -o "$W/9a.pub" >"$W/ins"
gen=$(position 1 47)
[ -n "$gen" ]; ok $? "yubico-piv-tool generate sends GENERATE as APDU $gen of $(wc -l <"$W/ins")"
is "$(tail -n 1 "$W/ins")" 47 "... the last one (a P-256 answer needs no GET RESPONSE)"
ypt -a generate -s 9c -A ECCP256 -o "$W/9c.pub" >/dev/null 2>&1; ok $? "a key in 9c"
# A fault at each APDU: either the tool fails and the card is as it was, or the tool got
# past it (yubico-piv-tool ignores a failed GET VERSION, GET SERIAL or PIN-status query)
# and the new key is there.
snapshot gen
fails=0 bad=0 gen_failed=0
for ((k = 1; k <= gen; k++)); do
	piv_ctl fail-at "$k" 6F00 >/dev/null
	if ypt -a generate -s 9c -A ECCP256 -o "$W/new.pub" >/dev/null 2>&1; then
		unchanged gen && bad=$((bad + 1))
		cp "$W/new.pub" "$W/9c.pub"
		snapshot gen
	else
		fails=$((fails + 1))
		((k == gen)) && gen_failed=1
		unchanged gen || bad=$((bad + 1))
	fi
	piv_ctl fail-at 1000000 6F00 >/dev/null # disarm one that was not reached
done
((fails >= 3)); ok $? "generate fails with 6F00 forced at $fails of its $gen APDUs"
is "$gen_failed" 1 "... among them the GENERATE itself"
is "$bad" 0 "... the card is unchanged after every failure (and changed after every success)"

drops=0 changed=0
for k in 1 "$gen"; do
	piv_ctl drop-at "$k" >/dev/null
	ypt -a generate -s 9c -A ECCP256 -o "$W/new.pub" >/dev/null 2>&1 || drops=$((drops + 1))
	unchanged gen || changed=$((changed + 1))
	reinsert
done
is "$drops" 2 "generate fails when the card is pulled at its first or its GENERATE APDU"
is "$changed" 0 "... and the card is unchanged"
grep -q "^# fault: connection dropped" "$PIV_TRACE"; ok $? "the trace records the drops"

# the 9c key is still the one made before the faults: sign with it, verify with its old key
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/ca.key" \
	-subj /CN=ca -days 2 -out "$W/ca.pem" 2>/dev/null
openssl x509 -new -subj /CN=old9c -force_pubkey "$W/9c.pub" -CA "$W/ca.pem" -CAkey "$W/ca.key" \
	-days 2 -out "$W/9c.pem" 2>/dev/null
ypt -a import-certificate -s 9c -i "$W/9c.pem" >/dev/null 2>&1 &&
	ypt -a verify-pin -P "$PIV_PIN" -a test-signature -s 9c -i "$W/9c.pem" >/dev/null 2>&1
ok $? "the 9c key is the one generated before the faults"

# RSA: the answer (7F49, 265 bytes) comes in two parts; once GENERATE ran, the key is in
# place, whatever happens to GET RESPONSE (as on a real card)
ins_of ypt -a generate -s 9d -A RSA2048 -o "$W/9d.pub" >"$W/ins"
is "$(tail -n 2 "$W/ins" | tr '\n' ' ')" "47 C0 " "RSA generate: GENERATE, then one GET RESPONSE"
gen=$(position 1 47)
snapshot rsa
piv_ctl fail-at "$gen" 6A80 >/dev/null
ypt -a generate -s 9d -A RSA2048 -o "$W/x.pub" >/dev/null 2>&1
is $? 1 "RSA generate with GENERATE faulted fails"
unchanged rsa; ok $? "... and leaves the card unchanged"
piv_ctl fail-at $((gen + 1)) 6F00 >/dev/null
ypt -a generate -s 9d -A RSA2048 -o "$W/x.pub" >/dev/null 2>&1
is $? 1 "with GET RESPONSE faulted it fails"
unchanged rsa; is $? 1 "... but the new key is on the card (GENERATE had run)"

# ---- certificate writing: PUT DATA in a chain ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/a.key" -subj /CN=first -days 2 \
	-out "$W/a.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/b.key" -subj /CN=second -days 2 \
	-out "$W/b.pem" 2>/dev/null
ins_of ypt -a import-certificate -s 9a -i "$W/a.pem" >"$W/ins"
parts=$(grep -c '^DB$' "$W/ins")
((parts >= 3)); ok $? "import-certificate writes the certificate in $parts PUT DATA parts"
first=$(position 1 DB)
snapshot cert
fails=0 changed=0
for ((k = first; k < first + parts; k++)); do
	piv_ctl fail-at "$k" 6F00 >/dev/null
	ypt -a import-certificate -s 9a -i "$W/b.pem" >/dev/null 2>&1 || fails=$((fails + 1))
	unchanged cert || changed=$((changed + 1))
	piv_ctl fail-at 1000000 6F00 >/dev/null
	# the fault ended the tool mid-chain: the next command (another INS) drops the chain
done
is "$fails" "$parts" "import-certificate fails with 6F00 at each PUT DATA part"
is "$changed" 0 "... and the old certificate stays every time"
drops=0 changed=0
for ((k = first + 1; k < first + parts; k++)); do
	piv_ctl drop-at "$k" >/dev/null
	ypt -a import-certificate -s 9a -i "$W/b.pem" >/dev/null 2>&1 || drops=$((drops + 1))
	unchanged cert || changed=$((changed + 1))
	reinsert
done
is "$drops" $((parts - 1)) "import-certificate fails when the card is pulled mid-chain"
is "$changed" 0 "... and the old certificate stays"
ypt -a read-certificate -s 9a -o "$W/back.pem" >/dev/null 2>&1
is "$(openssl x509 -in "$W/back.pem" -noout -subject 2>/dev/null)" "subject=CN = first" \
	"the card gives the first certificate"
ypt -a import-certificate -s 9a -i "$W/b.pem" >/dev/null 2>&1
ok $? "without faults the write works"
ypt -a read-certificate -s 9a -o "$W/back.pem" >/dev/null 2>&1
is "$(openssl x509 -in "$W/back.pem" -noout -subject 2>/dev/null)" "subject=CN = second" \
	"... and the card gives the second"

# ---- the state file: kept across a restart, a damaged one refused ----
cp "$PIV_STATE" "$W/state.before"
out=$("$RIG_RESTART_TOKEN" "$PIV" 2>&1); ok $? "the PIV card restarts on its state file ($out)"
ypt -a read-certificate -s 9a -o "$W/back.pem" >/dev/null 2>&1
is "$(openssl x509 -in "$W/back.pem" -noout -subject 2>/dev/null)" "subject=CN = second" \
	"... with its certificate"
ypt -a verify-pin -P "$PIV_PIN" -a test-signature -s 9c -i "$W/9c.pem" >/dev/null 2>&1
ok $? "... and its keys"
cmp -s "$PIV_STATE" "$W/state.before"; ok $? "... and the state file as it was"
is "$(stat -c %a "$PIV_STATE")" 600 "the state file is mode 0600"
grep -q "^vtoken-piv-state 1$" "$PIV_STATE"; ok $? "it starts with its own header"
sed 's/^pin 3 3 /pin 3 9 /' "$PIV_STATE" >"$W/bad.state"
timeout 10 "$BUILD/vtoken" --piv --port 1 --state "$W/bad.state" >/dev/null 2>"$W/err"
is $? 1 "vtoken --piv refuses a state file with more tries left than allowed"
grep -q "malformed" "$W/err"; ok $? "... saying so ($(cat "$W/err"))"
timeout 10 "$BUILD/vtoken" --port 1 --state "$PIV_STATE" >/dev/null 2>&1
is $? 1 "the Rutoken token refuses a PIV state file"

done_testing
