# Ouroboros - PycoTCP for the tests and benches that run it over
# ouroboros:// (tests/netns/test_pyco_ouroboros.sh, bench/layers/bcast.sh),
# sourced after lib.sh.
#
#   pyco_ready DIR    0 when /usr/bin/python3 can run this tree's PycoTCP
#                     with the ouroboros:// scheme: the installed one if it
#                     knows that scheme, else this tree's python/pycotcp
#                     built (build_ext, ~15 s) into DIR and put on
#                     PYTHONPATH (NN_ENV) - nothing is installed. 1, with
#                     the reason in PYCO_WHY, when that cannot be (no
#                     setuptools, compiler, lwIP or libvdeplug headers),
#                     2 when the build fails.
#   PYCO_PLUGDIR      the build's plugin folder (lib/vdeplug), in NN_ENV
#                     as VDEPLUGIN_PATH by pyco_ready, followed by the
#                     system's (VDEPLUGIN_PATH replaces libvdeplug's own
#                     search path: without it vde:// would be gone).
PYCO_PY=/usr/bin/python3
PYCO_PLUGDIR=$(cd "$BIN/../lib" 2>/dev/null && pwd)/vdeplug

pyco_ready() {
        local dir=$1 src
        src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../python/pycotcp" && pwd)
        PYCO_WHY=
        if [ ! -f "$PYCO_PLUGDIR/libvdeplug_ouroboros.so" ]; then
                PYCO_WHY="no ouroboros:// plugin in the build ($PYCO_PLUGDIR)"
                return 1
        fi
        local sys
        sys=$(ldconfig -p 2>/dev/null | awk '/libvdeplug\.so\.[0-9]/ { print $NF; exit }')
        sys=$(dirname "$(readlink -f "${sys:-/usr/lib/x86_64-linux-gnu/libvdeplug.so}")")/vdeplug
        NN_ENV+=("VDEPLUGIN_PATH=$PYCO_PLUGDIR:$sys")
        "$PYCO_PY" -c "from pycotcp.pycotcp import SCHEMES
assert 'ouroboros' in SCHEMES" 2>/dev/null && return 0
        # not installed, or older than ouroboros://: this tree's, built
        "$PYCO_PY" -c "import setuptools" 2>/dev/null ||
                { PYCO_WHY="no setuptools for $PYCO_PY"; return 1; }
        command -v cc >/dev/null || { PYCO_WHY="no C compiler"; return 1; }
        [ -f /usr/include/lwip/lwip/opt.h ] || [ -d /usr/include/lwip ] ||
                { PYCO_WHY="no lwIP headers (liblwip-dev)"; return 1; }
        [ -f /usr/include/libvdeplug.h ] ||
                { PYCO_WHY="no libvdeplug.h (libvdeplug-dev)"; return 1; }
        echo "the installed PycoTCP predates ouroboros://: building $src"
        (cd "$src" && "$PYCO_PY" setup.py -q build_ext --build-lib "$dir" \
                --build-temp "$dir.tmp" >"$dir.log" 2>&1) ||
                { PYCO_WHY="build_ext failed: $(tail -n 5 "$dir.log")"; return 2; }
        cp "$src"/pycotcp/*.py "$dir/pycotcp/" || return 2
        chmod -R a+rX "$dir"
        NN_ENV+=("PYTHONPATH=$dir")
        PYTHONPATH=$dir "$PYCO_PY" -c "from pycotcp.pycotcp import SCHEMES
assert 'ouroboros' in SCHEMES" ||
                { PYCO_WHY="this tree's PycoTCP has no ouroboros://"; return 2; }
}
