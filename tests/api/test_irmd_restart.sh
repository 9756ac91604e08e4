#!/bin/bash
# Ouroboros - a process outlives its IRMd: after the IRMd restarts, the
# process's next flow_alloc announces it to the new IRMd and succeeds.
. "$(dirname "$0")/../harness.sh"

irmd_start
local_layer
dir=$OUROBOROS_RUNDIR

bg "$BIN/test-api-hold" tag-server rs ROUND-1 >"$dir/t1" 2>&1
wait_for grep -q BOUND "$dir/t1" || fail "server 1"

mkfifo "$dir/go"
exec 3<>"$dir/go"    # read-write: opening does not wait for a reader
# not through bg: a background job's stdin would be /dev/null
"$BIN/test-api-hold" reconnect rs <"$dir/go" >"$dir/client" 2>&1 &
cpid=$!
BG_PIDS+=($cpid)
wait_for grep -q ROUND-1 "$dir/client" || fail "first round: $(cat "$dir/client")"

kill -TERM "$IRMD_PID"
wait "$IRMD_PID" 2>/dev/null
irmd_start
local_layer
bg "$BIN/test-api-hold" tag-server rs ROUND-2 >"$dir/t2" 2>&1
wait_for grep -q BOUND "$dir/t2" || fail "server 2"

echo go >&3
wait $cpid; crc=$?
[ $crc -eq 0 ] || fail "second round failed (rc $crc): $(cat "$dir/client")"
grep -q ROUND-2 "$dir/client" || fail "second round: $(cat "$dir/client")"
cat "$dir/client"
echo "PASS"
