#!/bin/bash
# Ouroboros - an eth-dix layer whose Ethernet is a broadcast layer
# (dev ouroboros://hub), which itself runs over eth-dix on a VDE switch:
# two IRMds side by side (their own runtime directories), no privileges.
#
#     IRMd A                               IRMd B
#     eth-dix xa, layer "top"              eth-dix xb, layer "top"
#       dev ouroboros://hub                  dev ouroboros://hub
#     broadcast ba, layer "hub"  <------>  broadcast bb, layer "hub"
#     eth-dix wa, layer "wire"             eth-dix wb, layer "wire"
#            \                                  /
#             +------- vde_switch $SW ---------+
#
# oping A -> B over "top" (100 probes, 0% loss), the largest probe
# at mtu 1400 and one byte more refused; B's broadcast IPCP destroyed
# (xb's link goes down) and enrolled again (xb rejoins, echoes again).
# ctest: TIMEOUT 180 RESOURCE_LOCK single_host_heavy
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

vdeplug_need
[ -x "$BIN/ipcpd-broadcast" ] ||
        skip "no ipcpd-broadcast in $BIN: broadcast layers not built"

A=$OUROBOROS_RUNDIR
B=$(mktemp -d /tmp/ouro-test.XXXXXX)
SW=$A/sw
IRMD_B=

cleanup_all() {
        local rc=$?
        local kids=()
        if [ -n "$IRMD_B" ]; then
                mapfile -t kids < <(children_of "$IRMD_B")
                stop_pids "$IRMD_B"
                stop_pids "${kids[@]:-}"
        fi
        [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -f "$B/irmd.log" ] &&
                { echo "--- irmd B log ---" >&2; tail -n 40 "$B/irmd.log" >&2; }
        vdeplug_cleanup
        rm -rf "$B"
        (exit $rc)
        harness_cleanup
}

irmd_start
OUROBOROS_RUNDIR=$B "$BIN/irmd" --stdout >"$B/irmd.log" 2>&1 &
IRMD_B=$!
trap cleanup_all EXIT
OUROBOROS_RUNDIR=$B wait_for "$BIN/irm" ipcp list || fail "irmd B did not start"
vdeplug_switch "$SW"
trap cleanup_all EXIT   # vdeplug_switch set its own

ia() { OUROBOROS_RUNDIR=$A "$BIN/irm" "$@"; }
ib() { OUROBOROS_RUNDIR=$B "$BIN/irm" "$@"; }

ia ipcp bootstrap type eth-dix name wa layer wire dev "vde://$SW" ||
        fail "bootstrap wa"
ib ipcp bootstrap type eth-dix name wb layer wire dev "vde://$SW" ||
        fail "bootstrap wb"
ia name register ba layer wire || fail "register ba"
ib name register bb layer wire || fail "register bb"
ia ipcp bootstrap type broadcast name ba layer hub autobind ||
        fail "bootstrap ba"
ib ipcp enroll name bb layer hub dst ba type broadcast autobind ||
        fail "enroll bb via ba"
ib ipcp connect name bb dst ba component dt || fail "connect bb to ba"

ia ipcp bootstrap type eth-dix name xa layer top dev ouroboros://hub \
        mtu 1400 || fail "bootstrap xa over ouroboros://hub"
ib ipcp bootstrap type eth-dix name xb layer top dev ouroboros://hub \
        mtu 1400 || fail "bootstrap xb over ouroboros://hub"

ib name register oping layer top || fail "register oping in top"
ib bind program "$BIN/oping" name oping || fail "bind oping"
OUROBOROS_RUNDIR=$B bg "$BIN/oping" -l >"$B/oping.out" 2>&1

for _ in $(seq 20); do   # the first query may go before xb listens
        OUROBOROS_RUNDIR=$A timeout 5 "$BIN/oping" -n oping -c 1 -t 1000 \
                >/dev/null 2>&1 && break
        sleep 0.25
done
out=$(OUROBOROS_RUNDIR=$A timeout 60 "$BIN/oping" -n oping -c 100 -i 0 -Q) ||
        fail "oping over top: $out"
echo "$out" | tail -n 2
echo "$out" | grep -q "100 received, 0% packet loss" ||
        fail "oping lost packets over top: $out"
# 1393 = 1400 - 6 - 1: the largest DIX payload at mtu 1400 (1414-byte
# frames on the hub, which carries 1446) less the raw FRCT header (1 B);
# above it EMSGSIZE
out=$(OUROBOROS_RUNDIR=$A timeout 20 "$BIN/oping" -n oping -c 5 -i 0 \
        -s 1393 -Q) || fail "1393 B probes: $out"
OUROBOROS_RUNDIR=$A timeout 20 "$BIN/oping" -n oping -c 1 -s 1394 -Q \
        >/dev/null 2>&1 && fail "1394 B accepted at mtu 1400"

# B's broadcast IPCP destroyed: xb's plug hangs up (link down); enrolled
# again, xb opens ouroboros://hub anew (eth's reopen timer) and oping
# crosses again.
ib ipcp destroy name bb || fail "destroy bb"
OUROBOROS_RUNDIR=$A timeout 10 "$BIN/oping" -n oping -c 1 -t 1000 -Q \
        >/dev/null 2>&1 && fail "oping crossed without B's broadcast IPCP"
ib ipcp enroll name bb layer hub dst ba type broadcast autobind ||
        fail "enroll bb again"
ib ipcp connect name bb dst ba component dt || fail "connect bb again"
ok=
for _ in $(seq 40); do
        OUROBOROS_RUNDIR=$A timeout 5 "$BIN/oping" -n oping -c 1 -t 1000 \
                >/dev/null 2>&1 && ok=1 && break
        sleep 0.25
done
[ -n "$ok" ] || fail "no echo over top once the hub was back"
grep -q "ouroboros://hub.* gone" "$B/irmd.log" ||
        fail "xb did not see the hub go: $(grep xb "$B/irmd.log" | tail -5)"
echo "vdeplug eth over ouroboros://: ok"
