#!/bin/bash
# Ouroboros - the peer timeout (QoS timeout) across an eth-dix layer
# (the path of impair.sh, 5 ms each way, no loss):
#   - the peer application is stopped (SIGSTOP; its IPCPs stay up, so
#     only FRCT's keepalives can tell): FLOW_PEER on a raw flow with a
#     2 s timeout within [1 s, 2 s + slack] of the stop; reads and
#     writes then fail with -EFLOWPEER;
#   - the link is cut (the wirefilter stopped): FLOW_DOWN first (the
#     layer's liveness check, ~4 s), then FLOW_PEER (8 s timeout: the
#     peer timer runs on while the flow is down) within [4 s, 8 s +
#     slack] of the cut, on a reliable flow;
#   - the link is cut and comes back after FLOW_DOWN, well within the
#     timeout: FLOW_UP, and no FLOW_PEER;
#   - (test_frct_peer_zero_long.sh) the link is cut for good under a
#     flow without peer timer (timeout 0): FLOW_DOWN, then FLOW_DEALLOC
#     120 s later (the layer's bound on a flow down, ipcpd-eth(8)).
# The default run does the first (FRCT_PEER_PARTS=stop); the link cuts
# run in the long mode (test_frct_peer_cut_long.sh). The receiver keeps
# a flow that goes down (xfer recv), so the flow continues once the
# link is back.
#
#   ns a (xfer hold) --tap-- [s1] --wirefilter-- [s2] --tap-- ns b (xfer recv)
#
# ctest: TIMEOUT 120 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/impair.sh"
. "$(dirname "$0")/frct.sh"

SLACK=${SLACK:-2500}
PARTS=${FRCT_PEER_PARTS:-stop}
imp_setup -d 5

# A second receiver, its own name: the first one is stopped below.
nn_irm b name register xf2 layer imp
nn_bg b "$XF" recv >"$NN_DIR/b/xf2.log" 2>&1
nn_bind b "$LAST_PID" xf2
nn_wait_line "$NN_DIR/b/xf2.log" READY || fail "xfer recv xf2"

# hold LOG NAME ARGS...: xfer hold in a, until its flow is up
hold() {
        local log=$NN_DIR/a/$1.log
        HOLD_LOG=$log
        shift
        nn_bg a "$XF" hold "$@" >"$log" 2>&1
        HOLD_PID=$LAST_PID
        nn_wait_line "$log" "^UP" 15 || fail "hold $*: $(cat "$log")"
        sleep 1 # keepalives flowing both ways
}
ev_ms() { awk -v e="$1" '$1 == "EVENT" && $2 == e { print $3; exit }' "$HOLD_LOG"; }
# the events of HOLD_LOG, in ms after $1
events() { awk -v t="$1" '$1 == "EVENT" { $3 = ($3 - t) " ms after"; print; next } { print }' "$HOLD_LOG"; }
within() { # what t0 t lo hi
        local d=$(( $3 - $2 ))
        echo "$1: $d ms (bound $4..$5 ms)"
        [ "$d" -ge "$4" ] && [ "$d" -le "$5" ] || fail "$1: $d ms, not in $4..$5 ms"
}

# 1. the peer application stops
if [[ $PARTS == *stop* ]]; then
XPID=$IMP_RECV_PID
[ -n "$XPID" ] || fail "no receiver process to stop"
hold stop xf -T 2000 -q raw -w 20
t0=$(date +%s%3N)
kill -STOP "$XPID"
wait "$HOLD_PID"
rc=$?
kill -CONT "$XPID"
events "$t0"
[ $rc = 0 ] || fail "SIGSTOP: no FLOW_PEER, or no -EFLOWPEER after it (exit $rc)"
within "SIGSTOP -> FLOW_PEER" "$t0" "$(ev_ms PEER)" 1000 $((2000 + SLACK))
fi
# 4. (FRCT_PEER_PARTS=zero) the link is cut for good under a flow
# without peer timer (timeout 0): FLOW_DOWN, then FLOW_DEALLOC when the
# layer gives up on it, 120 s after it went down (ipcpd-eth(8))
if [[ $PARTS == *zero* ]]; then
hold zero xf2 -T 0 -q raw -w 150
t0=$(date +%s%3N)
imp_cut
wait "$HOLD_PID"
rc=$?
events "$t0"
[ $rc = 0 ] || fail "zero: no FLOW_DEALLOC, or no -EFLOWDOWN after it (exit $rc)"
down=$(ev_ms DOWN)
gone=$(ev_ms DEALLOC)
[ -n "$down" ] || fail "zero: no FLOW_DOWN before FLOW_DEALLOC"
grep -q "^EVENT PEER" "$HOLD_LOG" && fail "zero: FLOW_PEER on a flow without peer timer"
# (the peer's last frame may be a keepalive answer up to 1 s before
# the cut: this flow carries nothing back)
within "cut -> FLOW_DOWN" "$t0" "$down" 0 $((4500 + SLACK))
within "FLOW_DOWN -> FLOW_DEALLOC" "$down" "$gone" 119500 $((120500 + SLACK))
imp_restore
fi
[[ $PARTS == *cut* ]] || { echo PASS; exit 0; }

# 2. the link is cut for good
hold cut xf2 -T 8000 -q rel -w 30
t0=$(date +%s%3N)
imp_cut
wait "$HOLD_PID"
rc=$?
events "$t0"
[ $rc = 0 ] || fail "cut: no FLOW_PEER, or no -EFLOWPEER after it (exit $rc)"
down=$(ev_ms DOWN)
peer=$(ev_ms PEER)
[ -n "$down" ] || fail "cut: no FLOW_DOWN before FLOW_PEER"
[ "$down" -le "$peer" ] || fail "cut: FLOW_PEER came before FLOW_DOWN"
within "cut -> FLOW_DOWN" "$t0" "$down" 0 $((4000 + SLACK))
within "cut -> FLOW_PEER" "$t0" "$peer" 4000 $((8000 + SLACK))
imp_restore

# 3. the link comes back in time: no FLOW_PEER
hold back xf2 -T 8000 -q rel -w 14
t0=$(date +%s%3N)
imp_cut
nn_wait_line "$HOLD_LOG" "^EVENT DOWN" 10 || fail "flap: no FLOW_DOWN: $(cat "$HOLD_LOG")"
imp_restore
wait "$HOLD_PID"
rc=$?
events "$t0"
grep -q "^EVENT PEER" "$HOLD_LOG" && fail "flap: FLOW_PEER although the link came back"
grep -q "^EVENT UP" "$HOLD_LOG" || fail "flap: no FLOW_UP after the link came back"
[ $rc = 3 ] || fail "flap: xfer hold exited $rc"
echo PASS
