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
		# what failed, on stderr too (prove shows it without -v), then where
		echo "#   failed test $tap_n: $*" >&2
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
			echo "#   failed test $tap_n: $*"
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

# A test skips only for what Debian 12 cannot install. What it needs from a package that
# tools/ensure-deps installs (make check runs it first) is checked with need_pkg: when it
# is missing the test fails, as its one test, naming the package.
#   need_fail PACKAGE WHAT        fail now: WHAT (from PACKAGE) is missing
#   need_pkg PACKAGE FILE...      the files of PACKAGE the test uses
#   need_py PACKAGE MODULE...     Python modules (for /usr/bin/python3) of PACKAGE
need_fail() {
	echo "1..1"
	echo "not ok 1 - $2 is missing: install the Debian package $1 (tools/ensure-deps test)"
	exit 1
}

need_pkg() {
	local pkg=$1 f
	shift
	for f in "$@"; do
		[ -e "$f" ] || need_fail "$pkg" "$f"
	done
}

need_py() {
	local pkg=$1 m
	shift
	need_pkg python3 /usr/bin/python3
	for m in "$@"; do
		/usr/bin/python3 -c "import $m" 2>/dev/null || need_fail "$pkg" "Python's $m module"
	done
}

# need_rig [FILE...]: the rig's packages (need_pkg), and skip the test when the rig's
# helpers or the other FILEs of the build are not there (make builds them).
need_rig() {
	local f
	need_pkg pcscd /usr/sbin/pcscd
	need_pkg vsmartcard-vpcd /usr/lib/pcsc/drivers/serial/libifdvpcd.so
	for f in "$BUILD/rig-wait" "$BUILD/rig-apdu" "$BUILD/vpcd-echo" "$@"; do
		[ -e "$f" ] || skip_all "$f is missing"
	done
}

# need_opensc: OpenSC's tools and its module
need_opensc() {
	need_pkg opensc /usr/bin/pkcs11-tool /usr/bin/pkcs15-init /usr/bin/pkcs15-tool \
		/usr/bin/opensc-tool
	need_pkg opensc-pkcs11 /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
}

# need_gost: OpenSSL's gost engine (openssl(1) loads it)
need_gost() {
	need_pkg openssl /usr/bin/openssl
	openssl engine gost >/dev/null 2>&1 || need_fail libengine-gost-openssl "OpenSSL's gost engine"
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
