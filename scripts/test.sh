#!/usr/bin/env bash
# The whole test suite, the README's test command (CI runs it under
# env -i, see .ci/run): installs what it needs, builds, then runs the
# suites below in this order and prints their results in the same order.
# Exits non-zero if any suite fails.
#
#   scripts/test.sh [--long]        (or OURO_TEST_LONG=1 scripts/test.sh)
#
# --long also runs the ctest tests labelled "long" (multi-host and other
# long runs; left out by default). Without it the whole run takes about
# 19 minutes on 2 cores (the aim is 20).
#
# Every suite has a time limit; every test in it has its own (ctest
# TIMEOUT, pytest-timeout), so a hang fails that test by name. When a
# suite ends, reaches its limit or the run is interrupted, everything it
# started is stopped (scripts/lib/suites.sh): no IRMd, IPCP or server
# outlives the run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
LONG=${OURO_TEST_LONG:-0}

for arg in "$@"; do
        case $arg in
        --long) LONG=1 ;;
        -h | --help)
                sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
                exit 0
                ;;
        *)
                echo "test.sh: unknown argument $arg (try --help)" >&2
                exit 1
                ;;
        esac
done

. scripts/lib/suites.sh

scripts/install-deps.sh || exit 1
scripts/build.sh "$BUILD" || exit 1

CTEST="ctest --output-on-failure -j2"
export OURO_TEST_LONG=$LONG
if [ "$LONG" = 1 ]; then
        echo "=== long mode: the tests labelled \"long\" run too"
        LIMIT_SCALE=4
else
        CTEST="$CTEST -LE long"
        LIMIT_SCALE=1
fi
limit() { echo $(($1 * LIMIT_SCALE)); }

# The sanitizer builds (suite 2) are made meanwhile, in the background
# at nice 19: most of suite 1 waits on namespaces, links and timers, and
# leaves the CPUs idle. Their own tag, so that the end of suite 1 does
# not stop them. When suite 1 ends they are stopped where they are (a
# busy machine may have starved them) and suite 2 builds the rest at
# the normal priority (or nothing, or the error in its own output).
ASAN_CONF=(cmake -S . -B "$BUILD-asan" -DSANITIZE=ON
           -DCOMPONENTS='common;lib;irmd;ipcpd;tools;tests')
PREBUILD_LOG=$(mktemp /tmp/ouro-prebuild.XXXXXX)
OURO_TEST_TAG=$OURO_TEST_TAG-prebuild setsid nice -n 19 bash -c '
        # a session of its own is a scheduling group of its own (where
        # autogroup is on): that group at nice 19 too
        echo 19 2>/dev/null >/proc/self/autogroup
        "${@:2}" >/dev/null && cmake --build "$1-asan" -j"$(nproc)" &&
        scripts/test-tsan.sh --build-only "$1-tsan" && echo PREBUILD-DONE' prebuild \
        "$BUILD" "${ASAN_CONF[@]}" >"$PREBUILD_LOG" 2>&1 </dev/null &
PREBUILD_PID=$!
prebuild_stop() {
        kill -TERM -- "-$PREBUILD_PID" 2>/dev/null
        wait "$PREBUILD_PID" 2>/dev/null
        for _ in $(seq 100); do # the compilers too (make removes their output)
                kill -0 -- "-$PREBUILD_PID" 2>/dev/null || break
                sleep 0.1
        done
        kill -KILL -- "-$PREBUILD_PID" 2>/dev/null
        if grep -qx PREBUILD-DONE "$PREBUILD_LOG"; then
                echo "=== background sanitizer builds: done"
        else
                echo "=== background sanitizer builds: unfinished"
        fi
        rm -f "$PREBUILD_LOG"
}
trap prebuild_stop EXIT

# 1. The C unit and integration tests.
run_suite ctest "$(limit 900)" bash -c "cd '$BUILD' && $CTEST"

# 2. Sanitizers: the Ouroboros C tree again under AddressSanitizer and
#    UBSan...
prebuild_stop
trap - EXIT
run_suite ctest-asan "$(limit 900)" bash -c "${ASAN_CONF[*]@Q} >/dev/null &&
        cmake --build '$BUILD-asan' -j\$(nproc) >/dev/null &&
        cd '$BUILD-asan' && $CTEST"
#    ...and under ThreadSanitizer (clang): the flow memory, crypto and
#    library tests in a -DSANITIZE=thread build of their own.
run_suite ctest-tsan "$(limit 300)" scripts/test-tsan.sh "$BUILD-tsan"

# 3. pyOuroboros (pytest, in a venv, against this build).
run_suite pyouroboros "$(limit 300)" scripts/test-python.sh "$BUILD"

# 4. PycoTCP (its C core with ctest, then pytest). Its C core's tests
#    (ioth_*) and PycoTCP over ouroboros:// (tests/vdeplug/test_pyco.sh)
#    are in the main build's ctest (suite 1) already: not twice.
if [ -x scripts/test-pycotcp.sh ]; then
        # grep reads all of ctest's list (-q would stop at the first line
        # and, under pipefail, ctest's SIGPIPE would fail the test)
        if (cd "$BUILD" && ctest -N -R '^ioth_' | grep '^ *Test *#' >/dev/null); then
                export PYCO_NO_CTEST=1
        fi
        # ...nor tests/vdeplug/test_pyco.sh (vdeplug_test_pyco in suite 1)
        if (cd "$BUILD" && ctest -N -R '^vdeplug_test_pyco$' |
                grep '^ *Test *#' >/dev/null); then
                export PYCO_NO_HUB=1
        fi
        # 250 s on an idle machine since the tests of data sent before
        # exit (each back-end's 5 s bound at exit toward a dead peer)
        run_suite pycotcp "$(limit 420)" scripts/test-pycotcp.sh "$BUILD"
fi

suite_summary
