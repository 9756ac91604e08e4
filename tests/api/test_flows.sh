#!/bin/bash
# Ouroboros - flows over the local layer: echo, 10 000 packets of random
# sizes intact and in order, partial reads and FLOWFRNOPART, flags and
# fccntl, queue lengths, errno of bad calls, no fd leak over 100
# alloc/dealloc cycles, dealloc waking a blocked reader, a blocked alloc
# not stalling other flows, fork, -EIRMD without an IRMd, 64-byte
# ping-pong (each reply the probe sent, none lost, extra or a second late;
# times printed), and nothing left in /dev/shm.
. "$(dirname "$0")/../harness.sh"

OUROBOROS_RUNDIR=$OUROBOROS_RUNDIR/none "$BIN/test-api-lifecycle" noirmd \
        || fail "scenario noirmd"

shm_before=$(shm_snapshot)
irmd_start
local_layer

for t in echo stress partial flags qlen errors leak; do
        echo "--- $t"
        "$BIN/test-api-basic" $t || fail "scenario $t"
done
for t in concurrent fork latency; do
        echo "--- $t"
        "$BIN/test-api-lifecycle" $t || fail "scenario $t"
done

[ "$(shm_snapshot)" = "$shm_before" ] || fail "/dev/shm changed"
echo "PASS"
