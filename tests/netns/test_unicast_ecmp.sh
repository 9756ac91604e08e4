#!/bin/bash
# Ouroboros - routing ecmp spreads flows over equal-cost paths. Four
# members in a square (unicast.sh), u1 two hops from u4 either way:
#
#        h1 [u1] ---- l1.2 ---- h2 [u2]
#           |                      |
#         l1.3                   l2.4
#           |                      |
#        h3 [u3] ---- l3.4 ---- h4 [u4]
#
# u1's route to u4 has two paths (irm ipcp stat); 8 flows from h1 to an
# echo server on h4 (ucstream), and u1's counters dt.tx.<u2> and
# dt.tx.<u3> both grow by at least a tenth of what was sent.
# ctest: TIMEOUT 120 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unicast.sh"

t_all=$(nn_ms)
UC_OPTS="routing ecmp"
uc_square_edges="1,2 1,3 2,4 3,4"
uc_setup "$uc_square_edges"

a2=$(uc_addr 2)
a3=$(uc_addr 3)
a4=$(uc_addr 4)
uc_stat 1 | sed -n '/^routes:/,/^directory:/p'
uc_stat 1 | awk -v d="$a4" '/^routes:/ { r = 1; next } /^[^ ]/ { r = 0 }
        r && $1 == d && $NF == 2 { f = 1 } END { exit !f }' ||
        uc_fail "u1 has not two paths to u4"

uc_server 4 echo4
tx2=$(uc_counter 1 "dt.tx.$a2")
tx3=$(uc_counter 1 "dt.tx.$a3")
log=$NN_DIR/ecmp.log
uc_stream 1 echo4 "$log" -n 8 -d 3000 -i 2000
uc_stream_end "$log" 30
cat "$log"
sent=$(sed -n 's/^TOTAL sent \([0-9]*\) .*/\1/p' "$log")
d2=$(( $(uc_counter 1 "dt.tx.$a2") - tx2 ))
d3=$(( $(uc_counter 1 "dt.tx.$a3") - tx3 ))
echo "ecmp: $sent probes sent; through u2: $d2 packets, through u3: $d3"
[ "$d2" -ge $((sent / 10)) ] && [ "$d3" -ge $((sent / 10)) ] ||
        uc_fail "ecmp: not both paths used ($d2 via u2, $d3 via u3 of $sent)"

echo "total: $(( $(nn_ms) - t_all )) ms"
echo PASS
