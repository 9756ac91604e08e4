#!/bin/bash
# Ouroboros - the peer of a flow that failed to set up after the IRMd's
# answer learns it at once (tests/flows/setupfail.c).
. "$(dirname "$0")/../harness.sh"

irmd_start
local_layer
"$BIN/test-flows-setupfail" || fail "setup failure not seen by the peer"
echo "PASS"
