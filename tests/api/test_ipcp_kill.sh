#!/bin/bash
# Ouroboros - the local IPCP killed with SIGKILL under live flows: both
# ends get FLOW_DOWN and reads fail with -EFLOWDOWN.
. "$(dirname "$0")/../harness.sh"

irmd_start
local_layer
out=$OUROBOROS_RUNDIR

bg "$BIN/test-api-hold" server ipcpkill down >"$out/server" 2>&1
spid=$LAST_PID
wait_for grep -q BOUND "$out/server" || fail "server not bound"
bg "$BIN/test-api-hold" client ipcpkill down >"$out/client" 2>&1
cpid=$LAST_PID
wait_for grep -q READY "$out/client" || fail "client not ready"
wait_for grep -q READY "$out/server" || fail "server not ready"

ipcp=$(pgrep -P "$IRMD_PID" -f ipcpd-local | head -n 1)
[ -n "$ipcp" ] || fail "no ipcpd-local process"
kill -9 "$ipcp"

wait_for grep -q "EVENT down" "$out/server"
wait_for grep -q "EVENT down" "$out/client"
cat "$out/server" "$out/client"
grep -q "EVENT down read -1005" "$out/server" || fail "server: no FLOW_DOWN"
grep -q "EVENT down read -1005" "$out/client" || fail "client: no FLOW_DOWN"
wait $spid || fail "server failed"
wait $cpid || fail "client failed"
echo "PASS"
