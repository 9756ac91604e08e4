#!/usr/bin/env bash
# pyOuroboros: build and install the package against the built C tree
# into a private venv (never into the system Python), and run its pytest
# suite there against a private IRMd. Exits non-zero on any failure.
# Well under 4 minutes.
#
#   scripts/test-python.sh [BUILD_DIR]      (default: $BUILD_DIR or ./build)
#
# The C library is taken from the install prefix ($PREFIX, default
# /usr/local) when it is installed there and identical to the build's,
# else from the build tree (include/ + BUILD/include, BUILD/lib, rpath).
# The IRMd, ipcpd-local and irm used by the tests come from BUILD/bin.
# Every test has a time limit (python/ouroboros/tests/pytest.ini), so a
# hang fails that test by name. The tests run in one process per CPU,
# each with its own IRMd (pytest-xdist; OURO_PYTEST_JOBS=1 runs them one
# at a time, in order). Set
# PYOURO_VENV=DIR to keep the venv in DIR (reused, package reinstalled).
set -euo pipefail
. "$(dirname "$0")/lib/pytest_jobs.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${BUILD_DIR:-build}}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
PREFIX=${PREFIX:-/usr/local}
PKG="$ROOT/python/ouroboros"
PY=/usr/bin/python3

[ -x "$BUILD/bin/irmd" ] || { echo "test-python: no $BUILD/bin/irmd (build first)" >&2; exit 1; }
[ -e "$BUILD/lib/libouroboros-dev.so" ] || { echo "test-python: no libouroboros-dev in $BUILD/lib" >&2; exit 1; }

if [ -e "$PREFIX/lib/libouroboros-dev.so" ] && \
   cmp -s "$(readlink -f "$PREFIX/lib/libouroboros-dev.so")" \
          "$(readlink -f "$BUILD/lib/libouroboros-dev.so")"; then
        export OURO_INCLUDE_DIRS="$PREFIX/include"
        export OURO_LIBRARY_DIRS="$PREFIX/lib"
else
        echo "test-python: using the uninstalled library in $BUILD/lib"
        export OURO_INCLUDE_DIRS="$ROOT/include:$BUILD/include"
        export OURO_LIBRARY_DIRS="$BUILD/lib"
fi

TMP=$(mktemp -d /tmp/test-python.XXXXXX)
VENV=${PYOURO_VENV:-$TMP/venv}
# shellcheck disable=SC2317  # called by the trap
cleanup() { rm -rf "$TMP" "$PKG/build" "$PKG"/*.egg-info; }
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

echo "=== pyouroboros: install into a venv ($VENV, --system-site-packages)"
[ -x "$VENV/bin/python" ] || $PY -m venv --system-site-packages "$VENV"
"$VENV/bin/python" -m pip install --no-build-isolation --no-deps --no-index \
        --force-reinstall --quiet "$PKG"
(cd "$TMP" && "$VENV/bin/python" -c \
        'import ouroboros.dev, ouroboros._dev as d, sys; assert d.__file__.startswith(sys.prefix), d.__file__')

echo "=== pyouroboros: pytest"
JOBS=$(pytest_jobs "$VENV/bin/python")
cd "$TMP"
rc=0
OURO_BIN="$BUILD/bin" PATH="$BUILD/bin:$PATH" \
        "$VENV/bin/python" -m pytest -v -r fEsxX --durations=5 \
        -p no:cacheprovider $JOBS "$PKG/tests" || rc=$?
if [ "$rc" -eq 5 ]; then
        echo "test-python: no tests ran" >&2
fi
exit "$rc"
