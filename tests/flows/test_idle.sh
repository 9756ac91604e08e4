#!/bin/bash
# Ouroboros - an idle IRMd, local IPCP and applications with idle local
# flows make (next to) no context switches (tests/flows/idle.c).
. "$(dirname "$0")/../harness.sh"

irmd_start
local_layer
IPCP_PID=$(children_of "$IRMD_PID" | head -n 1)
[ -n "$IPCP_PID" ] || fail "no IPCP"
"$BIN/test-flows-idle" 3 "$IRMD_PID" "$IPCP_PID" || fail "woke up while idle"
echo "PASS"
