# Ouroboros - integration test harness, sourced by tests/**/*.sh.
#
# Gives each test a private IRMd instance (its own OUROBOROS_RUNDIR), a
# cleanup trap that kills every process the test started and removes the
# runtime directory even when the test fails, and small assertion helpers.
#
#   . "$(dirname "$0")/../harness.sh"     # sets BIN (build/bin or $OURO_BIN)
#   irmd_start                            # private IRMd, waits until it answers
#   local_layer                           # bootstrap a local IPCP "local"
#   bg "$BIN/oping" -l                    # start a process, killed at exit
#   expect_fail "reason" cmd args...      # cmd must exit non-zero
#   fail "message"                        # abort the test
set -u

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${OURO_BIN:-$HARNESS_DIR/../build/bin}
BIN=$(cd "$BIN" && pwd)
export PATH="$BIN:$PATH"

OUROBOROS_RUNDIR=$(mktemp -d /tmp/ouro-test.XXXXXX)
export OUROBOROS_RUNDIR
TEST_LOG=$OUROBOROS_RUNDIR/test.log
BG_PIDS=()
IRMD_PID=

harness_cleanup() {
        local rc=$?
        local p
        for p in "${BG_PIDS[@]:-}"; do
                [ -n "$p" ] && kill -TERM "$p" 2>/dev/null
        done
        if [ -n "$IRMD_PID" ]; then
                kill -TERM "$IRMD_PID" 2>/dev/null
                for _ in $(seq 50); do
                        kill -0 "$IRMD_PID" 2>/dev/null || break
                        sleep 0.1
                done
                kill -KILL "$IRMD_PID" 2>/dev/null
        fi
        for p in "${BG_PIDS[@]:-}"; do
                [ -n "$p" ] && kill -KILL "$p" 2>/dev/null
        done
        if [ $rc -ne 0 ] && [ -f "$OUROBOROS_RUNDIR/irmd.log" ]; then
                echo "--- irmd log (last 40 lines) ---" >&2
                tail -n 40 "$OUROBOROS_RUNDIR/irmd.log" >&2
        fi
        rm -rf "$OUROBOROS_RUNDIR"
        exit $rc
}
trap harness_cleanup EXIT
trap 'exit 130' INT TERM

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

# Run a command in the background; it is killed when the test ends.
bg() {
        "$@" &
        BG_PIDS+=($!)
        LAST_PID=$!
}

# Start the private IRMd and wait until it accepts requests.
irmd_start() {
        "$BIN/irmd" --stdout "$@" >"$OUROBOROS_RUNDIR/irmd.log" 2>&1 &
        IRMD_PID=$!
        for _ in $(seq 100); do
                if "$BIN/irm" ipcp list >/dev/null 2>&1; then
                        return 0
                fi
                kill -0 "$IRMD_PID" 2>/dev/null || fail "irmd exited"
                sleep 0.05
        done
        fail "irmd did not start"
}

local_layer() {
        "$BIN/irm" ipcp bootstrap type local name local layer local \
                || fail "bootstrap local layer"
}

# Wait until a command succeeds (up to ~5 s).
wait_for() {
        for _ in $(seq 100); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        return 1
}

expect_fail() {
        local why=$1
        shift
        if "$@" >/dev/null 2>&1; then
                fail "expected failure ($why): $*"
        fi
}

# Shared-memory objects owned by this test's processes must not outlive
# them: flows use memfds, so /dev/shm must hold nothing of ours.
shm_snapshot() {
        ls /dev/shm 2>/dev/null | sort
}
