#!/bin/bash
# Ouroboros - a unicast member against a hostile neighbour (rogue.c)
# over the local layer: it says HELLO as a member would, then sends
#  - on a mgmt adjacency: a message of an unknown type, a HELLO of
#    another version, a keepalive a byte too long, an LSA of garbage, a
#    claim cut short;
#  - on a dt adjacency: a packet shorter than the header, an unknown
#    cube, an address no one has, ttl 1 for another member, an endpoint
#    of no flow, garbage to the flow allocator and to the directory;
#  - an enrollment request of garbage.
# Each is dropped and counted (irm ipcp stat), the member stays up, and
# afterwards a member enrolls through it and gets its adjacencies as
# before.
# ctest: TIMEOUT 120
. "$(dirname "$0")/../harness.sh"

ROGUE=$BIN/test-unicast-rogue
[ -x "$ROGUE" ] || skip "no test-unicast-rogue"

irmd_start
local_layer

# stat IPCP COUNTER: its value (0 when not listed)
stat() {
        local v
        v=$(irm ipcp stat name "$1" | awk -v c="$2" '$1 == c { print $2 }')
        echo "${v:-0}"
}

irm ipcp bootstrap type unicast name A layer net autobind || fail "bootstrap A"
irm name register A layer local || fail "register A"
addr=$(irm ipcp stat name A | awk '$1 == "address:" { print $2 }')
[ -n "$addr" ] || fail "no address of A"

echo "--- mgmt"
m0=$(stat A nbr.drop_malformed)
"$ROGUE" A mgmt net | grep -q SENT || fail "rogue mgmt"
# the unknown type, the HELLO of another version, the long keepalive
wait_for test "$(stat A nbr.drop_malformed)" -ge $((m0 + 3)) ||
        fail "A: malformed mgmt not counted ($(stat A nbr.drop_malformed))"
wait_for test "$(stat A route.lsa_bogus)" -ge 1 ||
        fail "A: the bogus LSA not counted"
wait_for test "$(stat A enroll.drop_malformed)" -ge 1 ||
        fail "A: the cut claim not counted"
echo "nbr.drop_malformed $(stat A nbr.drop_malformed)," \
     "route.lsa_bogus $(stat A route.lsa_bogus)," \
     "enroll.drop_malformed $(stat A enroll.drop_malformed)"

echo "--- dt"
"$ROGUE" A dt net "$addr" | grep -q SENT || fail "rogue dt"
for c in dt.drop_bad dt.drop_noroute dt.drop_ttl dir.msgs_bad; do
        wait_for test "$(stat A $c)" -ge 1 || fail "A: $c not counted"
done
wait_for test $(( $(stat A dt.drop_eid) + $(stat A fa.drop_eid) )) -ge 1 ||
        fail "A: the packet for an endpoint of no flow not counted"
wait_for test "$(stat A fa.drop_msg)" -ge 1 ||
        fail "A: garbage to the flow allocator not counted"
irm ipcp stat name A | grep -E "drop|bad|bogus|malformed" | grep -v ' 0$'

echo "--- enrollment"
out=$("$ROGUE" A enroll) || fail "rogue enroll: $out"
echo "$out" | grep -q CLOSED || fail "bad enrollment request: flow not closed"

echo "--- A still serves its layer"
irm ipcp list | awk '$3 == "A"' | grep -q operational || fail "A is gone"
irm ipcp enroll type unicast name B layer net dst A autobind || fail "enroll B"
irm name register B layer local || fail "register B"
irm ipcp connect name B dst A || fail "connect B A"
wait_for test "$(irm ipcp stat name A | awk '/^neighbours:/ { s = 1; next }
        /^[a-z]/ { s = 0 } s && $2 == "up" && $3 == "up"' | wc -l)" -ge 1 ||
        fail "A: no adjacency with B"

echo "PASS"
