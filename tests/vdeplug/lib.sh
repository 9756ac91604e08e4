# shellcheck shell=bash
# Ouroboros - helpers of the ouroboros:// libvdeplug plugin tests,
# sourced by tests/vdeplug/test_*.sh after tests/harness.sh.
#
#   vdeplug_need            the plugin in the build (VDEPLUGIN_PATH set to
#                           its folder, then the system's) or a skip when
#                           libvdeplug-dev is not installed; a plugin
#                           missing from a build that has libvdeplug-dev
#                           is a failure
#   vdeplug_hub LAYER N     a broadcast layer LAYER of N members
#                           (bc1..bcN) over the local layer "local",
#                           every member connected to bc1; a skip when
#                           the tree has no broadcast IPCP
#   vdeplug_switch DIR      a vde_switch (vde2) with its sockets in DIR,
#                           stopped when the test ends (it runs as a
#                           daemon: a console switch ends at EOF on stdin)
VDEPLUG_DIR=$(cd "$BIN/../lib" 2>/dev/null && pwd)/vdeplug

vdeplug_need() {
        if [ ! -f "$VDEPLUG_DIR/libvdeplug_ouroboros.so" ]; then
                [ -f /usr/include/libvdeplug_mod.h ] ||
                        skip "libvdeplug-dev not installed"
                fail "no $VDEPLUG_DIR/libvdeplug_ouroboros.so in the build"
        fi
        # libvdeplug loads its plugins with RTLD_DEEPBIND, which ASan
        # refuses.
        ldd "$BIN/irmd" | grep -q libasan &&
                skip "libvdeplug cannot load plugins under ASan (sanitizer build)"
        # VDEPLUGIN_PATH replaces libvdeplug's own list: the system's
        # plugin folder (next to libvdeplug.so, vde:// and the others)
        # goes after the build's.
        local lib
        lib=$(ldd "$BIN/test-vdeplug-plugs" | awk '/libvdeplug\.so/ { print $3 }')
        [ -n "$lib" ] || fail "test-vdeplug-plugs is not linked to libvdeplug"
        lib=$(dirname "$(realpath "$lib")")
        export VDEPLUGIN_PATH=$VDEPLUG_DIR:$lib/vdeplug
}

vdeplug_hub() {
        local layer=$1 n=$2 i
        [ -x "$BIN/ipcpd-broadcast" ] ||
                skip "no ipcpd-broadcast in $BIN: broadcast layers not built"
        for i in $(seq "$n"); do   # members reach each other by name
                "$BIN/irm" name register "bc$i" layer local ||
                        fail "register bc$i in local"
        done
        "$BIN/irm" ipcp bootstrap type broadcast name bc1 layer "$layer" \
                autobind || fail "bootstrap broadcast IPCP bc1"
        for i in $(seq 2 "$n"); do
                "$BIN/irm" ipcp enroll name "bc$i" layer "$layer" dst bc1 \
                        type broadcast autobind ||
                        fail "enroll bc$i in $layer"
                "$BIN/irm" ipcp connect name "bc$i" dst bc1 component dt ||
                        fail "connect bc$i to bc1"
        done
}

VDEPLUG_PIDFILES=()

vdeplug_cleanup() {
        local f
        for f in "${VDEPLUG_PIDFILES[@]:-}"; do
                [ -n "$f" ] && [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
        done
        return 0
}

# harness_cleanup reads the test's status from $?: keep it.
vdeplug_exit() {
        local rc=$?
        vdeplug_cleanup
        (exit $rc)
        harness_cleanup
}

vdeplug_switch() {
        command -v vde_switch >/dev/null || skip "no vde_switch (vde2)"
        vde_switch -d -s "$1" -p "$1.pid" >/dev/null 2>&1 </dev/null ||
                fail "vde_switch $1"
        VDEPLUG_PIDFILES+=("$1.pid")
        trap vdeplug_exit EXIT
        wait_for test -S "$1/ctl" || fail "vde_switch did not start"
}
