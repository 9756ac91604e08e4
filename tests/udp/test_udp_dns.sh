#!/bin/bash
# Ouroboros - udp4 and udp6 layers with names in DNS: BIND's named and
# two IRMds in a network namespace of the test's own (nothing leaves
# it), one IPCP per IRMd and family; the members of a layer share its
# port (an A/AAAA record has none), so they have their own addresses.
#
#   netns ouro-dns-<pid> (not root: unshare -rn)
#   +----------------------------------------------------------------+
#   | named 127.0.0.1:53, ::1:53   zones udp.test, udp6.test (updates |
#   |                              allowed), ro.test (none)          |
#   | IRMd A  ipcpd-udp4 a4 127.0.0.1:3435   ipcpd-udp6 a6 [fd00::a]   |
#   | IRMd B  ipcpd-udp4 b4 127.0.0.2:3435   ipcpd-udp6 b6 [fd00::b]   |
#   |         layers udp.test / udp6.test, dns 127.0.0.1 / ::1       |
#   +----------------------------------------------------------------+
#
# Per family: B registers ep: the A (AAAA) record appears in named
# with B's address under <hex of the hash in labels of 32>.<layer>; A
# finds it (oping, 50 probes, 0% loss); unregistering deletes the
# record and A no longer reaches ep; B's IPCP exiting withdraws its
# records. A layer name that is no DNS name refuses the bootstrap with
# the reason; a zone without updates fails the registration: irm
# says it was refused, and the IPCP does not keep the name.
# Not root: all of it in a user and network namespace (unshare -rn).
# Exit 77 only without named or a namespace.
# ctest: TIMEOUT 150 RESOURCE_LOCK single_host_heavy
set -u
here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" != inner ]; then
        . "$here/../../src/ipcpd/udp/tests/named.sh"
        named_start "$0" "$@" || exit 1
        named_ip addr add 127.0.0.2/8 dev lo || exit 1
        named_ip addr add fd00::a/128 dev lo nodad || exit 1
        named_ip addr add fd00::b/128 dev lo nodad || exit 1
        named_exec bash "$0" inner
        exit $?
fi

. "$here/../harness.sh"
. "$here/udp_lib.sh"

command -v dig >/dev/null || skip "dig not installed (bind9-dnsutils)"

udp_two_irmds

# The DNS name of NAME in ZONE: the hex of its SHA3-256 in labels of 32.
dns_name() {
        python3 -c 'import hashlib, sys
h = hashlib.sha3_256(sys.argv[1].encode()).hexdigest()
print(h[:32] + "." + h[32:] + "." + sys.argv[2])' "$1" "$2"
}

# What named answers for NAME TYPE.
lookup() {
        dig @127.0.0.1 "$1" "$2" +short +time=1 +tries=1 2>/dev/null
}

has_record() {
        [ "$(lookup "$1" "$2")" = "$3" ]
}

no_record() {
        [ -z "$(lookup "$1" "$2")" ]
}

run_family() {
        local v=$1 zone ia_ip ib_ip dns rr n
        if [ "$v" = 4 ]; then
                zone=udp.test ia_ip=127.0.0.1 ib_ip=127.0.0.2
                dns=127.0.0.1 rr=A
        else
                zone=udp6.test ia_ip=fd00::a ib_ip=fd00::b dns=::1 rr=AAAA
        fi
        echo "=== udp$v, zone $zone"

        ia ipcp bootstrap type udp$v name a$v layer $zone ip $ia_ip \
                dns $dns || fail "bootstrap a$v"
        ib ipcp bootstrap type udp$v name b$v layer $zone ip $ib_ip \
                dns $dns || fail "bootstrap b$v"
        ia ipcp list | grep -q "a$v .* ip $ia_ip port 3435 dns $dns\$" ||
                fail "no info line for a$v: $(ia ipcp list)"

        n=$(dns_name ep$v $zone)
        no_record "$n" $rr || fail "$n there before registration"
        ib name register ep$v layer $zone || fail "register ep$v"
        wait_for has_record "$n" $rr $ib_ip ||
                fail "no $rr record $n -> $ib_ip: '$(lookup "$n" $rr)'"
        echo "$n $rr $(lookup "$n" $rr)"

        ib bind program "$BIN/oping" name ep$v || fail "bind oping"
        OUROBOROS_RUNDIR=$B bg "$BIN/oping" -l >"$B/oping$v.out" 2>&1
        sleep 0.5
        echo_check ep$v 50

        # Unregistered: the record goes, and A no longer reaches ep.
        ib name unregister ep$v layer $zone || fail "unregister ep$v"
        wait_for no_record "$n" $rr || fail "$n still in DNS"
        sleep 0.3
        OUROBOROS_RUNDIR=$A timeout 20 "$BIN/oping" -n ep$v -c 1 -Q \
                >/dev/null 2>&1 && fail "ep$v reached after unregister"

        # Registered again, then B's IPCP exits: its record is withdrawn.
        ib name register ep$v layer $zone || fail "register ep$v again"
        wait_for has_record "$n" $rr $ib_ip || fail "no record again"
        ib ipcp destroy name b$v || fail "destroy b$v"
        wait_for no_record "$n" $rr || fail "$n left behind by b$v"

        stop_apps
        ia ipcp destroy name a$v
        ib unbind program "$BIN/oping" >/dev/null 2>&1
}

# Not a DNS name, and a zone that takes no updates.
errors() {
        local out
        out=$(ia ipcp bootstrap type udp4 name e1 layer bad_layer \
                ip 127.0.0.1 dns 127.0.0.1 2>&1) && fail "bad_layer accepted"
        echo "$out" | grep -q "layer name bad_layer is not a DNS name" ||
                fail "no reason for bad_layer: $out"
        ia ipcp destroy name e1

        ia ipcp bootstrap type udp4 name e2 layer ro.test ip 127.0.0.1 \
                dns 127.0.0.1 || fail "bootstrap e2"
        # The refused update fails the command, with the reason, and
        # the name is not registered in the IPCP.
        out=$(ia name register ro layer ro.test 2>&1) &&
                fail "register ro in a zone without updates succeeded"
        echo "$out" | grep -q "refused by the peer" ||
                fail "register ro: no reason given: $out"
        ia name list | grep -q "^ro .*e2" &&
                fail "ro registered in e2 after the refusal: $(ia name list)"
        grep -q "DNS registration of a name in zone ro.test failed: Operation not permitted" \
                "$A/irmd.log" || fail "refused update not logged"
        no_record "$(dns_name ro ro.test)" A || fail "record in ro.test"
        [ "$(ctr ia e2 dns_updates)" -ge 1 ] 2>/dev/null &&
                [ "$(ctr ia e2 dns_errors)" -ge 1 ] 2>/dev/null ||
                fail "dns counters: $(ia ipcp stat name e2 | grep dns)"
        ia ipcp destroy name e2
}

errors
run_family 4
run_family 6
echo "PASS"
