#!/bin/bash
# Ouroboros - a udp4 layer over a veth whose sending end is limited
# by tc tbf: a writer much faster than the link loses nothing on its own
# host (the IPCP holds a frame the qdisc refuses and stops reading the
# writer's flow, so its flow_write blocks), and every packet arrives.
# Topology and checks in backpressure.sh.
# ctest: TIMEOUT 180 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/layer.sh"
. "$(dirname "$0")/backpressure.sh"

bp_test udp4
