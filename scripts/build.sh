#!/usr/bin/env bash
# Configure, build and install the C tree (into /usr/local by default),
# then the Python packages. Usage: scripts/build.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PREFIX=${PREFIX:-/usr/local}
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

cmake -S . -B "$BUILD" -DCMAKE_INSTALL_PREFIX="$PREFIX" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
$SUDO cmake --install "$BUILD" >/dev/null
$SUDO ldconfig

PIP="$SUDO /usr/bin/python3 -m pip install --no-build-isolation --break-system-packages --no-deps --quiet"
for pkg in python/ouroboros python/pycotcp; do
        if [ -f "$pkg/setup.py" ]; then
                (cd "$pkg" && OURO_INCLUDE_DIRS="$PREFIX/include" \
                        OURO_LIBRARY_DIRS="$PREFIX/lib" $PIP .)
        fi
done
