#!/bin/bash
# Ouroboros - a unicast layer of three members in a line over eth-dix
# (topology in unicast.sh):
#
#   h1 [u1] ---- l1.2 ---- h2 [u2] ---- l2.3 ---- h3 [u3]
#
# u1 bootstraps, u2 enrolls through u1, u3 through u2; every edge is
# connected and the routes converge. Then: 10 000 packets of random
# sizes from h1 to an echo server on h3, two hops, every one intact and
# in order (flowcheck), forwarded by u2 (its dt.fwd counter); oping
# over the same path; the views of irm: `irm ipcp stat` (neighbours,
# routes: u1 reaches u3 through u2) and `irm layer graph` (three
# members, two links both ways).
# ctest: TIMEOUT 150 RUN_SERIAL
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

echo "total: $(( $(nn_ms) - t_all )) ms"
echo PASS
