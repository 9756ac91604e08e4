#!/bin/bash
# Ouroboros - eth-dix and eth-llc over a VDE switch, no privileges: two
# IRMds in one namespace (their own runtime directories), one IPCP each.
#
#     IRMd A                               IRMd B
#     ipcpd-eth-<kind> "a"                 ipcpd-eth-<kind> "b"
#     layer "vl", dev vde://$SW            layer "vl", dev vde://$SW
#            \                                  /
#             +------- vde_switch $SW ---------+
#                          |
#                    vde_plug (garbage frames)
#
# Per kind: bootstrap errors (switch not running, bad mtu); oping A -> B
# (200 probes, 0% loss) and an oversize write refused; a client's kill -9
# seen by the server across the layer (FLOW_DEALLOC < 2 s); garbage
# frames (runt, other ethertype / SAP, bad length, unknown eid) counted
# by `irm ipcp stat` and ignored; kill -9 of B's IPCP: A's client gets
# FLOW_DEALLOC within the peer-liveness timeout (4 s, + 0.5 s tick; in
# the long mode only, OURO_TEST_LONG=1: the default run has it in
# tests/netns/test_gone_eth_dix.sh);
# eth-dix: the switch killed and restarted: FLOW_DOWN, link down, up;
# two layers (red, blue) on the switch with one ethertype: neither
# reaches the other's names, the dropped queries are counted.
# ctest: TIMEOUT 180 RESOURCE_LOCK single_host_heavy
. "$(dirname "$0")/../harness.sh"

command -v vde_switch >/dev/null || skip "vde_switch not installed (vde2)"
command -v vde_plug >/dev/null || skip "vde_plug not installed (vde2)"
# libvdeplug loads its plugins with RTLD_DEEPBIND, which ASan refuses.
ldd "$BIN/ipcpd-eth-dix" | grep -q libasan \
        && skip "libvdeplug cannot load under ASan (sanitizer build)"

A=$OUROBOROS_RUNDIR
B=$(mktemp -d /tmp/ouro-test.XXXXXX)
SW=$A/sw
IRMD_B=
SW_PID=

cleanup_all() {
        local rc=$?
        local kids=()
        if [ -n "$IRMD_B" ]; then
                kids=($(children_of "$IRMD_B"))
                stop_pids "$IRMD_B"
                stop_pids "${kids[@]:-}"
        fi
        [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -f "$B/irmd.log" ] &&
                { echo "--- irmd B log ---" >&2; tail -n 40 "$B/irmd.log" >&2; }
        [ -n "$SW_PID" ] && kill "$SW_PID" 2>/dev/null
        rm -rf "$B"
        (exit $rc)
        harness_cleanup
}
trap cleanup_all EXIT

irmd_start
OUROBOROS_RUNDIR=$B "$BIN/irmd" --stdout >"$B/irmd.log" 2>&1 &
IRMD_B=$!
OUROBOROS_RUNDIR=$B wait_for "$BIN/irm" ipcp list || fail "irmd B did not start"

ia() { OUROBOROS_RUNDIR=$A "$BIN/irm" "$@"; }
ib() { OUROBOROS_RUNDIR=$B "$BIN/irm" "$@"; }

# sw_pid: the switch's pid, once its pid file is written (vde_switch -d
# writes it after it forked: on a busy machine not yet when it returns)
sw_pid() {
        wait_for test -s "$A/sw.pid" || fail "vde_switch wrote no pid file"
        cat "$A/sw.pid"
}

vde_switch -s "$SW" -d -p "$A/sw.pid" </dev/null >/dev/null 2>&1 \
        || fail "vde_switch did not start"
SW_PID=$(sw_pid)

# stat IRM_FN IPCP COUNTER: the counter's value (irm ipcp stat).
stat() {
        $1 ipcp stat name "$2" | awk -v c="$3" '$1 == c { print $2 }'
}

# garbage KIND DSTMAC: bad frames in vde_plug's stream format (each
# frame preceded by its 2-byte length): a runt, two other protocols, a
# length field past the frame, an unknown eid, a broken management
# message.
garbage() {
        python3 - "$1" "$2" <<'PY'
import sys, struct
kind, dst = sys.argv[1], bytes.fromhex(sys.argv[2])
src = bytes.fromhex("020000abcdef")
def mac(t): return dst + src + struct.pack(">H", t)
def eth(d, s, ln, payload):
    eid = struct.pack(">HHH", d, s, ln) + payload
    if kind == "dix":
        return mac(0xA000) + eid
    return mac(3 + len(eid)) + bytes([0xA6, 0xA6, 0x03]) + eid
runt = mac(0xA000) + b"\0\1" if kind == "dix" else mac(3) + b"\xa6\xa6\x03"
fr = [runt,
      mac(0x0800) + bytes(50),
      mac(0x88B5) + bytes(50),
      eth(1, 2, 0xFFFF, b"\0\0"),
      eth(0x7777, 0x7777, 4, b"\1\1\1\1"),
      eth(0, 0, 4, b"\xff\xff\xff\xff")]
sys.stdout.buffer.write(b"".join(struct.pack(">H", len(f)) + f for f in fr))
PY
}

run_kind() {
        local kind=$1 type=eth-$1 err out t0 ms mac cpid ipcp

        echo "=== $type"
        err=$(ia ipcp bootstrap type $type name bad layer vl \
                dev "vde://$A/nosw" 2>&1) && fail "bootstrap without a switch"
        echo "$err" | grep -qi "not running" \
                || fail "no reason for a missing switch: $err"
        err=$(ia ipcp bootstrap type $type name bad layer vl \
                dev "vde://$SW" mtu 70000 2>&1) && fail "mtu 70000 accepted"
        ia ipcp destroy name bad >/dev/null 2>&1

        ia ipcp bootstrap type $type name a layer vl dev "vde://$SW" \
                || fail "bootstrap a"
        ib ipcp bootstrap type $type name b layer vl dev "vde://$SW" \
                || fail "bootstrap b"
        ia ipcp list | grep -q "dev vde://$SW mtu 1500" \
                || fail "no info line: $(ia ipcp list)"

        # echo: oping server in B, 200 probes from A
        ib name register ep layer vl || fail "register ep"
        ib bind program "$BIN/oping" name ep || fail "bind oping"
        OUROBOROS_RUNDIR=$B bg "$BIN/oping" -l >"$B/oping.out" 2>&1
        sleep 0.5
        out=$(OUROBOROS_RUNDIR=$A timeout 60 "$BIN/oping" -n ep -c 200 -i 0 -Q) \
                || fail "oping over $type: $out"
        echo "$out" | tail -n 2
        echo "$out" | grep -q "200 received, 0% packet loss" \
                || fail "oping lost packets: $out"
        # 1493 = 1500 - 6 - 1: the largest DIX payload less the raw FRCT
        # header (1 B); above it EMSGSIZE
        if [ $kind = dix ]; then
                out=$(OUROBOROS_RUNDIR=$A timeout 20 "$BIN/oping" -n ep -c 5 \
                        -i 0 -s 1493 -Q) || fail "1493 B probes: $out"
                OUROBOROS_RUNDIR=$A timeout 20 "$BIN/oping" -n ep -c 1 \
                        -s 1494 -Q >/dev/null 2>&1 && fail "1494 B accepted"
        fi

        # the remote application's kill -9 reaches us across the layer
        OUROBOROS_RUNDIR=$B TEST_LAYER=vl bg "$BIN/test-api-hold" server \
                hd dealloc >"$B/hs" 2>&1
        wait_for grep -q BOUND "$B/hs" || fail "hold server"
        OUROBOROS_RUNDIR=$A TEST_LAYER=vl bg "$BIN/test-api-hold" client \
                hd dealloc >"$A/hc" 2>&1
        cpid=$LAST_PID
        wait_for grep -q READY "$A/hc" || fail "hold client: $(cat "$A/hc")"
        wait_for grep -q READY "$B/hs" || fail "hold server not ready"
        t0=$(date +%s%N)
        kill -9 $cpid
        wait_for grep -q "EVENT dealloc read -1005" "$B/hs" \
                || fail "server did not see the client die: $(cat "$B/hs")"
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        [ $ms -le 2000 ] || fail "dealloc took $ms ms"
        echo "remote kill -9: dealloc after $ms ms"

        # garbage: runt, other ethertype, 802.3 frame, bad length, unknown
        # eid, a broken management message; to A's MAC (irm ipcp list)
        mac=$(ia ipcp list | grep -o "mac [0-9a-f:]*" | head -n 1 | cut -c5- \
                | tr -d :)
        [ ${#mac} -eq 12 ] || fail "no MAC of a in irm ipcp list"
        garbage $kind "$mac" | (cat; sleep 0.3) \
                | vde_plug "vde://$SW" >/dev/null 2>&1
        sleep 0.5
        ia ipcp stat name a
        for c in drop_runt drop_len drop_eid drop_mgmt; do
                [ "$(stat ia a $c)" -ge 1 ] 2>/dev/null \
                        || fail "$c not counted"
        done
        [ "$(stat ia a drop_foreign_proto)" -ge 1 ] 2>/dev/null \
                || [ "$(stat ia a drop_type)" -ge 1 ] 2>/dev/null \
                || fail "foreign frames not counted"
        out=$(OUROBOROS_RUNDIR=$A timeout 20 "$BIN/oping" -n ep -c 10 -i 0 -Q) \
                || fail "oping after garbage: $out"

        # the switch goes away: link down, flows FLOW_DOWN; back: link up
        if [ $kind = dix ]; then
                OUROBOROS_RUNDIR=$B TEST_LAYER=vl bg "$BIN/test-api-hold" \
                        server hl down >"$B/ls" 2>&1
                wait_for grep -q BOUND "$B/ls" || fail "hold server 3"
                OUROBOROS_RUNDIR=$A TEST_LAYER=vl bg "$BIN/test-api-hold" \
                        client hl down >"$A/lc" 2>&1
                wait_for grep -q READY "$A/lc" || fail "hold client 3"
                kill "$SW_PID"
                wait_for grep -q "EVENT down read -1005" "$A/lc" \
                        || fail "no FLOW_DOWN when the switch left: $(cat "$A/lc")"
                [ "$(stat ia a link_up)" = 0 ] || fail "link still up"
                rm -f "$A/sw.pid"
                vde_switch -s "$SW" -d -p "$A/sw.pid" </dev/null >/dev/null 2>&1 \
                        || fail "vde_switch did not restart"
                SW_PID=$(sw_pid)
                for _ in $(seq 40); do
                        [ "$(stat ia a link_up)" = 1 ] && break
                        sleep 0.1
                done
                [ "$(stat ia a link_up)" = 1 ] || fail "link not back up"
                out=$(OUROBOROS_RUNDIR=$A timeout 20 "$BIN/oping" -n ep -c 5 \
                        -i 0 -Q) || fail "oping after the switch came back"
                echo "switch restart: flows down, link back up"
        fi

        # kill -9 of B's IPCP: A's flow goes down within the liveness timeout
        if [ "${OURO_TEST_LONG:-0}" != 1 ]; then
                echo "remote IPCP kill -9: long mode only"
                cleanup_kind
                return
        fi
        OUROBOROS_RUNDIR=$B TEST_LAYER=vl bg "$BIN/test-api-hold" server \
                hk dealloc >"$B/ks" 2>&1
        wait_for grep -q BOUND "$B/ks" || fail "hold server 2"
        OUROBOROS_RUNDIR=$A TEST_LAYER=vl bg "$BIN/test-api-hold" client \
                hk down >"$A/kc" 2>&1
        wait_for grep -q READY "$A/kc" || fail "hold client 2"
        ipcp=$(pgrep -P "$IRMD_B" -f "ipcpd-$type" | head -n 1)
        [ -n "$ipcp" ] || fail "no ipcpd-$type in B"
        t0=$(date +%s%N)
        kill -9 "$ipcp"
        for _ in $(seq 80); do
                grep -q "EVENT down" "$A/kc" && break
                sleep 0.1
        done
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        grep -q "EVENT down read -1005" "$A/kc" \
                || fail "no FLOW_DOWN after the peer IPCP died: $(cat "$A/kc")"
        [ $ms -le 6000 ] || fail "peer loss took $ms ms"
        [ "$(stat ia a peers_lost)" -ge 1 ] || fail "peers_lost not counted"
        echo "remote IPCP kill -9: down after $ms ms"

        cleanup_kind
}

cleanup_kind() {
        stop_pids "${BG_PIDS[@]}"
        BG_PIDS=()
        ia ipcp destroy name a
        ib ipcp destroy name b >/dev/null 2>&1
        ib unbind program "$BIN/oping" name ep >/dev/null 2>&1
        ib name unregister ep layer vl >/dev/null 2>&1
}

# Two layers on one segment with the same ethertype: management
# messages carry a tag of the layer's name, so a query of layer "red"
# is dropped by the member of layer "blue" (drop_layer), and a name of
# one is never reached from the other.
layer_mismatch() {
        local out
        echo "=== two layers, one ethertype"
        ia ipcp bootstrap type eth-dix name a layer red dev "vde://$SW" \
                || fail "bootstrap red"
        ib ipcp bootstrap type eth-dix name b layer blue dev "vde://$SW" \
                || fail "bootstrap blue"
        ib name register ep layer blue || fail "register ep in blue"
        OUROBOROS_RUNDIR=$B bg "$BIN/oping" -l >"$B/oping.out" 2>&1
        sleep 0.3
        ib bind process "$LAST_PID" name ep || fail "bind ep"
        out=$(OUROBOROS_RUNDIR=$A timeout 20 "$BIN/oping" -n ep -c 1 -Q 2>&1) \
                && fail "layer red reached a name of layer blue: $out"
        [ "$(stat ib b drop_layer)" -ge 1 ] ||
                fail "blue did not count red's query: $(ib ipcp stat name b)"
        echo "red -> blue refused ($(echo "$out" | tail -n 1)); blue" \
                "drop_layer $(stat ib b drop_layer)"
        stop_pids "${BG_PIDS[@]}"
        BG_PIDS=()
        ia ipcp destroy name a
        ib ipcp destroy name b
}

run_kind dix
run_kind llc
layer_mismatch
echo "PASS"
