# Ouroboros - the scenarios of a five-member broadcast layer, sourced by
# tests/netns/test_broadcast*.sh after lib.sh. Five namespaces, one IRMd
# each; every veth end has an eth-dix IPCP of its own, in a layer of its
# own per link (lNM, IPCP eNM); the broadcast layer "bc" has one member
# per namespace (IPCP bN, its name registered in each of its lower
# layers), adjacencies (component dt) a ring plus a chord m1-m3:
#
#                      +------+   l12   +------+
#              +-------|  m1  |---------|  m2  |
#              |       |  b1  |         |  b2  |
#              |       +------+         +------+
#             l15         |  \              |
#              |          |   \ l13 (chord) | l23
#          +------+       |    \            |
#          |  m5  |       |     \      +------+
#          |  b5  |       |      +-----|  m3  |
#          +------+       |            |  b3  |
#              |   (ring: m1-m2-m3-m4-m5-m1)|
#             l45                          l34
#              |          +------+          |
#              +----------|  m4  |----------+
#                         |  b4  |
#                         +------+
#
# b1 bootstraps the layer; b2, b3, b5 enroll through b1, b4 through b3
# (irm ipcp enroll ... dst bN autobind, over the eth-dix layers); then
# irm ipcp connect ... component dt for each of the six edges. Every
# member runs bccheck (test-netns-bccheck): it joins "bc" (flow_join),
# writes COUNT messages (writer id, sequence number, checksum) and reads
# everything; bccheck fails on any duplicate, own echo or corruption,
# and on any message missing from a writer named with -e (the path from
# it was stable).
#
#   bc_setup                    the above; the layer's members listed
#   bc_all                      every member writes, every message
#                               arrives exactly once at every other
#   bc_edge_flap                an edge (b1-b2) disconnected and
#                               connected again while all write: the
#                               graph stays connected, so still exactly
#                               once everywhere
#   bc_leave_rejoin             m3's member leaves mid-stream (its
#                               bccheck stops after its messages) and a
#                               new one joins in m3 while the others
#                               write: everything the leaver and the
#                               rejoiner wrote reaches every other member
#                               exactly once; the rejoiner gets every
#                               message written after it joined
#   bc_isolate                  (long) b4 disconnects from both
#                               neighbours and connects again while all
#                               write: at most once for b4's traffic,
#                               exactly once among the rest, and b4's
#                               messages written after it is back reach
#                               everyone
#   bc_kill                     kill -9 of b2 (broadcast IPCP and its
#                               bccheck) mid-stream: the four others keep
#                               delivering each other's messages exactly
#                               once, b2's at most once
#   bc_kill_ns                  (long) every process of m5 killed (the
#                               host gone) mid-stream; the same checks
# Each prints its name and how long it took. BC_COUNT messages per
# writer (default 300), one every BC_US us (default 10000: 500
# messages a second in the layer, each crossing every edge about once
# each way). The broadcast IPCP drops a message for a neighbour whose
# ring is full (ipcpd-broadcast(8), drop_ring_full): at 2500 messages
# a second on a loaded 2-CPU machine it did, and bc_end prints every
# member's counters when a check fails.

BC_LAYER="bc"
BC_COUNT=${BC_COUNT:-300}
BC_US=${BC_US:-10000}
BC_MAX=${BC_MAX:-1400}
BCC=$BIN/test-netns-bccheck
BC_EDGES="m1,m2 m2,m3 m3,m4 m4,m5 m5,m1 m1,m3"
BC_MEMBERS="m1 m2 m3 m4 m5"
declare -A BC_PID=()    # writer id -> pid of its bccheck
declare -A BC_LOG=()    # writer id -> its log
declare -A BC_LOWER=()  # member -> its lower layers
BC_RUN=0

bc_n() { echo "${1#m}"; }           # m3 -> 3
bc_eth() {                          # m1 m3 -> 13 (the link's suffix)
        local a b
        a=$(bc_n "$1"); b=$(bc_n "$2")
        [ "$a" -lt "$b" ] && echo "$a$b" || echo "$b$a"
}

bc_setup() {
        local t0 e a b x m
        nn_need_root
        nn_need_netns
        nn_need_bin ipcpd-eth-dix ipcpd-broadcast irmd irm test-netns-bccheck
        t0=$(nn_ms)
        nn_ns_add $BC_MEMBERS
        for e in $BC_EDGES; do
                nn_veth "${e%,*}" "${e#*,}"
        done
        nn_irmd_start $BC_MEMBERS
        for e in $BC_EDGES; do
                a=${e%,*}; b=${e#*,}; x=$(bc_eth "$a" "$b")
                nn_irm "$a" ipcp bootstrap type eth-dix name "e$x" \
                        layer "l$x" dev "$(nn_dev "$a" "$b")"
                nn_irm "$b" ipcp bootstrap type eth-dix name "e$x" \
                        layer "l$x" dev "$(nn_dev "$b" "$a")"
                BC_LOWER[$a]+=" l$x"
                BC_LOWER[$b]+=" l$x"
        done
        # every member's name in each of its lower layers, so that its
        # neighbours reach it for enrollment and adjacencies
        for m in $BC_MEMBERS; do
                local regs=()
                for x in ${BC_LOWER[$m]}; do regs+=(layer "$x"); done
                nn_irm "$m" name register "b$(bc_n "$m")" "${regs[@]}"
        done
        nn_irm m1 ipcp bootstrap type broadcast name b1 layer "$BC_LAYER" \
                autobind
        bc_enroll m2 b1
        bc_enroll m3 b1
        bc_enroll m5 b1
        bc_enroll m4 b3
        for e in $BC_EDGES; do
                bc_connect "${e%,*}" "${e#*,}"
        done
        for m in $BC_MEMBERS; do
                nn_exec "$m" "$BIN/irm" ipcp list | grep -q " b$(bc_n "$m") " ||
                        fail "[$m] no member b$(bc_n "$m"): $(nn_exec "$m" "$BIN/irm" ipcp list)"
        done
        echo "setup broadcast ring+chord: $(( $(nn_ms) - t0 )) ms"
}

bc_enroll() {
        local m=$1 dst=$2 out
        out=$(nn_exec "$m" "$BIN/irm" ipcp enroll name "b$(bc_n "$m")" \
                layer "$BC_LAYER" dst "$dst" type broadcast autobind 2>&1) ||
                fail "[$m] enroll b$(bc_n "$m") via $dst: $out"
}

bc_connect() {
        nn_irm "$1" ipcp connect name "b$(bc_n "$1")" dst "b$(bc_n "$2")" \
                component dt
}

bc_disconnect() {
        nn_irm "$1" ipcp disconnect name "b$(bc_n "$1")" dst "b$(bc_n "$2")" \
                component dt
}

# bc_start MEMBER ID ARGS...: a bccheck with writer id ID in MEMBER
# (flags after ID go to bccheck), its pid in BC_PID[ID].
bc_start() {
        local m=$1 id=$2 log
        shift 2
        log=$NN_DIR/$m/bc-$id.log
        BC_LOG[$id]=$log
        : >"$log"
        nn_bg "$m" "$BCC" -j "$BC_LAYER" -i "$id" -s "$BC_MAX" -g "$BC_GO" \
                -D 90000 "$@" >"$log" 2>&1
        BC_PID[$id]=$LAST_PID
}

bc_joined() {
        nn_wait_line "${BC_LOG[$1]}" "^JOINED" 15 ||
                fail "bccheck $1 did not join: $(cat "${BC_LOG[$1]}")"
}

# bc_end ID: bccheck ID exited by itself within SECS (default 60),
# with 0; prints its report.
bc_end() {
        local id=$1 rc
        wait_gone "${BC_PID[$id]}" $(( ${2:-60} * 10 )) ||
                fail "bccheck $id still runs (a hang): $(cat "${BC_LOG[$id]}")"
        wait "${BC_PID[$id]}"
        rc=$?
        sed "s/^/  [$id] /" "${BC_LOG[$id]}" | grep -v "^  \[$id\] SENT [0-9]*$" |
                grep -Ev "^  \[$id\] (RATE|LAT|ECHO 0|CORRUPT 0)"
        [ $rc = 0 ] || { bc_stats; fail "bccheck $id exited $rc"; }
        grep -q "^PASS" "${BC_LOG[$id]}" || fail "bccheck $id did not pass"
}

# The counters of every member (irm ipcp stat), where the drops show.
bc_stats() {
        local m e
        for m in $BC_MEMBERS; do
                echo "--- $m: irm ipcp stat name b$(bc_n "$m")"
                nn_exec "$m" "$BIN/irm" ipcp stat name "b$(bc_n "$m")" 2>&1 |
                        grep -v ' 0$' | paste -sd' '
        done
        # the lower eth-dix IPCPs: drop_full is a packet the broadcast
        # IPCP above did not take in time (no flow control on the wire)
        for e in $BC_EDGES; do
                for m in "${e%,*}" "${e#*,}"; do
                        echo "--- $m: irm ipcp stat name e$(bc_eth "${e%,*}" "${e#*,}")"
                        nn_exec "$m" "$BIN/irm" ipcp stat name \
                                "e$(bc_eth "${e%,*}" "${e#*,}")" 2>&1 |
                                grep -v ' 0$' | paste -sd' '
                done
        done
}

# A new go file for each run: bcchecks write once it exists.
bc_new_run() {
        BC_RUN=$((BC_RUN + 1))
        BC_GO=$NN_DIR/go-$BC_RUN
        rm -f "$BC_GO"
}

bc_time() {
        echo "$1: $(( $(nn_ms) - $2 )) ms"
}

# bc_ids BASE: the writer ids of run BASE (BASE+1 .. BASE+5, by member).
bc_ids() {
        local m
        for m in $BC_MEMBERS; do echo $(( $1 + $(bc_n "$m") )); done
}

# bc_round BASE [EXCEPT...]: a bccheck in every member, writer id
# BASE+N in mN, each expecting every other one exactly; started and
# joined, the go file not yet made.
bc_round() {
        local base=$1 m id ex others
        shift
        for m in $BC_MEMBERS; do
                id=$(( base + $(bc_n "$m") ))
                others=()
                for ex in $(bc_ids "$base"); do
                        [ "$ex" = "$id" ] && continue
                        [[ " $* " == *" $ex "* ]] && continue
                        others+=(-e "$ex:$BC_COUNT")
                done
                bc_start "$m" "$id" -n "$BC_COUNT" -I "$BC_US" -p 20 \
                        "${others[@]}"
        done
        for id in $(bc_ids "$base"); do bc_joined "$id"; done
}

bc_all() {
        local t0 id
        t0=$(nn_ms)
        bc_new_run
        bc_round 100
        touch "$BC_GO"
        for id in $(bc_ids 100); do bc_end "$id"; done
        bc_time all-to-all "$t0"
}

bc_edge_flap() {
        local t0 id
        t0=$(nn_ms)
        bc_new_run
        bc_round 200
        touch "$BC_GO"
        bc_wait_sent 201 $((BC_COUNT / 4)) ||
                fail "edge flap: b1 is not writing"
        bc_disconnect m1 m2
        bc_wait_sent 201 $((BC_COUNT / 2)) ||
                fail "edge flap: b1 stopped writing"
        bc_connect m1 m2
        for id in $(bc_ids 200); do bc_end "$id"; done
        bc_time edge-flap "$t0"
}

# The last "SENT n" of writer ID (0 before the first).
bc_sent() {
        local n
        n=$(grep '^SENT [0-9]*$' "${BC_LOG[$1]}" | tail -n 1 | cut -d' ' -f2)
        echo "${n:-0}"
}

# bc_wait_sent ID N: until writer ID has written N messages (~20 s).
bc_wait_sent() {
        local end=$(( $(nn_ms) + 20000 ))
        while [ "$(bc_sent "$1")" -lt "$2" ]; do
                [ "$(nn_ms)" -lt "$end" ] || return 1
                sleep 0.05
        done
}

bc_leave_rejoin() {
        local t0 id m x others=() leaver=303 re=313 margin
        margin=$(( 200000 / BC_US + 20 ))   # ~200 ms of messages
        local long=$((BC_COUNT * 2)) short=$((BC_COUNT / 2))
        t0=$(nn_ms)
        bc_new_run
        # the four stable members write twice as long, and expect each
        # other, the leaver and the rejoiner, whole
        for m in m1 m2 m4 m5; do
                id=$(( 300 + $(bc_n "$m") ))
                others=(-e "$leaver:$short" -e "$re:$short")
                for x in 301 302 304 305; do
                        [ "$x" = "$id" ] || others+=(-e "$x:$long")
                done
                bc_start "$m" "$id" -n "$long" -I "$BC_US" -p 20 "${others[@]}"
        done
        # the leaver: a quarter of their messages, then it leaves at once
        bc_start m3 $leaver -n "$short" -I "$BC_US" -l 100
        for id in $(bc_ids 300); do bc_joined "$id"; done
        touch "$BC_GO"
        bc_end $leaver 30
        # the rejoiner: every writer's messages from a little after the
        # one it had written when the rejoiner joined
        others=()
        for id in 301 302 304 305; do
                others+=(-e "$id:$long:@$NN_DIR/from-$id")
        done
        bc_start m3 $re -n "$short" -I "$BC_US" "${others[@]}"
        bc_joined $re
        for id in 301 302 304 305; do
                echo $(( $(bc_sent "$id") + margin )) >"$NN_DIR/from-$id"
        done
        [ "$(bc_sent 301)" -lt $((long - short - margin)) ] ||
                fail "leave/rejoin: the others were nearly done when the rejoiner joined"
        for id in 301 302 304 305 $re; do bc_end "$id"; done
        bc_time leave-rejoin "$t0"
}

bc_isolate() {
        local t0 id others=() x
        t0=$(nn_ms)
        bc_new_run
        for m in m1 m2 m3 m5; do
                id=$(( 400 + $(bc_n "$m") ))
                others=()
                for x in 401 402 403 405; do
                        [ "$x" = "$id" ] || others+=(-e "$x:$BC_COUNT")
                done
                others+=(-e "404:$BC_COUNT:@$NN_DIR/from-404")
                bc_start "$m" "$id" -n "$BC_COUNT" -I "$BC_US" -p 20 \
                        "${others[@]}"
        done
        bc_start m4 404 -n "$BC_COUNT" -I "$BC_US" -p 20
        for id in $(bc_ids 400); do bc_joined "$id"; done
        touch "$BC_GO"
        bc_wait_sent 404 $((BC_COUNT / 4)) ||
                fail "isolate: b4 is not writing"
        bc_disconnect m3 m4
        bc_disconnect m4 m5
        sleep 0.3
        bc_connect m3 m4
        bc_connect m4 m5
        # b4's messages from a little after now must reach everyone
        echo $(( $(bc_sent 404) + 200000 / BC_US + 20 )) >"$NN_DIR/from-404"
        [ "$(bc_sent 404)" -lt $((BC_COUNT - 400000 / BC_US - 40)) ] ||
                fail "isolate: b4 was done before it was connected again"
        for id in $(bc_ids 400); do bc_end "$id"; done
        bc_time isolate "$t0"
}

# bc_kill_member VICTIM HOW BASE: every member writes; VICTIM is killed
# (HOW: ipcp = kill -9 of its broadcast IPCP and its bccheck, ns = every
# process of its namespace) once a quarter of the messages are out.
bc_kill_member() {
        local victim=$1 how=$2 base=$3 t0 vid id pid
        t0=$(nn_ms)
        vid=$(( base + $(bc_n "$victim") ))
        bc_new_run
        bc_round "$base" "$vid"
        touch "$BC_GO"
        bc_wait_sent "$vid" $((BC_COUNT / 4)) ||
                fail "kill: the victim is not writing"
        if [ "$how" = ipcp ]; then
                pid=$(nn_ipcp_pid "$victim" "b$(bc_n "$victim")")
                [ -n "$pid" ] || fail "no pid for the victim's IPCP"
                kill -KILL "${BC_PID[$vid]}" "$pid" 2>/dev/null
                wait "${BC_PID[$vid]}" 2>/dev/null
        else
                nn_kill_ns "$victim"
        fi
        for id in $(bc_ids "$base"); do
                [ "$id" = "$vid" ] || bc_end "$id"
        done
        for id in $(bc_ids "$base"); do
                [ "$id" = "$vid" ] && continue
                grep -q "^W $vid recv [1-9]" "${BC_LOG[$id]}" ||
                        fail "kill: $id never heard the victim before it died"
        done
        BC_MEMBERS=$(echo " $BC_MEMBERS " | sed "s/ $victim / /; s/^ //; s/ $//")
        bc_time "kill ($how of $victim)" "$t0"
}

bc_kill() { bc_kill_member m2 ipcp 500; }
bc_kill_ns() { bc_kill_member m5 ns 600; }
