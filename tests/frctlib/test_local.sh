#!/bin/bash
# Ouroboros - FRCT's promises on spliced (local) flows, which meet them
# through their memory (doc/qos.md): a 10 MB qos_data stream delivered
# whole after an immediate dealloc, one 16 MiB message (through the ring
# in pieces; and one of $OUROBOROS_MAX_MSG, 1 MiB), the FRCT flags
# (LINGER makes the dealloc wait for a slow reader), no FLOW_PEER while
# the peer is stopped (no keepalives on local flows) and no timer thread
# (tests/frctlib/frct.c).
# ctest: TIMEOUT 120
. "$(dirname "$0")/../harness.sh"

irmd_start
local_layer
export TEST_LAYER=local

for t in reliable big limits flags peer threads; do
        echo "--- $t"
        "$BIN/test-frctlib-frct" $t || fail "scenario $t"
done
echo "--- big, OUROBOROS_MAX_MSG=1048576"
OUROBOROS_MAX_MSG=1048576 "$BIN/test-frctlib-frct" big ||
        fail "scenario big with a largest message of 1 MiB"
echo "PASS"
