#!/bin/bash
# Ouroboros - unmodified VDE tools on a broadcast layer: vde_plug bridges
# a vde_switch to the layer "hub", and frames cross between a plug on
# the switch and a plug on the layer, both ways; once the layer is gone
# (its IPCPs destroyed) vde_plug sees its control fd hang up and ends:
#
#   plug vde://SW --- vde_switch SW --- vde_plug ouroboros://hub vde://SW
#                                                 |
#   plug ouroboros://hub ----------- layer "hub" (bc1, bc2) over "local"
#
# ctest: TIMEOUT 120
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

vdeplug_need
for t in vde_switch vde_plug; do
        command -v "$t" >/dev/null || skip "$t not installed (vdeplug, vde2)"
done
PLUGS=$BIN/test-vdeplug-plugs
[ -x "$PLUGS" ] || fail "no $PLUGS"

irmd_start
local_layer
vdeplug_hub hub 2

SW=$OUROBOROS_RUNDIR/sw
vdeplug_switch "$SW"
bg vde_plug ouroboros://hub "vde://$SW" 2>"$OUROBOROS_RUNDIR/vde_plug.log"
BRIDGE=$LAST_PID

"$PLUGS" pair "vde://$SW" ouroboros://hub ||
        fail "frames did not cross the bridge: $(cat "$OUROBOROS_RUNDIR/vde_plug.log")"
kill -0 "$BRIDGE" 2>/dev/null ||
        fail "vde_plug exited: $(cat "$OUROBOROS_RUNDIR/vde_plug.log")"

"$BIN/irm" ipcp destroy name bc2 || fail "destroy bc2"
"$BIN/irm" ipcp destroy name bc1 || fail "destroy bc1"
wait_gone "$BRIDGE" 100 || fail "vde_plug still runs without its layer"
grep -q "ouroboros://hub: layer gone" "$OUROBOROS_RUNDIR/vde_plug.log" ||
        fail "no line on the layer going: $(cat "$OUROBOROS_RUNDIR/vde_plug.log")"
echo "vdeplug bridge: ok"
