# SPDX-License-Identifier: BSD-2-Clause
#
# tap.sh — TAP helpers for the rig's shell tests (source it from bash).
#
#   ok CONDITION-STATUS "name"     e.g.  [ -S "$f" ]; ok $? "socket exists"
#   is GOT WANT "name"
#   diag "text"
#   skip_all "reason"
#   done_testing                   prints the plan; exit status = number of failures
#
# Also: TOP (the source tree), BUILD, RIG (tests/rig/with-tokens), and rig helpers below.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
RIG=$TOP/tests/rig/with-tokens
tap_n=0
tap_failed=0

ok() {
	local st=$1
	shift
	tap_n=$((tap_n + 1))
	if [ "$st" = 0 ]; then
		echo "ok $tap_n - $*"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n - $*"
		echo "#   failed at ${BASH_SOURCE[1]}:${BASH_LINENO[0]}" >&2
	fi
	return "$st"
}

is() {
	local got=$1 want=$2
	shift 2
	tap_n=$((tap_n + 1))
	if [ "$got" = "$want" ]; then
		echo "ok $tap_n - $*"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n - $*"
		{
			echo "#   failed at ${BASH_SOURCE[1]}:${BASH_LINENO[0]}"
			echo "#   got:      '$got'"
			echo "#   expected: '$want'"
		} >&2
		return 1
	fi
}

diag() { echo "# $*" >&2; }

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

done_testing() {
	echo "1..$tap_n"
	((tap_failed)) && diag "$tap_failed of $tap_n tests failed"
	exit $((tap_failed > 254 ? 254 : tap_failed))
}

# need_rig: skip the test when the rig's parts are not there.
need_rig() {
	local f
	for f in "$BUILD/rig-wait" "$BUILD/rig-apdu" "$BUILD/vpcd-echo" /usr/sbin/pcscd \
		/usr/lib/pcsc/drivers/serial/libifdvpcd.so "$@"; do
		[ -e "$f" ] || skip_all "$f is missing"
	done
}

# listening PORT: succeeds when a TCP socket listens on PORT (any address).
listening() {
	local hex
	hex=$(printf '%04X' "$1")
	awk -v p=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { f = 1 }
		END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# alive PID: succeeds when PID runs (a zombie does not count).
alive() {
	local st
	st=$(awk '{ sub(/.*\) /, ""); print substr($0, 1, 1) }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# gone_within SECONDS PID...: succeeds as soon as none of the PIDs runs, fails at the deadline.
# (For processes that are not our children and that we cannot wait for.)
gone_within() {
	local end=$((SECONDS + $1)) pid left
	shift
	while :; do
		left=0
		for pid in "$@"; do alive "$pid" && left=1; done
		((left)) || return 0
		((SECONDS < end)) || return 1
		sleep 0.05
	done
}

# rig_gone PIDFILE PORTFILE NAME: the rig's processes have exited and its ports are closed.
rig_gone() {
	local pidfile=$1 portfile=$2 name=$3 name_ pid port left="" open=""
	while read -r name_ pid; do
		alive "$pid" && left="$left $name_:$pid"
	done <"$pidfile"
	is "$left" "" "$name: no process of the rig left"
	while read -r port; do
		listening "$port" && open="$open $port"
	done <"$portfile"
	is "$open" "" "$name: no vpcd port left listening"
}
