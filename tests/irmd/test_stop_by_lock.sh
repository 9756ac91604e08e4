#!/usr/bin/env bash
# Ouroboros - stopping one IRMd by its lock file, as README.md and
# irmd(8) say (instead of "pkill irmd", which stops every IRMd of the
# host):
#   f=RUNDIR/irmd.lock; flock -n "$f" true || kill "$(cat "$f")"
# stops that IRMd and no other, and does nothing when the lock is stale
# (an IRMd killed with -9 leaves the file and its pid, maybe reused).
. "$(dirname "$0")/../harness.sh"

stop_irmd() {  # the documented command
        local f=$1/irmd.lock
        flock -n "$f" true || kill "$(cat "$f")"
}

irmd_start
other=$OUROBOROS_RUNDIR/other
mkdir -m 0700 "$other"
OUROBOROS_RUNDIR=$other "$BIN/irmd" --stdout >"$OUROBOROS_RUNDIR/other.log" 2>&1 &
other_pid=$!
OUROBOROS_RUNDIR=$other wait_for "$BIN/irm" ipcp list || fail "second irmd"

[ "$(cat "$OUROBOROS_RUNDIR/irmd.lock")" = "$IRMD_PID" ] ||
        fail "irmd.lock does not hold the IRMd's pid"
stop_irmd "$OUROBOROS_RUNDIR" || fail "the command failed"
wait_gone "$IRMD_PID" 50 || fail "the IRMd was not stopped"
kill -0 "$other_pid" 2>/dev/null || fail "the other IRMd was stopped too"
IRMD_PID=

# a stale lock: the IRMd killed with -9, its pid now someone else's
kill -KILL "$other_pid"
wait "$other_pid" 2>/dev/null
[ -e "$other/irmd.lock" ] || fail "no lock file left by kill -9 (test premise)"
bg sleep 60
echo "$LAST_PID" >"$other/irmd.lock"
stop_irmd "$other" || true
kill -0 "$LAST_PID" 2>/dev/null || fail "a stale lock's pid was killed"
echo PASS
