#!/bin/bash
# Ouroboros - a peer killed with SIGKILL mid-flow: the survivor gets
# FLOW_DEALLOC and reads fail with -EFLOWDOWN within 2 s, both ways.
# Afterwards /dev/shm holds nothing new, and a long-lived server's fd
# count does not grow over 100 alloc/dealloc cycles.
# ctest: TIMEOUT 300
. "$(dirname "$0")/../harness.sh"

shm_before=$(shm_snapshot)
irmd_start
local_layer

out=$OUROBOROS_RUNDIR

# $1: who gets killed (client|server)
kill_case() {
        local victim=$1 survivor name=kill-$1
        [ "$victim" = client ] && survivor=server || survivor=client

        bg "$BIN/test-api-hold" server $name dealloc >"$out/server.$victim" 2>&1
        local spid=$LAST_PID
        wait_for grep -q BOUND "$out/server.$victim" || fail "server not bound"
        bg "$BIN/test-api-hold" client $name dealloc >"$out/client.$victim" 2>&1
        local cpid=$LAST_PID
        wait_for grep -q READY "$out/client.$victim" || fail "client not ready"
        wait_for grep -q READY "$out/server.$victim" || fail "server not ready"

        local vpid=$cpid spid2=$spid
        [ "$victim" = server ] && { vpid=$spid; spid2=$cpid; }
        kill -9 $vpid
        local t0=$(date +%s%N)
        for _ in $(seq 40); do
                kill -0 $spid2 2>/dev/null || break
                sleep 0.05
        done
        local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        wait $spid2
        local rc=$?
        cat "$out/$survivor.$victim"
        [ $rc -eq 0 ] || fail "$survivor did not see the $victim die (rc $rc)"
        grep -q "EVENT dealloc read -1005" "$out/$survivor.$victim" \
                || fail "$survivor: no FLOW_DEALLOC / -EFLOWDOWN"
        [ $ms -le 2000 ] || fail "$survivor took $ms ms"
        echo "kill -9 $victim: $survivor noticed in $ms ms"
}

kill_case client
kill_case server

# fd count of a long-lived server across 100 flows
bg "$BIN/test-api-hold" tag-server leak-srv T1 >"$out/tag" 2>&1
tpid=$LAST_PID
wait_for grep -q BOUND "$out/tag" || fail "tag server not bound"
for _ in $(seq 5); do
        "$BIN/test-api-hold" tag-client leak-srv >/dev/null || fail "tag client"
done
n1=$(ls /proc/$tpid/fd | wc -l)
for _ in $(seq 100); do
        "$BIN/test-api-hold" tag-client leak-srv >/dev/null || fail "tag client"
done
sleep 0.2
n2=$(ls /proc/$tpid/fd | wc -l)
echo "server fds: $n1 after 5 flows, $n2 after 105"
[ "$n2" -le "$n1" ] || fail "server leaks fds: $n1 -> $n2"
kill $tpid

[ "$(shm_snapshot)" = "$shm_before" ] || fail "/dev/shm changed"
echo "PASS"
