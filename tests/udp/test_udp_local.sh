#!/bin/bash
# Ouroboros - udp4 and udp6 layers on one host, names from the mapping
# file: two IRMds in one namespace (their own runtime directories), one
# IPCP each, on the loopback with different ports.
#
#     IRMd A                                 IRMd B
#     ipcpd-udp<v> "a<v>"                    ipcpd-udp<v> "b<v>"
#     layer "ul<v>"  LO:PA                   layer "ul<v>"  LO:PB
#            \                                  /
#             +------ lo (127.0.0.1 / ::1) ----+
#                          |
#                   python (garbage datagrams)
#
#     $MAPDIR/ul<v>.map:  LO:PB ep<v> late<v>   LO:PA nobody<v>
#
# Bootstrap errors (address not on this host, port in use, bad map line
# N: the reason in the IPCP's log); per family: oping A -> B (200
# probes, 0% loss), the largest packet (lo: 65536 - IP - UDP - 4) and
# one byte more refused, a name mapped to an IPCP that does not have it
# refused, a name added to the map file while running, a client's
# kill -9 seen by the server across the layer (< 2 s), garbage counted
# by `irm ipcp stat` and ignored, kill -9 of B's IPCP: A's client gets
# FLOW_DEALLOC within the peer-liveness timeout (4 s, + 0.5 s); that last
# part for udp6 only in the long mode (OURO_TEST_LONG=1: it is the
# shim's code, which udp4 exercises here in the default run).
# ctest: TIMEOUT 180 RESOURCE_LOCK single_host_heavy
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/udp_lib.sh"

MAPDIR=$A/maps
mkdir -p "$MAPDIR"
export OUROBOROS_UDP_MAPDIR=$MAPDIR   # the IRMds pass it to their IPCPs

udp_two_irmds

# Bootstrap errors, with the reason in the IPCP's log line.
# A bootstrap that must fail, with REASON in irm's message and in the
# IPCP's log line.
refused() {
        local irm=$1 log=$2 reason=$3 out
        shift 3
        out=$($irm ipcp bootstrap "$@" 2>&1) && fail "accepted: $*"
        echo "$out" | grep -qF "$reason" || fail "irm: '$out', not '$reason'"
        wait_for grep -qF "Bootstrap failed: $reason" "$log" ||
                fail "no '$reason' in the IPCP's log"
        echo "refused: $out"
}

bootstrap_errors() {
        local p
        p=$(free_port 4)
        : >"$MAPDIR/ue.map"
        refused ia "$A/irmd.log" "address 192.0.2.1 is not on this host" \
                type udp4 name e1 layer ue ip 192.0.2.1 port "$p"
        ia ipcp bootstrap type udp4 name e2 layer ue ip 127.0.0.1 \
                port "$p" || fail "bootstrap e2"
        refused ib "$B/irmd.log" "port $p is in use on 127.0.0.1" \
                type udp4 name e3 layer ue ip 127.0.0.1 port "$p"
        printf '# ok\n127.0.0.1 x\n10.0.0.1:99999 y\n' >"$MAPDIR/ub.map"
        refused ia "$A/irmd.log" "bad mapping file $MAPDIR/ub.map line 3" \
                type udp4 name e4 layer ub ip 127.0.0.1 port "$(free_port 4)"
        for i in e1 e2 e4; do ia ipcp destroy name $i; done
        ib ipcp destroy name e3
}

run_family() {
        local v=$1 lo pa pb max out t0 ms cpid ipcp
        [ "$v" = 4 ] && lo=127.0.0.1 || lo=::1
        pa=$(free_port "$v")
        pb=$(free_port "$v")
        [ "$v" = 4 ] && max=65503 || max=65484   # 65536 - 28/48 - 4

        echo "=== udp$v on $lo, ports $pa and $pb"
        local ha=$lo:$pa hb=$lo:$pb
        [ "$v" = 6 ] && ha="[$lo]:$pa" && hb="[$lo]:$pb"
        printf '%s ep%s\n%s nobody%s\n' "$hb" "$v" "$ha" "$v" \
                >"$MAPDIR/ul$v.map"

        ia ipcp bootstrap type udp$v name a$v layer ul$v ip $lo port $pa ||
                fail "bootstrap a$v"
        ib ipcp bootstrap type udp$v name b$v layer ul$v ip $lo port $pb ||
                fail "bootstrap b$v"
        grep -q "Bootstrapped in layer ul$v: ip $lo port $pa, largest packet $max" \
                "$A/irmd.log" || fail "no largest packet $max for a$v"
        ia ipcp list | grep -q "a$v .* ip $lo port $pa\$" ||
                fail "no info line for a$v: $(ia ipcp list)"

        ib name register ep$v layer ul$v || fail "register ep$v"
        ib bind program "$BIN/oping" name ep$v || fail "bind oping"
        OUROBOROS_RUNDIR=$B bg "$BIN/oping" -l >"$B/oping$v.out" 2>&1
        sleep 0.5
        echo_check ep$v 200

        # The largest packet goes, one byte more is refused at the writer
        # (an application's: the layer's less the raw FRCT header, 1 B).
        out=$(OUROBOROS_RUNDIR=$A timeout 20 "$BIN/oping" -n ep$v -c 3 -i 0 \
                -s $((max - 1)) -Q 2>&1) || fail "$((max - 1)) B probes: $out"
        OUROBOROS_RUNDIR=$A timeout 20 "$BIN/oping" -n ep$v -c 1 \
                -s $max -Q >/dev/null 2>&1 &&
                fail "$max B accepted"

        # Mapped to A, which does not have it: refused, quickly.
        t0=$(date +%s%N)
        OUROBOROS_RUNDIR=$A timeout 20 "$BIN/oping" -n nobody$v -c 1 -Q \
                >/dev/null 2>&1 && fail "nobody$v reached"
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        [ $ms -le 3000 ] || fail "refusal took $ms ms"

        # A name added to the map file while the IPCPs run.
        OUROBOROS_RUNDIR=$A timeout 20 "$BIN/oping" -n late$v -c 1 -Q \
                >/dev/null 2>&1 && fail "late$v reached before mapping"
        printf '%s late%s\n' "$hb" "$v" >>"$MAPDIR/ul$v.map"
        ib name register late$v layer ul$v || fail "register late$v"
        ib bind program "$BIN/oping" name late$v || fail "bind late"
        echo_check late$v 5

        # A remote application's kill -9 reaches us across the layer.
        OUROBOROS_RUNDIR=$B TEST_LAYER=ul$v bg "$BIN/test-api-hold" server \
                hd$v dealloc >"$B/hs" 2>&1
        wait_for grep -q BOUND "$B/hs" || fail "hold server"
        printf '%s hd%s hk%s\n' "$hb" "$v" "$v" >>"$MAPDIR/ul$v.map"
        OUROBOROS_RUNDIR=$A TEST_LAYER=ul$v bg "$BIN/test-api-hold" client \
                hd$v dealloc >"$A/hc" 2>&1
        cpid=$LAST_PID
        wait_for grep -q READY "$A/hc" || fail "hold client: $(cat "$A/hc")"
        wait_for grep -q READY "$B/hs" || fail "hold server not ready"
        t0=$(date +%s%N)
        kill -9 $cpid
        wait_for grep -q "EVENT dealloc read -1005" "$B/hs" ||
                fail "server did not see the client die: $(cat "$B/hs")"
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        [ $ms -le 2000 ] || fail "dealloc took $ms ms"
        echo "remote kill -9: dealloc after $ms ms"

        # Garbage: counted, ignored.
        garbage $lo $pa
        sleep 0.3
        ia ipcp stat name a$v
        for c in drop_runt drop_bad drop_eid drop_mgmt; do
                [ "$(ctr ia a$v $c)" -ge 1 ] 2>/dev/null ||
                        fail "$c not counted"
        done
        echo_check ep$v 10

        # kill -9 of B's IPCP: A's flow goes down within the liveness timeout.
        if [ "$v" = 6 ] && [ "${OURO_TEST_LONG:-0}" != 1 ]; then
                echo "udp6 remote IPCP kill -9: long mode only"
                v=6 cleanup_family
                return
        fi
        OUROBOROS_RUNDIR=$B TEST_LAYER=ul$v bg "$BIN/test-api-hold" server \
                hk$v dealloc >"$B/ks" 2>&1
        wait_for grep -q BOUND "$B/ks" || fail "hold server 2"
        OUROBOROS_RUNDIR=$A TEST_LAYER=ul$v bg "$BIN/test-api-hold" client \
                hk$v down >"$A/kc" 2>&1
        wait_for grep -q READY "$A/kc" || fail "hold client 2"
        ipcp=$(pgrep -P "$IRMD_B" -f "ipcpd-udp$v" | head -n 1)
        [ -n "$ipcp" ] || fail "no ipcpd-udp$v in B"
        t0=$(date +%s%N)
        kill -9 "$ipcp"
        for _ in $(seq 80); do
                grep -q "EVENT down" "$A/kc" && break
                sleep 0.1
        done
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        grep -q "EVENT down read -1005" "$A/kc" ||
                fail "no FLOW_DOWN after the peer IPCP died: $(cat "$A/kc")"
        [ $ms -le 6000 ] || fail "peer loss took $ms ms"
        [ "$(ctr ia a$v peers_lost)" -ge 1 ] || fail "peers_lost not counted"
        echo "remote IPCP kill -9: down after $ms ms"

        cleanup_family
}

cleanup_family() {
        stop_apps
        ia ipcp destroy name a$v
        ib ipcp destroy name b$v >/dev/null 2>&1
        ib unbind program "$BIN/oping" >/dev/null 2>&1
}

bootstrap_errors
run_family 4
if python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null; then
        run_family 6
else
        echo "no ::1 here: udp6 part not run"
fi
echo "PASS"
