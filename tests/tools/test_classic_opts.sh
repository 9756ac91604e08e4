#!/bin/bash
# The classic (0.21) tools' options work with their meaning and units:
# oping --server-name, -d with units (DURATION/INTERVAL probes), -i with
# units, -D time-of-day prefixes, -q raw_crypt and the other QoS names;
# operf --server-name, -t uni|bi, -r with k/M/G (bit/s), -f, --sleep;
# ocbr --server_apn, -d/-i with units, --sleep/--spin (each measured by
# the CPU it costs), and -t on the server (a flow silent that long ends).
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer
start_server oping oping

out=$(run_timeout 30 "$BIN/oping" --server-name oping -d 1s -i 200ms -D \
        -q raw_crypt) || fail "oping classic options: $out"
echo "$out"
echo "$out" | grep -q "(raw_crypt QoS)" || fail "-q raw_crypt not used: $out"
echo "$out" | grep -qE "^5 packets transmitted, 5 received, 0% packet loss" \
        || fail "-d 1s -i 200ms is not 5 probes: $out"
n=$(echo "$out" | grep -cE "^\[[0-9]{9,}\.[0-9]{6}\] [0-9]+ bytes from oping: seq=")
[ "$n" -eq 5 ] || fail "-D: $n of 5 reply lines with the time of day"

out=$(run_timeout 30 "$BIN/oping" -n oping -d 300 -i 100 -Q) \
        || fail "oping -d 300 -i 100: $out"
echo "$out" | grep -qE "^3 packets transmitted, 3 received" \
        || fail "bare -d/-i are ms (3 probes): $out"
for q in raw best best_crypt video voice voice_crypt data data_crypt; do
        out=$(run_timeout 30 "$BIN/oping" -n oping -c 2 -i 0 -q "$q" -Q) \
                || fail "oping -q $q: $out"
        echo "$out" | grep -q "2 received" || fail "oping -q $q: $out"
done
echo "ok: oping classic options"

start_server operf operf
out=$(run_timeout 30 "$BIN/operf" --server-name operf -t bi -d 500ms \
        -r 800k -s 100 -Q --sleep) || fail "operf classic options: $out"
echo "$out"
echo "$out" | grep -qx "rate 1000 packets/s" || fail "-r 800k -s 100: $out"
echo "$out" | grep -qE "^echoed: +[1-9][0-9]* packets" || fail "-t bi: $out"
echo "$out" | grep -q ", 0.5 s, echo" || fail "-d 500ms: $out"
out=$(run_timeout 30 "$BIN/operf" -n operf -t uni -f -d 1 -t 3000 -Q) \
        || fail "operf -t uni -f: $out"
echo "$out" | grep -q "flood, 1 s (raw QoS)" || fail "-t uni -f -d 1: $out"
echo "$out" | grep -q "^echoed" && fail "-t uni echoed: $out"
echo "ok: operf classic options"

start_server ocbr ocbr -i 1s
out=$(run_timeout 30 "$BIN/ocbr" --server_apn ocbr -d 1s -r 1M -s 1000 \
        --sleep) || fail "ocbr classic options: $out"
echo "$out"
echo "$out" | grep -q "at 1000000 bit/s (125.0 pkt/s), 1 s" \
        || fail "-r 1M -d 1s: $out"
# --spin waits for each send time busy, --sleep asleep: at 10 packets/s
# for 2 s the spinning client burns CPU, the sleeping one next to none.
# On a machine loaded by other work the spinner gets only its share of
# a CPU (251 ms of 2 s at load 13), so the bound is relative: at least
# 100 ms and four times the sleeper's.
cpu_of() {      # CPU seconds (user + sys) of a command, in ms
        local TIMEFORMAT='%3U %3S' t
        t=$( { time "$@" >/dev/null 2>&1; } 2>&1 ) || return 1
        echo "$t" | awk '{ printf "%d", ($1 + $2) * 1000 }'
}
spin=$(cpu_of "$BIN/ocbr" -n ocbr -d 2s -r 8k -s 100 --spin) \
        || fail "ocbr --spin failed"
slp=$(cpu_of "$BIN/ocbr" -n ocbr -d 2s -r 8k -s 100 --sleep) \
        || fail "ocbr --sleep failed"
echo "ocbr CPU: --spin ${spin} ms, --sleep ${slp} ms"
[ "$spin" -ge 100 ] && [ "$spin" -ge $((slp * 4 + 50)) ] \
        || fail "--spin ($spin ms CPU) does not spin next to --sleep ($slp ms)"
echo "ok: ocbr --sleep/--spin"

# a client that stops sending (stopped, its flow still up): a server
# started with -t 1 ends the flow after 1 s (seconds, as the classic
# ocbr). Its own server: on a loaded machine a paced client may pause
# for a second, which must not end the flows of the tests above.
kill "$SERVER_PID"
start_server ocbr ocbr-idle -i 1s -t 1
"$BIN/ocbr" --server-name ocbr-idle -d 30s -r 100k -s 500 \
        >"$OUROBOROS_RUNDIR/stopped.out" 2>&1 &
client=$!
sleep 1
kill -STOP $client
for _ in $(seq 80); do
        grep -q "no packet for 1000 ms: ending" "$SERVER_OUT" && break
        sleep 0.05
done
kill -KILL $client
wait $client 2>/dev/null
grep -q "no packet for 1000 ms: ending" "$SERVER_OUT" \
        || fail "ocbr -l -t 1 did not end a silent flow: $(cat "$SERVER_OUT")"
echo "ok: ocbr classic options"

echo "PASS: classic tool options"
