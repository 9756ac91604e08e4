#!/bin/bash
# Ouroboros - the peer host of an eth-dix layer goes away:
#
#   +---------------------+                          +---------------------+
#   | ns a: irmd, eth-dix |<----------veth---------->| ns b: irmd, eth-dix |
#   | flowcheck hold      |   raw ethertype 0xA000   | flowcheck server    |
#   +---------------------+                          +---------------------+
#
# kill -9 of b's IPCP, then (b's IPCP again) every process of b killed
# mid-flow, then (b restarted) the veth deleted: each time a's client
# gets FLOW_DOWN or FLOW_DEALLOC, and errors on read and write, within
# the peer-liveness timeout (4 s), never a hang; a's IPCP lives on; b's
# server learns that its IPCP died. Scenarios in layer.sh.
# ctest: TIMEOUT 120 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/layer.sh"

layer_gone eth-dix
