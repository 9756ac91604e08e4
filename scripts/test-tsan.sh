#!/usr/bin/env bash
# scripts/test-tsan.sh [BUILD_DIR] - the flow memory, crypto, library and
# IPCP framework tests under ThreadSanitizer: builds BUILD_DIR (default
# build-tsan) with clang (-DSANITIZE=thread; GCC 12's TSan has no
# pthread_mutex_clocklock interceptor), only the targets those tests
# need, then runs them with ctest. Any TSan report fails the run, also
# one from a process whose exit status the test does not check (reports
# go to files, listed at the end). Takes about 3 minutes on 2 CPUs from
# scratch.
# CC overrides the compiler (default clang-16, else clang).
#   scripts/test-tsan.sh --build-only [BUILD_DIR]   only the build
#   (scripts/test.sh makes it in the background before it runs this)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_ONLY=0
if [ "${1:-}" = --build-only ]; then
        BUILD_ONLY=1
        shift
fi
B=${1:-build-tsan}

CC=${CC:-$(command -v clang-16 || command -v clang || true)}
if [ -z "$CC" ]; then
        echo "test-tsan: no clang (apt-get install clang-16)" >&2
        exit 1
fi

UNIT="test_flow_shm test_flow_shm_win test_flow_shm_nosys test_crypt test_crypt_wire
      test_crypt_exit test_lib_flow_table test_lib_fset test_ipcpd_loop
      test_ipcpd_frame frame_ipcpd test_lib_ipcp_dev test_lib_frct_flow
      test_lib_evwait"
API="irmd ipcpd-local irm test-api-basic test-api-lifecycle test-api-events"
TESTS='^(unit_flow_shm|unit_flow_shm_win|unit_flow_shm_nosys|unit_crypt|unit_crypt_wire|unit_crypt_exit|unit_lib_.*|unit_ipcpd_loop|unit_ipcpd_frame|api_test_flows|api_test_events)$'

cmake -S . -B "$B" -DCMAKE_C_COMPILER="$CC" -DSANITIZE=thread \
        -DCOMPONENTS='common;lib;irmd;ipcpd;tools;tests' >/dev/null || exit 1
# shellcheck disable=SC2086
cmake --build "$B" -j"$(nproc)" --target $UNIT $API >/dev/null || exit 1
[ "$BUILD_ONLY" = 1 ] && exit 0

logs=$(mktemp -d /tmp/ouro-tsan.XXXXXX)
trap 'rm -rf "$logs"' EXIT
sym=$(command -v llvm-symbolizer-16 || command -v llvm-symbolizer || true)
export TSAN_OPTIONS="halt_on_error=1 log_path=$logs/tsan${sym:+ external_symbolizer_path=$sym}"

(cd "$B" && ctest -R "$TESTS" --output-on-failure -j2 --timeout 240)
rc=$?

if compgen -G "$logs/tsan*" >/dev/null; then
        echo "test-tsan: ThreadSanitizer reports:" >&2
        cat "$logs"/tsan* >&2
        rc=1
fi
[ "$rc" -eq 0 ] && echo "test-tsan: passed"
exit "$rc"
