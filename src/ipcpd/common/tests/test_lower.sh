#!/bin/bash
# Ouroboros - lower flows (src/ipcpd/common/lower.c) for real: IPCPs of
# a type made for the test (lower_ipcpd.c, found by the IRMd as
# ipcpd-broadcast in $LOWER_BIN), with a real IRMd, over the local layer
# (test_lower.sh local: flows spliced, one flow memory) or over a layer
# that carries data (test_lower.sh data: the IRMd tests' fake IPCP as
# ipcpd-udp6 adopts both ends of every flow and moves the packets, so
# the flows go through an IPCP process as over eth or udp).
#  - connect: A and B handshake (component, layer, names, type and
#    proto both ways), then a ping is echoed over the flow;
#  - a refusing IPCP: the connector gets -EACCES; a client sees the
#    answer, then the flow deallocated;
#  - bad handshakes (garbage, a request with a byte too many, an answer
#    instead of a request, silence) are deallocated (silence after
#    LOWER_HANDSHAKE_MS) and counted, and a silent peer holds up no one;
#  - a name nobody serves: the connect callback gets flow_alloc's error;
#  - irm ipcp stat shows the counters;
#  - an IPCP destroyed while it accepts and while one of its connects
#    waits in flow_alloc exits at once, its callback given -ECANCELED;
#    64 connects in flight at most (-EAGAIN), bad arguments -EINVAL,
#    and 64 pending connects all cancelled at exit;
#    the others exit cleanly too (no sanitizer report, in such builds).
. "$(dirname "$0")/../../../../tests/harness.sh"

lower=${1:-local}
[ -x "${LOWER_BIN:-}/ipcpd-broadcast" ] || skip "no lower_ipcpd (LOWER_BIN)"
CLIENT="$LOWER_BIN/ipcpd-broadcast client"
LOG=$OUROBOROS_RUNDIR/irmd.log

case $lower in
local)
        export OUROBOROS_IPCPD_DIR=$LOWER_BIN
        irmd_start
        local_layer
        ;;
data)
        fake=$BIN/../src/irmd/tests/fakebin/ipcpd-udp6
        [ -x "$fake" ] || skip "no fake IPCP (the IRMd tests' build)"
        export OUROBOROS_IPCPD_DIR=$OUROBOROS_RUNDIR/ipcpd
        mkdir "$OUROBOROS_IPCPD_DIR"
        ln -s "$LOWER_BIN/ipcpd-broadcast" "$fake" "$OUROBOROS_IPCPD_DIR/"
        irmd_start
        irm ipcp bootstrap type udp6 name u layer data ip ::1 \
                || fail "bootstrap the fake udp6 IPCP"
        ;;
*)
        fail "usage: test_lower.sh local|data"
        ;;
esac

# member NAME: an IPCP of the test type in layer bcx, reachable as NAME
member() {
        irm ipcp bootstrap type broadcast name "$1" layer bcx autobind \
                || fail "bootstrap $1"
        irm name register "$1" layer "$lower" || fail "register $1"
}

# stat IPCP COUNTER: its value
stat() {
        irm ipcp stat name "$1" | awk -v c="$2" '$1 == c { print $2 }'
}

# logged PATTERN: the IRMd's log (the IPCPs' stdout) has it, within ~5 s
logged() {
        wait_for grep -q -- "$1" "$LOG"
}

member A
member B
member noB
member deafC
grep -q "lower_ipcpd A: LISTEN 0" "$LOG" || fail "A does not listen"
grep -q "lower_ipcpd A: LISTEN again -114" "$LOG" \
        || fail "a second listen is not -EALREADY"
grep -q "lower_ipcpd deafC: DEAF" "$LOG" || fail "deafC listens"

echo "--- connect A -> B"
irm ipcp connect name A dst B component dt || fail "connect A B"
logged "lower_ipcpd B: REQ comp dt layer bcx name A type 2 proto 7" \
        || fail "B did not get A's request"
logged "lower_ipcpd A: CONNECTED B result 0 comp dt layer bcx name B type 2 proto 8" \
        || fail "A did not get B's answer"
logged "lower_ipcpd A: PING OK" || fail "no echo over the lower flow"
[ "$(stat B lower_accepted)" = 1 ] || fail "B: accepted counter"
[ "$(stat A lower_connects_ok)" = 1 ] || fail "A: connects_ok counter"

echo "--- refused"
irm ipcp connect name A dst noB component dt || fail "connect A noB"
logged "lower_ipcpd A: CONNECTED noB result -13" \
        || fail "A: no -EACCES from noB"
$CLIENT noB refused || fail "client: refusal"
[ "$(stat noB lower_refused)" = 2 ] || fail "noB: refused counter"
[ "$(stat A lower_connects_failed)" = 1 ] || fail "A: connects_failed"

echo "--- a good client next to a silent one"
bg $CLIENT B silent
silent=$LAST_PID
sleep 0.5
t0=$(date +%s%N)
$CLIENT B good || fail "client: good handshake"
t1=$(date +%s%N)
# in turn, it would end ~4.5 s after t0 (LOWER_HANDSHAKE_MS is 5 s)
[ $(( (t1 - t0) / 1000000 )) -lt 3000 ] \
        || fail "a silent peer held up the handshake of another"
wait "$silent" || fail "client: silent flow not closed by B"

echo "--- bad handshakes"
for m in garbage trailing answer; do
        $CLIENT B $m || fail "client $m: the flow was not closed"
done
[ "$(stat B lower_bad_handshakes)" = 4 ] || fail "B: bad handshake counter"
[ "$(stat B lower_accepted)" = 2 ] || fail "B: accepted counter"

echo "--- a name nobody serves"
irm ipcp connect name A dst nosuchname component dt || fail "connect"
logged "lower_ipcpd A: CONNECTED nosuchname result -" \
        || fail "A: no error for nosuchname"
[ "$(stat A lower_connects_failed)" = 2 ] || fail "A: connects_failed"

echo "--- destroy during a connect that waits in flow_alloc"
irm ipcp connect name A dst deafC component dt || fail "connect A deafC"
sleep 0.5
pid=$(irm ipcp list | awk '$3 == "A" { print $1 }')
[ -n "$pid" ] || fail "no pid for A"
t0=$(date +%s%N)
irm ipcp destroy name A || fail "destroy A"
# the IRMd kills it after 2 s: FINI below says it left by itself
wait_gone "$pid" 40 || fail "A still runs 4 s after destroy"
t1=$(date +%s%N)
echo "A gone after $(( (t1 - t0) / 1000000 )) ms"
logged "lower_ipcpd A: CONNECTED deafC result -125" \
        || fail "A: the pending connect was not cancelled"
logged "lower_ipcpd A: FINI" || fail "A: no clean exit"

echo "--- 64 connects in flight at most; destroyed with them pending"
member flood
irm ipcp connect name flood dst deafC component dt || fail "connect flood"
logged "lower_ipcpd flood: FLOOD 64 in flight, then -11" \
        || fail "flood: no -EAGAIN after 64 connects"
for e in "empty comp: -22" "bad dst: -22" "no timeout: -22"; do
        grep -q "lower_ipcpd flood: FLOOD $e" "$LOG" || fail "flood: $e"
done
pid=$(irm ipcp list | awk '$3 == "flood" { print $1 }')
irm ipcp destroy name flood || fail "destroy flood"
wait_gone "$pid" 40 || fail "flood still runs 4 s after destroy"
logged "lower_ipcpd flood: FINI" || fail "flood: no clean exit"
n=$(grep -c "lower_ipcpd flood: CONNECTED deafC result -125" "$LOG")
[ "$n" = 64 ] || fail "flood: $n connects cancelled, not 64"

echo "--- the others exit cleanly"
for n in B noB deafC; do
        irm ipcp destroy name $n || fail "destroy $n"
        logged "lower_ipcpd $n: FINI" || fail "$n: no clean exit"
done
wait_for sh -c "! irm ipcp list | grep -q bcx" || fail "IPCPs left"
! grep -a -E "Sanitizer|runtime error" "$LOG" || fail "sanitizer report"
if [ "$lower" = data ]; then
        grep -q "fake ipcpd: adopted flow" "$LOG" \
                || fail "the flows did not go through the IPCP"
fi

echo "PASS"
