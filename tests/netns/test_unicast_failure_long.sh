#!/bin/bash
# Ouroboros - members killed mid-traffic (the slow failure cases of the
# unicast layer; unicast.sh). Five hosts in a ring:
#
#        h1 [u1] --- h2 [u2] --- h3 [u3: echo]
#           |                       |
#        h5 [u5] ----------------- h4 [u4]
#
# 1. 1 ms probes from h1 to h3, whose shortest path is through u2; u2 is
#    killed (kill -9): traffic takes h1-h5-h4-h3 within 5 s (the silence
#    printed), the flow never goes down.
# 2. Then u4 is killed too: h3 is cut off from h1 for good, and a flow
#    from h1 to h3 goes down with an event (flowcheck hold) within 30 s
#    of its last echo instead of hanging.
# ctest: TIMEOUT 300 RUN_SERIAL
# ctest: LABELS long
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unicast.sh"

t_all=$(nn_ms)
uc_ring 5
[ "$(uc_nexthop 1 3)" = "$(uc_addr 2)" ] || uc_fail "u1 -> u3 not through u2"
uc_server 3 echo3

log=$NN_DIR/kill.log
uc_stream 1 echo3 "$log" -d 10000 -i 1000 -g 50
sleep 3
kill -KILL "$(nn_ipcp_pid h2 u2)" || uc_fail "no u2 to kill"
unset "UC_MEMBER[2]"
uc_stream_end "$log" 30
grep -E '^(GAP|EVENT|DOWN|TOTAL)' "$log"
gap=$(uc_maxgap "$log")
echo "member killed on the path: traffic stopped for at most $gap ms"
[ "$gap" -le 5000 ] || uc_fail "traffic stopped for $gap ms (bound 5000)"

hlog=$NN_DIR/hold.log
nn_bg h1 "$UC_CHECK" hold echo3 -i 10 -b 30000 >"$hlog" 2>&1
hold=$LAST_PID
nn_wait_line "$hlog" '^UP' 10 || uc_fail "hold: no echo: $(cat "$hlog")"
t=$(nn_ms)
kill -KILL "$(nn_ipcp_pid h4 u4)" || uc_fail "no u4 to kill"
unset "UC_MEMBER[4]"
wait_gone "$hold" 600 || uc_fail "the flow to a cut-off host hangs: $(cat "$hlog")"
wait "$hold"
rc=$?
cat "$hlog"
[ $rc = 0 ] || uc_fail "hold exited $rc: $(cat "$hlog")"
echo "path lost for good: the flow went down $(( $(nn_ms) - t )) ms after the kill"

echo "total: $(( $(nn_ms) - t_all )) ms"
echo PASS
