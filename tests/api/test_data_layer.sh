#!/bin/bash
# Ouroboros - the application API over a layer that carries data. The
# IRMd tests' fake IPCP, started as ipcpd-udp6, adopts both ends of
# every flow and moves the packets between them in place
# (src/irmd/tests/fake_ipcpd_data.c), so each flow goes through an IPCP
# process instead of being spliced: two flow memories, one copy in the
# IPCP. The API scenarios of the local layer run over it (echo, 10 000
# packets, partial reads, flags, errors, FLOWGMAXPKT), and encrypted
# flows, whose keys travel through the IPCP; then the IPCP is killed with
# -9 and an application's flow goes down (FLOW_DOWN, -EFLOWDOWN).
# ctest: TIMEOUT 300
. "$(dirname "$0")/../harness.sh"

fakebin=$BIN/../src/irmd/tests/fakebin
[ -x "$fakebin/ipcpd-udp6" ] || skip "no fake IPCP (the IRMd tests' build)"
export OUROBOROS_IPCPD_DIR=$fakebin

irmd_start
irm ipcp bootstrap type udp6 name u layer data ip ::1 \
        || fail "bootstrap the fake udp6 IPCP"
export TEST_LAYER=data

for t in echo stress partial flags errors; do
        echo "--- basic $t"
        "$BIN/test-api-basic" $t || fail "scenario basic $t"
done
for t in partial maxpkt; do
        echo "--- bounds $t"
        "$BIN/test-api-bounds" $t || fail "scenario bounds $t"
done
for t in qos echo; do
        echo "--- crypt $t"
        "$BIN/test-crypt-flows" $t || fail "scenario crypt $t"
done

grep -q "fake ipcpd: adopted flow" "$OUROBOROS_RUNDIR/irmd.log" \
        || fail "the flows did not go through the IPCP"

# Both ends hold a flow (test-api-hold prints READY); holders of pair $1
# with what the server waits for ($2) and the client ($3).
out=$OUROBOROS_RUNDIR
hold_pair() {
        bg "$BIN/test-api-hold" server "$1" "$2" >"$out/$1.s" 2>&1
        spid=$LAST_PID
        wait_for grep -q BOUND "$out/$1.s" || fail "$1: server not bound"
        bg "$BIN/test-api-hold" client "$1" "$3" >"$out/$1.c" 2>&1
        cpid=$LAST_PID
        wait_for grep -q READY "$out/$1.c" || fail "$1: client not ready"
        wait_for grep -q READY "$out/$1.s" || fail "$1: server not ready"
}

echo "--- a client killed with -9: its server sees FLOW_DEALLOC"
hold_pair peerkill dealloc dealloc
kill -9 "$cpid"
wait "$spid" || fail "server: no FLOW_DEALLOC"
grep -q "EVENT dealloc read -1005" "$out/peerkill.s" \
        || fail "server: no FLOW_DEALLOC then -EFLOWDOWN"

echo "--- the IPCP killed with -9: both ends see FLOW_DOWN"
hold_pair ipcpkill down down
ipcp=$(pgrep -P "$IRMD_PID" -f ipcpd-udp6 | head -n 1)
[ -n "$ipcp" ] || fail "no ipcpd-udp6 process"
kill -9 "$ipcp"
wait "$spid" || fail "server: no FLOW_DOWN"
wait "$cpid" || fail "client: no FLOW_DOWN"
grep -q "EVENT down read -1005" "$out/ipcpkill.s" || fail "server: not down"
grep -q "EVENT down read -1005" "$out/ipcpkill.c" || fail "client: not down"
echo "PASS"
