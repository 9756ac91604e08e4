# Helpers shared by the tools tests (sourced, not a test itself).
#
# Usage at the top of a test:   . "$(dirname "$0")/lib.sh"
# The bin dir comes from $1, else $OURO_BIN, else build/bin; everything
# else (private IRMd, cleanup trap) comes from tests/harness.sh.
if [ $# -ge 1 ] && [ -n "$1" ]; then
        OURO_BIN=$1
        export OURO_BIN
fi
TOOLS_TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$TOOLS_TEST_DIR/../harness.sh"

# start_server TOOL [NAME] [ARGS...]: register NAME (default TOOL) in the
# local layer, bind the program to it, start "TOOL -l ARGS" with its output
# in $OUROBOROS_RUNDIR/TOOL.out and wait until it is listening.
start_server() {
        local tool=$1
        local name=${2:-$1}
        shift 2 || shift $#
        "$BIN/irm" name register "$name" layer local \
                || fail "irm name register $name layer local"
        "$BIN/irm" bind program "$BIN/$tool" name "$name" \
                || fail "irm bind program $tool name $name"
        SERVER_OUT=$OUROBOROS_RUNDIR/$tool.out
        bg "$BIN/$tool" -l "$@" >"$SERVER_OUT" 2>&1
        SERVER_PID=$LAST_PID
        for _ in $(seq 100); do
                grep -qiE "listening|starting" "$SERVER_OUT" && break
                kill -0 "$SERVER_PID" 2>/dev/null \
                        || fail "$tool -l exited: $(cat "$SERVER_OUT")"
                sleep 0.05
        done
        grep -qiE "listening|starting" "$SERVER_OUT" \
                || fail "$tool -l did not start"
        # The server announces itself to the IRMd on its first call.
        sleep 0.3
}

# run_timeout SECONDS CMD...: run CMD, fail the test if it hangs.
run_timeout() {
        local secs=$1
        shift
        timeout --kill-after=5 "$secs" "$@"
        local rc=$?
        [ $rc -eq 124 ] || [ $rc -eq 137 ] && fail "timed out (${secs}s): $*"
        return $rc
}

# wait_gone PID SECONDS: wait up to SECONDS for PID to exit; false if it
# still runs.
wait_gone() {
        for _ in $(seq $(($2 * 20))); do
                kill -0 "$1" 2>/dev/null || return 0
                sleep 0.05
        done
        ! kill -0 "$1" 2>/dev/null
}
