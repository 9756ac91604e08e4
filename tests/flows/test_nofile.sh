#!/bin/bash
# Ouroboros - an application whose soft limit on open files is tiny (10)
# but whose hard limit is not: the library raises the soft limit when it
# runs out instead of failing flow requests with -EMFILE
# (tests/flows/many.c, 50 flows).
. "$(dirname "$0")/../harness.sh"

irmd_start
local_layer
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -gt 64 ] || {
        echo "SKIP: hard limit on open files $(ulimit -Hn)"; exit 77; }
( ulimit -Sn 10 && exec "$BIN/test-flows-many" 50 "$IRMD_PID" ) \
        || fail "flows with a soft limit of 10 open files"
echo "PASS"
