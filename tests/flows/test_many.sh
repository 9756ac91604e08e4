#!/bin/bash
# Ouroboros - 10 000 concurrent local flows between two processes
# through one IRMd, holding at most one IRMd descriptor per flow
# (tests/flows/many.c). Skips (77) when the hard limit on open files
# cannot hold them.
# ctest: TIMEOUT 600 RESOURCE_LOCK single_host_heavy
. "$(dirname "$0")/../harness.sh"

N=${MANY_FLOWS:-10000}
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt $((N + 512)) ]
then
        echo "SKIP: hard limit on open files $(ulimit -Hn) < $((N + 512))"
        exit 77
fi

irmd_start
local_layer
"$BIN/test-flows-many" "$N" "$IRMD_PID" || fail "many flows"
echo "PASS"
