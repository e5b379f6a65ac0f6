#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The rig returns the command's exit status and stops everything it started — pcscd and
# the cards, by pid — however the command ends: success, failure, killed by a signal, or
# the rig itself interrupted (TERM, INT, a timeout) or failing to start. Nothing is left
# running, no vpcd port is left listening, and the temporary directory is gone.
. "$(dirname "$0")/rig/tap.sh"
need_rig

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# The command saves the rig's pid and port lists and its own RIG_DIR before anything else.
save='cp "$RIG_DIR/pids" "$RIG_DIR/ports" "$T/" && echo "$RIG_DIR" >"$T/rigdir" && echo $$ >"$T/cmdpid"'
export T

check_gone() {
	rig_gone "$T/pids" "$T/ports" "$1"
	[ ! -e "$(cat "$T/rigdir")" ]; ok $? "$1: the rig's temporary directory is removed"
	rm -f "$T/pids" "$T/ports" "$T/rigdir" "$T/cmdpid"
}

for want in 0 1 3 42; do
	timeout 60 "$RIG" --responder -n 2 -- sh -c "$save; exit $want"
	is $? "$want" "the command's exit status $want is the rig's"
	check_gone "exit $want"
done

timeout 60 "$RIG" --responder -- sh -c "$save; kill -KILL \$\$"
is $? 137 "a command killed by KILL: the rig exits 128+9"
check_gone "command killed"

# The rig itself gets a signal while the command runs: the command is stopped too.
mkfifo "$T/ready"
for sig in TERM INT HUP; do
	timeout 60 "$RIG" --responder -n 2 -- sh -c "$save; echo \$RIG_PID >\"\$T/ready\"; exec sleep 50" &
	job=$!
	read -r rigpid <"$T/ready"
	cmdpid=$(cat "$T/cmdpid")
	kill -"$sig" "$rigpid"
	wait "$job"
	is $? $((128 + $(kill -l "$sig"))) "the rig stopped by $sig exits 128+$(kill -l "$sig")"
	alive "$cmdpid"; is $? 1 "$sig: the command was stopped"
	check_gone "rig got $sig"
done

# timeout(1) signals the rig's whole process group.
timeout 60 "$RIG" --responder -- sh -c "$save; echo x >\"\$T/ready\"; exec sleep 50" &
job=$!
read -r _ <"$T/ready"
cmdpid=$(cat "$T/cmdpid")
kill -TERM "$job"
wait "$job"
st=$?
[ "$st" -ne 0 ]; ok $? "timeout's TERM: the rig fails ($st)"
alive "$cmdpid"; is $? 1 "timeout's TERM: the command was stopped"
check_gone "timeout's TERM"

# Signals that keep coming while the rig stops (timeout(1) sends TERM twice, to the rig and
# to its group; a user presses ^C again): the first decides the status, the cleanup still
# runs to its end. Before the rig took its way out only once, a second TERM inside the EXIT
# trap left at once with status 0 and the directory still there (CI saw it under load).
timeout 60 "$RIG" --responder -n 2 -- sh -c "$save; echo \$RIG_PID >\"\$T/ready\"; exec sleep 50" &
job=$!
read -r rigpid <"$T/ready"
cmdpid=$(cat "$T/cmdpid")
n=0
while kill -TERM "$rigpid" 2>/dev/null; do n=$((n + 1)); done
wait "$job"
is $? 143 "TERM after TERM ($n sent): the rig still exits 143"
alive "$cmdpid"; is $? 1 "TERM after TERM: the command was stopped"
check_gone "TERM after TERM"

# A card that dies at once: the rig says so (no long wait) and cleans up.
start=$SECONDS
err=$(RIG_VTOKEN=/bin/false timeout 60 "$RIG" --state-dir "$T/s" --timeout 30 -- true 2>&1)
is $? 125 "a card that does not come up: exit 125"
# (bounds well under the rig's own --timeout, not a speed target: a loaded machine may be
# slow, but a rig that waited the timeout out is caught)
((SECONDS - start < 25)); ok $? "... noticed before the timeout ($((SECONDS - start)) s)"
grep -q 'did not become present' <<<"$err"; ok $? "... and says so"
rig_gone "$T/s/pids" "$T/s/ports" "card failed"
[ -e "$T/s/token0.log" ]; ok $? "--state-dir: the rig's files stay"

# A signal while the rig waits for its cards stops it at once. The "card" here tells us
# the rig's pid (its parent) and never connects.
printf '#!/bin/sh\necho $PPID >"%s/ready"\nexec sleep 50\n' "$T" >"$T/slow-card"
chmod +x "$T/slow-card"
launched=$SECONDS
RIG_VTOKEN=$T/slow-card timeout 60 "$RIG" --state-dir "$T/w" --timeout 40 -- touch "$T/ran" \
	2>/dev/null &
job=$!
read -r rigpid <"$T/ready"
# timed from the signal: pcscd's start before the card (a loaded machine, the suite's
# other rigs) is not what this measures
start=$SECONDS
echo "# the rig started its card $((start - launched)) s after its launch"
kill -TERM "$rigpid"
wait "$job"
is $? 143 "TERM while waiting for the cards: exit 143"
((SECONDS - start < 35)); ok $? "... at once ($((SECONDS - start)) s after TERM), not after the wait"
[ ! -e "$T/ran" ]; ok $? "... without running the command"
rig_gone "$T/w/pids" "$T/w/ports" "TERM during startup"

# A card that ignores TERM is killed after a few seconds; the command's status still wins.
printf '#!/bin/sh\ntrap "" TERM\nexec "%s" --port "$2"\n' "$BUILD/vpcd-echo" >"$T/stubborn-card"
chmod +x "$T/stubborn-card"
RIG_VTOKEN=$T/stubborn-card timeout 60 "$RIG" -- sh -c "$save; exit 5" 2>"$T/err"
is $? 5 "a card that ignores TERM: the command's status is still the rig's"
grep -q 'did not stop.*KILL' "$T/err"; ok $? "... the rig says it used KILL"
check_gone "card ignoring TERM"

# Even when the rig itself is killed with KILL (no cleanup possible), what it started gets
# TERM from the kernel (parent-death signal) and goes away.
if setpriv --pdeathsig TERM true 2>/dev/null; then
	timeout 60 "$RIG" --responder -n 2 -- sh -c "$save; echo \$RIG_PID >\"\$T/ready\"; exec sleep 50" &
	job=$!
	read -r rigpid <"$T/ready"
	kill -KILL "$rigpid"
	wait "$job"
	is $? 137 "the rig killed by KILL"
	mapfile -t left < <(awk '{ print $2 }' "$T/pids")
	gone_within 15 "${left[@]}" "$(cat "$T/cmdpid")"
	ok $? "... its pcscd, cards and command still go away"
	# Its directory is left behind: nobody was there to remove it.
	d=$(cat "$T/rigdir")
	[[ $d == */rig.* ]] && rm -rf "$d"
	rm -f "$T/pids" "$T/ports" "$T/rigdir" "$T/cmdpid"
else
	ok 0 "# SKIP setpriv has no --pdeathsig here"
fi

# The command is not run when the rig cannot start.
err=$(RIG_PCSCD=/nonexistent timeout 60 "$RIG" --responder -- touch "$T/ran" 2>&1)
is $? 125 "no pcscd: exit 125"
[ ! -e "$T/ran" ]; ok $? "... and the command did not run"
grep -q pcscd <<<"$err"; ok $? "... and the message names pcscd"

done_testing
