#!/bin/bash
# Ouroboros - the ouroboros:// libvdeplug plugin through the libvdeplug
# API (src/vdeplug/tests/vde_plugs.c), on one host:
#
#   plug a    plug b    plug c          (test-vdeplug-plugs, one process)
#      \         |         /
#       +--- layer "hub" --+            broadcast IPCPs bc1, bc2 (bc2
#               |                       enrolled and connected to bc1)
#          layer "local"
#
# First, with no broadcast IPCP: URLs with bad options fail with EINVAL
# and a line on stderr, joining "local" fails (EPROTOTYPE). Then frames
# cross from each plug to the two others and never back, vde_datafd is
# readable exactly while a frame waits, a frame above the MTU fails with
# EMSGSIZE (counted and logged), and joining a layer no broadcast IPCP is
# in fails with ENOENT.
# ctest: TIMEOUT 120
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

vdeplug_need
PLUGS=$BIN/test-vdeplug-plugs
[ -x "$PLUGS" ] || fail "no $PLUGS"

irmd_start
local_layer

err=$OUROBOROS_RUNDIR/errors.log
"$PLUGS" errors local 2>"$err" || { cat "$err" >&2; fail "errors"; }
grep -q "ouroboros://local/speed=10: unknown option 'speed=10'" "$err" ||
        { cat "$err" >&2; fail "no clear line for an unknown option"; }
grep -q "cannot join layer local: no broadcast IPCP on this host" "$err" ||
        { cat "$err" >&2; fail "no clear line for a missing broadcast IPCP"; }

vdeplug_hub hub 2

"$PLUGS" errors nosuch 2>"$err" || { cat "$err" >&2; fail "errors nosuch"; }
grep -q "cannot join layer nosuch: no broadcast IPCP in that layer" "$err" ||
        { cat "$err" >&2; fail "no clear line for an unknown layer"; }

log=$OUROBOROS_RUNDIR/hub.log
"$PLUGS" hub hub 2>"$log" || { cat "$log" >&2; fail "hub"; }
grep -q "frame of 65536 bytes refused: above mtu" "$log" ||
        { cat "$log" >&2; fail "an oversized frame was not logged"; }
grep -q "frames refused above mtu" "$log" ||
        { cat "$log" >&2; fail "no summary at vde_close"; }
cat "$log"
echo "vdeplug plugs: ok"
