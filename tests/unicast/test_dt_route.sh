#!/bin/bash
# Ouroboros - routing and forwarding in a unicast layer on one host,
# over the local layer, with a real IRMd (ipcpd-unicast):
#
#     A ---- B ---- C        (routing lfa; then a link A-C: a triangle)
#
#  - routes converge: A reaches C through B and C reaches A through B
#    ("route.<dst>" = next hop), every member holds every link;
#  - forwarding: the directory's messages between A and C cross B
#    (B's dt.fwd grows; nothing dropped for TTL or lack of route);
#  - keepalives flow on every dt adjacency (dt.keepalive_rx);
#  - B-C disconnected: A and C lose their routes to each other at once,
#    not at the next periodic update; connected again: the routes
#    come back (the times are printed);
#  - with a link A-C too, lfa gives A an alternate toward C (B), and
#    A-C disconnected moves A's route to C onto B;
#  - irm ipcp stat shows links and computation times.
# ctest: TIMEOUT 180
. "$(dirname "$0")/../harness.sh"

irmd_start
local_layer

# irm ipcp stat of a unicast member shows tables, then its counters
# (irm(8)): "routes: N" then rows "  DST NEXTHOP [ALT|PATHS]", "links:
# N" then rows "  FROM TO METRIC", "counters: N" then "  NAME VALUE".

# stat IPCP COUNTER: its value
stat() {
        irm ipcp stat name "$1" | awk -v c="$2" '$1 == c { print $2 }'
}

addr() {
        irm ipcp stat name "$1" | sed -n 's/^address:\{0,1\} \([0-9]*\)$/\1/p'
}

# cell IPCP TABLE KEY COLUMN: the column of TABLE's row KEY
cell() {
        irm ipcp stat name "$1" | awk -v t="$2:" -v k="$3" -v c="$4" '
                /^[a-z]/ { in_t = ($1 == t); next }
                in_t && $1 == k { print $c; exit }'
}

# route_is IPCP DST NH: IPCP's next hop toward address DST is NH
# ("": no route)
route_is() {
        [ "$(cell "$1" routes "$2" 2)" = "$3" ]
}

# link_is IPCP FROM TO: IPCP's database holds the link FROM -> TO
link_is() {
        irm ipcp stat name "$1" | awk -v f="$2" -v t="$3" '
                /^[a-z]/ { in_t = ($1 == "links:"); next }
                in_t && $1 == f && $2 == t { ok = 1 }
                END { exit !ok }'
}

# ms_until CMD...: run CMD until it succeeds (10 s at most); prints
# the milliseconds it took, fails if it never did
ms_until() {
        local t0 t
        t0=$(date +%s%N)
        while :; do
                t=$(date +%s%N)
                if "$@" >/dev/null 2>&1; then
                        echo $(( (t - t0) / 1000000 ))
                        return 0
                fi
                [ $(( (t - t0) / 1000000 )) -lt 10000 ] || return 1
                sleep 0.01
        done
}

enroll() {
        irm ipcp enroll type unicast name "$1" layer net dst "$2" autobind \
                || fail "enroll $1"
        irm name register "$1" layer local || fail "register $1"
}

irm ipcp bootstrap type unicast name A layer net routing lfa autobind \
        || fail "bootstrap A"
irm name register A layer local || fail "register A"
enroll B A
enroll C B
a=$(addr A)
b=$(addr B)
c=$(addr C)
echo "A $a, B $b, C $c"

echo "--- routes over two hops"
t=$(ms_until route_is A "$c" "$b") || fail "A: no route to C via B"
echo "A routes to C via B after $t ms"
wait_for route_is C "$a" "$b" || fail "C: no route to A via B"
route_is B "$a" "$a" || fail "B: route to A"
route_is B "$c" "$c" || fail "B: route to C"
for m in A B C; do
        for l in "$a $b" "$b $a" "$b $c" "$c $b"; do
                link_is $m $l || fail "$m: no link $l"
        done
        [ "$(stat $m route.nodes)" = 3 ] || fail "$m: not 3 nodes"
        [ "$(stat $m route.computations)" -ge 1 ] || fail "$m: no compute"
done

echo "--- forwarding: the directory across B"
f0=$(stat B dt.fwd)
irm bind program "$BIN/oping" name pong || fail "bind pong"
irm name register pong ipcp C || fail "register pong on C"
irm name register ping ipcp A || fail "register ping on A"
wait_for sh -c "[ \$(irm ipcp stat name B | \
        awk '\$1 == \"dt.fwd\" { print \$2 }') -gt $f0 ]" ||
        fail "B forwarded nothing between A and C"
echo "B forwarded $(( $(stat B dt.fwd) - f0 )) packets"
for m in A B C; do
        [ "$(stat $m dt.drop_ttl)" = 0 ] || fail "$m: TTL drops"
        [ "$(stat $m dt.drop_bad)" = 0 ] || fail "$m: malformed packets"
        [ "$(stat $m route.lsa_bogus)" = 0 ] || fail "$m: bogus LSAs"
        [ "$(stat $m dt.keepalive_rx)" -gt 0 ] || fail "$m: no keepalives"
done

echo "--- B-C down: routed around on the event"
irm ipcp disconnect name B dst C || fail "disconnect B C"
t=$(ms_until route_is A "$c" "") ||
        fail "A kept its route to C"
echo "A dropped its route to C after $t ms"
wait_for route_is C "$a" "" ||
        fail "C kept its route to A"
[ "$t" -lt 3000 ] || fail "the route to C went after $t ms"

irm ipcp connect name B dst C || fail "connect B C"
t=$(ms_until route_is A "$c" "$b") || fail "A: no route to C again"
echo "A routes to C again after $t ms"

echo "--- A-C too: lfa's alternate"
irm ipcp connect name A dst C || fail "connect A C"
wait_for route_is A "$c" "$c" || fail "A: C not direct"
wait_for sh -c "[ \"\$(irm ipcp stat name A | awk '
        /^[a-z]/ { r = (\$1 == \"routes:\"); next }
        r && \$1 == \"$c\" { print \$3 }')\" = $b ]" ||
        fail "A: no alternate B toward C"
irm ipcp disconnect name A dst C || fail "disconnect A C"
t=$(ms_until route_is A "$c" "$b") || fail "A: not back via B"
echo "A routes to C via B again after $t ms"

irm ipcp stat name A | grep -E "^ *route\.(compute|change)" >&2
echo "PASS"
