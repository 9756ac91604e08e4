#!/bin/bash
# operf over a local layer: a 2 s flood and a 1 s echo run report non-zero
# throughput, the server receives every packet (0 lost), and the server
# prints its own per-flow summary.
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer
start_server operf operf

out=$(run_timeout 30 "$BIN/operf" -n operf -d 2 -s 1500) \
        || fail "operf flood failed: $out"
echo "$out"
line=$(echo "$out" | grep "^server:") || fail "no server report"
echo "$line" | grep -qE "^server: +[1-9][0-9]* of [1-9][0-9]* packets received, 0 lost" \
        || fail "loss or nothing received: $line"
echo "$line" | grep -qE " [1-9][0-9]*\.[0-9]+ Mb/s$" || fail "zero throughput: $line"
echo "$out" | grep -qE "^ +[0-9.]+ s: sent [1-9]" || fail "no progress lines"

out=$(run_timeout 30 "$BIN/operf" -n operf -d 1 -s 256 -e -Q) \
        || fail "operf echo failed: $out"
echo "$out"
echo "$out" | grep -qE "^echoed: +[1-9][0-9]* packets \(0 lost\)" \
        || fail "echo mode lost packets: $(echo "$out" | grep echoed)"
echo "$out" | grep -qE "^server: +[1-9][0-9]* of [1-9][0-9]* packets received, 0 lost" \
        || fail "echo run: server lost packets"

out=$(run_timeout 30 "$BIN/operf" -n operf -d 1 -s 100 -r 1000 -Q) \
        || fail "paced operf failed: $out"
echo "$out" | grep -qE "^server: +(9[0-9]{2}|10[0-9]{2}) of [0-9]+ packets received, 0 lost" \
        || fail "1000 pkt/s for 1 s: $(echo "$out" | grep server)"

grep -qE "^\[flow [0-9]+\] received [1-9]" "$SERVER_OUT" \
        || fail "server printed no flow summary: $(cat "$SERVER_OUT")"

echo "PASS: operf over local"
