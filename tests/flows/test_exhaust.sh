#!/bin/bash
# Ouroboros - an IRMd out of file descriptors (a limit of 256): flow
# allocation fails with -EMFILE or -ENFILE, not a misleading -EIPCP or
# -EIRMD, and works again once flows are released (tests/flows/many.c).
. "$(dirname "$0")/../harness.sh"

ulimit -n 256 || fail "cannot lower the limit on open files"
irmd_start
local_layer
"$BIN/test-flows-many" 1000 "$IRMD_PID" exhaust || fail "exhaustion"
echo "PASS"
