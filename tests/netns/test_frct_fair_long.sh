#!/bin/bash
# Ouroboros - FRCT's congestion control shares a bottleneck: a bridge
# between the wirefilter and b is limited by `tc tbf` (RATE, default 8
# Mbit/s, drop-tail, 100 ms of queue; path of impair.sh with
# IMP_MIDDLE, 5 ms each way, no loss but the tbf's drops):
#   - two reliable flows sending at once for SECS each get at least a
#     quarter of RATE;
#   - a reliable flow next to a kernel TCP (cubic) connection: each gets
#     at least a quarter of RATE.
# A sender that ignores loss takes the link and fails this.
#
#   ns a --tap-- [s1] --wirefilter-- [s2] --tm2-- ns m: bridge --tm3
#   (tbf RATE)-- [s3] --tap-- ns b
#
# ctest: TIMEOUT 120 RUN_SERIAL
# ctest: LABELS long
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/impair.sh"
. "$(dirname "$0")/frct.sh"

RATE_KBIT=${RATE_KBIT:-8000}
SECS=${SECS:-15}
IMP_MIDDLE=1
imp_setup -d 5
imp_tbf "${RATE_KBIT}kbit"
QUARTER=$(awk -v r="$RATE_KBIT" 'BEGIN { printf "%.2f", r / 4000 }')

# the RESULT lines of xf.log after the first $1
results_after() {
        grep '^RESULT' "$NN_DIR/b/xf.log" | tail -n +"$(( $1 + 1 ))"
}
at_least() { # what mbps
        echo "$1: $2 Mbit/s (at least $QUARTER, a quarter of the link)"
        awk -v a="$2" -v b="$QUARTER" 'BEGIN { exit !(a >= b) }' ||
                fail "$1: $2 Mbit/s, less than a quarter of the link"
}

# two reliable flows
n=$(grep -c '^RESULT' "$NN_DIR/b/xf.log")
nn_exec a "$XF" send xf -q rel -d "$SECS" -S 21 >"$NN_DIR/a/f1.log" 2>&1 &
p1=$!
nn_exec a "$XF" send xf -q rel -d "$SECS" -S 22 >"$NN_DIR/a/f2.log" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
cat "$NN_DIR/a/f1.log" "$NN_DIR/a/f2.log"
[ $r1 = 0 ] && [ $r2 = 0 ] || fail "two flows: a transfer failed ($r1, $r2)"
nn_retry 10 test "$(results_after "$n" | wc -l)" -ge 2 || fail "two flows: no results"
i=0
for m in $(results_after "$n" | awk '{ for (i = 1; i < NF; ++i) if ($i == "mbps") print $(i + 1) }'); do
        at_least "reliable flow $((++i)) of 2" "$m"
done

# a reliable flow next to kernel TCP
n=$(grep -c '^RESULT' "$NN_DIR/b/tcp.log")
nn_exec a "$XF" send xf -q rel -d "$SECS" -S 23 >"$NN_DIR/a/f3.log" 2>&1 &
p1=$!
imp_tcp -d "$SECS" >"$NN_DIR/a/tcp.log" 2>&1
r2=$?
wait $p1; r1=$?
cat "$NN_DIR/a/f3.log" "$NN_DIR/a/tcp.log"
[ $r1 = 0 ] && [ $r2 = 0 ] || fail "flow and TCP: a transfer failed ($r1, $r2)"
nn_retry 10 test "$(grep -c '^RESULT' "$NN_DIR/b/tcp.log")" -gt "$n" || fail "no TCP result"
tc -n "${NN_NS[m]#net:}" -s qdisc show dev tm3 | grep -E "Sent|dropped"
echo "a's IPCP: $(nn_exec a "$BIN/irm" ipcp stat name lyr 2>&1 |
        grep -E "^(tx_frames|drop_tx|drop_full) " | tr '\n' ' ')"
at_least "reliable flow next to TCP" "$(res_field "$(grep '^RESULT' "$NN_DIR/b/xf.log" | tail -n 1)" mbps)"
at_least "kernel TCP next to the flow" "$(res_field "$(grep '^RESULT' "$NN_DIR/b/tcp.log" | tail -n 1)" mbps)"
echo PASS
