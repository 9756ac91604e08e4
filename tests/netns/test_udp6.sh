#!/bin/bash
# Ouroboros - a udp6 layer between two namespaces, one IRMd in each:
#
#   +---------------------+                          +---------------------+
#   | ns a: irmd, udp6    |<--veth fd00:200:1::/64-->| ns b: irmd, udp6    |
#   | oping, flowcheck    |         UDP/IPv6         | oping -l, flowcheck |
#   +---------------------+                          +---------------------+
#
# echo (oping -c 1000 -i 0, 0% loss); 10 000 packets of random sizes
# intact and in order, and -EMSGSIZE one byte above the flow's largest;
# a deallocation seen by the peer within 1 s; a's link down and up
# (FLOW_DOWN, then FLOW_UP and echoes again within 5 s; udp, which has
# no link state, rides the outage out). The peer going away:
# test_gone_*.sh. Scenarios in layer.sh.
# ctest: TIMEOUT 120 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/layer.sh"

layer_test udp6
