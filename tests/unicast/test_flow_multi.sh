#!/bin/bash
# Ouroboros - flows across a unicast layer of three members on one
# host: three IRMds (their own runtime directories), each with a udp4
# IPCP on the loopback (one udp layer, names from a mapping file) and
# a unicast member over it, in a line of adjacencies:
#
#     IRMd A              IRMd B              IRMd C
#     ua (bootstrap) ---- ub (enrolls via ua) ---- uc (enrolls via ub)
#     udp4 "pa"           udp4 "pb"           udp4 "pc"
#            \________ lo, layer "uu" ________/
#
# Checks: oping from A to a name registered on C (two hops) and on B,
# 0% loss, QoS voice seen by the server; the directory resolves a name
# registered at C from A and B (DHT over the layer); oecho with an
# encrypted flow; a warm allocation (the name cached) costs no lookup;
# the client's deallocation (kill -9) reaches the server at once
# (< 1 s); a name registered nowhere fails with "name not found";
# killing ub (the only path between A and C) brings a flow from A to C
# down with FLOW_DOWN within FA_DOWN_MS + routing (10 s bound); a
# deallocation then (no path) is resent and given up (fa.dealloc_lost),
# one that reached the peer was acknowledged (not counted).
# ctest: TIMEOUT 240 RESOURCE_LOCK single_host_heavy
. "$(dirname "$0")/../harness.sh"

[ -x "$BIN/ipcpd-udp4" ] || skip "no ipcpd-udp4"

A=$OUROBOROS_RUNDIR
B=$(mktemp -d /tmp/ouro-test.XXXXXX)
C=$(mktemp -d /tmp/ouro-test.XXXXXX)
IRMD_B=
IRMD_C=

multi_cleanup() {
        local rc=$? d p kids
        for p in $IRMD_B $IRMD_C; do
                kids=($(children_of "$p"))
                stop_pids "$p"
                stop_pids "${kids[@]:-}"
        done
        if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
                for d in "$B" "$C"; do
                        [ -f "$d/irmd.log" ] || continue
                        echo "--- irmd log $d ---" >&2
                        tail -n 30 "$d/irmd.log" >&2
                done
        fi
        rm -rf "$B" "$C"
        (exit $rc)
        harness_cleanup
}
trap multi_cleanup EXIT

free_port() {
        python3 -c 'import socket; s = socket.socket(socket.AF_INET,
socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

PA=$(free_port); PB=$(free_port); PC=$(free_port)
MAPDIR=$A/maps
mkdir -p "$MAPDIR"
printf '127.0.0.1:%s ua\n127.0.0.1:%s ub\n127.0.0.1:%s uc\n' \
        "$PA" "$PB" "$PC" >"$MAPDIR/uu.map"
export OUROBOROS_UDP_MAPDIR=$MAPDIR   # the IRMds pass it to their IPCPs

irmd_start
OUROBOROS_RUNDIR=$B "$BIN/irmd" --stdout >"$B/irmd.log" 2>&1 &
IRMD_B=$!
OUROBOROS_RUNDIR=$C "$BIN/irmd" --stdout >"$C/irmd.log" 2>&1 &
IRMD_C=$!
OUROBOROS_RUNDIR=$B wait_for "$BIN/irm" ipcp list || fail "irmd B"
OUROBOROS_RUNDIR=$C wait_for "$BIN/irm" ipcp list || fail "irmd C"

ia() { OUROBOROS_RUNDIR=$A "$BIN/irm" "$@"; }
ib() { OUROBOROS_RUNDIR=$B "$BIN/irm" "$@"; }
ic() { OUROBOROS_RUNDIR=$C "$BIN/irm" "$@"; }
# A counter of a member ("name value", raw or irm's unicast view).
ctr() { $1 ipcp stat name "$2" | awk -v k="$3" '$1 == k { print $2; exit }'; }

ia ipcp bootstrap type udp4 name pa layer uu ip 127.0.0.1 port "$PA" ||
        fail "bootstrap pa"
ib ipcp bootstrap type udp4 name pb layer uu ip 127.0.0.1 port "$PB" ||
        fail "bootstrap pb"
ic ipcp bootstrap type udp4 name pc layer uu ip 127.0.0.1 port "$PC" ||
        fail "bootstrap pc"
ia name register ua layer uu || fail "register ua"
ib name register ub layer uu || fail "register ub"
ic name register uc layer uu || fail "register uc"

ia ipcp bootstrap type unicast name ua layer un autobind ||
        fail "bootstrap ua"
ib ipcp enroll name ub layer un dst ua autobind || fail "enroll ub"
ib ipcp connect name ub dst ua || fail "connect ub ua"
ic ipcp enroll name uc layer un dst ub autobind || fail "enroll uc"
ic ipcp connect name uc dst ub || fail "connect uc ub"

# converged: A routes to C (C's address in A's table)
# How many routes a member has ("routes: N" in irm's unicast view, else
# its route.<addr> entries).
routes() {
        $1 ipcp stat name "$2" | awk '/^routes: / { print $2; f = 1; exit }
                /^route\.[0-9]+ / { n++ } END { if (!f) print n + 0 }'
}
for _ in $(seq 100); do
        [ "$(routes ia ua)" -ge 2 ] && [ "$(routes ic uc)" -ge 2 ] && break
        sleep 0.1
done
[ "$(routes ia ua)" -ge 2 ] ||
        fail "ua has no route to uc: $(ia ipcp stat name ua)"

# servers: oping on C (pong) and B (pongb), oecho on C
ic bind program "$BIN/oping" name pong || fail "bind pong"
ic bind program "$BIN/oecho" name echo || fail "bind echo"
ib bind program "$BIN/oping" name pongb || fail "bind pongb"
ic name register pong layer un || fail "register pong"
ic name register echo layer un || fail "register echo"
ib name register pongb layer un || fail "register pongb"
SRV=$C/oping.out
OUROBOROS_RUNDIR=$C bg "$BIN/oping" -l >"$SRV" 2>&1
OUROBOROS_RUNDIR=$C bg "$BIN/oecho" -l >/dev/null 2>&1
OUROBOROS_RUNDIR=$B bg "$BIN/oping" -l >/dev/null 2>&1
sleep 0.5

ping_a() { OUROBOROS_RUNDIR=$A timeout 60 "$BIN/oping" "$@" 2>&1; }

# cold: the first allocation looks the name up in the DHT
l0=$(ctr ia ua dir.lookups)
out=$(ping_a -n pong -c 50 -i 2ms -Q) || fail "oping A->C: $out"
echo "$out" | grep -q "50 received, 0% packet loss" || fail "A->C: $out"
echo "$out" | tail -n 1
out=$(ping_a -n pongb -c 20 -i 2ms -Q -q voice) || fail "oping A->B: $out"
echo "$out" | grep -q "20 received, 0% packet loss" || fail "A->B: $out"

# warm: no lookup, and the QoS reaches the server
l1=$(ctr ia ua dir.lookups)
out=$(ping_a -n pong -c 5 -i 2ms -q voice) || fail "oping voice: $out"
[ "$(ctr ia ua dir.lookups)" = "$l1" ] ||
        fail "a warm allocation looked up ($l1 -> $(ctr ia ua dir.lookups))"
echo "directory lookups at ua: $l0 before, $l1 after the first allocation" \
        "(none when ua holds a copy: k >= members)"
wait_for grep -q "voice QoS" "$SRV" || fail "server saw no voice flow"

# 2000 packets of 1400 bytes through two hops
out=$(ping_a -n pong -c 2000 -i 0 -s 1400 -Q) || fail "1400 B: $out"
echo "$out" | grep -q "2000 received, 0% packet loss" || fail "1400 B: $out"

# an encrypted flow: the keys cross the layer in the allocator's messages
out=$(OUROBOROS_RUNDIR=$A timeout 30 "$BIN/oecho" -n echo -m "over two hops" \
        -q raw_crypt 2>&1) || fail "oecho crypt: $out"
echo "$out" | grep -q "over two hops" || fail "oecho crypt: $out"

# not registered anywhere
out=$(ping_a -n nowhere -c 1 -t 15000) && fail "nowhere reached: $out"
echo "$out" | grep -q "name not found" || fail "nowhere: $out"

# hold_pair NAME EVENT: a test-api-hold server of NAME on C (it
# registers NAME in un) and its client on A, both READY, waiting for
# EVENT (dealloc or down); their output in $C/hs-NAME and $A/hc-NAME,
# the client's pid in CPID.
hold_pair() {
        TEST_LAYER=un OUROBOROS_RUNDIR=$C bg "$BIN/test-api-hold" server \
                "$1" "$2" >"$C/hs-$1" 2>&1
        wait_for grep -q BOUND "$C/hs-$1" || fail "hold server $1"
        TEST_LAYER=un OUROBOROS_RUNDIR=$A bg "$BIN/test-api-hold" client \
                "$1" "$2" >"$A/hc-$1" 2>&1
        CPID=$LAST_PID
        wait_for grep -q READY "$A/hc-$1" ||
                fail "hold client $1: $(cat "$A/hc-$1")"
        wait_for grep -q READY "$C/hs-$1" || fail "hold server $1 not ready"
}

# the client's deallocation (its death) reaches the server at once
hold_pair hd dealloc
t0=$(date +%s%N)
{ kill -9 "$CPID"; wait "$CPID"; } 2>/dev/null
wait_for grep -q "EVENT dealloc" "$C/hs-hd" ||
        fail "the server did not see the client go: $(cat "$C/hs-hd")"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -le 1000 ] || fail "dealloc took $ms ms"
echo "client's kill -9 seen by the server across two hops: $ms ms"

# the path lost for good: ub killed, A's flow to C goes down
hold_pair hdn down
ubpid=$(ib ipcp list | awk '$3 == "ub" { print $1 }')
[ -n "$ubpid" ] || fail "no pid of ub"
t0=$(date +%s%N)
kill -9 "$ubpid"
for _ in $(seq 200); do
        grep -q "EVENT down" "$A/hc-hdn" && break
        sleep 0.05
done
grep -q "EVENT down" "$A/hc-hdn" ||
        fail "no FLOW_DOWN at A: $(cat "$A/hc-hdn"); $(ia ipcp stat name ua)"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "path lost (ub killed): FLOW_DOWN at A after $ms ms"
[ "$(ctr ia ua fa.flows_down)" -ge 1 ] || fail "fa.flows_down not counted"

# a deallocation nobody acknowledges (no path to C) is resent, then
# given up and counted; hd's, seconds ago, was acknowledged
{ kill -9 "$CPID"; wait "$CPID"; } 2>/dev/null
for _ in $(seq 120); do
        [ "$(ctr ia ua fa.dealloc_lost)" = 1 ] && break
        sleep 0.05
done
[ "$(ctr ia ua fa.dealloc_lost)" = 1 ] ||
        fail "dealloc_lost not 1: $(ia ipcp stat name ua)"
[ "$(ctr ia ua fa.dealloc_retx)" -ge 5 ] ||
        fail "dealloc not resent: $(ia ipcp stat name ua)"
echo "unacknowledged dealloc: resent $(ctr ia ua fa.dealloc_retx) times, given up"
echo "unicast flows across three members: ok"
