#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Fault injection at every APDU of a key generation and of a certificate write through
# Scriptoki (the rig's rules, t3111: the faulted APDU is not executed; a dropped
# connection is a removed card). pkcs11-tool runs one C_GenerateKeyPair or C_CreateObject
# with the management key configured; a fault at any APDU up to the writing command fails
# the call and leaves the card's state file byte for byte as it was, and every run that
# succeeds changed the card. The one documented exception: an RSA key's GET RESPONSE
# after GENERATE ran (the card replaced the key as it ran): the call fails, and the card
# holds the new key, which the next listing shows from the card's metadata.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/pivlib.sh"
if [ "${1:-}" != --inside ]; then
	piv_need "$BUILD/scriptoki-pkcs11.so"
	need_opensc
	piv_rig -n 0 --piv 1 --fresh
fi
piv_inside

# ins_of CMD...: run CMD, print the INS of each APDU it sent, in order (from the trace)
ins_of() {
	local from
	from=$(wc -l <"$PIV_TRACE")
	"$@" >/dev/null 2>&1
	tail -n +$((from + 1)) "$PIV_TRACE" | awk '$1 == ">" { print $3 }'
}
position() { awk -v n="$1" -v ins="$2" '$1 == ins && ++k == n { print NR; exit }' "$W/ins"; }
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
gen_ec() { piv -l -p "$PIV_PIN" --keypairgen --key-type EC:prime256v1 --id 02 >"$W/out" 2>&1; }

# ---- key generation ----
ins_of gen_ec >"$W/ins"
gen=$(position 1 47)
[ -n "$gen" ]; ok $? "C_GenerateKeyPair sends GENERATE as APDU $gen of $(wc -l <"$W/ins")"
first87=$(position 1 87)
is "$(sed -n "$((gen - 3)),${gen}p" "$W/ins" | tr '\n' ' ')" "A4 87 87 47 " \
	"... after SELECT and the two steps of the management key's authentication"
snapshot gen
fails=0 bad=0 own=0
for ((k = 1; k <= gen; k++)); do
	piv_ctl fail-at "$k" 6F00 >/dev/null
	if gen_ec; then
		unchanged gen && bad=$((bad + 1))
		snapshot gen
	else
		fails=$((fails + 1))
		((k >= gen - 3)) && own=$((own + 1))
		unchanged gen || bad=$((bad + 1))
	fi
	piv_ctl fail-at 1000000 6F00 >/dev/null
done
((fails >= 4)); ok $? "the key generation fails with 6F00 forced at $fails of its $gen APDUs"
is "$own" 4 "... among them every APDU of C_GenerateKeyPair itself"
is "$bad" 0 "... the card is unchanged after every failure (and changed after every success)"

drops=0 changed=0
for k in "$first87" "$gen"; do
	piv_ctl drop-at "$k" >/dev/null
	gen_ec || drops=$((drops + 1))
	unchanged gen || changed=$((changed + 1))
	reinsert
done
is "$drops" 2 "it fails when the card is pulled at the authentication or at GENERATE"
is "$changed" 0 "... and the card is unchanged"
grep -q "^# fault: connection dropped" "$PIV_TRACE"; ok $? "the trace records the drops"
gen_ec; ok $? "without faults the generation works"
unchanged gen; is $? 1 "... and changes the card"

# RSA: the 7F49 answer needs GET RESPONSE; GENERATE has run when it fails
gen_rsa() { piv -l -p "$PIV_PIN" --keypairgen --key-type rsa:2048 --id 03 >"$W/out" 2>&1; }
# measured with an RSA key in 9D already, as in the faulted runs (its metadata then needs
# a GET RESPONSE of their own in the listing)
gen_rsa
ins_of gen_rsa >"$W/ins"
gen=$(position 1 47)
is "$(sed -n "${gen},$((gen + 1))p" "$W/ins" | tr '\n' ' ')" "47 C0 " \
	"RSA: GENERATE, then GET RESPONSE"
piv --read-object --type pubkey --id 03 -o "$W/before.der" >/dev/null 2>&1
snapshot rsa
piv_ctl fail-at "$gen" 6A80 >/dev/null
gen_rsa; is $? 1 "RSA generation with GENERATE faulted fails"
unchanged rsa; ok $? "... and leaves the card unchanged"
piv_ctl fail-at $((gen + 1)) 6F00 >/dev/null
gen_rsa; is $? 1 "with GET RESPONSE faulted it fails"
unchanged rsa; is $? 1 "... the documented state: GENERATE ran, the new key is on the card"
piv --read-object --type pubkey --id 03 -o "$W/after.der" >/dev/null 2>&1 &&
	[ -s "$W/before.der" ] && ! cmp -s "$W/before.der" "$W/after.der"
ok $? "... and the next listing shows the new public key of 9D (from the card's metadata)"

# ---- certificate writing: C_CreateObject, PUT DATA in a chain ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/a.key" -subj /CN=fault -days 2 \
	-outform der -out "$W/a.der" 2>/dev/null
put_cert() { piv -l -p "$PIV_PIN" --write-object "$W/a.der" --type cert --id 04 >"$W/out" 2>&1; }
snapshot cert
ins_of put_cert >"$W/ins"
unchanged cert; is $? 1 "C_CreateObject writes the certificate for 9E"
parts=$(grep -c '^DB$' "$W/ins")
((parts >= 3)); ok $? "... in $parts PUT DATA parts"
first=$(position 1 DB)
piv -l -p "$PIV_PIN" --delete-object --type cert --id 04 >/dev/null 2>&1
unchanged cert; ok $? "C_DestroyObject empties it again (the state file as before)"
fails=0 changed=0
for ((k = first - 3; k < first + parts; k++)); do
	piv_ctl fail-at "$k" 6F00 >/dev/null
	put_cert || fails=$((fails + 1))
	unchanged cert || changed=$((changed + 1))
	piv_ctl fail-at 1000000 6F00 >/dev/null
done
is "$fails" $((parts + 3)) "C_CreateObject fails with 6F00 at the authentication, its GET DATA and each PUT DATA part"
is "$changed" 0 "... and the card stays without the certificate every time"
drops=0 changed=0
for ((k = first + 1; k < first + parts; k++)); do
	piv_ctl drop-at "$k" >/dev/null
	put_cert || drops=$((drops + 1))
	unchanged cert || changed=$((changed + 1))
	reinsert
done
is "$drops" $((parts - 1)) "it fails when the card is pulled mid-chain"
is "$changed" 0 "... and the card is unchanged"

# ---- C_DestroyObject ----
put_cert; ok $? "the certificate written without faults"
snapshot del
ins_of piv -l -p "$PIV_PIN" --delete-object --type cert --id 04 >"$W/ins"
unchanged del; is $? 1 "C_DestroyObject changes the card"
put_cert; snapshot del
last=$(position 1 DB)
fails=0 changed=0
for ((k = last - 3; k <= last; k++)); do
	piv_ctl fail-at "$k" 6F00 >/dev/null
	piv -l -p "$PIV_PIN" --delete-object --type cert --id 04 >/dev/null 2>&1 ||
		fails=$((fails + 1))
	unchanged del || changed=$((changed + 1))
	piv_ctl fail-at 1000000 6F00 >/dev/null
done
is "$fails" 4 "C_DestroyObject fails with 6F00 at each of its APDUs (SELECT, 87, 87, DB)"
is "$changed" 0 "... and the certificate stays"
ypt -a read-certificate -s 9e -o "$W/back.pem" >/dev/null 2>&1 &&
	cmp -s <(openssl x509 -in "$W/back.pem" -outform der) "$W/a.der"
ok $? "yubico-piv-tool reads it back unchanged"
done_testing
