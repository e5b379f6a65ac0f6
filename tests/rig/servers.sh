# SPDX-License-Identifier: BSD-2-Clause
#
# servers.sh — private servers for the consumer tests (source it after tap.sh). Every
# server listens on 127.0.0.1 only, is started in the background by the test, waited
# for by a bounded poll of a condition (never a fixed sleep), and stopped by its PID.
#
#   pick_port                     a TCP port nothing listens on now (20000..59999)
#   wait_listening PID PORT SECS  until PORT listens; fails when PID exits or at SECS
#   wait_file PID FILE RE SECS    until FILE has a line matching RE (a server's own
#                                 readiness output); fails when PID exits or at SECS
#   stop_pid PID...               TERM, then KILL after 5 s; reaps our children

pick_port() {
	local p i
	for i in $(seq 64); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		listening "$p" || { echo "$p"; return 0; }
	done
	return 1
}

wait_listening() {
	local pid=$1 port=$2 end=$((SECONDS + $3))
	while ! listening "$port"; do
		alive "$pid" || return 1
		((SECONDS < end)) || return 1
		sleep 0.05
	done
}

wait_file() {
	local pid=$1 file=$2 re=$3 end=$((SECONDS + $4))
	while ! grep -qE "$re" "$file" 2>/dev/null; do
		alive "$pid" || return 1
		((SECONDS < end)) || return 1
		sleep 0.05
	done
}

stop_pid() {
	local pid
	for pid in "$@"; do
		[ -n "$pid" ] || continue
		kill "$pid" 2>/dev/null
	done
	for pid in "$@"; do
		[ -n "$pid" ] || continue
		gone_within 5 "$pid" || kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 0
}
