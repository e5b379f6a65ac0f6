#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The rig starts a private pcscd with 1, 2 and 3 cards (vpcd-echo), every card is present
# under its own reader name, the environment names them, and the floor answers 90 00
# through a PC/SC client.
. "$(dirname "$0")/rig/tap.sh"
need_rig

# Inside the rig: report what the command sees, one "key value" a line.
probe='
	echo "count $VTOKEN_COUNT"
	echo "sock $PCSCLITE_CSOCK_NAME"
	[ -S "$PCSCLITE_CSOCK_NAME" ] && echo "socket yes"
	[ -d "$RIG_DIR" ] && echo "rigdir yes"
	i=0
	while [ $i -lt "$VTOKEN_COUNT" ]; do
		eval "r=\$VTOKEN${i}_READER p=\$VTOKEN${i}_PID port=\$VTOKEN${i}_PORT"
		echo "reader$i $r"
		echo "port$i $port"
		kill -0 "$p" && echo "pid$i alive"
		# the card is there now: no waiting allowed
		"$BUILD/rig-wait" --timeout 0 present "$r" && echo "present$i yes"
		echo "apdu$i $("$BUILD/rig-apdu" "$r" 00CA018100 80CA9F7F00 | tr "\n" " ")"
		i=$((i + 1))
	done
'
export BUILD

for n in 1 2 3; do
	out=$(timeout 60 "$RIG" --responder -n "$n" -- sh -c "$probe")
	st=$?
	is "$st" 0 "n=$n: the rig and its command succeed"
	get() { sed -n "s/^$1 //p" <<<"$out"; }
	is "$(get count)" "$n" "n=$n: VTOKEN_COUNT"
	is "$(get socket)" yes "n=$n: PCSCLITE_CSOCK_NAME is the private socket"
	is "$(get rigdir)" yes "n=$n: RIG_DIR exists"
	case $(get sock) in
	/run/pcscd/*) ok 1 "n=$n: not the system's socket" ;;
	*) ok 0 "n=$n: not the system's socket" ;;
	esac
	names=""
	for ((i = 0; i < n; i++)); do
		r=$(get "reader$i")
		[ -n "$r" ]; ok $? "n=$n: token $i has a reader name ('$r')"
		names="$names$r"$'\n'
		is "$(get "pid$i")" alive "n=$n: VTOKEN${i}_PID is the running card"
		is "$(get "present$i")" yes "n=$n: card $i is present when the command starts"
		is "$(get "apdu$i")" "9000 9000 " "n=$n: card $i answers 90 00 through PC/SC"
	done
	is "$(sort -u <<<"${names%$'\n'}" | wc -l)" "$n" "n=$n: the reader names are distinct"
	is "$(for ((i = 0; i < n; i++)); do get "port$i"; done | sort -u | wc -l)" "$n" \
		"n=$n: the ports are distinct"
done

done_testing
