#!/bin/bash
# Ouroboros - flows through one unicast member to a name registered on
# that same member (its flow allocator and directory with no
# neighbour: requests and data go through its own data transfer).
#
#     oping / oecho clients --> ipcpd-unicast "u1" (layer "us") --> servers
#
# Checks: oping raw and voice (the QoS reaches the server: "voice QoS"),
# 20000 flood probes of 1400 bytes with the sender paced by mb-ecn
# while the server is stopped for 300 ms (its rate cut at least once;
# most probes arrive; 2000 through a member "u2" with congestion none
# are printed next to it, not compared: on a loaded machine both vary,
# and tests/netns/test_unicast_fairness.sh compares the two through a
# tbf bottleneck),
# encrypted flows (oecho _crypt, the keys carried by the allocator),
# the server sees each
# client's deallocation, a name nobody registered fails at once with
# "name not found", a name unregistered too, and `irm ipcp stat` shows
# the directory entry, the flows counted and none left.
# ctest: TIMEOUT 120
. "$(dirname "$0")/../harness.sh"

irmd_start
irm ipcp bootstrap type unicast name u1 layer us || fail "bootstrap u1"
irm ipcp bootstrap type unicast name u2 layer un congestion none ||
        fail "bootstrap u2"

# A counter of u1 ("name value", raw or under "counters:" in irm's view)
stat() { irm ipcp stat name u1 | awk -v k="$1" '$1 == k { print $2; exit }'; }
addr() { irm ipcp stat name u1 | sed -n 's/^address:\{0,1\} \([0-9]*\)$/\1/p'; }

irm bind program "$BIN/oping" name pong || fail "bind pong"
irm bind program "$BIN/oecho" name echo || fail "bind echo"
irm name register pong layer us || fail "register pong"
irm name register echo layer us || fail "register echo"
irm bind program "$BIN/oping" name pongn || fail "bind pongn"
irm name register pongn layer un || fail "register pongn"

SRV=$OUROBOROS_RUNDIR/oping-server.out
bg oping -l >"$SRV" 2>&1
SRV_PID=$LAST_PID
bg oecho -l >/dev/null 2>&1
sleep 0.3

out=$(oping -n pong -c 20 -i 5ms 2>&1) || fail "oping raw: $out"
echo "$out" | grep -q "20 received, 0% packet loss" || fail "oping raw: $out"

out=$(oping -n pong -c 5 -i 5ms -q voice 2>&1) || fail "oping voice: $out"
echo "$out" | grep -q "5 received" || fail "oping voice: $out"
wait_for grep -q "voice QoS" "$SRV" || fail "the server did not see voice"

# a flood: mb-ecn (the default) slows the sender down to what the
# server reads: a backlog that stands (not a burst the reader soon
# drains) marks the packets. The server is stopped (SIGSTOP) for 300 ms
# as soon as the flood's flow reaches it, so a backlog stands however
# fast the machine is; the sender must then be cut. The same flood
# through a member with congestion none, the server running, is only
# printed: on a loaded machine both vary, and
# tests/netns/test_unicast_fairness.sh compares the two through a tbf
# bottleneck.
flows_past() { [ "$(grep -c "New flow" "$SRV")" -gt "$1" ]; }
# flood NAME COUNT [stall]: the probes received, in $FLOOD_RCVD
flood() {
        local pid n0 f="$OUROBOROS_RUNDIR/flood-$1"
        n0=$(grep -c "New flow" "$SRV")
        oping -n "$1" -f -s 1400 -c "$2" -w 20 -Q >"$f" 2>&1 &
        pid=$!
        if [ "${3:-}" = stall ]; then
                wait_for flows_past "$n0" ||
                        fail "the flood's flow did not reach the server"
                kill -STOP "$SRV_PID"
                sleep 0.3
                kill -CONT "$SRV_PID"
        fi
        wait "$pid" || fail "oping flood $1: $(cat "$f")"
        cat "$f"
        FLOOD_RCVD=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$f")
}
flood pong 20000 stall
rcvd=$FLOOD_RCVD
flood pongn 2000
nrcvd=$FLOOD_RCVD
echo "flood of 20000 with a stalled server: $rcvd received with mb-ecn" \
        "(marked $(stat fa.ecn_marked), cut $(stat fa.rate_decreases));" \
        "2000 with none: $nrcvd received"
[ "${rcvd:-0}" -ge 10000 ] || fail "mb-ecn: $rcvd of 20000 received"
[ "$(stat fa.rate_decreases)" -gt 0 ] || fail "no sender slowed down"
echo "$out"

out=$(oecho -n echo -m "hello over unicast" -q raw_crypt 2>&1) ||
        fail "oecho crypt: $out"
echo "$out" | grep -q "hello over unicast" || fail "oecho crypt: $out"

# each client's deallocation reached the server
n=$(grep -c "closed (peer left)" "$SRV")
[ "$n" -ge 4 ] || fail "the server saw $n deallocations, not 4"

# unknown name: refused at once (a lookup with nobody to ask)
t0=$(date +%s%N)
out=$(oping -n nothere -c 1 2>&1) && fail "oping to nothere: $out"
echo "$out" | grep -q "name not found" || fail "nothere: $out"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 2000 ] || fail "not found after $ms ms"

# introspection
[ "$(stat fa.flows)" = 0 ] || fail "flows left: $(stat fa.flows)"
[ "$(stat fa.flows_total)" -ge 8 ] ||
        fail "fa.flows_total $(stat fa.flows_total)"
a=$(addr)
[ -n "$a" ] || fail "no address in irm ipcp stat"
irm ipcp stat name u1 | grep -Eq "^(dir\.[0-9a-f]{16}|  [0-9a-f]{16,}) +$a$" ||
        fail "no directory entry for the names"

# unregistered: not found any more
irm name unregister pong layer us || fail "unregister pong"
out=$(oping -n pong -c 1 2>&1) && fail "oping after unregister: $out"
echo "unicast self flows: ok"
