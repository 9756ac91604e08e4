#!/bin/bash
# Ouroboros - timeouts (read, write, alloc to a server that never
# accepts, accept), non-blocking calls, and event sets: FLOW_PKT on
# several flows, FLOW_DOWN / FLOW_UP set by the peer, FLOW_DEALLOC, two
# threads waiting on two sets in one process.
. "$(dirname "$0")/../harness.sh"

irmd_start
local_layer

for t in timeouts fqueue; do
        echo "--- $t"
        "$BIN/test-api-events" $t || fail "scenario $t"
done
echo "PASS"
