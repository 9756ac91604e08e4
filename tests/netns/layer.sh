# Ouroboros - the two-host scenarios of the layers that carry data
# (eth-dix, eth-llc, udp4, udp6), sourced by tests/netns/test_*.sh after
# lib.sh. The topology:
#
#   +------------------------------+          +------------------------------+
#   | ns a                         |   veth   | ns b                         |
#   |  irmd, IPCP "lyr"            |<-------->|  irmd, IPCP "lyr"            |
#   |  (layer "netns")             | 10.200.1 |  (layer "netns")             |
#   |  clients: oping, flowcheck   | fd00:200 |  servers: oping -l (oping),  |
#   |                              |   :1::   |  flowcheck (fc, fcx: deallocs|
#   |                              |          |  after 50 echoes)            |
#   +------------------------------+          +------------------------------+
#
#   layer_setup TYPE            the above, servers bound and reachable
#   layer_echo                  oping -c 1000 -i 0: 0% loss; a second
#                               oping sends no name query (cached)
#   layer_packets [N]           N (10000) packets of random sizes intact
#                               and in order; max+1 bytes -> -EMSGSIZE
#                               (FC_MAX=M: at most M bytes, for debugging)
#   layer_dealloc               the server deallocates: the client sees
#                               it within 1 s
#   layer_tools                 operf, ocbr and oecho across; with
#                               PYOURO_PYTHON (a python3 that imports
#                               ouroboros.dev) also the Python oecho
#                               example (python/examples/oecho.py)
#   layer_flap                  a's end down: FLOW_DOWN; up: FLOW_UP and
#                               echoes again within 5 s (udp, without
#                               link state: no event, echoes again)
#   layer_stall_b               b's IPCP stopped (SIGSTOP) for longer
#                               than the liveness timeout, then resumed:
#                               a's link stays up, b goes silent, as in
#                               a cut of the path: a's client gets
#                               FLOW_DOWN within the liveness timeout,
#                               then FLOW_UP and echoes again on the same
#                               flow once b is heard again
#   layer_kill_ipcp             kill -9 b's IPCP: a's client gets
#                               FLOW_DOWN (the flow kept, marked down)
#                               within the liveness timeout, never
#                               FLOW_DEALLOC, and reads and writes fail
#                               with -EFLOWDOWN; b's server gets its
#                               flow closed (layer_rebuild_b: b's IPCP
#                               and names again; a second client of a,
#                               its flow kept down, gets FLOW_DEALLOC
#                               once a hears the new IPCP, which has no
#                               flow with it)
#   layer_kill_ns               every process of b killed (same checks)
#                               (layer_restart_b: b again from its IRMd)
#   layer_veth_del              the veth deleted (same checks, but eth
#                               sees its link go: FLOW_DOWN at once;
#                               last)
# After each, a's IPCP holds no flow (irm ipcp stat: flows 0) once the
# client has deallocated: nothing leaks.
# Each prints its name and how long it took.
#
#   layer_test TYPE             the two-host test of test_TYPE.sh: setup,
#                               echo, packets, dealloc, tools, flap
#   layer_gone TYPE             the peer-gone test of test_gone_TYPE.sh:
#                               stall b's IPCP, kill it, every process,
#                               the veth

LAYER=netns
# The peer-liveness timeout of the layers (SHIM_KA_TIMEOUT_MS, in
# src/ipcpd/shim/shim.h and the man pages: a peer silent that long is
# down, checked every LIVENESS_TICK_MS), and what a loaded machine adds
# to it before a test calls it a hang.
LIVENESS_MS=${LIVENESS_MS:-4000}
LIVENESS_TICK_MS=500
SLACK_MS=${SLACK_MS:-3000}
FC=$BIN/test-netns-flowcheck

# A device or address that is not there: refused with the reason.
layer_bad_bootstrap() {
        local ns=$1 args=() want out
        case $LTYPE in
        eth-dix | eth-llc) args=(dev nosuchdev0); want="unknown interface nosuchdev0" ;;
        udp4) args=(ip 10.254.254.254); want="address 10.254.254.254 is not on this host" ;;
        udp6) args=(ip fd00:254::254); want="address fd00:254::254 is not on this host" ;;
        esac
        out=$(nn_exec "$ns" "$BIN/irm" ipcp bootstrap type "$LTYPE" name bad \
                layer "$LAYER" "${args[@]}" 2>&1) &&
                fail "bootstrap of $LTYPE with ${args[*]} succeeded"
        echo "$out" | grep -q "$want" || fail "unclear error: $out"
        echo "bad bootstrap: $out"
        nn_exec "$ns" "$BIN/irm" ipcp destroy name bad >/dev/null 2>&1 || true
}

layer_bootstrap() {
        local ns=$1 peer=$2 args=()
        [ "$ns" = a ] && layer_bad_bootstrap "$ns"
        case $LTYPE in
        eth-dix | eth-llc) args=(dev "$(nn_dev "$ns" "$peer")") ;;
        udp4) args=(ip "$(nn_ip4 "$ns" "$peer")") ;;
        udp6) args=(ip "$(nn_ip6 "$ns" "$peer")") ;;
        *) fail "unknown layer type $LTYPE" ;;
        esac
        nn_irm "$ns" ipcp bootstrap type "$LTYPE" name lyr layer "$LAYER" \
                "${args[@]}"
}

# The udp layers find the names b serves in $OUROBOROS_UDP_MAPDIR/<layer>.map
# (ipcpd-udp(8)), which the IPCPs get from their IRMd's environment.
udp_map() {
        local d=$NN_DIR/udpmap addr
        mkdir -p "$d"
        if [ "$LTYPE" = udp4 ]; then
                addr=$(nn_ip4 b a)
        else
                addr="[$(nn_ip6 b a)]"
        fi
        echo "$addr oping fc fcx operf ocbr oecho pyecho" >"$d/$LAYER.map"
        NN_ENV+=("OUROBOROS_UDP_MAPDIR=$d")
}

layer_servers() {
        local d=$NN_DIR/b
        nn_irm b name register oping layer "$LAYER"
        nn_irm b name register fc layer "$LAYER"
        nn_irm b name register fcx layer "$LAYER"
        nn_bg b "$BIN/oping" -l >>"$d/oping.log" 2>&1
        nn_bind b "$LAST_PID" oping
        : >"$d/fc.log"
        : >"$d/fcx.log"
        nn_bg b "$FC" server fc >>"$d/fc.log" 2>&1
        nn_bg b "$FC" server fcx -x 50 >>"$d/fcx.log" 2>&1
        nn_wait_line "$d/fc.log" READY || fail "flowcheck server fc"
        nn_wait_line "$d/fcx.log" READY || fail "flowcheck server fcx"
        # the first allocation across (name resolution included)
        nn_retry 5 nn_exec a "$BIN/oping" -n oping -c 1 -t 1000 ||
                fail "no first echo from b over $LTYPE: $(nn_exec a \
                        "$BIN/oping" -n oping -c 1 2>&1 | tail -n 2)"
}

layer_setup() {
        LTYPE=$1
        nn_need_root
        nn_need_netns
        nn_need_bin "ipcpd-$LTYPE" irmd irm oping test-netns-flowcheck
        local t0
        t0=$(nn_ms)
        nn_ns_add a b
        nn_veth a b
        [[ $LTYPE == udp* ]] && udp_map
        nn_irmd_start a b
        layer_bootstrap a b
        layer_bootstrap b a
        layer_servers
        echo "setup $LTYPE: $(( $(nn_ms) - t0 )) ms"
}

layer_time() {
        echo "$1 $LTYPE: $(( $(nn_ms) - $2 )) ms"
}

layer_echo() {
        local t0 out
        t0=$(nn_ms)
        out=$(nn_exec a "$BIN/oping" -n oping -c 1000 -i 0 -Q 2>&1) ||
                fail "oping over $LTYPE: $out"
        echo "$out" | grep -q " 0% packet loss" ||
                fail "oping over $LTYPE lost packets: $out"
        echo "$out" | grep "packet loss"
        layer_time echo "$t0"
        layer_cached
}

# a's IPCP counter $1 (irm ipcp stat).
layer_ctr() {
        nn_exec a "$BIN/irm" ipcp stat name lyr 2>/dev/null |
                awk -v c="$1" '$1 == c { print $2; exit }'
}

# A second allocation to the name within the directory cache's life
# (SHIM_DIR_TTL_MS, 10 s) sends no name query: the address is cached.
layer_cached() {
        local q0 q1 out
        q0=$(layer_ctr queries_out)
        out=$(nn_exec a "$BIN/oping" -n oping -c 1 -Q 2>&1) ||
                fail "second oping over $LTYPE: $out"
        q1=$(layer_ctr queries_out)
        [ -n "$q0" ] && [ "$q0" -ge 1 ] ||
                fail "a's IPCP counted no name query: $q0"
        [ "$q1" = "$q0" ] ||
                fail "a second allocation queried again ($q0 -> $q1)"
        echo "second allocation: address cached ($q0 queries in all)"
}

layer_packets() {
        local t0
        t0=$(nn_ms)
        # shellcheck disable=SC2086
        nn_exec a "$FC" client fc -n "${1:-10000}" ${FC_MAX:+-s $FC_MAX} ||
                fail "flowcheck client over $LTYPE (exit $?)"
        layer_time packets "$t0"
}

layer_dealloc() {
        local t0
        t0=$(nn_ms)
        nn_exec a "$FC" hold fcx -b 1000 ||
                fail "deallocation over $LTYPE not seen within 1 s (exit $?)"
        nn_wait_line "$NN_DIR/b/fcx.log" "^DEALLOC" 2 ||
                fail "the server did not deallocate"
        layer_time dealloc "$t0"
}

# The other tools, and pyOuroboros, over the layer.
layer_tools() {
        local t0 d=$NN_DIR/b out n
        t0=$(nn_ms)
        for n in operf ocbr oecho; do
                nn_irm b name register "$n" layer "$LAYER"
                : >"$d/$n.log"
                nn_bg b "$BIN/$n" -l >>"$d/$n.log" 2>&1
                nn_bind b "$LAST_PID" "$n"
        done
        nn_retry 5 nn_exec a "$BIN/oecho" -n oecho -m hi -t 1000 ||
                fail "no oecho server over $LTYPE"
        out=$(nn_exec a "$BIN/oecho" -n oecho -m "over $LTYPE" 2>&1) ||
                fail "oecho over $LTYPE: $out"
        echo "$out" | grep -q "over $LTYPE" || fail "oecho over $LTYPE: $out"
        out=$(nn_exec a "$BIN/operf" -n operf -d 1s -s 1000 -r 2000 -e 2>&1) ||
                fail "operf over $LTYPE: $out"
        echo "$out" | tail -n 3
        out=$(nn_exec a "$BIN/ocbr" -n ocbr -d 1s -s 500 -r 1M 2>&1) ||
                fail "ocbr over $LTYPE: $out"
        nn_wait_line "$d/ocbr.log" "[0-9]" 3 || fail "ocbr server saw nothing"
        if [ -n "${PYOURO_PYTHON:-}" ]; then
                local ex=$HARNESS_DIR/../python/examples/oecho.py
                nn_irm b name register pyecho layer "$LAYER"
                : >"$d/pyecho.log"
                # the example serves "oecho": run it under that name in
                # a copy that answers to pyecho
                sed 's/"oecho"/"pyecho"/' "$ex" >"$NN_DIR/pyecho.py"
                nn_bg b "$PYOURO_PYTHON" -u "$NN_DIR/pyecho.py" -l \
                        >>"$d/pyecho.log" 2>&1
                nn_bind b "$LAST_PID" pyecho
                nn_wait_line "$d/pyecho.log" "Starting" 10 ||
                        fail "the Python server did not start: $(cat "$d/pyecho.log")"
                nn_retry 10 nn_exec a "$PYOURO_PYTHON" "$NN_DIR/pyecho.py" ||
                        fail "no Python oecho server over $LTYPE"
                out=$(nn_exec a "$PYOURO_PYTHON" "$NN_DIR/pyecho.py" 2>&1) ||
                        fail "Python oecho over $LTYPE: $out"
                [ "$out" = "Hello, PyOuroboros!" ] ||
                        fail "Python oecho over $LTYPE: $out"
                echo "pyOuroboros oecho over $LTYPE: $out"
        else
                echo "pyOuroboros oecho over $LTYPE: not in this run" \
                        "(PYOURO_PYTHON unset; the pyOuroboros suite runs it," \
                        "python/ouroboros/tests/test_layers.py)"
        fi
        layer_time tools "$t0"
}

# eth: the flows follow the link (FLOW_DOWN, FLOW_UP). udp has no link
# state (ipcpd-udp(8)): an outage shorter than the liveness timeout is
# ridden out, no event, echoes again once the link is back.
layer_flap() {
        local t0 log=$NN_DIR/a/flap.log pid rc tup mode=-u
        t0=$(nn_ms)
        [[ $LTYPE == udp* ]] && mode=-U
        nn_bg a "$FC" hold fc $mode -b 5000 >"$log" 2>&1
        pid=$LAST_PID
        nn_wait_line "$log" "^UP" 5 || fail "flap: no echo before the link went down"
        nn_link a b down
        if [ $mode = -u ]; then
                nn_wait_line "$log" "^DOWN" 8 ||
                        fail "flap: no FLOW_DOWN over $LTYPE: $(cat "$log")"
        else
                nn_wait_line "$log" "^GAP" 3 ||
                        fail "flap: echoes go on over a down link: $(cat "$log")"
        fi
        sleep 1
        nn_link a b up
        tup=$(nn_ms)
        wait_gone "$pid" 150 || fail "flap: no echo within 5 s of the link coming up: $(cat "$log")"
        wait "$pid"
        rc=$?
        cat "$log"
        [ $rc = 0 ] || fail "flap over $LTYPE (exit $rc)"
        [ $(( $(nn_ms) - tup )) -le 5500 ] ||
                fail "flap: echoes came back $(( $(nn_ms) - tup )) ms after the link"
        layer_time flap "$t0"
}

# Client PID (log LOG) of WHAT must exit by itself within TICKS tenths
# of a second (else: a hang), with 0.
layer_client_end() {
        local rc
        wait_gone "$1" "$4" || fail "$3: the client still waits: $(cat "$2")"
        wait "$1"
        rc=$?
        cat "$2"
        [ $rc = 0 ] || fail "$3 over $LTYPE: the client exited $rc"
}

# A client of b's server fc, in the background, until it is told that
# the flow went (kill scenarios); its log in $HOLD_LOG.
layer_hold_start() {
        HOLD_LOG=$NN_DIR/a/hold-$1.log
        nn_bg a "$FC" hold fc -b $((LIVENESS_MS + LIVENESS_TICK_MS + SLACK_MS)) \
                >"$HOLD_LOG" 2>&1
        HOLD_PID=$LAST_PID
        nn_wait_line "$HOLD_LOG" "^UP" 5 || fail "$1: no echo: $(cat "$HOLD_LOG")"
}

# The client must have exited by itself, within the bound, with 0, its
# flow down (not deallocated) and reads and writes failing with
# -EFLOWDOWN (1005); then a's IPCP holds no flow ($3: or that many, of
# other clients). $2: the earliest the
# event may come after the last echo (ms; the liveness timeout when only
# the liveness check can tell, 0 when the link itself goes).
layer_hold_end() {
        local d
        layer_client_end "$HOLD_PID" "$HOLD_LOG" "$1" \
                $(( (LIVENESS_MS + SLACK_MS) / 100 + 30 ))
        grep -Eq "^EVENT (FLOW_DOWN|write=-1005|read=-1005) " "$HOLD_LOG" ||
                fail "$1: not FLOW_DOWN: $(grep ^EVENT "$HOLD_LOG")"
        grep -q "^ERRORS read -1005 write -1005 down$" "$HOLD_LOG" ||
                fail "$1: the flow is not down, or reads and writes do not fail with -EFLOWDOWN"
        d=$(awk '$1 == "EVENT" { print $3; exit }' "$HOLD_LOG")
        echo "$1: down $d ms after the last echo (bound ${2}..$((LIVENESS_MS + LIVENESS_TICK_MS)) ms + slack)"
        [ "$d" -ge "$2" ] || fail "$1: down after $d ms, before the liveness timeout"
        layer_no_leak "$1" "${3:-0}"
}

# a's IPCP holds no flow any more (the client deallocated), or only
# the $2 flows other clients still hold.
layer_no_leak() {
        local n
        for _ in $(seq 40); do
                n=$(nn_exec a "$BIN/irm" ipcp stat name lyr 2>&1 |
                        awk '$1 == "flows" || $1 == "flows:" { print $NF; exit }')
                [ "${n:-0}" = "${2:-0}" ] && return 0
                sleep 0.05
        done
        fail "$1: a's IPCP holds $n flow(s), not ${2:-0}"
}

# b's IPCP silent (stopped) for longer than the liveness timeout: a's
# flow goes down and is kept; resumed, b is heard again: FLOW_UP and
# echoes on the same flow.
layer_stall_b() {
        local t0 log=$NN_DIR/a/stall.log pid rc bpid d
        t0=$(nn_ms)
        nn_bg a "$FC" hold fc -u -b $((LIVENESS_MS + LIVENESS_TICK_MS + SLACK_MS)) \
                >"$log" 2>&1
        pid=$LAST_PID
        nn_wait_line "$log" "^UP" 5 || fail "stall: no echo: $(cat "$log")"
        bpid=$(nn_ipcp_pid b lyr)
        [ -n "$bpid" ] || fail "no pid for b's IPCP"
        kill -STOP "$bpid"
        nn_wait_line "$log" "^DOWN" $(( (LIVENESS_MS + SLACK_MS) / 1000 + 2 ))
        rc=$?
        kill -CONT "$bpid"
        [ $rc = 0 ] || fail "stall: no FLOW_DOWN over $LTYPE: $(cat "$log")"
        layer_client_end "$pid" "$log" "stall (FLOW_UP and echoes after b resumed)" 150
        d=$(awk '$1 == "DOWN" { print $2; exit }' "$log")
        [ "$d" -ge $((LIVENESS_MS - 100)) ] ||
                fail "stall: down $d ms after the last echo, before the liveness timeout"
        layer_no_leak stall
        layer_time stall "$t0"
}

layer_kill_ipcp() {
        local t0 pid apid
        t0=$(nn_ms)
        layer_hold_start kill-ipcp
        pid=$(nn_ipcp_pid b lyr)
        apid=$(nn_ipcp_pid a lyr)
        [ -n "$pid" ] || fail "no pid for b's IPCP"
        # a second client keeps its flow while down (-D): b's IPCP
        # comes back without it (layer_rebuild_b)
        FORGET_LOG=$NN_DIR/a/forget.log
        nn_bg a "$FC" hold fc -D -b 120000 >"$FORGET_LOG" 2>&1
        FORGET_PID=$LAST_PID
        nn_wait_line "$FORGET_LOG" "^UP" 5 || fail "forget: no echo: $(cat "$FORGET_LOG")"
        kill -KILL "$pid"
        layer_hold_end "kill -9 of b's IPCP" $((LIVENESS_MS - 100)) 1
        nn_wait_line "$FORGET_LOG" "^DOWN" 3 ||
                fail "forget: no FLOW_DOWN: $(cat "$FORGET_LOG")"
        nn_wait_line "$NN_DIR/b/fc.log" "^(END|DOWN)" 5 ||
                fail "b's server was not told its IPCP died"
        [ "$(nn_ipcp_pid a lyr)" = "$apid" ] || fail "a's IPCP did not survive"
        layer_time kill-ipcp "$t0"
}

# b's layer again, and its names (after layer_kill_ipcp). The flow a's
# second client kept down is unknown to the new IPCP: a learns it at its
# next probe (or its next packet once the flow is up) and deallocates
# it (FLOW_DEALLOC), within a few seconds.
layer_rebuild_b() {
        local t0
        t0=$(nn_ms)
        layer_bootstrap b a
        for n in oping fc fcx; do
                nn_irm b name register "$n" layer "$LAYER"
        done
        nn_retry 5 nn_exec a "$BIN/oping" -n oping -c 1 -t 1000 ||
                fail "no echo after b's IPCP was restarted"
        layer_client_end "$FORGET_PID" "$FORGET_LOG" \
                "forget (a's flow to b's old IPCP deallocated)" 50
        grep -q "^ERRORS read -1005 write -1005 gone$" "$FORGET_LOG" ||
                fail "forget: the flow is not gone, or reads and writes work"
        echo "forget $LTYPE: deallocated $(( $(nn_ms) - t0 )) ms after b's IPCP was restarted (at most)"
        layer_no_leak forget
}

layer_kill_ns() {
        local t0 apid
        t0=$(nn_ms)
        layer_hold_start kill-ns
        apid=$(nn_ipcp_pid a lyr)
        nn_kill_ns b
        [ -z "$(nn_pids b)" ] || fail "processes left in b"
        layer_hold_end "every process of b killed" $((LIVENESS_MS - 100))
        [ "$(nn_ipcp_pid a lyr)" = "$apid" ] || fail "a's IPCP did not survive"
        layer_time kill-ns "$t0"
}

# b again, from its IRMd up (after layer_kill_ns).
layer_restart_b() {
        nn_irmd_start b
        layer_bootstrap b a
        layer_servers
}

layer_veth_del() {
        local t0 apid lo
        t0=$(nn_ms)
        layer_hold_start veth-del
        apid=$(nn_ipcp_pid a lyr)
        nn_veth_del a b
        lo=$((LIVENESS_MS - 100))
        [[ $LTYPE == eth* ]] && lo=0 # the link itself goes
        layer_hold_end "veth deleted" "$lo"
        [ "$(nn_ipcp_pid a lyr)" = "$apid" ] || fail "a's IPCP did not survive"
        layer_time veth-del "$t0"
}

layer_test() {
        layer_setup "$1"
        layer_echo
        layer_packets
        layer_dealloc
        layer_tools
        layer_flap
        echo PASS
}

layer_gone() {
        layer_setup "$1"
        layer_stall_b
        layer_kill_ipcp
        layer_rebuild_b
        layer_kill_ns
        layer_restart_b
        layer_veth_del
        echo PASS
}
