#!/bin/bash
# Ouroboros - arguments at the edge of their range: timeouts far beyond
# what the clock can hold (alloc, accept, fevent, fccntl) mean "as good
# as forever", never an overflowed deadline; an argv of empty strings;
# fset_has after the flow of a descriptor was deallocated; the rest of a
# partly read packet (clear and encrypted) still counts as waiting;
# FLOWGMAXPKT is the largest packet one flow_write takes.
. "$(dirname "$0")/../harness.sh"

irmd_start
local_layer

for t in huge emptyargs fsethas partial maxpkt; do
        echo "--- $t"
        "$BIN/test-api-bounds" $t || fail "scenario $t"
done
echo "PASS"
