#!/bin/bash
# Ouroboros - unicast members on one host over the local layer, with a
# real IRMd (ipcpd-unicast), enrollment and adjacencies:
#  - bootstrap reports the address and mtu (irm ipcp list); enroll
#    takes the layer's configuration (its mtu too) and an address of
#    its own, and makes dt and mgmt adjacencies with the member it
#    enrolled with (irm ipcp stat on both sides);
#  - a connect to a neighbour adjacent already answers 0 and makes no
#    second adjacency (under its name, and under another name that
#    reaches it);
#  - two members enrolling at once through the same member, and two
#    through two different members, get distinct addresses;
#  - enrollment with a name nobody has, and with a name whose process
#    never answers, fails within its timeout with a clear error; the
#    layer name of a dt adjacency is checked;
#  - a member killed: its neighbours notice; a member frozen (SIGSTOP):
#    its neighbour declares it silent (keepalives), and once thawed
#    the member that made the adjacencies dials them again;
#  - disconnect removes the adjacency on both sides, for good.
# ctest: TIMEOUT 180
. "$(dirname "$0")/../harness.sh"

irmd_start
local_layer

# stat IPCP COUNTER: its value
stat() {
        irm ipcp stat name "$1" | awk -v c="$2" '$1 == c { print $2 }'
}

# addr IPCP: its address
addr() {
        irm ipcp stat name "$1" | awk '$1 == "address:" { print $2 }'
}

# nbr_rows IPCP COMP: the neighbours whose COMP adjacency is up
nbr_rows() {
        irm ipcp stat name "$1" | awk -v c="$2" '
                /^neighbours:/ { s = 1; next }
                /^[a-z]/       { s = 0 }
                s && $1 ~ /^[0-9]+$/ && $(c == "dt" ? 2 : 3) == "up" {
                        print $1 }'
}

# adjacent IPCP COMP ADDR: IPCP has an adjacency COMP up to ADDR
adjacent() {
        nbr_rows "$1" "$2" | grep -qx "$3"
}

# adjacencies IPCP COMP: how many it has up
adjacencies() {
        nbr_rows "$1" "$2" | wc -l
}

# enroll NAME DST: enroll NAME in net through DST, reachable locally
enroll() {
        irm ipcp enroll type unicast name "$1" layer net dst "$2" autobind \
                || fail "enroll $1"
        irm name register "$1" layer local || fail "register $1"
}

irm ipcp bootstrap type unicast name A layer net mtu 1300 autobind \
        || fail "bootstrap A"
irm name register A layer local || fail "register A"
irm ipcp list | grep -Eq "A +net +operational +addr [0-9]+ mtu 1300" \
        || fail "A does not report its address and mtu"
a=$(addr A)
[ -n "$a" ] && [ "$a" != 0 ] || fail "A: no address"

echo "--- enroll B through A"
enroll B A
irm ipcp list | grep -Eq "B +net +operational +addr [0-9]+ mtu 1300" \
        || fail "B did not take the layer's mtu"
b=$(addr B)
[ -n "$b" ] && [ "$b" != 0 ] && [ "$b" != "$a" ] \
        || fail "B: address '$b' (A has $a)"
[ "$(stat A enroll.enrolled_others)" = 1 ] || fail "A: enrolled_others"
for c in dt mgmt; do
        wait_for adjacent A $c "$b" || fail "A: no $c adjacency to B"
        wait_for adjacent B $c "$a" || fail "B: no $c adjacency to A"
done

echo "--- connect again: 0, no second adjacency"
irm ipcp connect name B dst A || fail "connect B A again"
irm ipcp connect name A dst B || fail "connect A B (adjacent already)"
# the same with another QoS: refused, the adjacency kept as it is
out=$(irm ipcp connect name B dst A qos voice 2>&1) &&
        fail "connect B A with another QoS succeeded"
echo "$out"
echo "$out" | grep -q "already connected to A (.*) with another QoS" ||
        fail "unclear error for another QoS: $out"
# another name for B: A dials it, B answers that they are adjacent
pid=$(irm ipcp list | awk '$3 == "B" { print $1 }')
irm bind process "$pid" name bee || fail "bind bee"
irm name register bee layer local || fail "register bee"
irm ipcp connect name A dst bee || fail "connect A bee"
sleep 0.5
for m in A B; do
        for c in dt mgmt; do
                [ "$(adjacencies $m $c)" = 1 ] \
                        || fail "$m: $(adjacencies $m $c) $c adjacencies"
        done
done
[ "$(stat A nbr.duplicates)" -ge 1 ] || fail "A: no duplicate counted"

echo "--- two enrollments at once through A, two through A and B"
irm ipcp create name C type unicast || fail "create C"
irm ipcp create name D type unicast || fail "create D"
irm ipcp create name E type unicast || fail "create E"
irm ipcp create name F type unicast || fail "create F"
enroll C A & p1=$!
enroll D A & p2=$!
wait $p1 || fail "enroll C"
wait $p2 || fail "enroll D"
enroll E A & p1=$!
enroll F B & p2=$!
wait $p1 || fail "enroll E"
wait $p2 || fail "enroll F"
addrs="$a $b $(addr C) $(addr D) $(addr E) $(addr F)"
echo "addresses: $addrs"
[ "$(echo $addrs | tr ' ' '\n' | grep -c '^[1-9][0-9]*$')" = 6 ] \
        || fail "an address missing: $addrs"
[ "$(echo $addrs | tr ' ' '\n' | sort -u | wc -l)" = 6 ] \
        || fail "addresses not distinct: $addrs"
# B enrolled F with a claim A heard (A and B are mgmt neighbours)
[ "$(stat B enroll.claims_sent)" -ge 1 ] || fail "B sent no claim"
[ "$(stat A enroll.claims_rx)" -ge 1 ] || fail "A heard no claim"
[ "$(adjacencies A mgmt)" = 4 ] || fail "A: not 4 mgmt neighbours"

echo "--- refusals"
irm ipcp create name X type unicast || fail "create X"
start=$(date +%s)
out=$(irm ipcp enroll name X layer net dst nobody 2>&1) \
        && fail "enrollment with nobody succeeded"
end=$(date +%s)
echo "$out"
echo "$out" | grep -q "enrollment of IPCP X failed: no member answers to nobody" \
        || fail "unclear error: $out"
[ $((end - start)) -le 30 ] || fail "enrollment took $((end - start)) s"
irm ipcp list | awk '$3 == "X"' | grep -q operational \
        && fail "X operational after a failed enrollment"
# a name bound to an IPCP that never answers (not in a layer)
irm ipcp create name Y type unicast || fail "create Y"
pid=$(irm ipcp list | awk '$3 == "Y" { print $1 }')
irm bind process "$pid" name silent || fail "bind silent"
irm name register silent layer local || fail "register silent"
start=$(date +%s)
out=$(irm ipcp enroll name X layer net dst silent 2>&1) \
        && fail "enrollment with a silent member succeeded"
end=$(date +%s)
echo "$out"
echo "$out" | grep -q "enrollment of IPCP X with silent failed" \
        || fail "unclear error: $out"
[ $((end - start)) -le 30 ] || fail "enrollment took $((end - start)) s"
irm ipcp list | awk '$3 == "X"' | grep -q operational \
        && fail "X operational after a failed enrollment"
irm ipcp bootstrap type unicast name O layer other autobind \
        || fail "bootstrap O"
irm name register O layer local || fail "register O"
irm ipcp connect name O dst A component dt 2>/dev/null \
        && fail "a member of another layer connected"
[ "$(stat A nbr.refused_layer)" = 1 ] || fail "A: refused_layer"
out=$(irm ipcp enroll name X layer other dst A 2>&1) \
        && fail "X enrolled into layer other through a member of net"
echo "$out"
echo "$out" | grep -q "enrollment of IPCP X failed: A refused it (is it a member of layer other?" \
        || fail "unclear error for another layer: $out"
[ "$(stat A enroll.refused_layer)" = 1 ] || fail "A: enroll.refused_layer"
irm ipcp enroll name X layer net dst A || fail "X: enroll after failure"

echo "--- kill -9 C: A notices within the silence timeout"
c=$(addr C)
pid=$(irm ipcp list | awk '$3 == "C" { print $1 }')
[ -n "$pid" ] || fail "no pid for C"
kill -9 "$pid"
for k in dt mgmt; do
        for _ in $(seq 30); do
                adjacent A $k "$c" || break
                sleep 0.1
        done
        adjacent A $k "$c" && fail "A kept dead C ($k)"
done

echo "--- B frozen: A declares it silent; thawed, B dials again"
pid=$(irm ipcp list | awk '$3 == "B" { print $1 }')
silent=$(stat A nbr.lost_silent)
t0=$(date +%s%N)
kill -STOP "$pid"
for _ in $(seq 50); do
        adjacent A mgmt "$b" || break
        sleep 0.1
done
adjacent A mgmt "$b" && { kill -CONT "$pid"; fail "A kept frozen B"; }
t1=$(date +%s%N)
kill -CONT "$pid"
echo "A dropped frozen B after $(( (t1 - t0) / 1000000 )) ms"
[ "$(stat A nbr.lost_silent)" -gt "$silent" ] || fail "A: not silent"
for c in dt mgmt; do
        wait_for adjacent A $c "$b" || fail "A: B's $c adjacency not back"
        wait_for adjacent B $c "$a" || fail "B: A's $c adjacency not back"
done
[ "$(stat B nbr.redials)" -ge 1 ] || fail "B did not dial again"

echo "--- disconnect"
irm ipcp disconnect name D dst A || fail "disconnect D A"
d=$(addr D)
adjacent D dt "$a" && fail "D: dt adjacency kept"
for _ in $(seq 30); do
        adjacent A dt "$d" || break
        sleep 0.1
done
adjacent A dt "$d" && fail "A kept D"
sleep 1.5
adjacent A dt "$d" && fail "the adjacency came back"
irm ipcp connect name D dst A component dt || fail "connect D A again"
wait_for adjacent A dt "$d" || fail "no adjacency after connect"

echo "PASS"
