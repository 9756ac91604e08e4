#!/bin/bash
# Ouroboros - irm and the IRMd with the layers that carry data (eth-dix,
# eth-llc, udp4, udp6), played by the fake IPCP of the IRMd tests
# (src/irmd/tests/fake_ipcpd.c), which answers as those types do:
#   - bootstrap: the IPCP's T_MAX_PKT and T_INFO are kept; `irm ipcp
#     list` shows the info ("dev veth0 mtu 9000", "ip ... port ...");
#   - a failed bootstrap relays the IPCP's one-line reason (a dev named
#     missing* fails: "no such interface missing0");
#   - `irm ipcp stat` prints the IPCP's counters in its order, the
#     local type has none;
#   - enroll, connect and disconnect are refused with the reason, and
#     the IRMd's configuration file says the same.
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

fake_ipcps local unicast udp4 udp6 eth-llc eth-dix

irmd_start

# bootstrap of each type; the info column appears with the first line
irm_ok ipcp bootstrap type local name lo layer lo
irm_ok ipcp list
[ "$(echo "$OUT" | head -1 | awk '{print $NF}')" = state ] ||
        fail "info column without info: $OUT"
irm_ok ipcp bootstrap type eth-dix name e1 layer eth dev veth0 mtu 9000 ethertype 0xA001
irm_ok i b t eth-llc n e2 l llc d veth1
irm_ok ipcp bootstrap type udp4 name u4 layer ip4 ip 10.0.0.1 port 4000
irm_ok i b t udp6 n u6 l ip6 i fd00::1 d fd00::53
ipcp_row e1 | grep -Eq ' +eth-dix +e1 +eth +operational +dev veth0 mtu 9000$' ||
        fail "eth-dix row: $("$BIN/irm" ipcp list)"
ipcp_row e2 | grep -Eq ' +eth-llc +e2 +llc +operational +dev veth1 mtu 1500$' ||
        fail "eth-llc row: $("$BIN/irm" ipcp list)"
ipcp_row u4 | grep -Eq ' +udp4 +u4 +ip4 +operational +ip 10.0.0.1 port 4000$' ||
        fail "udp4 row: $("$BIN/irm" ipcp list)"
ipcp_row u6 | grep -Eq ' +udp6 +u6 +ip6 +operational +ip fd00::1 port 3435$' ||
        fail "udp6 row: $("$BIN/irm" ipcp list)"
ipcp_row lo | grep -Eq ' +local +lo +lo +operational +-$' ||
        fail "local row: $("$BIN/irm" ipcp list)"
"$BIN/irm" ipcp list | head -1 | grep -Eq '^ +pid +type +name +layer +state +info$' ||
        fail "list header: $("$BIN/irm" ipcp list | head -1)"

# a failed bootstrap: the IPCP's reason; an IPCP the command created is
# removed again, one that existed stays and can retry
irm_err 2 "^irm: cannot bootstrap e3: no such interface missing0$" \
        ipcp bootstrap type eth-dix name e3 layer eth dev missing0
ipcp_row e3 | grep -q . &&
        fail "failed bootstrap left its IPCP: $("$BIN/irm" ipcp list)"
irm_ok ipcp create type eth-dix name e3
irm_err 2 "^irm: cannot bootstrap e3: no such interface missing0$" \
        ipcp bootstrap name e3 layer eth dev missing0
ipcp_row e3 | grep -Eq ' +eth-dix +e3 +- +null +-$' ||
        fail "failed bootstrap row: $("$BIN/irm" ipcp list)"
irm_ok ipcp bootstrap name e3 layer eth dev veth3
ipcp_row e3 | grep -Eq ' +e3 +eth +operational +dev veth3 mtu 1500$' ||
        fail "retried bootstrap: $("$BIN/irm" ipcp list)"
# the existing IPCP's type decides the options ('d' is dev for eth)
irm_err 1 "^irm: 'ip' is not an option of IPCP type eth-dix$" \
        ipcp bootstrap name e3 layer eth ip 10.0.0.1

# stat: name value lines in the IPCP's order
irm_ok ipcp stat name e1
[ "$OUT" = "$(printf 'bootstraps 1\nregistrations 0\nstats 1')" ] ||
        fail "stat e1: $OUT"
irm_ok name register n1 ipcp e1
irm_ok i stat n e1
[ "$OUT" = "$(printf 'bootstraps 1\nregistrations 1\nstats 2')" ] ||
        fail "stat e1 after a registration: $OUT"
irm_ok ipcp stat name u6
echo "$OUT" | grep -qx 'bootstraps 1' || fail "stat u6: $OUT"
irm_err 2 "^irm: IPCP lo \(type local\) keeps no counters$" ipcp stat name lo
irm_err 2 "^irm: no IPCP named nope$" ipcp stat name nope

# what these types do not do, with the reason
for t in eth-dix:e1 eth-llc:e2 udp4:u4 udp6:u6; do
        ty=${t%%:*}
        n=${t##*:}
        irm_err 2 "^irm: $ty layers have no enrollment: bootstrap every member with the same layer name$" \
                ipcp enroll name "$n" layer x
        irm_err 2 "^irm: $ty layers have no connections: " \
                ipcp connect name "$n" dst x
        irm_err 2 "^irm: $ty layers have no connections: " \
                ipcp disconnect name "$n" dst x component dt
done
# also before bootstrap (the IPCP would answer -ENOTSUP)
irm_ok ipcp create name e4 type eth-dix
irm_err 2 "^irm: eth-dix layers have no enrollment" ipcp enroll name e4 dst eth
irm_ok ipcp destroy name e4

# the configuration file: the same reasons
irmd_stop
conf=$OUROBOROS_RUNDIR/irmd.conf
check_conf() {
        local want=$1 got
        shift
        printf '%s\n' "$@" >"$conf"
        got=$("$BIN/irmd" --stdout --config "$conf" 2>&1 | grep '^irmd: ')
        [ "$got" = "irmd: $conf:$#: $want" ] ||
                fail "config '$*': '$got', expected '$want'"
}
check_conf "cannot bootstrap e1: no such interface missing9" \
        "ipcp bootstrap type eth-llc name e1 layer l dev missing9"
check_conf "udp4 layers have no enrollment: bootstrap every member with the same layer name" \
        "ipcp create name u1 type udp4" "ipcp enroll name u1 dst x"
check_conf "eth-dix layers have no connections: members reach each other directly on the segment" \
        "ipcp bootstrap type eth-dix name e1 layer l dev v0" \
        "ipcp connect name e1 dst x"
check_conf "ipcp stat has no use in a configuration file" "ipcp stat name e1"

echo "irm layers: ok"
