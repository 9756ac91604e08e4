#!/bin/bash
# Ouroboros - a unicast layer of six members in a ring over eth-dix
# (topology in unicast.sh):
#
#            h1 [u1] ---- h2 [u2] ---- h3 [u3]
#               |                         |
#            h6 [u6] ---- h5 [u5] ---- h4 [u4]
#
# Every member routes to every other one on a shortest path (u1 to u4
# is three hops either way); 10 000 packets of random sizes intact and
# in order from h1 to h4 and from h2 to h5 at the same time (three hops
# each).
# ctest: TIMEOUT 180 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unicast.sh"

t_all=$(nn_ms)
uc_ring 6

# shortest paths: u1 reaches u2 and u6 directly, u3 through u2
[ "$(uc_nexthop 1 2)" = "$(uc_addr 2)" ] || uc_fail "u1 -> u2 not direct"
[ "$(uc_nexthop 1 6)" = "$(uc_addr 6)" ] || uc_fail "u1 -> u6 not direct"
[ "$(uc_nexthop 1 3)" = "$(uc_addr 2)" ] || uc_fail "u1 -> u3 not through u2"
[ "$(uc_nexthop 1 5)" = "$(uc_addr 6)" ] || uc_fail "u1 -> u5 not through u6"

uc_server 4 echo4
uc_server 5 echo5
log=$NN_DIR/check-2-5.log
nn_bg h2 "$UC_CHECK" client echo5 -n 10000 >"$log" 2>&1
p25=$LAST_PID
uc_check 1 echo4 -n 10000
wait_gone "$p25" 1200 || uc_fail "h2 -> echo5 hangs: $(cat "$log")"
wait "$p25" || uc_fail "h2 -> echo5: $(cat "$log")"
echo "h2 -> echo5: $(cat "$log")"

echo "total: $(( $(nn_ms) - t_all )) ms"
echo PASS
