#!/bin/bash
# Ouroboros - bccheck (test-netns-bccheck, the checker of the broadcast
# tests) fails where it must: in one namespace, over UDP broadcast on
# its loopback (the kernel path bccheck also measures in the bench):
#
#   +----------------------------------------------+
#   | ns x: lo 127.0.0.1, broadcast 127.255.255.255 |
#   |  bccheck writers (-i 1, -i 2) and readers     |
#   +----------------------------------------------+
#
# a clean run passes (every message once, exact counts); a writer id
# sent twice (duplicates), a reader that was not there for the first
# messages of a writer it was told to expect (missing), a count other
# than the one expected, and a datagram that is not a bccheck message
# (corrupt) each make the reader exit 1 and say why.
# ctest: TIMEOUT 60 RUN_SERIAL
. "$(dirname "$0")/lib.sh"

nn_need_root
nn_need_netns
nn_need_bin test-netns-bccheck
BCC=$BIN/test-netns-bccheck
ADDR=127.255.255.255:47300
nn_ns_add x

# reader NAME ARGS...: a reader in the background, log $NN_DIR/NAME.log
reader() {
        local n=$1
        shift
        nn_bg x "$BCC" -u "$ADDR" -n 0 -q 700 -D 20000 "$@" \
                >"$NN_DIR/$n.log" 2>&1
        R_PID=$LAST_PID
        nn_wait_line "$NN_DIR/$n.log" "^JOINED" 5 || fail "reader $n did not start"
}

writer() {
        nn_exec x "$BCC" -u "$ADDR" -q 300 -I 200 "$@" >/dev/null 2>&1
}

# expect NAME RC REGEX: the reader ended with RC and said REGEX.
expect() {
        local rc
        wait_gone "$R_PID" 100 || fail "$1: the reader hangs"
        wait "$R_PID"
        rc=$?
        [ "$rc" = "$2" ] && grep -Eq "$3" "$NN_DIR/$1.log" ||
                fail "$1: exit $rc, expected $2 and /$3/: $(cat "$NN_DIR/$1.log")"
        echo "$1: exit $rc, $(grep -E "$3" "$NN_DIR/$1.log" | head -n 1)"
}

reader clean -i 9 -e 1:300 -e 2:200
writer -i 1 -n 300 &
w1=$!
writer -i 2 -n 200
wait $w1
expect clean 0 "^PASS"

reader dup -i 9 -e 1:200
writer -i 1 -n 200 &
w1=$!
writer -i 1 -n 200
wait $w1
expect dup 1 "^FAIL duplicates"

writer -i 1 -n 200 -I 2000 &
w1=$!
sleep 0.2          # the writer is under way before the reader starts
reader late -i 9 -e 1:200
wait $w1
expect late 1 "^W 1 .* missing [1-9][0-9]* .*first missing: 0-"

reader count -i 9 -e 1:300
writer -i 1 -n 200
expect count 1 "sends 200 messages, expected 300"

reader corrupt -i 9 -q 3000   # quiet for 3 s: python may be slow to start
nn_exec x /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.sendto(b'BCK1' + bytes(60), ('127.255.255.255', 47300))"
expect corrupt 1 "^CORRUPT 1"
echo PASS
