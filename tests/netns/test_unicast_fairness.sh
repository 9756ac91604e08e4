#!/bin/bash
# Ouroboros - congestion avoidance in the layer (mb-ecn): two bulk flows
# with different round-trip times through one bottleneck share it.
# Four hosts in a line (unicast.sh), the link h3 -> h4 limited to
# 20 Mbit/s by tc tbf (the bottleneck), A's access link h1 -> h2 to
# 30 Mbit/s (above a fair share of the bottleneck, below what B brings);
# flow A from h1 (three hops), flow B from h2 (two):
#
#   h1 --tbf 30 Mbit/s-- h2 -- h3 --tbf 20 Mbit/s-- h4 [operf servers]
#   A ----------------------------------------------->
#                        B -------------------------->
#
# Two unicast layers over the same links: "ecn" (congestion mb-ecn,
# members a1..a4) and "none" (congestion none, b1..b4). In each, A and B
# flood 1400-byte packets with operf for 6 s at once; the receiver's
# rate of each is compared. Without congestion control h3 receives both
# on one lower flow and its full queue toward h4 admits them in the
# proportion they arrive, so B, which brings more, takes most of the
# link; with mb-ecn both back off to their share. (Flows that reach a
# forwarder on different lower flows share its queue about evenly even
# with none: it reads its lower flows in turn.) Checked: a3 marked
# packets (dt.ecn_marked), b3 none; with none the two are at least 50%
# apart (the premise); with mb-ecn within 30% of each other and closer
# than with none; together (their bytes over the longer of their two
# times) they carry at least 75% of what the two carry with none.
# ctest: TIMEOUT 180 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unicast.sh"

t_all=$(nn_ms)
uc_need
uc_hosts_links "1,2 2,3 3,4"
uc_tbf 3 4 20mbit
uc_tbf 1 2 30mbit
UC_LAYER=ecn UC_PFX=a UC_OPTS="congestion mb-ecn"
uc_layer
UC_LAYER=none UC_PFX=b UC_OPTS="congestion none"
uc_layer

# share LAYER PFX: run A and B; "mbA mbB diff" (diff: 1 - min/max) in
# $NN_DIR/share-LAYER
share() {
        local l=$1 la lb a b pa pb
        UC_LAYER=$l UC_PFX=$2
        nn_irm h4 name register "perf-$l" layer "$l"
        nn_bg h4 "$BIN/operf" -l -Q
        nn_bind h4 "$LAST_PID" "perf-$l"
        la=$NN_DIR/fair-$l-a.log
        lb=$NN_DIR/fair-$l-b.log
        nn_bg h1 "$BIN/operf" -n "perf-$l" -s 1400 -d 6 -Q >"$la" 2>&1
        pa=$LAST_PID
        nn_bg h2 "$BIN/operf" -n "perf-$l" -s 1400 -d 6 -Q >"$lb" 2>&1
        pb=$LAST_PID
        wait_gone "$pa" 400 && wait_gone "$pb" 400 ||
                uc_fail "$l: operf hangs: $(cat "$la" "$lb")"
        a=$(uc_operf_mbps "$la")
        b=$(uc_operf_mbps "$lb")
        [ -n "$a" ] && [ -n "$b" ] || uc_fail "$l: no rates: $(cat "$la" "$lb")"
        grep -h '^server:' "$la" "$lb" | sed "s/^/  [$l] /"
        echo "$a $b $(awk -v a="$a" -v b="$b" 'BEGIN {
                m = (a > b) ? a : b; n = (a > b) ? b : a
                d = (m > 0) ? 1 - n / m : 1; printf "%.3f\n", d }')" \
                >"$NN_DIR/share-$l"
        # the two together: their bytes over the longer of their times
        sed -n 's|^server: .* \([0-9]*\) bytes in \([0-9.]*\) s:.*|\1 \2|p' \
                "$la" "$lb" | awk '{ b += $1; if ($2 > t) t = $2 }
                END { printf "%.3f\n", (t > 0) ? b / t / 1e6 : 0 }' \
                >"$NN_DIR/total-$l"
}

m0=$(UC_PFX=a uc_counter 3 dt.ecn_marked)
share ecn a
read -r ea eb ed <"$NN_DIR/share-ecn"
[ -n "$ed" ] || uc_fail "no share for mb-ecn"
m1=$(UC_PFX=a uc_counter 3 dt.ecn_marked)
share none b
read -r na nb nd <"$NN_DIR/share-none"
n1=$(UC_PFX=b uc_counter 3 dt.ecn_marked)
echo "mb-ecn: A $ea MB/s, B $eb MB/s, apart by $ed; ECN marks at a3: $((m1 - m0))"
echo "none:   A $na MB/s, B $nb MB/s, apart by $nd; ECN marks at b3: $n1"
[ $((m1 - m0)) -gt 0 ] || uc_fail "mb-ecn: no packet marked at the bottleneck"
[ "$n1" = 0 ] || uc_fail "congestion none: $n1 packets marked"
awk -v d="$ed" 'BEGIN { exit !(d <= 0.30) }' ||
        uc_fail "mb-ecn: the flows are $ed apart (bound 0.30)"
# the premise: without congestion control B takes most of the link (if
# it does not, this run cannot tell mb-ecn's sharing from luck)
awk -v n="$nd" 'BEGIN { exit !(n >= 0.50) }' ||
        uc_fail "none: the flows are only $nd apart; the access link did not hold A back"
awk -v d="$ed" -v n="$nd" 'BEGIN { exit !(d < n) }' ||
        uc_fail "mb-ecn ($ed apart) not fairer than none ($nd)"
# utilisation: mb-ecn's two together carry most of what none's do
# (aim 85%; the bound leaves room for a loaded machine)
read -r et <"$NN_DIR/total-ecn"
read -r nt <"$NN_DIR/total-none"
u=$(awk -v e="$et" -v n="$nt" 'BEGIN { printf "%.2f\n", (n > 0) ? e / n : 0 }')
echo "utilisation: mb-ecn $et MB/s, none $nt MB/s together: $u"
awk -v u="$u" 'BEGIN { exit !(u >= 0.75) }' ||
        uc_fail "mb-ecn: the two carry $u of what none carries (bound 0.75)"

echo "total: $(( $(nn_ms) - t_all )) ms"
echo PASS
