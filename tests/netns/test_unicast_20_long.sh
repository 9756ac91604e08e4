#!/bin/bash
# Ouroboros - a unicast layer of 20 members, every member reaches every
# other one's registered name. Twenty hosts in a ring with two chords
# (unicast.sh builds it: namespaces, veths, eth-dix, members):
#
#     h1 - h2 - h3 - ... - h10 - h11 - ... - h20 - (h1)
#     chords: h1 - h11, h6 - h16 (the longest path is 6 hops)
#
# Each member's host runs an oping server registered as n<H> in the
# layer; then every host pings every other name (oping -c 1, 380 flows
# in all, the hosts in parallel), and every one answers. Also prints the
# setup and convergence times and `irm layer graph` of the layer.
# ctest: TIMEOUT 600 RUN_SERIAL
# ctest: LABELS long
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unicast.sh"

N=${UC_SCALE_N:-20}
UC_CONVERGE=120
t_all=$(nn_ms)
edges=
for i in $(seq 2 "$N"); do edges+=" $((i - 1)),$i"; done
edges+=" $N,1 1,$((N / 2 + 1)) 6,$((N / 2 + 6))"
uc_setup "${edges# }"
nn_irm h1 layer graph "$UC_LAYER" | head -n 3

for h in $(seq "$N"); do
        nn_irm "h$h" name register "n$h" layer "$UC_LAYER"
        nn_bg "h$h" "$BIN/oping" -l >"$NN_DIR/h$h/oping.log" 2>&1
        nn_bind "h$h" "$LAST_PID" "n$h"
done

t=$(nn_ms)
pids=()
for h in $(seq "$N"); do
        names=
        for d in $(seq "$N"); do [ "$d" = "$h" ] || names+=" n$d"; done
        nn_bg "h$h" bash -c 'for n in $1; do
                "$0" -n "$n" -c 1 -t 10000 -Q >/dev/null 2>&1 ||
                "$0" -n "$n" -c 1 -t 10000 -Q >/dev/null 2>&1 ||
                echo "FAIL $n"; done; echo DONE' \
                "$BIN/oping" "$names" >"$NN_DIR/h$h/all.log" 2>&1
        pids+=("$LAST_PID")
done
for h in $(seq "$N"); do
        wait_gone "${pids[$((h - 1))]}" 3000 ||
                uc_fail "h$h: pings hang: $(cat "$NN_DIR/h$h/all.log")"
done
bad=0
for h in $(seq "$N"); do
        grep -q '^DONE' "$NN_DIR/h$h/all.log" ||
                uc_fail "h$h: pings did not finish: $(cat "$NN_DIR/h$h/all.log")"
        if grep -q '^FAIL' "$NN_DIR/h$h/all.log"; then
                echo "h$h cannot reach:" $(sed -n 's/^FAIL //p' "$NN_DIR/h$h/all.log")
                bad=$((bad + $(grep -c '^FAIL' "$NN_DIR/h$h/all.log")))
        fi
done
[ "$bad" = 0 ] || uc_fail "$bad of $((N * (N - 1))) pings unanswered"
echo "every member reached every other one: $((N * (N - 1))) pings," \
     "$(( $(nn_ms) - t )) ms"

echo "total: $(( $(nn_ms) - t_all )) ms"
echo PASS
