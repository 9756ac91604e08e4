#!/bin/bash
# Ouroboros - a broadcast layer of five members over eth-dix, their
# adjacencies a ring plus a chord (topology in broadcast.sh): every
# member writes, every message arrives exactly once at every other
# member; an edge disconnected and connected again mid-stream (still
# exactly once); a member leaves and another joins mid-stream; a member's
# IPCP killed with kill -9 mid-stream (the others go on, exactly once
# among themselves, never a duplicate). Longer and harder:
# test_broadcast_long.sh.
# ctest: TIMEOUT 150 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broadcast.sh"

t_all=$(nn_ms)
bc_setup
bc_all
bc_edge_flap
bc_leave_rejoin
bc_kill
echo "total: $(( $(nn_ms) - t_all )) ms"
echo PASS
