#!/bin/bash
# operf over a layer that drops the END (test-tools-deafperf ignores the
# first two): the client sends END again until the REPORT comes, so it
# still reports what the server received, within its timeout.
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer
bg "$BIN/test-tools-deafperf" deaf 2 >"$OUROBOROS_RUNDIR/deaf.out" 2>&1
DEAF=$LAST_PID
for _ in $(seq 100); do
        grep -q listening "$OUROBOROS_RUNDIR/deaf.out" && break
        sleep 0.05
done
sleep 0.3

out=$(run_timeout 30 "$BIN/operf" -n deaf -d 1 -s 100 -r 1000 -Q -t 3000) \
        || fail "operf gave up on a lost END: $out"
echo "$out"
echo "$out" | grep -qE "^server: +[1-9][0-9]* of [1-9][0-9]* packets received, 0 lost" \
        || fail "no report after lost ENDs: $(echo "$out" | grep server)"
wait_gone "$DEAF" 10 || fail "the server did not see the flow end"
wait "$DEAF" || fail "the server failed: $(cat "$OUROBOROS_RUNDIR/deaf.out")"
grep -qE "^ends ([3-9]|[1-9][0-9]+)$" "$OUROBOROS_RUNDIR/deaf.out" ||
        fail "fewer than 3 ENDs: $(cat "$OUROBOROS_RUNDIR/deaf.out")"
echo "PASS: operf resends END until the REPORT"
