#!/bin/bash
# Ouroboros - the management API (irm.h) called from C: argument checks
# and defaults without an IRMd, then the calls against a private IRMd.
. "$(dirname "$0")/../harness.sh"

"$BIN/test-irm-api" offline || fail "irm.h without an IRMd"
irmd_start
"$BIN/test-irm-api" online || fail "irm.h with an IRMd"
