#!/bin/bash
# SIGTERM to a server with a flow in use: it releases the flow at once
# (the client notices), prints the flow's summary where the tool has one
# and "... server stopped.", and exits 0 well before the harness would
# SIGKILL it. Servers block without timeouts, so only the signal wakes
# them: this is what checks that the signal path works.
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer

# stop_server TOOL: SIGTERM the running server, expect a clean exit.
stop_server() {
        kill -TERM "$SERVER_PID"
        wait_gone "$SERVER_PID" 2 \
                || fail "$1 -l still runs 2 s after SIGTERM: $(cat "$SERVER_OUT")"
        wait "$SERVER_PID"
        rc=$?
        [ $rc -eq 0 ] || fail "$1 -l exit status $rc after SIGTERM"
        grep -q "server stopped\.$" "$SERVER_OUT" \
                || fail "$1 -l did not say it stopped: $(cat "$SERVER_OUT")"
}

# operf: a 30 s flood, server stopped after 1 s
start_server operf operf
"$BIN/operf" -n operf -d 30 -Q >"$OUROBOROS_RUNDIR/operf.client" 2>&1 &
client=$!
sleep 1
stop_server operf
grep -qE "^\[flow [0-9]+\] received [1-9]" "$SERVER_OUT" \
        || fail "operf -l printed no flow summary: $(cat "$SERVER_OUT")"
grep -qE "^\[flow [0-9]+\] closed\.$" "$SERVER_OUT" \
        || fail "operf -l did not close the flow"
for _ in $(seq 100); do
        kill -0 $client 2>/dev/null || break
        sleep 0.05
done
kill -0 $client 2>/dev/null && fail "operf client did not see the flow go"
wait $client
cat "$SERVER_OUT"

# ocbr: a 30 s stream, server stopped after 1 s
start_server ocbr ocbr
"$BIN/ocbr" -n ocbr -d 30 -t 500 >"$OUROBOROS_RUNDIR/ocbr.client" 2>&1 &
client=$!
sleep 1
stop_server ocbr
grep -qE "^\[flow [0-9]+\] total: [1-9]" "$SERVER_OUT" \
        || fail "ocbr -l printed no flow total: $(cat "$SERVER_OUT")"
for _ in $(seq 100); do
        kill -0 $client 2>/dev/null || break
        sleep 0.05
done
kill -0 $client 2>/dev/null && fail "ocbr client did not see the flow go"
wait $client

# oping: a paced client, server stopped while the flow is open
start_server oping oping
"$BIN/oping" -n oping -i 100 -Q >"$OUROBOROS_RUNDIR/oping.client" 2>&1 &
client=$!
sleep 1
stop_server oping
grep -qE "^Flow [0-9]+ closed \(server stopping\)\.$" "$SERVER_OUT" \
        || fail "oping -l did not release the flow: $(cat "$SERVER_OUT")"
kill -INT $client 2>/dev/null
wait $client

# oecho: idle server
start_server oecho oecho
stop_server oecho

echo "PASS: servers stop cleanly on SIGTERM"
