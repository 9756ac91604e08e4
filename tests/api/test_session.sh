#!/bin/bash
# Ouroboros - the process's session with the IRMd: a program with 1000
# arguments announces itself (the library sends only what the IRMd
# keeps), and an IRMd that never answers is reported as "did not answer
# in time" (-ETIMEDOUT), not as absent (-EIRMD). See tests/api/session.c.
. "$(dirname "$0")/../harness.sh"

irmd_start
"$BIN/test-api-session" manyargs || fail "manyargs"
grep -q "($BIN/test-api-session) announced" "$OUROBOROS_RUNDIR/irmd.log" ||
        fail "1000-argument process not announced: $(tail -3 "$OUROBOROS_RUNDIR/irmd.log")"

silent=$OUROBOROS_RUNDIR/silent
mkdir -m 700 "$silent"
OUROBOROS_RUNDIR=$silent "$BIN/test-api-session" silent || fail "silent"
echo "PASS"
