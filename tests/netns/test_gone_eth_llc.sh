#!/bin/bash
# Ouroboros - the peer host of an eth-llc layer goes away:
#
#   +---------------------+                          +---------------------+
#   | ns a: irmd, eth-llc |<----------veth---------->| ns b: irmd, eth-llc |
#   | flowcheck hold      |      raw 802.2 LLC       | flowcheck server    |
#   +---------------------+                          +---------------------+
#
# b's IPCP stopped for longer than the peer-liveness timeout (4 s, to
# 4.5 s), then resumed: a's client gets FLOW_DOWN, then FLOW_UP and
# echoes on the same flow. Then kill -9 of b's IPCP, (b's IPCP again)
# every process of b killed mid-flow, (b restarted) the veth deleted:
# each time a's client gets FLOW_DOWN (the flow kept, marked down; not
# FLOW_DEALLOC) and -EFLOWDOWN on read and write, no sooner than the
# liveness timeout (unless eth sees its link go) and within it plus
# slack, never a hang; a's IPCP lives on and holds no flow once the
# client has deallocated; b's server learns that its IPCP died.
# Scenarios in layer.sh.
# (scripts/test.sh --long; the default run has it for eth-dix)
# ctest: TIMEOUT 120 RUN_SERIAL
# ctest: LABELS long
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/layer.sh"

layer_gone eth-llc
