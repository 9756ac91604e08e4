#!/bin/bash
# obc: joining a layer that is not a broadcast one fails with a clear
# one-line error (no broadcast IPCP at all; one, but not in that layer);
# over a broadcast layer of one member (ipcpd-broadcast of the build,
# skipped without one) two listeners (-l -c) print every message of -m,
# -m -c -i and -m - exactly once, in order, escaped; the senders never
# hear themselves; a line larger than the layer carries fails; SIGTERM
# ends a listener with status 0; the broadcast IPCP destroyed under a
# listener: "flow is down", status 1.
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer

# expect_err WANT ARGS...: obc ARGS exits 1 with WANT on stderr
expect_err() {
        local want=$1 out
        shift
        out=$(run_timeout 20 "$BIN/obc" "$@" 2>&1 </dev/null) \
                && fail "obc $* exited 0: $out"
        echo "$out" | grep -qF "$want" || fail "obc $*: $out"
        echo "ok: obc $* -> $out"
}

expect_err "obc: cannot join local: not a broadcast layer (this host has no broadcast IPCP)" -n local -l
expect_err "obc: cannot join nowhere: not a broadcast layer (this host has no broadcast IPCP)" -n nowhere -m hi

[ -x "$BIN/ipcpd-broadcast" ] || \
        skip "no ipcpd-broadcast in $BIN (the error cases passed)"

"$BIN/irm" ipcp bootstrap type broadcast name bc layer bcl \
        || fail "bootstrap a broadcast layer"
expect_err "obc: cannot join nowhere: not a broadcast layer (no broadcast IPCP on this host is in it" -n nowhere -m hi

R=$OUROBOROS_RUNDIR
bg "$BIN/obc" -n bcl -l -c 6 >"$R/l1.out" 2>"$R/l1.err"
L1=$LAST_PID
bg "$BIN/obc" -n bcl -l -c 6 >"$R/l2.out" 2>"$R/l2.err"
L2=$LAST_PID
wait_for grep -q "listening on bcl" "$R/l1.err" || fail "listener 1: $(cat "$R/l1.err")"
wait_for grep -q "listening on bcl" "$R/l2.err" || fail "listener 2: $(cat "$R/l2.err")"

run_timeout 20 "$BIN/obc" -n bcl -m hello || fail "obc -m hello"
run_timeout 20 "$BIN/obc" -n bcl -m "$(printf 'tab\there\001')" \
        || fail "obc -m with a tab"
run_timeout 20 "$BIN/obc" -n bcl -m 'back\slash' -c 2 -i 10 \
        || fail "obc -m -c 2 -i 10"
printf 'line one\nline two' | run_timeout 20 "$BIN/obc" -n bcl -m - \
        || fail "obc -m -"

printf '%s\n' hello 'tab\there\x01' 'back\\slash' 'back\\slash' \
        'line one' 'line two' >"$R/want"
wait_gone "$L1" 10 || fail "listener 1 did not end after 6 messages"
wait_gone "$L2" 10 || fail "listener 2 did not end after 6 messages"
for l in 1 2; do
        cmp -s "$R/want" "$R/l$l.out" \
                || fail "listener $l printed: $(cat "$R/l$l.out")"
done
echo "ok: two listeners got every message once, in order"

head -c 70000 /dev/zero | tr '\0' a >"$R/big"
out=$(run_timeout 20 "$BIN/obc" -n bcl -m - <"$R/big" 2>&1) \
        && fail "a line larger than the layer was sent"
echo "$out" | grep -q "more than bcl carries" || fail "big line: $out"

bg "$BIN/obc" -n bcl -l >"$R/l3.out" 2>"$R/l3.err"
L3=$LAST_PID
wait_for grep -q "listening on bcl" "$R/l3.err" || fail "listener 3"
kill -TERM "$L3"
wait "$L3"
rc=$?
[ $rc -eq 0 ] || fail "obc -l exited $rc on SIGTERM"

# the layer goes away under a listener: it says so and exits 1
bg "$BIN/obc" -n bcl -l >"$R/l4.out" 2>"$R/l4.err"
L4=$LAST_PID
wait_for grep -q "listening on bcl" "$R/l4.err" || fail "listener 4"
"$BIN/irm" ipcp destroy name bc || fail "destroy the broadcast IPCP"
wait_gone "$L4" 10 || fail "obc -l still runs without its layer"
wait "$L4"
rc=$?
[ $rc -eq 1 ] || fail "obc -l exited $rc when its layer went"
grep -q "^obc: bcl: flow is down" "$R/l4.err" \
        || fail "obc -l without its layer: $(cat "$R/l4.err")"

echo "PASS: obc"
