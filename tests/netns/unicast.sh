# shellcheck shell=bash
# Ouroboros - unicast layers in network namespaces, for the multi-host
# tests (tests/netns/test_unicast_*.sh) and bench/unicast/run. Sourced
# after lib.sh.
#
# A topology is an edge list of hosts h1..hN ("1,2 2,3 3,1"): one
# namespace per host with its own IRMd, one veth per edge with an
# eth-dix layer on it (IPCPs e<a>.<b> in layer l<a>.<b>, a < b), and one
# unicast member u<N> per host in layer $UC_LAYER (default "net"):
#
#       h1                      h2                      h3
#   +---------+  veth l1.2  +---------+  veth l2.3  +---------+
#   | u1      |-------------| u2      |-------------| u3      |
#   | e1.2    |             | e1.2    |             | e2.3    |
#   +---------+             | e2.3    |             +---------+
#                           +---------+
#   (uc_line 3; uc_ring N adds the edge N,1; uc_setup takes any list)
#
# u1 bootstraps the layer (options $UC_OPTS, e.g. "routing lfa"), every
# other member enrolls through a neighbour that is already a member
# (breadth first from h1), each member's name is registered in its
# eth layers so that its neighbours reach it; then every edge is
# connected (irm ipcp connect: dt and mgmt), and uc_wait_converged
# polls `irm ipcp stat` until every member routes to every other one.
#
#   uc_setup "EDGES"             the above; UC_N hosts, UC_EDGES
#   uc_hosts_links "EDGES"       hosts, links and eth-dix layers only
#   uc_layer                     a unicast layer over them (UC_LAYER,
#                                UC_PFX, UC_OPTS): several may share
#                                the hosts and links
#   uc_line N / uc_ring N        the same for a line / a ring of N
#   uc_wait_converged [SECS]     every member has a route to each
#                                other one (default $UC_CONVERGE or 30
#                                s); prints the
#                                time; fails with every member's stat
#   uc_stat H                    irm ipcp stat of u<H> (H a number)
#   uc_addr H                    u<H>'s address
#   uc_routes H                  how many routes u<H> has
#   uc_nexthop H DST             u<H>'s next hop toward u<DST>'s address
#   uc_counter H NAME            a counter of u<H> (0 if absent)
#   uc_server H NAME             an echo server (flowcheck server) bound
#                                to NAME, registered in $UC_LAYER at u<H>
#   uc_check H NAME [ARGS]       flowcheck client from h<H> to NAME
#                                (10 000 packets of random sizes by
#                                default): fails on any loss/corruption
#   uc_stream H NAME LOG [ARGS]  ucstream from h<H> to NAME in the
#                                background, output in LOG, pid in
#                                UC_STREAM_PID
#   uc_stream_end LOG [SECS]     until that ucstream ends; its exit
#                                status must be 0
#   uc_dump                      every member's stat (on failure)
#   uc_link_down A B / uc_link_up A B
#                                take h<A>'s end of the veth A-B down (its
#                                peer loses the carrier) / up again
#
# Names: UC_LAYER (net), UC_PFX (u, the members' names), UC_OPTS.

UC_LAYER=${UC_LAYER:-net}
UC_PFX=${UC_PFX:-u}
UC_OPTS=${UC_OPTS:-}
UC_N=0
UC_EDGES=
UC_CHECK=$BIN/test-netns-flowcheck
UC_STREAM=$BIN/test-netns-ucstream
declare -A UC_LOWER=()    # host -> its eth layers
declare -A UC_MEMBER=()   # host -> 1 once enrolled

uc_sfx() {                # 3 1 -> 1.3
        [ "$1" -lt "$2" ] && echo "$1.$2" || echo "$2.$1"
}

uc_ipcp() { echo "$UC_PFX$1"; }

uc_fail() {
        uc_dump
        fail "$@"
}

uc_need() {
        nn_need_root
        nn_need_netns
        nn_need_bin ipcpd-eth-dix ipcpd-unicast irmd irm \
                test-netns-flowcheck test-netns-ucstream
}

# uc_hosts_links EDGES: namespaces, veths, IRMds and eth-dix layers.
uc_hosts_links() {
        local e a b x h n=0 hosts=()
        UC_EDGES=$1
        for e in $UC_EDGES; do
                a=${e%,*}; b=${e#*,}
                [ "$a" -gt "$n" ] && n=$a
                [ "$b" -gt "$n" ] && n=$b
        done
        UC_N=$n
        for h in $(seq "$n"); do hosts+=("h$h"); done
        nn_ns_add "${hosts[@]}"
        for e in $UC_EDGES; do
                nn_veth "h${e%,*}" "h${e#*,}"
        done
        nn_irmd_start "${hosts[@]}"
        for e in $UC_EDGES; do
                a=${e%,*}; b=${e#*,}; x=$(uc_sfx "$a" "$b")
                nn_irm "h$a" ipcp bootstrap type eth-dix name "e$x" \
                        layer "l$x" dev "$(nn_dev "h$a" "h$b")"
                nn_irm "h$b" ipcp bootstrap type eth-dix name "e$x" \
                        layer "l$x" dev "$(nn_dev "h$b" "h$a")"
                UC_LOWER[$a]+=" l$x"
                UC_LOWER[$b]+=" l$x"
        done
}

# uc_members: bootstrap u1, enroll the rest breadth first, register each
# member's name in its lower layers first.
uc_members() {
        local h x e a b regs queue next
        for h in $(seq "$UC_N"); do
                regs=()
                for x in ${UC_LOWER[$h]}; do regs+=(layer "$x"); done
                [ ${#regs[@]} -gt 0 ] || fail "host h$h has no link"
                nn_irm "h$h" name register "$(uc_ipcp "$h")" "${regs[@]}"
        done
        # shellcheck disable=SC2086 # options are words
        nn_irm h1 ipcp bootstrap type unicast name "$(uc_ipcp 1)" \
                layer "$UC_LAYER" $UC_OPTS autobind
        UC_MEMBER=()
        UC_MEMBER[1]=1
        queue=(1)
        while [ ${#queue[@]} -gt 0 ]; do
                next=()
                for h in "${queue[@]}"; do
                        for e in $UC_EDGES; do
                                a=${e%,*}; b=${e#*,}
                                [ "$a" = "$h" ] || { [ "$b" = "$h" ] && b=$a; } ||
                                        continue
                                [ -n "${UC_MEMBER[$b]:-}" ] && continue
                                uc_enroll "$b" "$h"
                                UC_MEMBER[$b]=1
                                next+=("$b")
                        done
                done
                queue=("${next[@]}")
        done
        for h in $(seq "$UC_N"); do
                [ -n "${UC_MEMBER[$h]:-}" ] || fail "host h$h is not connected"
        done
}

uc_enroll() {
        local out
        out=$(nn_exec "h$1" "$BIN/irm" ipcp enroll name "$(uc_ipcp "$1")" \
                layer "$UC_LAYER" dst "$(uc_ipcp "$2")" autobind 2>&1) ||
                uc_fail "[h$1] enroll $(uc_ipcp "$1") via $(uc_ipcp "$2"): $out"
}

uc_connect() {
        local out
        out=$(nn_exec "h$1" "$BIN/irm" ipcp connect name "$(uc_ipcp "$1")" \
                dst "$(uc_ipcp "$2")" "${@:3}" 2>&1) ||
                uc_fail "[h$1] connect $(uc_ipcp "$1") to $(uc_ipcp "$2"): $out"
}

uc_disconnect() {
        local out
        out=$(nn_exec "h$1" "$BIN/irm" ipcp disconnect name "$(uc_ipcp "$1")" \
                dst "$(uc_ipcp "$2")" "${@:3}" 2>&1) ||
                uc_fail "[h$1] disconnect $(uc_ipcp "$1") from $(uc_ipcp "$2"): $out"
}

uc_setup() {
        uc_need
        uc_hosts_links "$1"
        uc_layer
}

# uc_layer [EDGES]: a unicast layer $UC_LAYER (members $UC_PFX<N>,
# bootstrap options $UC_OPTS) over the hosts and links made, its
# adjacencies on EDGES (default: every link), converged.
uc_layer() {
        local t0 e
        t0=$(nn_ms)
        uc_members
        for e in ${1:-$UC_EDGES}; do
                uc_connect "${e%,*}" "${e#*,}"
        done
        echo "layer $UC_LAYER ($UC_OPTS): $UC_N members," \
                "$(echo ${1:-$UC_EDGES} | wc -w) adjacencies:" \
                "$(( $(nn_ms) - t0 )) ms"
        uc_wait_converged
}

uc_line() {
        local i e=
        for i in $(seq 2 "$1"); do e+=" $((i - 1)),$i"; done
        uc_setup "${e# }"
}

uc_ring() {
        local i e=
        for i in $(seq 2 "$1"); do e+=" $((i - 1)),$i"; done
        uc_setup "${e# } $1,1"
}

uc_stat() {
        nn_exec "h$1" "$BIN/irm" ipcp stat name "$(uc_ipcp "$1")"
}

uc_addr() {
        uc_stat "$1" 2>/dev/null | sed -n 's/^address: \([0-9][0-9]*\)$/\1/p'
}

uc_routes() {
        local n
        n=$(uc_stat "$1" 2>/dev/null | sed -n 's/^routes: \([0-9]*\)$/\1/p')
        echo "${n:-0}"
}

# The next hop column of the row of the destination's address.
uc_nexthop() {
        local d
        d=$(uc_addr "$2")
        uc_stat "$1" 2>/dev/null | awk -v d="$d" '
                /^routes:/ { r = 1; next }
                /^[^ ]/ { r = 0 }
                r && $1 == d { print $2; exit }'
}

uc_counter() {
        local v
        v=$(uc_stat "$1" 2>/dev/null | awk -v n="$2" '
                /^counters:/ { c = 1; next }
                c && $1 == n { print $2; exit }')
        echo "${v:-0}"
}

uc_wait_converged() {
        local secs=${1:-${UC_CONVERGE:-30}} t0 end h left
        t0=$(nn_ms)
        end=$(( t0 + secs * 1000 ))
        while :; do
                left=
                for h in $(seq "$UC_N"); do
                        [ -z "${UC_MEMBER[$h]:-}" ] && continue
                        [ "$(uc_routes "$h")" -ge $(( ${#UC_MEMBER[@]} - 1 )) ] ||
                                { left=$h; break; }
                done
                [ -z "$left" ] && break
                [ "$(nn_ms)" -lt "$end" ] ||
                        uc_fail "not converged in $secs s: u$left has" \
                                "$(uc_routes "$left") routes of $(( ${#UC_MEMBER[@]} - 1 ))"
                sleep 0.2
        done
        echo "converged: $(( $(nn_ms) - t0 )) ms"
}

uc_dump() {
        local h
        for h in $(seq "$UC_N"); do
                [ -n "${NN_NS[h$h]:-}" ] || continue
                echo "--- h$h: irm ipcp stat name $(uc_ipcp "$h")"
                uc_stat "$h" 2>&1 | grep -v ' 0$' | head -n 80
        done
}

uc_server() {
        local log=$NN_DIR/h$1/srv-$2.log
        nn_irm "h$1" name register "$2" layer "$UC_LAYER"
        nn_bg "h$1" "$UC_CHECK" server "$2" >"$log" 2>&1
        nn_wait_line "$log" "^READY" 10 ||
                fail "[h$1] server $2 not ready: $(cat "$log")"
}

uc_check() {
        local h=$1 name=$2 out t0
        shift 2
        t0=$(nn_ms)
        out=$(nn_exec "h$h" timeout 120 "$UC_CHECK" client "$name" "$@" 2>&1) ||
                uc_fail "[h$h] flowcheck to $name: $out"
        echo "h$h -> $name: $out ($(( $(nn_ms) - t0 )) ms)"
}

uc_stream() {
        local h=$1 name=$2 log=$3
        shift 3
        : >"$log"
        nn_bg "h$h" "$UC_STREAM" "$name" "$@" >"$log" 2>&1
        UC_STREAM_PID=$LAST_PID
        nn_wait_line "$log" "^ALLOCATED" 10 ||
                uc_fail "[h$h] ucstream to $name: $(cat "$log")"
}

uc_stream_end() {
        local log=$1 pid=$UC_STREAM_PID rc
        wait_gone "$pid" $(( ${2:-60} * 10 )) ||
                uc_fail "ucstream still runs (a hang): $(cat "$log")"
        wait "$pid"
        rc=$?
        [ $rc = 0 ] || uc_fail "ucstream exited $rc: $(cat "$log")"
}

# The longest silence of a ucstream run (ms), from its TOTAL line.
uc_maxgap() {
        sed -n 's/^TOTAL .* maxgap \([0-9]*\) .*/\1/p' "$1"
}

uc_link_down() {
        nn_link "h$1" "h$2" down
}

uc_link_up() {
        nn_link "h$1" "h$2" up
}

# uc_reroute POLICY A B DST VIA: with a ucstream from h<A> to an echo
# server on h<DST> running (1 ms probes, 7 s), h<A>'s end of link A-B
# goes down for 3 s and comes back. The flow must never go down, traffic must
# resume within 2 s (the longest silence is printed: the re-route time;
# the goals are 100 ms with lfa and 1 s with link_state, and the bound
# is below the outage, so a layer that does not re-route fails it),
# u<VIA> forwards it meanwhile, and after the link is back A's traffic
# toward B uses it again (dt.tx.<b>).
uc_reroute() {
        local pol=$1 a=$2 b=$3 d=$4 via=$5 log gap ab c0 c1 t f0 f1
        log=$NN_DIR/stream-$pol.log
        uc_server "$d" "echo-$pol"
        uc_stream "$a" "echo-$pol" "$log" -d 7000 -i 1000 -g 50
        sleep 1
        f0=$(uc_counter "$via" dt.fwd)
        t=$(nn_ms)
        uc_link_down "$a" "$b"
        sleep 3
        f1=$(uc_counter "$via" dt.fwd)
        uc_link_up "$a" "$b"
        echo "$pol: link h$a-h$b down for $(( $(nn_ms) - t )) ms"
        uc_stream_end "$log" 30
        grep -E '^(GAP|EVENT|DOWN)' "$log" | sed "s/^/  [$pol] /"
        grep -q '^EVENT\|^DOWN' "$log" &&
                uc_fail "$pol: the flow went down in a re-route: $(cat "$log")"
        gap=$(uc_maxgap "$log")
        [ -n "$gap" ] || uc_fail "$pol: no result: $(cat "$log")"
        echo "re-route $pol: traffic stopped for at most $gap ms" \
             "(probes every 1 ms; link down, then up 3 s later)"
        [ "$gap" -le 2000 ] ||
                uc_fail "$pol: traffic stopped for $gap ms (bound 2000, below the 3 s outage)"
        grep '^TOTAL' "$log"
        echo "$pol: u$via forwarded $((f1 - f0)) packets while the link was down"
        [ $((f1 - f0)) -ge 2000 ] ||
                uc_fail "$pol: the traffic did not take the other path (u$via forwarded $((f1 - f0)))"
        # the restored link carries A's traffic toward B again
        ab=$(uc_addr "$b")
        nn_retry 10 test "$(uc_nexthop "$a" "$b")" = "$ab" ||
                uc_fail "$pol: u$a does not route to u$b over the restored link"
        c0=$(uc_counter "$a" "dt.tx.$ab") # before: a busy host is slow to ask
        uc_stream "$a" "echo-$pol" "$log.2" -d 1000 -i 1000
        uc_stream_end "$log.2" 30
        c1=$(uc_counter "$a" "dt.tx.$ab")
        [ $((c1 - c0)) -ge 250 ] ||
                uc_fail "$pol: the restored link carried $((c1 - c0)) packets of 1000"
        echo "$pol: restored link used again ($((c1 - c0)) packets in 1 s)"
}

# uc_tbf H PEER RATE: limit h<H>'s device toward h<PEER> with a token
# bucket (tc tbf: RATE, 16 kB burst, 5 ms of queue).
uc_tbf() {
        command -v tc >/dev/null || fail "no tc(8) (iproute2)"
        nn_exec "h$1" tc qdisc replace dev "$(nn_dev "h$1" "h$2")" root \
                tbf rate "$3" burst 16kb latency 5ms ||
                fail "tc tbf on h$1 toward h$2"
}

# uc_oping_avg H NAME ARGS...: the average RTT (ms) of oping from h<H>,
# or "none" without replies.
uc_oping_avg() {
        local h=$1 out avg
        shift
        out=$(nn_exec "h$h" timeout 60 "$BIN/oping" -n "$@" -Q 2>&1)
        avg=$(echo "$out" | sed -n 's|^rtt min/avg/max/mdev = [0-9.]*/\([0-9.]*\)/.*|\1|p')
        echo "${avg:-none}"
}

# uc_operf_mbps LOG: the receiver's MB/s of an operf client's report.
uc_operf_mbps() {
        sed -n 's|^server: .*: \([0-9.]*\) pkt/s, \([0-9.]*\) MB/s.*|\2|p' "$1"
}
