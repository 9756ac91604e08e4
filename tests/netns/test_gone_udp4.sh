#!/bin/bash
# Ouroboros - the peer host of a udp4 layer goes away:
#
#   +------------------+                          +------------------+
#   | ns a: irmd, udp4 |<---veth 10.200.1.0/24--->| ns b: irmd, udp4 |
#   | flowcheck hold   |         UDP/IPv4         | flowcheck server |
#   +------------------+                          +------------------+
#
# kill -9 of b's IPCP, then (b's IPCP again) every process of b killed
# mid-flow, then (b restarted) the veth deleted: each time a's client
# gets FLOW_DOWN or FLOW_DEALLOC, and errors on read and write, within
# the peer-liveness timeout (4 s), never a hang; a's IPCP lives on; b's
# server learns that its IPCP died. Scenarios in layer.sh.
# (scripts/test.sh --long; the default run has it for eth-dix)
# ctest: TIMEOUT 120 RUN_SERIAL
# ctest: LABELS long
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/layer.sh"

layer_gone udp4
