#!/bin/bash
# Ouroboros - the zero part of test_frct_peer.sh: a flow without peer
# timer (QoS timeout 0) on a link cut for good goes down (FLOW_DOWN)
# and is deallocated by the eth layer 120 s later (FLOW_DEALLOC, reads
# and writes -EFLOWDOWN): nothing is held for ever. Long mode (~2.5 min).
#
# ctest: TIMEOUT 240 RUN_SERIAL
# ctest: LABELS long
FRCT_PEER_PARTS=zero . "$(dirname "$0")/test_frct_peer.sh"
