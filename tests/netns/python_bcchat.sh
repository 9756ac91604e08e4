#!/bin/bash
# Ouroboros - the Python broadcast chat example (python/examples/bcchat.py)
# across namespaces: four chat processes, two in c1 and one each in c2
# and c3, on a broadcast layer "chat" whose members run over eth-dix:
#
#   +-------------------+        +-------------------+        +-------------------+
#   | ns c1             |  veth  | ns c2             |  veth  | ns c3             |
#   |  bcchat ann, bob  |        |  bcchat cyd       |        |  bcchat dee       |
#   |  broadcast k1     |<------>|  broadcast k2     |<------>|  broadcast k3     |
#   |  eth-dix e12      |  l12   |  e12, e23         |  l23   |  eth-dix e23      |
#   +-------------------+        +-------------------+        +-------------------+
#
# k1 bootstraps "chat"; k2 enrolls through k1, k3 through k2, each
# connects (component dt) to the one it enrolled through. Each chat gets
# lines on its standard input (a fifo held open), each with a token of
# its own; every line must show up exactly once at each of the three
# other chats and never at its writer.
#
# Run by python/ouroboros/tests/test_bcchat.py with PYOURO_PYTHON set to
# the python3 that has pyOuroboros (not a ctest of its own: the C suite
# runs before the module is installed). Usage: python_bcchat.sh [LINES]
. "$(dirname "$0")/lib.sh"

[ -n "${PYOURO_PYTHON:-}" ] || fail "PYOURO_PYTHON is not set"
nn_need_root
nn_need_netns
nn_need_bin irmd irm ipcpd-eth-dix ipcpd-broadcast
CHAT=$HARNESS_DIR/../python/examples/bcchat.py
[ -f "$CHAT" ] || fail "no $CHAT"
LINES=${1:-20}

t0=$(nn_ms)
nn_ns_add c1 c2 c3
nn_veth c1 c2
nn_veth c2 c3
nn_irmd_start c1 c2 c3
nn_irm c1 ipcp bootstrap type eth-dix name e12 layer l12 dev "$(nn_dev c1 c2)"
nn_irm c2 ipcp bootstrap type eth-dix name e12 layer l12 dev "$(nn_dev c2 c1)"
nn_irm c2 ipcp bootstrap type eth-dix name e23 layer l23 dev "$(nn_dev c2 c3)"
nn_irm c3 ipcp bootstrap type eth-dix name e23 layer l23 dev "$(nn_dev c3 c2)"
nn_irm c1 name register k1 layer l12
nn_irm c2 name register k2 layer l12 layer l23
nn_irm c3 name register k3 layer l23
nn_irm c1 ipcp bootstrap type broadcast name k1 layer chat autobind
for x in "c2 k2 k1" "c3 k3 k2"; do
        set -- $x
        out=$(nn_exec "$1" "$BIN/irm" ipcp enroll name "$2" layer chat \
                dst "$3" type broadcast autobind 2>&1) ||
                fail "[$1] enroll $2 via $3: $out"
        nn_irm "$1" ipcp connect name "$2" dst "$3" component dt
done
echo "setup: $(( $(nn_ms) - t0 )) ms"

# chat_start NS NICK: bcchat in NS, its input the fifo $NN_DIR/NICK.in
# (held open on fd CHAT_FD[NICK]), its output $NN_DIR/NICK.out.
declare -A CHAT_FD=() CHAT_PID=()
NICKS="ann bob cyd dee"
chat_start() {
        local ns=$1 nick=$2 fd
        mkfifo "$NN_DIR/$nick.in"
        # read-write: opening does not wait for the reader; the chat
        # sees the end of its input once this (the only writer) closes
        exec {fd}<>"$NN_DIR/$nick.in"
        CHAT_FD[$nick]=$fd
        # (a background command's input would be /dev/null: the fifo is
        # opened by the command itself, which first closes the chats'
        # fifos this shell holds, or no chat would see its input end)
        nn_bg "$ns" bash -c 'for f in $4; do eval "exec $f>&-"; done
                exec "$0" -u "$1" chat "$2" <"$3"' \
                "$PYOURO_PYTHON" "$CHAT" "$nick" "$NN_DIR/$nick.in" \
                "${CHAT_FD[*]}" >"$NN_DIR/$nick.out" 2>"$NN_DIR/$nick.log"
        CHAT_PID[$nick]=$LAST_PID
}
chat_start c1 ann
chat_start c1 bob
chat_start c2 cyd
chat_start c3 dee
# every chat has joined once a probe line of each reaches all the
# others (a probe written before a chat joined does not reach it: each
# writer probes again every second until all have one)
for n in $NICKS; do
        nn_wait_line "$NN_DIR/$n.log" "joined" 15 ||
                fail "chat $n did not join: $(cat "$NN_DIR/$n.log")"
done
for n in $NICKS; do
        end=$(( $(nn_ms) + 20000 ))
        k=0
        while :; do
                k=$((k + 1))
                echo "probe-$n-$k" >&"${CHAT_FD[$n]}"
                sleep 1
                all=1
                for m in $NICKS; do
                        [ "$n" = "$m" ] && continue
                        grep -q "probe-$n-" "$NN_DIR/$m.out" || all=
                done
                [ -n "$all" ] && break
                [ "$(nn_ms)" -lt "$end" ] ||
                        fail "the probes of $n do not reach every chat: $(tail -n 3 "$NN_DIR"/*.out)"
        done
done
echo "joined: $(( $(nn_ms) - t0 )) ms"

t1=$(nn_ms)
for k in $(seq "$LINES"); do
        for n in $NICKS; do
                echo "line $k from $n tok-$n-$k-end" >&"${CHAT_FD[$n]}"
        done
done
# everything arrives: the last line of each writer at every other chat
for n in $NICKS; do
        for m in $NICKS; do
                [ "$n" = "$m" ] && continue
                nn_wait_line "$NN_DIR/$m.out" "tok-$n-$LINES-end" 15 ||
                        fail "$m did not get $n's last line: $(tail -n 5 "$NN_DIR/$m.out")"
        done
done
sleep 1 # late duplicates would land now
bad=0
for n in $NICKS; do
        for m in $NICKS; do
                for k in $(seq "$LINES"); do
                        c=$(grep -c -- "tok-$n-$k-end" "$NN_DIR/$m.out")
                        if [ "$n" = "$m" ]; then
                                [ "$c" = 0 ] || { echo "$m got its own line $k $c times"; bad=1; }
                        else
                                [ "$c" = 1 ] || { echo "$m got $n's line $k $c times"; bad=1; }
                        fi
                done
        done
done
[ $bad = 0 ] || fail "lines not exactly once at every other chat"
for n in $NICKS; do
        fd=${CHAT_FD[$n]}
        exec {fd}>&-
done
echo "$((LINES * 4)) lines, each once at 3 chats: $(( $(nn_ms) - t1 )) ms"
for n in $NICKS; do
        wait_gone "${CHAT_PID[$n]}" 50 || fail "chat $n did not end at end of input"
done
echo PASS
