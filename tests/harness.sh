# Ouroboros - integration test harness, sourced by tests/**/*.sh.
#
# Gives each test a private IRMd instance (its own OUROBOROS_RUNDIR), a
# cleanup trap that stops every process the test started (SIGTERM, so
# that clean shutdown is exercised; SIGKILL after ~2 s) and removes the
# runtime directory even when the test fails, and small assertion helpers.
#
#   . "$(dirname "$0")/../harness.sh"     # sets BIN (build/bin or $OURO_BIN)
#   irmd_start                            # private IRMd, waits until it answers
#   local_layer                           # bootstrap a local IPCP "local"
#   bg "$BIN/oping" -l                    # start a process, stopped at exit
#   expect_fail "reason" cmd args...      # cmd must exit non-zero
#   fail "message"                        # abort the test
#   wait_gone PID                         # until PID has exited (~10 s)
#   skip "reason"                         # cannot run here: exit 77, which
#                                         # ctest shows as skipped (never
#                                         # exit 0 for a test not run)
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

# proc_stat PID: "PPID STATE STARTTIME" of a live process, else nothing.
proc_stat() {
        local s
        s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
        s=${s##*) }                     # the name may hold spaces
        set -- $s                       # $1 state, $2 ppid, $20 starttime
        echo "$2 $1 ${20}"
}

# alive PID:STARTTIME: the same process still runs (not a zombie).
alive() {
        local st
        st=($(proc_stat "${1%%:*}"))
        [ ${#st[@]} -eq 3 ] && [ "${st[1]}" != Z ] && [ "${st[2]}" = "${1##*:}" ]
}

# stop_pids PID...: SIGTERM, up to ~2 s for a clean exit, then SIGKILL
# what is left. Each pid is pinned by its start time when called, so a
# pid reused meanwhile is never signalled. Reaps our own children quietly
# (no "Killed" lines).
stop_pids() {
        local p st ids=() left
        for p in "$@"; do
                st=($(proc_stat "$p"))
                [ ${#st[@]} -eq 3 ] && ids+=("$p:${st[2]}")
        done
        [ ${#ids[@]} -gt 0 ] || return 0
        for p in "${ids[@]}"; do
                alive "$p" && kill -TERM "${p%%:*}" 2>/dev/null
        done
        for _ in $(seq 40); do
                left=
                for p in "${ids[@]}"; do
                        alive "$p" && left=1 && break
                done
                [ -z "$left" ] && break
                sleep 0.05
        done
        for p in "${ids[@]}"; do
                alive "$p" && kill -KILL "${p%%:*}" 2>/dev/null
        done
        for p in "${ids[@]}"; do
                wait "${p%%:*}" 2>/dev/null
        done
        return 0
}

# Live children of pid $1 (our background jobs, an IRMd's IPCPs).
children_of() {
        local p st
        for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do
                st=($(proc_stat "$p"))
                [ "${st[0]:-}" = "$1" ] && echo "$p"
        done
}

# Background processes first (they talk to the IRMd while they stop),
# then the IRMd, then what it left behind; the rundir always goes. Only
# our own children are signalled (a pid of a finished job may be reused).
harness_cleanup() {
        local rc=$?
        local mine=() kids=() p
        trap - INT TERM
        for p in $(children_of $$); do
                [ "$p" != "${IRMD_PID:-}" ] && mine+=("$p")
        done
        stop_pids "${mine[@]:-}"
        if [ -n "$IRMD_PID" ]; then
                kids=($(children_of "$IRMD_PID"))
                stop_pids "$IRMD_PID"
                stop_pids "${kids[@]:-}"
        fi
        if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -f "$OUROBOROS_RUNDIR/irmd.log" ]; then
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

# The test cannot run here (SKIP_RETURN_CODE 77, see tests/CMakeLists.txt).
skip() {
        echo "SKIP: $*" >&2
        exit 77
}

# Run a command in the background; it is stopped when the test ends.
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

# Wait until process $1 has exited (up to ~$2 tenths of a second,
# default 100); 1 if it still runs.
wait_gone() {
        for _ in $(seq "${2:-100}"); do
                kill -0 "$1" 2>/dev/null || return 0
                sleep 0.1
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
