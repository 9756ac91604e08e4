#!/bin/sh
# test-pycotcp.sh - build and test PycoTCP (issue 4): the C core src/ioth
# with ctest, then the Python package python/pycotcp (installed offline
# into /usr/bin/python3's site, or the active venv) with pytest.
# Needs: apt-get install $(cat scripts/deps/pycotcp.txt).  Exit status is
# non-zero on any failure; every pytest test has a timeout, so a hang
# fails that test by name. The tests run in one process per CPU
# (pytest-xdist; OURO_PYTEST_JOBS=1 runs them one at a time, in order).  Set PYCO_NO_INSTALL=1 to skip the pip step,
# PYCO_NO_CTEST=1 to skip the C core's ctest (scripts/test.sh does: its
# ctest suite already ran the same ioth_* tests in the main build),
# PYCO_NO_HUB=1 to leave out test_http_over_ouroboros_hub, which runs
# tests/vdeplug/test_pyco.sh (scripts/test.sh does when its ctest suite
# ran that script as vdeplug_test_pyco, against the same installed
# package). The slowest tests are listed at the end.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib/pytest_jobs.sh"
PY=${PYTHON:-/usr/bin/python3}
if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python3" ]; then
	PY="$VIRTUAL_ENV/bin/python3"
fi
BUILD=$(mktemp -d /tmp/ioth-build.XXXXXX)
trap 'rm -rf "$BUILD" "$ROOT/python/pycotcp/build" "$ROOT/python/pycotcp/pycotcp.egg-info"' EXIT INT TERM

if [ "${PYCO_NO_CTEST:-0}" = 1 ]; then
	echo "== src/ioth: ctest skipped (PYCO_NO_CTEST=1: run in the main build)"
else
	echo "== src/ioth: build and ctest"
	cmake -S "$ROOT/src/ioth" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		>/dev/null
	cmake --build "$BUILD" -j 2 >/dev/null
	# Tests labelled "long" (known-unstable back-end stress) only in
	# long mode.
	LABELS="-LE long"
	[ "${OURO_TEST_LONG:-0}" = 1 ] && LABELS=
	# shellcheck disable=SC2086
	(cd "$BUILD" && ctest --output-on-failure --timeout 120 $LABELS)
fi

if [ "${PYCO_NO_INSTALL:-0}" != 1 ]; then
	echo "== python/pycotcp: pip install (offline)"
	BSP=--break-system-packages
	if [ -n "${VIRTUAL_ENV:-}" ]; then BSP=; fi
	"$PY" -m pip install --no-build-isolation --no-index $BSP -q \
		"$ROOT/python/pycotcp"
fi

echo "== python/pycotcp: pytest"
# The C build (scripts/test.sh passes it): tests/vdeplug/test_pyco.sh,
# PycoTCP over an Ouroboros broadcast layer, runs from the pytest suite.
if [ -n "${1:-}" ] && [ -x "$1/bin/irmd" ]; then
	OURO_BIN=$(cd "$1/bin" && pwd)
	export OURO_BIN
fi
# -c: python/pycotcp/pytest.ini (a 120 s timeout per test, needing
# pytest-timeout); -v names each test as it ends
SEL=
if [ "${PYCO_NO_HUB:-0}" = 1 ]; then
	echo "== test_http_over_ouroboros_hub left out (PYCO_NO_HUB=1: ctest ran tests/vdeplug/test_pyco.sh)"
	SEL="not test_http_over_ouroboros_hub"
fi
JOBS=$(pytest_jobs "$PY")
cd /
"$PY" -P -m pytest -v -c "$ROOT/python/pycotcp/pytest.ini" --durations=8 \
	${SEL:+-k "$SEL"} $JOBS \
	--rootdir "$ROOT/python/pycotcp" "$ROOT/python/pycotcp/tests"
