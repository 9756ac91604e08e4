#!/bin/bash
# Ouroboros - a broadcast layer of three members on one host, over the
# local layer, with a real IRMd (ipcpd-broadcast):
#  - bootstrap (mtu reported), enroll of two members (layer config
#    fetched from a member), connect in a ring (a cycle);
#  - one writer, a reader on each member: every message exactly once
#    at each reader, none back to the writer's member, duplicates and
#    echoes dropped and counted (A, Y, Z each take every message once);
#  - flow_join refuses loss 0, in_order, ber 0 and cypher_s (-ENOTSUP)
#    and reports timeout 0, FRCTSFLAGS -EPERM;
#  - irm refuses component mgmt; a member of another layer is refused;
#  - a member killed with kill -9: the others drop it and go on;
#  - disconnect removes the neighbour on both sides.
# flow_join goes through the first operational broadcast IPCP of the
# layer on the host (in creation order), so Y and Z are created before
# A is bootstrapped, and each reader joins while its member is the
# first operational one.
# ctest: TIMEOUT 120
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer

# member NAME: enroll NAME in bc through A, reachable in the local layer
member() {
        irm ipcp enroll type broadcast name "$1" layer bc dst A autobind \
                || fail "enroll $1"
        irm name register "$1" layer local || fail "register $1"
}

# exactly FILE TAG N: FILE holds "TAG 1".."TAG N", each once
exactly() {
        local n
        n=$(grep -c "^$2 " "$D/$1")
        [ "$n" = "$3" ] || fail "$1: $n messages $2, not $3"
        n=$(grep "^$2 " "$D/$1" | sort -u | wc -l)
        [ "$n" = "$3" ] || fail "$1: duplicates of $2"
        for i in 1 "$3"; do
                grep -qx "$2 $i" "$D/$1" || fail "$1: no '$2 $i'"
        done
}

irm ipcp create name Y type broadcast || fail "create Y"
irm ipcp create name Z type broadcast || fail "create Z"
irm ipcp bootstrap type broadcast name A layer bc autobind \
        || fail "bootstrap A"
irm name register A layer local || fail "register A"
irm ipcp list | grep -q "A .*bc .*operational *mtu 1450 neighbours 0" \
        || fail "A does not report its mtu"
reader la
member Z
reader lz
member Y
reader ly
irm ipcp list | grep -q "Y .*bc .*operational *mtu 1450" \
        || fail "Y did not take the layer's mtu"
[ "$(stat A enrolled_others)" = 2 ] || fail "A: enrolled_others"

echo "--- connect: a ring A-Z-Y-A"
irm ipcp connect name A dst Z || fail "connect A Z"
irm ipcp connect name Z dst Y component dt || fail "connect Z Y"
irm ipcp connect name Y dst A || fail "connect Y A"
for m in A Y Z; do
        [ "$(stat $m neighbours)" = 2 ] || fail "$m: not 2 neighbours"
        [ "$(stat $m joined)" = 1 ] || fail "$m: not 1 joined reader"
done

echo "--- a join refuses the QoS it cannot keep (FRCT's, keys)"
"$JOIN" bc qos || fail "join QoS"

echo "--- one writer on Y, 300 messages"
N=300
"$JOIN" bc send $N m 1000 || fail "writer"
for m in A Y Z; do
        wait_for grep -q "^m $N\$" "$D/l${m,,}" || fail "l${m,,}: no m $N"
done
sleep 0.5
for r in la ly lz; do
        exactly $r m $N
done
[ "$(stat Y sent)" = $N ] || fail "Y: sent $(stat Y sent)"
# 4N packets in the ring (2N from Y, N forwarded by each of A and Z);
# A and Z take N each: the other 2N are duplicates or echoes.
drops=$(( $(stat A drop_duplicate) + $(stat Z drop_duplicate) \
          + $(stat Y drop_own_echo) ))
[ "$drops" = $(( 2 * N )) ] || fail "ring: $drops duplicates, not $((2 * N))"
[ "$(stat A forwarded)" = $N ] || fail "A: forwarded $(stat A forwarded)"
[ "$(stat Z forwarded)" = $N ] || fail "Z: forwarded $(stat Z forwarded)"
wait_for test "$(stat Y joined)" = 1 || fail "Y: the writer did not leave"
for m in A Z; do
        [ "$(stat $m delivered)" = $N ] || fail "$m: delivered"
        [ "$(stat $m drop_malformed)" = 0 ] || fail "$m: malformed"
done

echo "--- refusals"
out=$(irm ipcp connect name A dst Y component mgmt 2>&1) \
        && fail "component mgmt accepted"
echo "$out" | grep -q "only the 'dt' component" \
        || fail "mgmt: unclear error: $out"
irm ipcp bootstrap type broadcast name O layer other autobind \
        || fail "bootstrap O"
irm name register O layer local || fail "register O"
irm ipcp connect name O dst A 2>/dev/null && fail "another layer accepted"
[ "$(stat A refused_layer)" = 1 ] || fail "A: refused_layer"
[ "$(stat A neighbours)" = 2 ] || fail "A: neighbours after refusal"

echo "--- kill -9 Z mid-ring"
pid=$(irm ipcp list | awk '$3 == "Z" { print $1 }')
[ -n "$pid" ] || fail "no pid for Z"
kill -9 "$pid"
wait_for test "$(stat A neighbours)" = 1 || fail "A kept dead Z"
wait_for test "$(stat Y neighbours)" = 1 || fail "Y kept dead Z"
"$JOIN" bc send 100 n 500 || fail "writer 2"
wait_for grep -q "^n 100\$" "$D/la" || fail "la: no n 100"
sleep 0.3
exactly la n 100
exactly ly n 100

echo "--- disconnect"
irm ipcp disconnect name A dst Y || fail "disconnect"
[ "$(stat A neighbours)" = 0 ] || fail "A: neighbour kept"
wait_for test "$(stat Y neighbours)" = 0 || fail "Y: neighbour kept"
"$JOIN" bc send 5 p 300 || fail "writer 3"
sleep 0.5
grep -q "^p " "$D/la" && fail "la got messages over no neighbour"
exactly ly p 5

echo "PASS"
