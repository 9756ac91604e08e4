# Ouroboros - what the udp layer tests share (sourced after harness.sh):
# a second IRMd "B" next to the harness's "A" (their own runtime
# directories, one network namespace), irm and counters of either, a
# sender of garbage datagrams and a check of an echo across the layer.
#
#   udp_two_irmds        IRMd A (harness) and B; cleanup of both at exit
#   ia ... / ib ...      irm of A / B
#   ctr IRM IPCP NAME    a counter of irm ipcp stat
#   free_port FAMILY     a UDP port free now on the loopback of FAMILY
#   garbage IP PORT      runt, bad-eid, unknown-eid and broken management
#                        datagrams to IP PORT
#   echo_check NAME N    oping from A to NAME, N probes, 0% loss
#   stop_apps            stop the test's processes but the IRMds

A=$OUROBOROS_RUNDIR
B=
IRMD_B=

udp_cleanup() {
        local rc=$?
        local kids=()
        if [ -n "$IRMD_B" ]; then
                kids=($(children_of "$IRMD_B"))
                stop_pids "$IRMD_B"
                stop_pids "${kids[@]:-}"
        fi
        [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -f "$B/irmd.log" ] &&
                { echo "--- irmd B log ---" >&2; tail -n 40 "$B/irmd.log" >&2; }
        [ -n "$B" ] && rm -rf "$B"
        (exit $rc)
        harness_cleanup
}

udp_two_irmds() {
        B=$(mktemp -d /tmp/ouro-test.XXXXXX)
        trap udp_cleanup EXIT
        irmd_start
        OUROBOROS_RUNDIR=$B "$BIN/irmd" --stdout >"$B/irmd.log" 2>&1 &
        IRMD_B=$!
        OUROBOROS_RUNDIR=$B wait_for "$BIN/irm" ipcp list ||
                fail "irmd B did not start"
}

ia() { OUROBOROS_RUNDIR=$A "$BIN/irm" "$@"; }
ib() { OUROBOROS_RUNDIR=$B "$BIN/irm" "$@"; }

ctr() {
        $1 ipcp stat name "$2" | awk -v c="$3" '$1 == c { print $2 }'
}

free_port() {
        python3 - "$1" <<'PY'
import socket, sys
fam, ip = (socket.AF_INET6, "::1") if sys.argv[1] == "6" else \
          (socket.AF_INET, "127.0.0.1")
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((ip, 0))
print(s.getsockname()[1])
PY
}

garbage() {
        python3 - "$1" "$2" <<'PY'
import socket, struct, sys
ip, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
for d in [b"\x01",                                   # runt
          struct.pack(">HH", 0, 5) + b"x" * 8,       # one eid 0
          struct.pack(">HH", 0x7777, 0x7777) + b"y" * 8,  # unknown eid
          struct.pack(">HH", 0, 0) + b"\xff" * 6]:   # broken management
    s.sendto(d, (ip, port))
PY
}

echo_check() {
        local out
        out=$(OUROBOROS_RUNDIR=$A timeout 60 "$BIN/oping" -n "$1" -c "$2" \
                -i 0 -Q 2>&1) || fail "oping $1: $out"
        echo "$out" | tail -n 2
        echo "$out" | grep -q "$2 received, 0% packet loss" ||
                fail "oping $1 lost packets: $out"
}

stop_apps() {
        local p apps=()
        for p in $(children_of $$); do
                [ "$p" != "${IRMD_PID:-}" ] && [ "$p" != "$IRMD_B" ] &&
                        apps+=("$p")
        done
        stop_pids "${apps[@]:-}"
}
