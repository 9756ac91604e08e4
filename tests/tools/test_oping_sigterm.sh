#!/bin/bash
# SIGTERM (and SIGINT) to an oping flood stop it: the summary is printed
# and the exit status is 0; the output reaches a pipe/file line by line.
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer
start_server oping oping

for sig in TERM INT; do
        out=$OUROBOROS_RUNDIR/flood.$sig
        "$BIN/oping" -n oping -f >"$out" 2>&1 &
        pid=$!
        # line-buffered output: the header shows while it still runs
        for _ in $(seq 100); do
                grep -q "^Pinging oping" "$out" && break
                sleep 0.05
        done
        grep -q "^Pinging oping" "$out" \
                || fail "no header while running (buffered?): $(cat "$out")"
        sleep 1
        kill -$sig $pid
        for _ in $(seq 50); do
                kill -0 $pid 2>/dev/null || break
                sleep 0.1
        done
        if kill -0 $pid 2>/dev/null; then
                kill -KILL $pid
                fail "oping ignored SIG$sig"
        fi
        wait $pid
        rc=$?
        cat "$out"
        [ $rc -eq 0 ] || fail "exit status $rc after SIG$sig"
        grep -q "^--- oping ping statistics ---$" "$out" \
                || fail "no summary after SIG$sig"
        grep -qE "^[0-9]+ packets transmitted, [1-9][0-9]* received" "$out" \
                || fail "summary shows nothing received after SIG$sig"
        grep -q "^rtt min/avg/max/mdev" "$out" || fail "no rtt line"
done

grep -q "closed" "$SERVER_OUT" \
        || fail "server did not see the flows go: $(cat "$SERVER_OUT")"

echo "PASS: oping flood stops cleanly on SIGTERM and SIGINT"
