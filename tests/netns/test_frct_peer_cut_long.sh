#!/bin/bash
# Ouroboros - the link cut parts of test_frct_peer.sh: FLOW_DOWN then
# FLOW_PEER when the wirefilter stops for good, FLOW_UP and no FLOW_PEER
# when it comes back in time (the eth layer's liveness check marks a
# silent peer's flows down and brings them up when it is heard again;
# ipcpd-eth(8), PEER LIVENESS). Long mode.
#
# ctest: TIMEOUT 120 RUN_SERIAL
# ctest: LABELS long
FRCT_PEER_PARTS=cut . "$(dirname "$0")/test_frct_peer.sh"
