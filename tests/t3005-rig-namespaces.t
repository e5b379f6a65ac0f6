#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The rig's private pcscd needs a mount namespace: as root directly, as another user
# through an unprivileged user namespace. It works for an ordinary user where the kernel
# allows that, and says clearly what is missing where neither works.
. "$(dirname "$0")/rig/tap.sh"
need_rig

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# An unshare that always fails stands for a system without namespaces.
mkdir "$T/bin"
printf '#!/bin/sh\necho "unshare: unshare failed: Operation not permitted" >&2\nexit 1\n' \
	>"$T/bin/unshare"
chmod +x "$T/bin/unshare"
err=$(PATH=$T/bin:$PATH timeout 60 "$RIG" --responder -- touch "$T/ran" 2>&1)
is $? 125 "without namespaces the rig exits 125"
[ ! -e "$T/ran" ]; ok $? "... without running the command"
grep -q 'private mount namespace' <<<"$err"; ok $? "... saying what it cannot do"
grep -q 'user namespaces\|CAP_SYS_ADMIN' <<<"$err"; ok $? "... and what is missing"

# An ordinary user, where we can become one and the kernel allows user namespaces.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && getent passwd nobody >/dev/null; then
	as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/)
	if ! "${as_nobody[@]}" true 2>/dev/null; then
		ok 0 "# SKIP cannot switch to nobody"
	elif ! "${as_nobody[@]}" unshare --user --map-root-user --mount true 2>/dev/null; then
		ok 0 "# SKIP this kernel does not allow unprivileged user namespaces"
	else
		chmod 0777 "$T"
		# the user runs its own copy of the rig: this tree may be out of its reach (a
		# root's clone under /root, on a new machine)
		mkdir -p "$T/tree/tests/rig" "$T/tree/build"
		cp "$RIG" "$TOP/tests/rig/rig-restart-token" "$T/tree/tests/rig/" &&
			cp "$BUILD/rig-wait" "$BUILD/rig-apdu" "$BUILD/vpcd-echo" "$T/tree/build/" &&
			chmod -R a+rX "$T/tree"
		ok $? "a copy of the rig for the ordinary user"
		out=$("${as_nobody[@]}" TMPDIR="$T" BUILD="$T/tree/build" \
			timeout 60 "$T/tree/tests/rig/with-tokens" \
			--responder -n 3 -- sh -c 'id -u; "$0" "$VTOKEN2_READER" 00CA018100' \
			"$T/tree/build/rig-apdu")
		is $? 0 "as an ordinary user the rig runs (user namespace)"
		is "$out" "65534"$'\n'"9000" "... the command runs as that user and reaches the card"
		is "$(find "$T" -mindepth 1 -maxdepth 1 -name 'rig.*' | wc -l)" 0 \
			"... and the rig's directory is removed"
	fi
else
	ok 0 "# SKIP not root: cannot try another user"
fi

done_testing
