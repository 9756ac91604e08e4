#!/bin/bash
# Ouroboros - irm ipcp stat and irm layer graph of a unicast layer with
# members: two unicast IPCPs on one host over the local layer (u1
# bootstraps, u2 enrolls through u1 and connects to it). Their stat
# tables show each other as a neighbour up both ways (dt, mgmt) and as
# the next hop, the links both ways; the graph has the two members and
# one undirected edge, the asking member filled. The views of a lone
# member and the errors: test_unicast_graph.sh.
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer
irm_ok name register u1 layer local
irm_ok name register u2 layer local
irm_ok ipcp bootstrap type unicast name u1 layer net autobind
irm_ok ipcp enroll name u2 layer net dst u1 autobind
irm_ok ipcp connect name u2 dst u1

a1=$(ipcp_row u1 | sed -n 's/.* addr \([0-9][0-9]*\).*/\1/p')
a2=$(ipcp_row u2 | sed -n 's/.* addr \([0-9][0-9]*\).*/\1/p')
[ -n "$a1" ] && [ -n "$a2" ] && [ "$a1" != "$a2" ] ||
        fail "addresses u1 '$a1', u2 '$a2': $("$BIN/irm" ipcp list)"

routed() { "$BIN/irm" ipcp stat name "$1" | grep -qx 'routes: 1'; }
for _ in $(seq 100); do routed u1 && routed u2 && break; sleep 0.1; done
routed u1 && routed u2 ||
        fail "no routes after 10 s: $("$BIN/irm" ipcp stat name u1)"

irm_ok ipcp stat name u1
echo "$OUT" | grep -Eqx "  $a2 +up +up" || fail "u1's neighbour u2: $OUT"
echo "$OUT" | grep -Eqx "  $a2 +$a2" || fail "u1's route to u2: $OUT"
echo "$OUT" | grep -Eqx "  $a1 +$a2 +[0-9]+" || fail "u1's link to u2: $OUT"
echo "$OUT" | grep -Eqx "  $a2 +$a1 +[0-9]+" || fail "u1's link from u2: $OUT"
irm_ok ipcp stat name u2
echo "$OUT" | grep -Eqx "  $a1 +up +up" || fail "u2's neighbour u1: $OUT"

irm_ok layer graph net
echo "$OUT"
echo "$OUT" | grep -q '^// unicast layer net as member u1 sees it: 2 members, 2 links$' ||
        fail "graph comment: $OUT"
lo=$a1; hi=$a2
[ "$a2" -lt "$a1" ] && lo=$a2 && hi=$a1
echo "$OUT" | grep -Eqx "        \"$lo\" -- \"$hi\" \[label=\"[0-9]+\"\];" ||
        fail "graph edge: $OUT"
[ "$(echo "$OUT" | grep -c ' -- ')" = 1 ] || fail "not one edge: $OUT"
echo "$OUT" | grep -q "\"$a1\" \[label=\"$a1\\\\nu1\", style=filled" ||
        fail "graph: u1 not the filled node: $OUT"

echo PASS
