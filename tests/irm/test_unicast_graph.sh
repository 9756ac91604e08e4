#!/bin/bash
# Ouroboros - irm layer graph and irm ipcp stat of a unicast member, on
# one host with a lone member: its errors (no such layer, a layer of a
# type without a topology, a member still enrolling, bad command lines),
# the DOT of a one-member layer, and the stat tables (address, empty
# neighbours, routes, directory, links, then the counters). The same
# views of a layer with several members: test_unicast_views.sh.
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

irmd_start

# usage errors (exit 1)
irm_err 1 "^irm: layer graph: missing the layer name" layer graph
irm_err 1 "^irm: layer graph: unexpected 'x' after the layer name" \
        layer graph a x
irm_err 1 "^irm: unknown layer command 'frob'" layer frob a
irm_ok layer help
echo "$OUT" | grep -qx '  irm layer graph L' || fail "layer help: $OUT"
irm_ok help
echo "$OUT" | grep -qx '  irm layer graph L' || fail "help lacks layer: $OUT"

# no member here; a layer of another type
irm_err 2 "^irm: no IPCP in layer nowhere on this host" layer graph nowhere
irm_ok ipcp bootstrap type local name lo layer lol
irm_err 2 "^irm: layer lol is a local layer: only unicast layers have a topology to draw$" \
        layer graph lol

# a unicast member not in a layer yet has no layer: "no IPCP in layer"
irm_ok ipcp create name idle type unicast
irm_err 2 "^irm: no IPCP in layer u on this host" layer graph u

# a lone member
irm_ok ipcp bootstrap type unicast name u1 layer u
addr=$(ipcp_row u1 | sed -n 's/.* addr \([0-9][0-9]*\).*/\1/p')
[ -n "$addr" ] || fail "no address in the list: $("$BIN/irm" ipcp list)"

irm_ok layer graph u
graph=$OUT
echo "$graph" | grep -qx "graph \"u\" {" || fail "graph header: $graph"
echo "$graph" | grep -qx "        \"$addr\" \[label=\"$addr\\\\nu1\", style=filled, fillcolor=lightgrey\];" ||
        fail "the member's node: $graph"
echo "$graph" | grep -q -- ' -- ' && fail "edges in a one-member layer: $graph"
echo "$graph" | tail -n 1 | grep -qx '}' || fail "graph end: $graph"
echo "$graph" | head -n 1 | grep -q '^// unicast layer u as member u1 sees it: 1 members, 0 links$' ||
        fail "graph comment: $graph"
# every line is a comment, the header, a node, an edge or the end
echo "$graph" | grep -Ev '^(//.*|graph ".*" \{|        node \[shape=ellipse\];|        "[0-9]+"( \[.*\])?;|        "[0-9]+" -- "[0-9]+" \[.*\];( //.*)?|\})$' &&
        fail "a line that is not DOT as drawn: $graph"
# abbreviated
irm_ok l g u
[ "$OUT" = "$graph" ] || fail "irm l g u differs: $OUT"

# stat: the tables first, then the counters
irm_ok ipcp stat name u1
stat=$OUT
echo "$stat" | head -n 5 | paste -sd'|' |
        grep -qx "address: $addr|neighbours: 0|routes: 0|directory: 0|links: 0" ||
        fail "stat tables of a lone member: $stat"
echo "$stat" | sed -n 6p | grep -Eq '^counters: [0-9]+$' || fail "stat counters: $stat"
n=$(echo "$stat" | sed -n 's/^counters: //p')
[ "$(echo "$stat" | tail -n +7 | grep -Ec '^  [^ ]+ [0-9]+$')" = "$n" ] ||
        fail "not $n counters: $stat"

# other types keep "name value" lines
irm_ok ipcp bootstrap type broadcast name b1 layer bl
irm_ok ipcp stat name b1
echo "$OUT" | grep -Ev '^[^ ]+ [0-9]+$' && fail "broadcast stat: $OUT"
irm_err 2 "^irm: layer bl is a broadcast layer: only unicast layers have a topology to draw$" \
        layer graph bl

echo PASS
