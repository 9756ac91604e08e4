#!/bin/bash
# ocbr over a local layer: a 2 s run at 10 Mb/s and a 1 s flood deliver
# every packet (0 lost, by sequence numbers and by the sender's count),
# the server prints one line per interval and a total, and the reported
# rate of the CBR run is close to what was asked.
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer
start_server ocbr ocbr -i 500

out=$(run_timeout 30 "$BIN/ocbr" -n ocbr -d 2 -s 1000 -r 10M) \
        || fail "ocbr failed: $out"
echo "$out"
line=$(echo "$out" | grep "^server:") || fail "no server report"
echo "$line" | grep -qE "^server: +[1-9][0-9]* of [1-9][0-9]* packets received, 0 lost" \
        || fail "loss or nothing received: $line"
sent=$(echo "$out" | sed -n 's/^sent: *\([0-9]*\) packets.*/\1/p')
[ "$sent" -ge 2000 ] && [ "$sent" -le 2600 ] \
        || fail "10 Mb/s of 1000 B for 2 s is ~2500 packets, sent $sent"

out=$(run_timeout 30 "$BIN/ocbr" -n ocbr -d 1 -s 1500 -f) \
        || fail "ocbr flood failed: $out"
echo "$out"
echo "$out" | grep -qE "^server: +[1-9][0-9]* of [1-9][0-9]* packets received, 0 lost" \
        || fail "flood lost packets: $(echo "$out" | grep server)"
echo "$out" | grep "^server:" | grep -qE " [1-9][0-9]*\.[0-9]+ Mb/s$" \
        || fail "zero flood throughput"

lines=$(grep -cE "^\[flow [0-9]+\] +[0-9.]+ s: [0-9]+ pkts" "$SERVER_OUT")
[ "$lines" -ge 3 ] || fail "expected interval lines, got: $(cat "$SERVER_OUT")"
grep -qE "^\[flow [0-9]+\] total: [1-9][0-9]* packets, .* 0 lost of [1-9]" \
        "$SERVER_OUT" || fail "no server total: $(cat "$SERVER_OUT")"

echo "PASS: ocbr over local"
