#!/bin/bash
# Ouroboros - strict priority between QoS cubes: a voice flow keeps its
# round-trip time while a raw flood fills the same link. Three members
# in a line (unicast.sh), congestion none (so the flood does not back
# off), the link h2 -> h3 limited to 40 Mbit/s by tc tbf:
#
#   h1 [u1: oping, operf] -- l1.2 -- h2 [u2] --tbf 40 Mbit/s-- h3 [u3: servers]
#
# oping voice RTT idle, then (with oping raw at the same time) during
# an 8 s operf raw stream of
# 1400-byte packets at 60 Mbit/s (queues build in u2 toward u3:
# dt.queue_max.<u3>): the voice RTT stays within 100 ms of its idle
# value, and under half that of oping raw (the flood's cube) in the
# same flood, which waits behind the full queue (what one queue would
# give every flow). A voice packet still waits behind what the lower
# flow holds, 64 packets at most (ipcpd-unicast(8)): 18 ms of 1400-byte
# packets at 40 Mbit/s; measured here 37 ms against 334 ms for raw.
# ctest: TIMEOUT 150 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unicast.sh"

t_all=$(nn_ms)
UC_OPTS="congestion none"
uc_line 3
uc_tbf 2 3 40mbit

nn_irm h3 name register ping3 layer "$UC_LAYER"
nn_irm h3 name register perf3 layer "$UC_LAYER"
nn_bg h3 "$BIN/oping" -l
nn_bind h3 "$LAST_PID" ping3
nn_bg h3 "$BIN/operf" -l -Q
nn_bind h3 "$LAST_PID" perf3

idle=$(uc_oping_avg 1 ping3 -q voice -c 50 -i 20)
[ "$idle" != none ] || uc_fail "no voice echo on an idle path"
a3=$(uc_addr 3)

flog=$NN_DIR/flood.log
nn_bg h1 "$BIN/operf" -n perf3 -q raw -s 1400 -d 8 -r 60M -Q >"$flog" 2>&1
flood=$LAST_PID
sleep 1.5
# both at once, well inside the flood (one after the other, a busy host
# once measured raw after the flood had ended)
(uc_oping_avg 1 ping3 -q raw -c 50 -i 20 -t 5000 >"$NN_DIR/raw.avg") &
rawp=$!
voice=$(uc_oping_avg 1 ping3 -q voice -c 100 -i 20)
# raw's 50 pings went out meanwhile (it then waits up to 5 s for the
# replies the flood lost)
! grep -q '^server:' "$flog" ||
        uc_fail "the flood ended before the RTTs were measured: $(cat "$flog")"
wait "$rawp"
raw=$(cat "$NN_DIR/raw.avg")
wait_gone "$flood" 300 || uc_fail "operf flood hangs: $(cat "$flog")"
q1=$(uc_counter 2 "dt.queue_max.$a3")
echo "voice RTT: idle $idle ms, in the flood $voice ms; raw in the flood: $raw ms"
echo "u2's largest queue toward u3: $q1 packets; flood: $(grep '^server:' "$flog")"
[ "$voice" != none ] || uc_fail "no voice echo during the flood"
[ "$q1" -ge 64 ] || uc_fail "the flood built no queue in u2 ($q1): the test shows nothing"
awk -v v="$voice" -v i="$idle" 'BEGIN { exit !(v <= i + 100) }' ||
        uc_fail "voice RTT $voice ms in the flood, idle $idle ms (bound +100 ms)"
# raw's probes all lost in the flood while voice's came back shows the
# priority as well as a slower raw RTT does: said, not skipped silently
if [ "$raw" = none ]; then
        echo "raw: every probe lost in the flood, voice's answered"
else
        awk -v v="$voice" -v r="$raw" 'BEGIN { exit !(2 * v < r) }' ||
                uc_fail "voice ($voice ms) not under half of raw ($raw ms) in the flood"
fi

echo "total: $(( $(nn_ms) - t_all )) ms"
echo PASS
