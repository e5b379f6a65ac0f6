#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# t6206 — OpenSSH logs in with token keys to a private sshd: a throwaway sshd on
# 127.0.0.1 (its own host key and configuration, run as root with -D -e, stopped by its
# PID) whose authorized_keys holds one token key at a time, from ssh-keygen -D:
#   - `ssh -I module` logs in with the RSA-2048 key, then with the P-256 key;
#   - `ssh-add -s module` loads both keys into a private ssh-agent (started with -P, the
#     whitelist that lets it load a module outside /usr/lib*, /usr/local/lib*) and ssh
#     logs in through the agent; `ssh-add -e` unloads them. An agent without -P refuses
#     the module. Each agent is stopped by its PID.
# The PIN reaches ssh and ssh-add through SSH_ASKPASS, as it would from a desktop.
. "$(dirname "$0")/rig/tap.sh"
if [ -z "${VTOKEN0_CTL:-}" ]; then
	need_rig "$BUILD/vtoken" "$BUILD/vtoken-ctl"
	need_opensc
	need_pkg openssh-client /usr/bin/ssh-agent /usr/bin/ssh-add /usr/bin/ssh
	need_pkg openssh-server /usr/sbin/sshd
	[ -x /usr/sbin/sshd ] || skip_all "openssh-server is not installed"
	[ "$(id -u)" = 0 ] || skip_all "a private sshd logging in its own user needs root"
	exec timeout -k 5 200 "$RIG" --fresh -- "$0"
fi
. "$TOP/tests/rig/servers.sh"

. "$TOP/tests/rig/consumers.sh"
chmod 755 "$W"
SSHD="" AGENT="" MADE_RUN=""
# sshd needs its privilege separation folder; create it only if missing, and remove it after
[ -d /run/sshd ] || { mkdir -m 755 /run/sshd && MADE_RUN=1; }
trap 'stop_pid $SSHD $AGENT; [ -n "$MADE_RUN" ] && rmdir /run/sshd; rm -rf "$W"' EXIT

token_with_keys t6206 01:rsa:2048:rsa 02:EC:prime256v1:ec
ok $? "a token with an RSA-2048 and a P-256 key" || show "$W/out"
timeout 60 ssh-keygen -D "$M" >"$W/token.pub" 2>"$W/out" &&
	grep '^ssh-rsa ' "$W/token.pub" >"$W/rsa.pub" &&
	grep '^ecdsa-sha2-nistp256 ' "$W/token.pub" >"$W/ec.pub"
ok $? "ssh-keygen -D gives the token's RSA and ECDSA public keys" || show "$W/out"

printf '#!/bin/sh\necho %s\n' "$USER_PIN" >"$W/askpass"
chmod 700 "$W/askpass"
export SSH_ASKPASS=$W/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0
ssh-keygen -q -t ed25519 -N '' -f "$W/host" >/dev/null 2>&1
port=$(pick_port)
cat >"$W/sshd_config" <<-EOF
	ListenAddress 127.0.0.1
	Port $port
	HostKey $W/host
	PidFile none
	AuthorizedKeysFile $W/authorized_keys
	AuthenticationMethods publickey
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PermitRootLogin prohibit-password
	StrictModes no
	UsePAM no
	AllowUsers $(id -un)
	LogLevel VERBOSE
	EOF
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$W/host.pub")" >"$W/known_hosts"
cp "$W/rsa.pub" "$W/authorized_keys"
timeout 150 /usr/sbin/sshd -D -e -f "$W/sshd_config" >"$W/sshd.log" 2>&1 </dev/null &
SSHD=$!
wait_file $SSHD "$W/sshd.log" "Server listening on 127\.0\.0\.1 port $port" 30
ok $? "a private sshd listens on 127.0.0.1:$port" || show "$W/sshd.log"

sshc() {
	timeout 60 ssh -F /dev/null -p "$port" -o UserKnownHostsFile="$W/known_hosts" \
		-o StrictHostKeyChecking=yes -o PasswordAuthentication=no \
		-o KbdInteractiveAuthentication=no -o ConnectTimeout=20 "$@" \
		"$(id -un)@127.0.0.1" echo logged-in-by-token >"$W/ssh.out" 2>&1 </dev/null
	grep -qx logged-in-by-token "$W/ssh.out"
}
sshc -o IdentityAgent=none -o IdentityFile=none -I "$M"
ok $? "ssh -I logs in with the token's RSA key" || show "$W/ssh.out"
grep -q 'Accepted publickey for .* RSA SHA256:' "$W/sshd.log"
ok $? "... sshd accepted it as that RSA key" || show "$W/sshd.log"
cp "$W/ec.pub" "$W/authorized_keys"
sshc -o IdentityAgent=none -o IdentityFile=none -I "$M"
ok $? "ssh -I logs in with the token's P-256 key" || show "$W/ssh.out"
grep -q 'Accepted publickey for .* ECDSA SHA256:' "$W/sshd.log"
ok $? "... sshd accepted it as that ECDSA key" || show "$W/sshd.log"
: >"$W/authorized_keys"
sshc -o IdentityAgent=none -o IdentityFile=none -I "$M"
[ $? -ne 0 ]
ok $? "with neither key authorized, the login is refused" || show "$W/ssh.out"

# --- ssh-agent and ssh-add -s -----------------------------------------------------------
# an agent with its default whitelist (/usr/lib*, /usr/local/lib*) refuses the build tree's
timeout 150 ssh-agent -D -a "$W/plain.sock" >"$W/plain.log" 2>&1 </dev/null &
AGENT=$!
wait_file $AGENT "$W/plain.log" '^SSH_AUTH_SOCK=' 20 &&
	! SSH_AUTH_SOCK=$W/plain.sock timeout 60 ssh-add -s "$M" >"$W/out" 2>&1 &&
	grep -q 'agent refused operation' "$W/out"
ok $? "an ssh-agent without -P refuses a module outside /usr/lib*" || show "$W/out"
stop_pid $AGENT
timeout 150 ssh-agent -D -a "$W/agent.sock" -P "$M" >"$W/agent.log" 2>&1 </dev/null &
AGENT=$!
wait_file $AGENT "$W/agent.log" '^SSH_AUTH_SOCK=' 20 && [ -S "$W/agent.sock" ]
ok $? "a private ssh-agent, whitelisting the module with -P" || show "$W/agent.log"
export SSH_AUTH_SOCK=$W/agent.sock
timeout 60 ssh-add -s "$M" >"$W/out" 2>&1
ok $? "ssh-add -s loads the token's keys into the agent" || show "$W/out"
timeout 20 ssh-add -L >"$W/agent.keys" 2>&1
grep -qF "$(cut -d' ' -f2 "$W/rsa.pub")" "$W/agent.keys" &&
	grep -qF "$(cut -d' ' -f2 "$W/ec.pub")" "$W/agent.keys"
ok $? "ssh-add -L lists both token keys" || show "$W/agent.keys"
cat "$W/rsa.pub" "$W/ec.pub" >"$W/authorized_keys"
sshc -o IdentityAgent="$W/agent.sock"
ok $? "ssh logs in through the agent, which signs on the token" || show "$W/ssh.out"
timeout 30 ssh-add -e "$M" >"$W/out" 2>&1 && timeout 20 ssh-add -L >"$W/agent.keys" 2>&1
grep -q 'The agent has no identities' "$W/agent.keys"
ok $? "ssh-add -e unloads them again" || show "$W/agent.keys"
unset SSH_AUTH_SOCK

stop_pid $SSHD $AGENT
! alive "$SSHD" && ! alive "$AGENT" && ! listening "$port"
ok $? "sshd and ssh-agent stopped by PID, the port closed"
SSHD="" AGENT=""
done_testing
