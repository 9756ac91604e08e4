#!/bin/bash
# Ouroboros - encrypted flows (qos cypher_s > 0) over the local layer:
# an echo of 2000 packets of 1..8192 random bytes read in random parts,
# FLOWGQOSSPEC on both ends, cypher_s > 256 refused, the payload limit
# max_pkt - 24, and no plaintext in the flow's shared memory (the acceptor
# scans its own mapping; as root the writer's too), while the same scan
# finds it for a clear flow. See tests/crypt/flows.c.
. "$(dirname "$0")/../harness.sh"

irmd_start
local_layer

for t in einval qos maxpkt echo shm; do
        echo "--- $t"
        "$BIN/test-crypt-flows" $t || fail "scenario $t"
done

echo "PASS"
