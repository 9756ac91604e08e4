#!/bin/bash
# oping over a local layer: 1000 lock-step probes (-i 0) come back with 0%
# loss and a well-formed rtt summary; per-reply lines look like ping's;
# a short flood (-f -c) and a paced run (-i 10) lose nothing either.
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer
start_server oping oping

out=$(run_timeout 60 "$BIN/oping" -n oping -c 1000 -i 0) \
        || fail "oping -c 1000 -i 0 failed: $(echo "$out" | tail -n 5)"
echo "$out" | tail -n 4

echo "$out" | grep -q "^--- oping ping statistics ---$" \
        || fail "no statistics header"
echo "$out" | grep -qE "^1000 packets transmitted, 1000 received, 0% packet loss, time [0-9]+ms$" \
        || fail "expected 1000/1000, 0% loss: $(echo "$out" | tail -n 3)"
echo "$out" | grep -qE "^rtt min/avg/max/mdev = [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3} ms$" \
        || fail "no rtt min/avg/max/mdev line"
[ "$(echo "$out" | grep -cE '^[0-9]+ bytes from oping: seq=[0-9]+ time=[0-9.]+ ms$')" -eq 1000 ] \
        || fail "expected 1000 per-reply lines"
echo "$out" | grep -q "seq=1000 " || fail "no reply line for seq=1000"

out=$(run_timeout 60 "$BIN/oping" -n oping -c 5000 -f -s 1500) \
        || fail "oping flood failed: $out"
echo "$out" | grep -qE "^5000 packets transmitted, 5000 received, 0% packet loss" \
        || fail "flood lost packets: $out"
echo "$out" | grep -q "bytes from" && fail "flood printed per-reply lines"

out=$(run_timeout 60 "$BIN/oping" -n oping -c 20 -i 10 -Q -u) \
        || fail "paced oping failed: $out"
echo "$out" | grep -qE "^20 packets transmitted, 20 received, 0% packet loss" \
        || fail "paced run lost packets: $out"
echo "$out" | grep -qE "^rtt min/avg/max/mdev = .* us$" \
        || fail "-u did not report microseconds: $out"

echo "PASS: oping over local"
