#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, then runs the C
# unit and integration tests (ctest), the same again in an ASan/UBSan
# build, the pyOuroboros tests and the PycoTCP tests. Exits non-zero if
# any suite fails.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

scripts/install-deps.sh || exit 1
scripts/build.sh "$BUILD" || exit 1

declare -A result
run_suite() {
        local name=$1
        shift
        echo "=== $name"
        if "$@"; then
                result[$name]=pass
        else
                result[$name]=FAIL
        fi
}

run_suite ctest bash -c "cd '$BUILD' && ctest --output-on-failure -j2 --timeout 300"
# The Ouroboros C tree again under AddressSanitizer and UBSan.
run_suite ctest-asan bash -c "cmake -S . -B '$BUILD-asan' -DSANITIZE=ON \
        -DCOMPONENTS='common;lib;irmd;ipcpd;tools;tests' >/dev/null &&
        cmake --build '$BUILD-asan' -j\$(nproc) >/dev/null &&
        cd '$BUILD-asan' && ctest --output-on-failure -j2 --timeout 300"
[ -x scripts/test-python.sh ] && run_suite pyouroboros scripts/test-python.sh "$BUILD"
[ -x scripts/test-pycotcp.sh ] && run_suite pycotcp scripts/test-pycotcp.sh "$BUILD"

passed=0
failed=0
echo "=== summary"
for s in "${!result[@]}"; do
        echo "  $s: ${result[$s]}"
        if [ "${result[$s]}" = pass ]; then
                passed=$((passed + 1))
        else
                failed=$((failed + 1))
        fi
done
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
