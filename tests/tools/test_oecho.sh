#!/bin/bash
# oecho over a local layer: the client prints the message the server sent
# back (default and -m), the server logs the flow and the message, and two
# clients at once are both served.
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer
start_server oecho oecho

out=$(run_timeout 20 "$BIN/oecho") || fail "oecho client failed: $out"
echo "$out"
echo "$out" | grep -qx "Server replied: Client says hi!" \
        || fail "unexpected client output: $out"

out=$(run_timeout 20 "$BIN/oecho" -n oecho -m "Hello, Ouroboros!") \
        || fail "oecho -m failed: $out"
echo "$out" | grep -qx "Server replied: Hello, Ouroboros!" \
        || fail "unexpected client output for -m: $out"

o1=$OUROBOROS_RUNDIR/c1.out
o2=$OUROBOROS_RUNDIR/c2.out
run_timeout 20 "$BIN/oecho" -m one >"$o1" 2>&1 &
p1=$!
run_timeout 20 "$BIN/oecho" -m two >"$o2" 2>&1 &
p2=$!
wait $p1 || fail "concurrent client 1 failed: $(cat "$o1")"
wait $p2 || fail "concurrent client 2 failed: $(cat "$o2")"
grep -qx "Server replied: one" "$o1" || fail "client 1: $(cat "$o1")"
grep -qx "Server replied: two" "$o2" || fail "client 2: $(cat "$o2")"

grep -q "New flow" "$SERVER_OUT" || fail "server did not log the flow"
grep -q "message from client: Client says hi!" "$SERVER_OUT" \
        || fail "server did not log the message: $(cat "$SERVER_OUT")"

echo "PASS: oecho round trip"
