#!/bin/bash
# Ouroboros - a unicast layer of three members in a line over eth-dix
# (topology in unicast.sh), and a second unicast layer stacked on it:
#
#   h1 [v1]=================== top ===================[v3] h3
#       |                                               |
#   h1 [u1] ---- l1.2 ---- h2 [u2] ---- l2.3 ---- h3 [u3]      net
#
# u1 bootstraps, u2 enrolls through u1, u3 through u2; every edge is
# connected and the routes converge. Then: 10 000 packets of random
# sizes from h1 to an echo server on h3, two hops, every one intact and
# in order (flowcheck), forwarded by u2 (its dt.fwd counter); oping
# over the same path, in the clear and encrypted (data_crypt: the key
# exchange through the flow allocator); the views of irm: `irm ipcp
# stat` (neighbours, routes: u1 reaches u3 through u2) and `irm layer
# graph` (three members, two links both ways).
# Then the layer "top" over "net": v1 and v3 register their names in
# net, v1 bootstraps top (mtu 1300: a packet of top and its header fit
# in one of net, 1432), v3 enrolls through v1 and connects to it: every
# lower flow of top is a flow of net, two hops through u2. 10 000
# packets of random sizes from h1 to an echo server registered in top on
# h3, intact and in order; u2 forwarded them (it is not a member of
# top), v1 sent them to v3.
# ctest: TIMEOUT 180 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unicast.sh"

t_all=$(nn_ms)
uc_line 3

a2=$(uc_addr 2)
a3=$(uc_addr 3)
[ -n "$a2" ] && [ -n "$a3" ] || uc_fail "no addresses"
[ "$(uc_nexthop 1 3)" = "$a2" ] || uc_fail "u1's next hop to u3 is not u2"
[ "$(uc_nexthop 3 1)" = "$a2" ] || uc_fail "u3's next hop to u1 is not u2"

# the views
graph=$(nn_irm h2 layer graph "$UC_LAYER")
echo "$graph"
[ "$(echo "$graph" | grep -c '^        "[0-9]*";\|^        "[0-9]*" \[label')" = 3 ] ||
        uc_fail "graph: not three members: $graph"
[ "$(echo "$graph" | grep -c ' -- ')" = 2 ] || uc_fail "graph: not two links: $graph"
echo "$graph" | grep -q 'dashed\|dotted' && uc_fail "graph: a half link: $graph"
uc_stat 2 | sed -n '/^neighbours:/,/^routes:/p' | grep -Ec "^  [0-9]+ +up +up$" |
        grep -qx 2 || uc_fail "u2 has not two neighbours up both ways: $(uc_stat 2)"

# 10 000 packets of random sizes, two hops
uc_server 3 echo3
fwd0=$(uc_counter 2 dt.fwd)
uc_check 1 echo3 -n 10000
fwd1=$(uc_counter 2 dt.fwd)
[ $((fwd1 - fwd0)) -ge 20000 ] ||
        uc_fail "u2 forwarded $((fwd1 - fwd0)) packets, not the 20 000 of the check"

# oping over the same path
nn_irm h3 name register oping3 layer "$UC_LAYER"
nn_bg h3 "$BIN/oping" -l
nn_bind h3 "$LAST_PID" oping3
out=$(nn_exec h1 "$BIN/oping" -n oping3 -c 20 -i 10 -Q 2>&1) ||
        uc_fail "oping over two hops: $out"
echo "$out" | grep -q ' 0% packet loss' || uc_fail "oping lost probes: $out"
echo "$out" | tail -n 2
# encrypted: both public keys cross the layer in the flow allocator's
# request and reply
out=$(nn_exec h1 "$BIN/oping" -n oping3 -c 20 -i 10 -q data_crypt -Q 2>&1) ||
        uc_fail "encrypted oping over two hops: $out"
echo "$out" | grep -q ' 0% packet loss' || uc_fail "encrypted oping lost probes: $out"

# a unicast layer stacked on this one
t=$(nn_ms)
nn_irm h1 name register v1 layer net
nn_irm h3 name register v3 layer net
# top's packets plus its header must fit net's (1432 by default)
nn_irm h1 ipcp bootstrap type unicast name v1 layer top mtu 1300 autobind
out=$(nn_exec h3 "$BIN/irm" ipcp enroll name v3 layer top dst v1 autobind 2>&1) ||
        uc_fail "[h3] enroll v3 in top through v1 (over net): $out"
out=$(nn_exec h3 "$BIN/irm" ipcp connect name v3 dst v1 2>&1) ||
        uc_fail "[h3] connect v3 to v1 (over net): $out"
vstat() { nn_exec "h$1" "$BIN/irm" ipcp stat name "v$1"; }
va3=$(vstat 3 | sed -n 's/^address: //p')
[ -n "$va3" ] || uc_fail "v3 has no address: $(vstat 3 2>&1)"
v_routed() { vstat 1 2>/dev/null | grep -q '^routes: 1$'; }
nn_retry 20 v_routed ||
        uc_fail "v1 has no route to v3: $(vstat 1 2>&1)"
echo "layer top over net: $(( $(nn_ms) - t )) ms"

nn_irm h3 name register up3 layer top
nn_bg h3 "$UC_CHECK" server up3 >"$NN_DIR/h3/srv-up3.log" 2>&1
nn_wait_line "$NN_DIR/h3/srv-up3.log" "^READY" 10 || uc_fail "server up3 not ready"
fwd0=$(uc_counter 2 dt.fwd)
uc_check 1 up3 -n 10000
fwd1=$(uc_counter 2 dt.fwd)
[ $((fwd1 - fwd0)) -ge 20000 ] ||
        uc_fail "u2 forwarded $((fwd1 - fwd0)) packets of net, not the 20 000 of top's flow"
tx=$(vstat 1 | awk -v n="dt.tx.$va3" '$1 == n { print $2 }')
[ "${tx:-0}" -ge 10000 ] || uc_fail "v1 sent ${tx:-0} packets to v3: $(vstat 1)"
vstat 1 | head -n 12

echo "total: $(( $(nn_ms) - t_all )) ms"
echo PASS
