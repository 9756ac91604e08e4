#!/bin/bash
# Ouroboros - the broadcast layer of test_broadcast.sh (topology in
# broadcast.sh), harder and longer: 5000 messages per writer, 500 a
# second each (2500 a second in the layer, five times the default
# run's); every scenario, and
# then b4 cut off from both neighbours and back mid-stream, and a whole
# member host (every process of m5) killed mid-stream.
# ctest: TIMEOUT 600 RUN_SERIAL
# ctest: LABELS long
. "$(dirname "$0")/lib.sh"
BC_COUNT=${BC_COUNT:-5000}
BC_US=${BC_US:-2000}
. "$(dirname "$0")/broadcast.sh"

t_all=$(nn_ms)
bc_setup
bc_all
bc_edge_flap
bc_leave_rejoin
bc_isolate
bc_kill
bc_kill_ns
echo "total: $(( $(nn_ms) - t_all )) ms"
echo PASS
