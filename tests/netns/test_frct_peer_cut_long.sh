#!/bin/bash
# Ouroboros - the link cut parts of test_frct_peer.sh: FLOW_DOWN then
# FLOW_PEER when the wirefilter stops for good, FLOW_UP and no FLOW_PEER
# when it comes back in time. Long mode: they fail today (the eth
# layer's liveness check closes a silent peer's flows instead of
# marking them down; issue 13).
#
# ctest: TIMEOUT 120 RUN_SERIAL
# ctest: LABELS long
FRCT_PEER_PARTS=cut . "$(dirname "$0")/test_frct_peer.sh"
