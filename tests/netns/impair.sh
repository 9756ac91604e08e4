# Ouroboros - the impaired path of the FRCT tests and benchmark
# (tests/netns/test_frct*.sh, bench/frct/run), sourced after lib.sh.
# One path carries both an eth-dix layer and, for the baseline, kernel
# TCP (cubic) between the same two taps:
#
#   +-- ns a --------------+                        +-- ns b --------------+
#   | irmd; eth-dix "lyr"  |                        | irmd; eth-dix "lyr"  |
#   | on tap tpa           |                        | on tap tpb           |
#   | 10.201.0.1/24 cubic  |                        | 10.201.0.2/24 cubic  |
#   | xfer send / tcpsend  |                        | xfer recv / tcprecv  |
#   +------ tpa -----------+                        +------ tpb -----------+
#            | vde_plug2tap                        vde_plug2tap |
#         +----+   wirefilter (loss, dup, delay+jitter,     +----+
#         | s1 |---- reordering, bit errors; both ways) ----| s2 |
#         +----+                                            +----+
#
#   imp_setup WIREFILTER-ARGS...   build it all; the receivers run in b:
#                                  xfer recv bound to "xf" (gives up on
#                                  a flow idle IMP_IDLE s, default 20; log
#                                  $NN_DIR/b/xf.log, pid IMP_RECV_PID),
#                                  tcprecv on port
#                                  5001 ($NN_DIR/b/tcp.log)
#   imp_filter WIREFILTER-ARGS...  replace the wirefilter (new impairment)
#   imp_cut / imp_restore          stop the wirefilter (the link is cut:
#                                  nothing passes) / start it again
#   imp_send ARGS...               xfer send xf ARGS in a (its output;
#                                  not in a subshell: it notes where
#                                  the receiver's log stands)
#   imp_result                     the receiver's RESULT line for the
#                                  last transfer (waits up to 30 s)
#   imp_tcp ARGS...                tcpsend 10.201.0.2 5001 ARGS in a
#   imp_tbf RATE                   tc tbf on a's tap (RATE e.g. 20mbit),
#                                  with IMP_MIDDLE=1 (below) on the
#                                  middle bridge's way to b
#
# Everything is created by the test (unique names, lib.sh) and removed
# on exit, also on failure: taps and plugs go with their namespaces,
# the switches and wirefilters with lib.sh's cleanup.

XF=$BIN/test-netns-xfer
IMP_WF=0
IMP_ARGS=()
IMP_SEEN=0

imp_setup() {
        nn_need_root
        nn_need_netns
        nn_need_bin ipcpd-eth-dix irmd irm test-netns-xfer
        command -v vde_plug2tap >/dev/null || skip "no vde_plug2tap (vde2)"
        IMP_ARGS=("$@")
        nn_vde_switch s1
        nn_vde_switch s2
        nn_wirefilter "w$IMP_WF" s1 s2 "$@"
        nn_ns_add a b
        imp_tap a tpa s1 10.201.0.1
        if [ "${IMP_MIDDLE:-0}" = 1 ]; then
                imp_middle
                imp_tap b tpb s3 10.201.0.2
        else
                imp_tap b tpb s2 10.201.0.2
        fi
        nn_irmd_start a b
        nn_irm a ipcp bootstrap type eth-dix name lyr layer imp dev tpa
        nn_irm b ipcp bootstrap type eth-dix name lyr layer imp dev tpb
        nn_irm b name register xf layer imp
        nn_bg b env OUROBOROS_FRCT_STATS=1 "$XF" recv -t "${IMP_IDLE:-20}" >"$NN_DIR/b/xf.log" 2>&1
        IMP_RECV_PID=$LAST_PID
        nn_bind b "$LAST_PID" xf
        nn_wait_line "$NN_DIR/b/xf.log" READY || fail "xfer recv"
        nn_bg b "$XF" tcprecv 5001 >"$NN_DIR/b/tcp.log" 2>&1
        nn_wait_line "$NN_DIR/b/tcp.log" READY || fail "xfer tcprecv"
        nn_retry 10 nn_ping a 10.201.0.2 1 ||
                fail "no IPv4 echo across the impaired path"
}

# A tap in namespace $1 named $2, plugged into switch $3, address $4.
imp_tap() {
        local ns=${NN_NS[$1]#net:}
        ip -n "$ns" tuntap add dev "$2" mode tap || fail "tap $2 in $1"
        ip -n "$ns" addr add "$4/24" dev "$2"
        ip -n "$ns" link set "$2" up || fail "tap $2 up"
        # the namespace default where the host allows it; xfer pins
        # cubic on each socket anyway (TCP_CONGESTION, fails if it can't)
        ip netns exec "$ns" sysctl -qw net.ipv4.tcp_congestion_control=cubic \
                2>/dev/null
        nn_bg "$1" vde_plug2tap -s "${NN_VDE[$3]}" "$2" \
                >"$NN_DIR/$1/plug.log" 2>&1
}

# IMP_MIDDLE=1: b hangs off a third switch s3, reached through a bridge
# in namespace m (taps tm2 on s2, tm3 on s3), where imp_tbf limits the
# way to b: a bottleneck in the middle of the path, not in the
# senders' host (where TCP's small queues would make it yield to any
# other traffic in the qdisc).
imp_middle() {
        local m
        nn_vde_switch s3
        nn_ns_add m
        m=${NN_NS[m]#net:}
        ip -n "$m" link add br0 type bridge || fail "bridge in m"
        for t in tm2:s2 tm3:s3; do
                ip -n "$m" tuntap add dev "${t%:*}" mode tap || fail "tap ${t%:*}"
                ip -n "$m" link set "${t%:*}" master br0 up || fail "${t%:*} up"
                nn_bg m vde_plug2tap -s "${NN_VDE[${t#*:}]}" "${t%:*}" \
                        >"$NN_DIR/m/plug-${t%:*}.log" 2>&1
        done
        ip -n "$m" link set br0 up || fail "br0 up"
}

imp_filter() {
        imp_cut
        IMP_ARGS=("$@")
        imp_restore
}

imp_cut() {
        local p
        p=$(nn_pidfile_pid "$NN_DIR/wf-w$IMP_WF/pid")
        [ -n "$p" ] || fail "no wirefilter running"
        kill -TERM "$p"
        for _ in $(seq 40); do
                kill -0 "$p" 2>/dev/null || return 0
                sleep 0.05
        done
        kill -KILL "$p"
}

imp_restore() {
        IMP_WF=$((IMP_WF + 1))
        nn_wirefilter "w$IMP_WF" s1 s2 "${IMP_ARGS[@]}"
}

imp_send() {
        IMP_SEEN=$(grep -c '^RESULT' "$NN_DIR/b/xf.log")
        nn_exec a "$XF" send xf "$@"
}

imp_result() {
        local n
        for _ in $(seq 300); do
                n=$(grep -c '^RESULT' "$NN_DIR/b/xf.log")
                if [ "$n" -gt "$IMP_SEEN" ]; then
                        grep '^RESULT' "$NN_DIR/b/xf.log" | tail -n 1
                        return 0
                fi
                sleep 0.1
        done
        echo "RESULT none"
        return 1
}

imp_tcp() {
        nn_exec a "$XF" tcpsend 10.201.0.2 5001 "$@"
}

imp_tbf() {
        local ns=a dev=tpa
        [ "${IMP_MIDDLE:-0}" = 1 ] && ns=m && dev=tm3
        tc -n "${NN_NS[$ns]#net:}" qdisc replace dev "$dev" root tbf \
                rate "$1" burst 32kb latency 100ms || fail "tc tbf $1"
}
