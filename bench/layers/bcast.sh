# bench/layers/bcast.sh - the broadcast lines of bench/layers/run (sourced
# by it, after tests/netns/lib.sh and the measuring helpers).
#
# 1. A broadcast layer on a line of five namespaces, one writer (L1) and
#    four readers (L2..L5), against the kernel over the same five
#    namespaces: Linux bridges in the middle three and UDP broadcast
#    across them. Two veths between each pair of neighbours, one for
#    each, so that neither path sees the other's frames:
#
#      L1 ---- L2 ---- L3 ---- L4 ---- L5      Ouroboros: eth-dix lNM per
#      b1      b2      b3      b4      b5      link, broadcast members bN
#   writer  reader  reader  reader  reader    (b1 bootstraps "bcl", each
#                                              next one enrolls through
#      L1 ---- br0 --- br0 --- br0 ---- L5     and connects to the one
#   10.201.0.1  .2      .3      .4     .5      before it)
#                                              kernel: one 10.201.0.0/24
#                                              bridged, UDP to .255
#
#    Both run test-netns-bccheck (the same messages, checks and clocks:
#    -j bcl, or -u 10.201.0.255:PORT): "flood" = COUNT messages of SIZE
#    bytes written as fast as the path takes them, the rate (first to
#    last message received) and loss at the farthest reader (L5);
#    "latency" = messages every 2 ms, the one-way latency (send to
#    receive, CLOCK_MONOTONIC, one clock for all namespaces) at L5.
# 2. PycoTCP (lwip, MTU 1400) between ns A and ns B over ouroboros://pco
#    (a broadcast layer of two members over eth-dix on the A-B veth)
#    against the same over a vde_switch: bench/ioth/pybench.py's RTT
#    (64 B lock-step, median) and bulk (one TCP stream).

BC_PORT=47100
BC_ROWS=()
PYCO_ROWS=()

# bc_line_up: the five namespaces, both paths; 1 if they do not come up.
bc_line_up() {
        local i a b d
        nn_ns_add L1 L2 L3 L4 L5
        for i in 1 2 3 4; do
                nn_veth "L$i" "L$((i + 1))"
                BC_ODEV[$i,a]=$(nn_dev "L$i" "L$((i + 1))")
                BC_ODEV[$i,b]=$(nn_dev "L$((i + 1))" "L$i")
        done
        for i in 1 2 3 4; do
                nn_veth "L$i" "L$((i + 1))"
                BC_KDEV[$i,a]=$(nn_dev "L$i" "L$((i + 1))")
                BC_KDEV[$i,b]=$(nn_dev "L$((i + 1))" "L$i")
        done
        # the kernel's path: bridges in L2..L4, one subnet end to end
        nn_exec L1 ip addr add 10.201.0.1/24 dev "${BC_KDEV[1,a]}"
        nn_exec L5 ip addr add 10.201.0.5/24 dev "${BC_KDEV[4,b]}"
        for i in 2 3 4; do
                nn_exec "L$i" ip link add br0 type bridge forward_delay 0 \
                        stp_state 0 || { echo "bench: no bridge" >&2; return 1; }
                nn_exec "L$i" ip link set "${BC_KDEV[$((i - 1)),b]}" master br0
                nn_exec "L$i" ip link set "${BC_KDEV[$i,a]}" master br0
                nn_exec "L$i" ip addr add "10.201.0.$i/24" dev br0
                nn_exec "L$i" ip link set br0 up
        done
        nn_retry 10 nn_ping L1 10.201.0.5 ||
                { echo "bench: the bridged path does not carry" >&2; return 1; }
        [ -n "$KERNEL_ONLY" ] && return 0
        # ours: eth-dix per link, a broadcast member per namespace
        nn_irmd_start L1 L2 L3 L4 L5
        for i in 1 2 3 4; do
                a=L$i; b=L$((i + 1)); d=l$i$((i + 1))
                in_ns "$a" "$BIN/irm" ipcp bootstrap type eth-dix name "e$d" \
                        layer "$d" dev "${BC_ODEV[$i,a]}" &&
                in_ns "$b" "$BIN/irm" ipcp bootstrap type eth-dix name "e$d" \
                        layer "$d" dev "${BC_ODEV[$i,b]}" &&
                in_ns "$a" "$BIN/irm" name register "b$i" layer "$d" &&
                in_ns "$b" "$BIN/irm" name register "b$((i + 1))" layer "$d" ||
                        return 1
        done
        in_ns L1 "$BIN/irm" ipcp bootstrap type broadcast name b1 layer bcl \
                autobind || return 1
        for i in 2 3 4 5; do
                in_ns "L$i" "$BIN/irm" ipcp enroll name "b$i" layer bcl \
                        dst "b$((i - 1))" type broadcast autobind &&
                in_ns "L$i" "$BIN/irm" ipcp connect name "b$i" \
                        dst "b$((i - 1))" component dt || return 1
        done
}

in_ns() {
        local ns=$1 out
        shift
        out=$(nn_exec "$ns" "$@" 2>&1) ||
                { echo "bench: [$ns] $*: $out" >&2; return 1; }
}

# bc_run KIND MODE SIZE: one run (KIND ours|kernel, MODE flood|lat);
# prints the figures at L5: "rate loss_pct p50_us p99_us".
bc_run() {
        local kind=$1 mode=$2 size=$3 go tr i n us pids=() logs=() l
        go=$(mktemp -u "$WORK/bcgo.XXXXXX")
        if [ "$kind" = ours ]; then tr=(-j bcl); else tr=(-u "10.201.0.255:$BC_PORT"); fi
        if [ "$mode" = flood ]; then n=$COUNT; us=0; else n=$BC_LAT_N; us=2000; fi
        for i in 2 3 4 5; do
                l=$WORK/bc-$kind-$mode-$size-L$i.log
                logs+=("$l")
                nn_bg "L$i" "$BCC" "${tr[@]}" -i "$i" -n 0 -e "1:$n" -L -g "$go" \
                        -q 1500 -D 120000 -s "$size" >"$l" 2>&1
                pids+=("$LAST_PID")
        done
        l=$WORK/bc-$kind-$mode-$size-L1.log
        nn_bg L1 "$BCC" "${tr[@]}" -i 1 -n "$n" -I "$us" -s "$size" -f \
                -g "$go" -q 300 -D 120000 >"$l" 2>&1
        pids+=("$LAST_PID")
        for l in "${logs[@]}" "$l"; do
                nn_wait_line "$l" "^JOINED" 15 ||
                        { echo "bench: bccheck did not join: $(cat "$l")" >&2
                          kill "${pids[@]}" 2>/dev/null; echo nan nan nan nan
                          return; }
        done
        sleep 0.2
        touch "$go"
        for i in "${pids[@]}"; do wait "$i"; done
        l=${logs[3]}
        grep -Eq "^(FAIL|CORRUPT [1-9])" "${logs[@]}" &&
                echo "bench: $kind $mode: $(grep -h '^FAIL' "${logs[@]}" | sort -u)" >&2
        awk -v n="$n" '
                /^RATE/ { rate = $2 }
                /^W 1 recv/ { got = $4 }
                /^LAT avg/ { p50 = $5; p99 = $7 }
                END { if (rate == "") rate = "nan"; if (p50 == "") { p50 = "nan"; p99 = "nan" }
                      printf "%s %.2f %s %s\n", rate, (n - got) * 100 / n, p50, p99 }' "$l"
}

bc_bench() {
        local size r mode f ro rk
        BCC=$BIN/test-netns-bccheck
        [ -x "$BCC" ] || { echo "bench: no $BCC: broadcast lines skipped" >&2; return; }
        if [ -z "$KERNEL_ONLY" ] && [ ! -x "$BIN/ipcpd-broadcast" ]; then
                echo "bench: no ipcpd-broadcast: broadcast lines skipped" >&2
                return
        fi
        echo "== broadcast: five namespaces in a line" >&2
        declare -gA BC_ODEV=() BC_KDEV=()
        bc_line_up || { echo "bench: broadcast line not set up" >&2; return; }
        for size in $SIZES; do
                for mode in flood lat; do
                        f=$WORK/bcrows.$mode.$size
                        : >"$f.o"; : >"$f.k"
                        for r in $(seq "${BC_REPEATS:-$REPEATS}"); do
                                echo "   broadcast $mode $size B run $r/${BC_REPEATS:-$REPEATS}" >&2
                                bc_run kernel "$mode" "$size" >>"$f.k"
                                [ -n "$KERNEL_ONLY" ] && continue
                                bc_run ours "$mode" "$size" >>"$f.o"
                        done
                        read -r -a rk <<<"$(medians "$f.k")"
                        ro=(nan nan nan nan)
                        [ -s "$f.o" ] && read -r -a ro <<<"$(medians "$f.o")"
                        if [ "$mode" = flood ]; then
                                BC_ROWS+=("$(printf '%-7s %5s | %9s %6s | %9s %6s | %5s' \
                                        flood "$size" "${ro[0]}" "${ro[1]}" \
                                        "${rk[0]}" "${rk[1]}" "$(ratio "${ro[0]}" "${rk[0]}")")")
                        else
                                BC_ROWS+=("$(printf '%-7s %5s | %9s %6s | %9s %6s | %5s' \
                                        latency "$size" "${ro[2]}" "${ro[3]}" \
                                        "${rk[2]}" "${rk[3]}" "$(ratio "${ro[2]}" "${rk[2]}")")")
                        fi
                done
        done
}

# pyco_run URL: pybench.py server in A, client in B, both under
# pyco-wrapper on URL; prints "rtt_us MBps".
PYCO_PORT=21000
pyco_run() {
        local url=$1 py=/usr/bin/python3 srv out
        local script=$REPO/bench/ioth/pybench.py
        local wrap=(-m pycotcp.wrapper "$script" -f "$url" --mtu 1400)
        PYCO_PORT=$((PYCO_PORT + 1))
        nn_bg A "$py" "${wrap[@]}" \
                -a 10.40.0.1/24 -- serve "$PYCO_PORT" >"$WORK/pyco-srv.log" 2>&1
        srv=$LAST_PID
        nn_wait_line "$WORK/pyco-srv.log" READY 20 || {
                echo "bench: pybench server on $url: $(tail -n 3 "$WORK/pyco-srv.log")" >&2
                kill -- -"$srv" 2>/dev/null; echo nan nan; return; }
        out=$(nn_exec B timeout 120 "$py" \
                "${wrap[@]}" -a 10.40.0.2/24 -- client 10.40.0.1 "$PYCO_PORT" \
                "$PYCO_ROUNDS" "$PYCO_BYTES" 2>&1)
        kill -- -"$srv" 2>/dev/null
        wait "$srv" 2>/dev/null
        echo "$out" | sed -n 's/.*rtt_us=\([0-9.]*\) bulk_MBps=\([0-9.]*\).*/\1 \2/p' |
                grep . || { echo "bench: pybench client on $url: $(echo "$out" | tail -n 3)" >&2
                            echo nan nan; }
}

pyco_bench() {
        local r fo fv o v
        . "$REPO/tests/netns/pyco.sh"
        if [ -n "$KERNEL_ONLY" ] || [ ! -x "$BIN/ipcpd-broadcast" ]; then
                echo "bench: PycoTCP lines skipped (kernel only, or no" \
                     "ipcpd-broadcast)" >&2
                return
        fi
        pyco_ready "$WORK/pylib" >&2 || {
                echo "bench: PycoTCP lines skipped: $PYCO_WHY" >&2
                return; }
        echo "== PycoTCP over ouroboros:// and over a vde_switch" >&2
        in_ns A "$BIN/irm" ipcp bootstrap type eth-dix name pe-a layer pel \
                dev "$DEV_A" &&
        in_ns B "$BIN/irm" ipcp bootstrap type eth-dix name pe-b layer pel \
                dev "$DEV_B" &&
        in_ns A "$BIN/irm" name register pa layer pel &&
        in_ns A "$BIN/irm" ipcp bootstrap type broadcast name pa layer pco \
                autobind &&
        in_ns B "$BIN/irm" ipcp enroll name pb layer pco dst pa type broadcast \
                autobind &&
        in_ns B "$BIN/irm" ipcp connect name pb dst pa component dt || {
                echo "bench: the pco layer did not come up" >&2; return; }
        [ -n "${NN_VDE[sw]:-}" ] || nn_vde_switch sw
        fo=$WORK/pyco.o; fv=$WORK/pyco.v
        : >"$fo"; : >"$fv"
        for r in $(seq "${BC_REPEATS:-$REPEATS}"); do
                echo "   pycotcp run $r/${BC_REPEATS:-$REPEATS}" >&2
                pyco_run ouroboros://pco >>"$fo"
                pyco_run "${NN_VDE[sw]}" >>"$fv"
        done
        read -r -a o <<<"$(medians "$fo")"
        read -r -a v <<<"$(medians "$fv")"
        PYCO_ROWS+=("$(printf '%-7s | %9s %9s | %9s %9s | %5s %5s' lwip \
                "${o[0]}" "${o[1]}" "${v[0]}" "${v[1]}" \
                "$(ratio "${o[0]}" "${v[0]}")" "$(ratio "${o[1]}" "${v[1]}")")")
}

bc_report() {
        [ ${#BC_ROWS[@]} -gt 0 ] && {
                echo
                echo "Broadcast, one writer (L1), four readers, a line of five namespaces;"
                echo "figures at the farthest reader (L5); ours: a broadcast layer over"
                echo "eth-dix, kernel: UDP broadcast across bridges in L2..L4. flood: $COUNT"
                echo "messages as fast as taken, delivered msg/s and loss %; latency: $BC_LAT_N"
                echo "messages 2 ms apart, one-way p50/p99 us. ratio ours/kernel."
                printf '%-7s %5s | %9s %6s | %9s %6s | %5s\n' what bytes ours "" kernel "" ratio
                printf '%s\n' "${BC_ROWS[@]}"
        }
        [ ${#PYCO_ROWS[@]} -gt 0 ] && {
                echo
                echo "PycoTCP (lwip, MTU 1400) ns A <-> ns B, bench/ioth/pybench.py: RTT us"
                echo "(64 B lock-step, median of $PYCO_ROUNDS) and bulk MB/s ($PYCO_BYTES B), median of ${BC_REPEATS:-$REPEATS} runs;"
                echo "over ouroboros://pco (broadcast layer over eth-dix) vs a vde_switch"
                printf '%-7s | %9s %9s | %9s %9s | %5s %5s\n' stack "ours rtt" MB/s \
                        "vde rtt" MB/s rtt bulk
                printf '%s\n' "${PYCO_ROWS[@]}"
        }
        return 0
}
