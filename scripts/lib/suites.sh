# shellcheck shell=bash
# Ouroboros - running test suites, sourced by scripts/test.sh (and by
# tests/meta/test_suites.sh, which checks it).
#
#   run_suite NAME LIMIT CMD [ARGS...]   run one suite with a time limit
#   suite_summary                        the results in run order; status
#
# Each suite runs in its own process group under timeout(1); its time
# limit, SIGINT/SIGTERM/SIGHUP to the runner, or the suite ending all
# stop whatever it left running. Every process a suite starts inherits
# OURO_TEST_TAG (fresh for each runner), also those that start their own
# session (IRMds, IPCPs, servers): stop_tagged finds them by it in
# /proc/PID/environ, so nothing a suite started outlives it.

OURO_TEST_TAG=ouro-test-$$-$RANDOM$RANDOM
export OURO_TEST_TAG
SUITE_NAMES=()
SUITE_RESULTS=()
SUITE_PID=

# Pids of live processes started with our tag (not this shell).
tagged_pids() {
        local f p
        # shellcheck disable=SC2013  # /proc paths hold no blanks
        for f in $(grep -lsxzF "OURO_TEST_TAG=$OURO_TEST_TAG" \
                        /proc/[0-9]*/environ 2>/dev/null); do
                p=${f#/proc/}
                p=${p%/environ}
                [ "$p" = "$$" ] || [ "$p" = "${BASHPID:-$$}" ] || echo "$p"
        done
}

# SIGTERM to every tagged process, up to ~3 s to go, then SIGKILL. Says
# what it had to stop: a suite should clean up after itself.
stop_tagged() {
        local pids p i
        pids=$(tagged_pids)
        [ -n "$pids" ] || return 0
        echo "--- stopping what the suite left running:" >&2
        for p in $pids; do
                kill -TERM "$p" 2>/dev/null &&
                        echo "    $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2
        done
        for i in $(seq 30); do
                [ -n "$(tagged_pids)" ] || return 0
                sleep 0.1
        done
        for p in $(tagged_pids); do
                kill -KILL "$p" 2>/dev/null
        done
        return 0
}

# Stop the running suite (its process group), then anything tagged. The
# suite gets up to 25 s to clean up after itself (pytest's finalizers,
# the scripts' traps: on a loaded machine 5 s was too short), then
# SIGKILL.
suite_abort() {
        if [ -n "$SUITE_PID" ]; then
                echo "=== stopping ${SUITE_CURRENT:-the suite} (up to 25 s)" >&2
                kill -TERM -- "-$SUITE_PID" 2>/dev/null ||
                        kill -TERM "$SUITE_PID" 2>/dev/null
                for _ in $(seq 250); do
                        kill -0 "$SUITE_PID" 2>/dev/null || break
                        sleep 0.1
                done
                kill -KILL -- "-$SUITE_PID" 2>/dev/null
        fi
        stop_tagged
}

suite_signal() {
        local sig=$1
        trap - INT TERM HUP
        echo "=== interrupted (SIG$sig)" >&2
        suite_abort
        [ -n "${SUITE_CURRENT:-}" ] &&
                SUITE_NAMES+=("$SUITE_CURRENT") &&
                SUITE_RESULTS+=("FAIL (interrupted)")
        suite_summary
        case $sig in INT) exit 130 ;; HUP) exit 129 ;; *) exit 143 ;; esac
}
trap 'suite_signal INT' INT
trap 'suite_signal TERM' TERM
trap 'suite_signal HUP' HUP

# run_suite NAME LIMIT CMD...: 0 if it passed. The suite runs in the
# background so that a signal to the runner is handled at once (bash
# runs traps only between foreground commands).
run_suite() {
        local name=$1 limit=$2 start=$SECONDS rc=0 res
        shift 2
        echo "=== $name (time limit ${limit} s)"
        SUITE_CURRENT=$name
        # timeout(1) makes its own process group and signals all of it;
        # it also gives the suite back the default SIGINT that bash takes
        # from background jobs (tests send SIGINT to their programs)
        timeout -k 30 "$limit" "$@" </dev/null &
        SUITE_PID=$!
        wait "$SUITE_PID" || rc=$?
        SUITE_PID=
        SUITE_CURRENT=
        stop_tagged
        case $rc in
        0) res=pass ;;
        124 | 137) res="FAIL (time limit of $limit s reached)" ;;
        *) res="FAIL (exit $rc)" ;;
        esac
        SUITE_NAMES+=("$name")
        SUITE_RESULTS+=("$res, $((SECONDS - start)) s")
        echo "=== $name: $res"
        return "$rc"
}

# The results in the order the suites ran; 0 if all passed.
suite_summary() {
        local i passed=0 failed=0
        echo "=== summary"
        for i in "${!SUITE_NAMES[@]}"; do
                printf '  %-14s %s\n' "${SUITE_NAMES[$i]}:" "${SUITE_RESULTS[$i]}"
                case ${SUITE_RESULTS[$i]} in
                pass*) passed=$((passed + 1)) ;;
                *) failed=$((failed + 1)) ;;
                esac
        done
        echo "suites: $passed passed, $failed failed"
        [ "$failed" -eq 0 ]
}
