#!/bin/bash
# Ouroboros - two IRMds side by side, each with its own runtime directory
# and local layer: the same name served in both, allocations stay within
# each instance; a name only served by one is unknown to the other.
. "$(dirname "$0")/../harness.sh"

irmd_start
local_layer
A=$OUROBOROS_RUNDIR

B=$(mktemp -d /tmp/ouro-test.XXXXXX)
OUROBOROS_RUNDIR=$B "$BIN/irmd" --stdout >"$B/irmd.log" 2>&1 &
IRMD2=$!
BG_PIDS+=($IRMD2)
trap 'rc=$?; kill -TERM $IRMD2 2>/dev/null; sleep 0.2; rm -rf "$B"; (exit $rc); harness_cleanup' EXIT
export OUROBOROS_RUNDIR=$B
wait_for "$BIN/irm" ipcp list || fail "second irmd did not start"
local_layer
export OUROBOROS_RUNDIR=$A

OUROBOROS_RUNDIR=$A bg "$BIN/test-api-hold" tag-server both IN-A >"$A/ta" 2>&1
OUROBOROS_RUNDIR=$B bg "$BIN/test-api-hold" tag-server both IN-B >"$B/tb" 2>&1
OUROBOROS_RUNDIR=$A bg "$BIN/test-api-hold" tag-server only-a ONLY-A >"$A/to" 2>&1
wait_for grep -q BOUND "$A/ta" || fail "server A"
wait_for grep -q BOUND "$B/tb" || fail "server B"
wait_for grep -q BOUND "$A/to" || fail "server only-a"

for _ in 1 2 3; do
        a=$(OUROBOROS_RUNDIR=$A "$BIN/test-api-hold" tag-client both)
        b=$(OUROBOROS_RUNDIR=$B "$BIN/test-api-hold" tag-client both)
        [ "$a" = IN-A ] || fail "instance A answered '$a'"
        [ "$b" = IN-B ] || fail "instance B answered '$b'"
done
o=$(OUROBOROS_RUNDIR=$A "$BIN/test-api-hold" tag-client only-a)
[ "$o" = ONLY-A ] || fail "only-a in A answered '$o'"
OUROBOROS_RUNDIR=$B "$BIN/test-api-hold" tag-client only-a \
        && fail "only-a reachable from instance B"
echo "PASS"
