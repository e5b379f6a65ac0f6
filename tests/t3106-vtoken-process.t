#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The virtual token as a process: it speaks the vpcd protocol (ATR on request, APDUs framed
# with a 2-byte length), faults set on its command line count from the start, SIGTERM ends
# it at once with status 0 even while it waits for vpcd, it gives up (status 0) when no
# vpcd listens, and a corrupt state file is refused rather than overwritten.
. "$(dirname "$0")/rig/tap.sh"
. "$TOP/tests/vtoken/vtlib.sh"
vt_need
need_pkg python3 /usr/bin/python3

W=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT

# A fake vpcd: listen, take one card, power it on, ask for the ATR, send two APDUs, report
# through a FIFO, then keep the connection open until the card goes away.
cat >"$W/fake-vpcd.py" <<'PY'
import socket, struct, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
ready = open(sys.argv[1], "w", buffering=1)
ready.write("%d\n" % s.getsockname()[1])
c, _ = s.accept()
def msg(b):
    c.sendall(struct.pack(">H", len(b)) + b)
    n = struct.unpack(">H", c.recv(2, socket.MSG_WAITALL))[0]
    return c.recv(n, socket.MSG_WAITALL).hex()
c.sendall(b"\x00\x01\x01")                   # power on: no answer
ready.write("atr " + msg(b"\x04") + "\n")
ready.write("apdu " + msg(bytes.fromhex("00CA018100")) + "\n")
ready.write("apdu " + msg(bytes.fromhex("00CA018100")) + "\n")
c.recv(1)                                    # until the card closes
ready.write("closed\n")
PY
mkfifo "$W/ready"
/usr/bin/python3 "$W/fake-vpcd.py" "$W/ready" &
pids+=($!)
exec 3<"$W/ready"
read -r -t 20 port <&3
"$BUILD/vtoken" --port "$port" --state "$W/s1" --fresh --trace "$W/trace" --fail-at 2 \
	--fail-sw 6581 &
vt=$!
pids+=($vt)
read -r -t 20 a1 <&3
read -r -t 20 a2 <&3
read -r -t 20 a3 <&3
is "$a1" "atr 3b8b015275746f6b656e20454350a0" "the ATR of a Rutoken ECP on request"
case $a2 in "apdu "????????9000) r=0 ;; *) r=1 ;; esac
ok $r "an APDU framed with its length is answered ($a2)"
is "$a3" "apdu 6581" "--fail-at 2 --fail-sw 6581 answers the second APDU with 6581"
grep -q "^# power on" "$W/trace"; ok $? "the trace has the power-on"
is "$(grep -c '^>' "$W/trace")" 2 "... and both APDUs"
kill -TERM "$vt"
read -r -t 5 a4 <&3
is "$a4" closed "SIGTERM: the token closes its connection at once"
wait "$vt"
is $? 0 "... and exits with status 0"
exec 3<&-

# no vpcd at all: a bounded retry, then exit 0
free=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$(date +%s)
timeout 30 "$BUILD/vtoken" --port "$free" --state "$W/s2" --fresh 2>"$W/err"
is $? 0 "with no vpcd listening the token gives up with status 0"
elapsed=$(($(date +%s) - start))
((elapsed <= 10)); ok $? "... within a bounded time (${elapsed}s)"
grep -q "is gone" "$W/err"; ok $? "... and says why"

# SIGTERM while it waits for a vpcd that is not there
mkfifo "$W/t3"
"$BUILD/vtoken" --port "$free" --state "$W/s3" --fresh --trace "$W/t3" &
vt=$!
read -r -t 20 started <"$W/t3"  # "# start ...": the signal handlers are in place
kill -TERM "$vt"
wait "$vt"
is $? 0 "SIGTERM while waiting for vpcd: status 0"

# state files
[ -s "$W/s1" ] && head -1 "$W/s1" | grep -q "^vtoken-state 1$"
ok $? "--fresh wrote a factory state file"
head -c 100 "$W/s1" >"$W/bad"
"$BUILD/vtoken" --port "$free" --state "$W/bad" 2>"$W/err"
is $? 1 "a truncated state file is refused (status 1)"
is "$(head -c 100 "$W/s1" | cmp - "$W/bad" && echo same)" same "... and left as it was"
"$BUILD/vtoken" --state "$W/s4" 2>/dev/null
is $? 2 "a bad command line: status 2"

done_testing
