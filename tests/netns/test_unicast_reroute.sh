#!/bin/bash
# Ouroboros - link failure and recovery with traffic running, in two
# unicast layers over the same triangle of hosts (topology in
# unicast.sh), one routing with lfa (members f1..f3), one with
# link_state (s1..s3):
#
#                 h1 [f1 s1]
#                /          \
#             l1.2          l1.3
#              /              \
#     h2 [f2 s2] ---- l2.3 ---- h3 [f3 s3]
#
# For each layer in turn: 1 ms probes from h1 to an echo server on h2
# (ucstream), h1's end of l1.2 taken down for 3 s, then up. Traffic
# takes h1-h3-h2 and back: the flow never goes down, the longest
# silence (the re-route time, printed) is under 2 s (below the 3 s outage), h3 forwards the
# traffic meanwhile, and the restored link carries h1's traffic toward
# h2 again.
# ctest: TIMEOUT 180 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unicast.sh"

t_all=$(nn_ms)
uc_need
uc_hosts_links "1,2 2,3 1,3"
UC_LAYER=net-lfa UC_PFX=f UC_OPTS="routing lfa"
uc_layer
UC_LAYER=net-ls UC_PFX=s UC_OPTS="routing link_state"
uc_layer

UC_LAYER=net-lfa UC_PFX=f
uc_stat 1 | sed -n '/^routes:/,/^directory:/p'
uc_stat 1 | awk '/^routes:/ { r = 1; next } /^[^ ]/ { r = 0 }
        r && $3 ~ /^[0-9]+$/ { f = 1 } END { exit !f }' ||
        uc_fail "lfa: u1 has no loop-free alternate in a triangle"
uc_reroute lfa 1 2 2 3
UC_LAYER=net-ls UC_PFX=s
uc_reroute link_state 1 2 2 3

echo "total: $(( $(nn_ms) - t_all )) ms"
echo PASS
