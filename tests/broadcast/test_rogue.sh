#!/bin/bash
# Ouroboros - a broadcast member against a hostile neighbour
# (rogue.c) and a lower layer too small for its messages:
#  - garbage, an unknown header version, a duplicate, a message of the
#    member's own origin and one above the layer's mtu are dropped and
#    counted; the good messages reach a joined reader exactly once;
#  - a malformed enrollment request closes the flow (counted); an
#    unknown component is refused;
#  - over lower flows that cannot carry mtu + header (irmd --max-pkt
#    1024, mtu 1450) a connect is refused with EMSGSIZE and counted;
#    in a layer with mtu 900 it succeeds.
# ctest: TIMEOUT 120
. "$(dirname "$0")/../harness.sh"

. "$(dirname "$0")/lib.sh"

ROGUE=$BIN/test-broadcast-rogue
[ -x "$ROGUE" ] || skip "no test-broadcast-rogue"

irmd_start --max-pkt 1024
local_layer

irm ipcp bootstrap type broadcast name A layer bc mtu 900 autobind \
        || fail "bootstrap A"
irm name register A layer local || fail "register A"
reader la 3000

echo "--- a rogue neighbour"
own=$(stat A member_id)
"$ROGUE" A dt bc "$own" 900 || fail "rogue dt"
wait_for grep -q "^END" "$D/la" || fail "reader did not end"
[ "$(grep -c '^r 1$' "$D/la")" = 1 ] || fail "r 1 not once: $(cat "$D/la")"
[ "$(grep -c '^r 2$' "$D/la")" = 1 ] || fail "r 2 not once"
grep -q echo "$D/la" && fail "own echo delivered"
[ "$(grep -c -v '^READY$\|^END' "$D/la")" = 2 ] \
        || fail "other messages delivered: $(cat "$D/la")"
[ "$(stat A drop_malformed)" = 2 ] || fail "A: drop_malformed"
[ "$(stat A drop_duplicate)" = 1 ] || fail "A: drop_duplicate"
[ "$(stat A drop_own_echo)" = 1 ] || fail "A: drop_own_echo"
[ "$(stat A drop_too_big)" = 1 ] || fail "A: drop_too_big"
[ "$(stat A delivered)" = 2 ] || fail "A: delivered"
wait_for test "$(stat A neighbours)" = 0 || fail "A kept the rogue"

echo "--- an application's message above the mtu: loud"
reader la2 3000
if "$JOIN" bc send 1 big 100 901 2>"$D/err"; then
        wait_for test "$(stat A drop_too_big)" = 2 \
                || fail "901 bytes neither refused nor counted"
else
        cat "$D/err"
fi
"$JOIN" bc send 1 small 100 900 || fail "900 bytes refused"
wait_for grep -q "^small 1" "$D/la2" || fail "900 bytes not delivered"
grep -q "^big" "$D/la2" && fail "901 bytes delivered"

echo "--- a bad enrollment request, an unknown component"
"$ROGUE" A enroll | grep -q CLOSED || fail "bad request: flow not closed"
[ "$(stat A drop_malformed)" = 3 ] || fail "A: malformed enrollment"
"$ROGUE" A comp mgmt | grep -q "RESULT -" || fail "mgmt accepted"
[ "$(stat A refused_component)" = 1 ] || fail "A: refused_component"

echo "--- lower flows too small for the layer's mtu"
irm ipcp bootstrap type broadcast name G layer big autobind \
        || fail "bootstrap G"
irm name register G layer local || fail "register G"
irm ipcp enroll type broadcast name H layer big dst G autobind \
        || fail "enroll H"
irm name register H layer local || fail "register H"
irm ipcp list | grep -q "H .*big .*mtu 1450" || fail "H: mtu not taken"
irm ipcp connect name H dst G 2>"$D/err" && fail "connect over a small flow"
cat "$D/err"
[ "$(stat G refused_mtu)" = 1 ] || fail "G: refused_mtu"
[ "$(stat H neighbours)" = 0 ] || fail "H: a neighbour anyway"
[ "$(stat G neighbours)" = 0 ] || fail "G: a neighbour anyway"
irm ipcp enroll type broadcast name B layer bc dst A autobind \
        || fail "enroll B"
irm name register B layer local || fail "register B"
irm ipcp list | grep -q "B .*bc .*mtu 900" || fail "B: mtu not taken"
irm ipcp connect name B dst A || fail "connect with mtu 900"
[ "$(stat A neighbours)" = 1 ] || fail "A: no neighbour"

echo "PASS"
