#!/bin/bash
# Ouroboros - FRCT end to end across a layer that carries data: the IRMd
# tests' fake IPCP (run as ipcpd-udp6) adopts both halves of every flow
# and moves packets between them in place, so each flow goes through an
# IPCP and the library runs FRCT on it. A 10 MB reliable stream
# delivered whole after an immediate dealloc (linger), one 16 MiB
# message (and one of $OUROBOROS_MAX_MSG, 1 MiB), the FRCT flags,
# FLOW_PEER within 3 s of a 1 s peer timeout when the peer application
# is stopped (SIGSTOP; its IPCP stays up),
# then -EFLOWPEER, raw and reliable, and the timer thread that exists
# only with such flows (tests/frctlib/frct.c).
# ctest: TIMEOUT 180
. "$(dirname "$0")/../harness.sh"

fakebin=$BIN/../src/irmd/tests/fakebin
[ -x "$fakebin/ipcpd-udp6" ] || skip "no fake IPCP (the IRMd tests' build)"
export OUROBOROS_IPCPD_DIR=$fakebin

irmd_start
irm ipcp bootstrap type udp6 name u layer data ip ::1 \
        || fail "bootstrap the fake udp6 IPCP"
export TEST_LAYER=data

for t in reliable big limits flags peer threads; do
        echo "--- $t"
        "$BIN/test-frctlib-frct" $t || fail "scenario $t"
done
echo "--- big, OUROBOROS_MAX_MSG=1048576"
OUROBOROS_MAX_MSG=1048576 "$BIN/test-frctlib-frct" big ||
        fail "scenario big with a largest message of 1 MiB"
grep -q "fake ipcpd: adopted flow" "$OUROBOROS_RUNDIR/irmd.log" \
        || fail "the flows did not go through the IPCP"
echo "PASS"
