# Ouroboros - multi-host test helpers, sourced by tests/netns/test_*.sh
# (and bench/). Hosts are Linux network namespaces, one IRMd in each with
# its own OUROBOROS_RUNDIR; links are veth pairs or VDE switches (with a
# wirefilter between two switches to impair them). Everything a test
# creates has a unique name (ouro-<pid>-<random>-<name>) and is removed on
# exit, even on failure: the processes of every namespace we made (TERM,
# then KILL after ~2 s), the namespaces, the switches and their dirs. On
# failure the tail of every log under the test's directory is printed.
# Traffic goes only to loopback or to namespaces the test created.
#
#   . "$(dirname "$0")/lib.sh"        # also sources ../harness.sh (BIN,
#                                     # fail, skip, wait_for, bg...)
# Prerequisites (skip, exit 77, when missing):
#   nn_need_root                      # root (for ip netns, veth)
#   nn_need_netns                     # `ip netns` works here
#   nn_need_userns                    # unprivileged user namespaces
#   nn_need_bin PROG...               # build/bin/PROG exist (else fail)
# Hosts and links:
#   nn_ns_add A [B...]                # network namespaces (lo up)
#   nn_userns_add A [B...]            # user+network namespaces owned by
#                                     # $NN_USER (default nobody), as
#                                     # `unshare -rn` would make them
#   nn_veth A B                       # veth pair A<->B, addresses below
#   nn_dev A B / nn_ip4 A B / nn_ip6 A B
#                                     # A's device / IPv4 / IPv6 on the
#                                     # link to B (10.200.N.1|2/24,
#                                     # fd00:200:N::1|2/64, no DAD)
#   nn_link A B up|down               # set A's end of the link up/down
#                                     # (up: waits until both ends are)
#   nn_veth_del A B                   # delete the pair
# IRMds and programs:
#   nn_irmd_start A [B...]            # IRMd in A, rundir $NN_DIR/A, log
#                                     # $NN_DIR/A/irmd.log; waits for them
#   nn_irmd_stop A                    # SIGTERM, then SIGKILL after ~2 s
#   nn_exec A CMD...                  # run CMD in A with A's IRMd env
#                                     # (OUROBOROS_RUNDIR) and NN_ENV
#   nn_irm A ARGS...                  # nn_exec A irm ARGS (fails test on
#                                     # error, printing the command)
#   nn_bind A PID NAME                # irm bind process, once PID has
#                                     # announced itself to A's IRMd
#   nn_bg A CMD...                    # CMD in the background in A, in its
#                                     # own process group; pid in LAST_PID
#   nn_pids A [B...]                  # every live pid in namespaces A...
#   nn_kill_ns A                      # SIGSTOP, then SIGKILL every
#                                     # process in A (the host is gone)
#   nn_ipcp_pid A NAME                # pid of IPCP NAME in A's IRMd
#   nn_ping A ADDR [SECS]             # ICMP echo from A, v4 or v6
#   nn_retry SECS CMD...              # until CMD succeeds (SECS by the
#                                     # clock); 1 if it never does
#   nn_wait_line FILE REGEX [SECS]    # until a line of FILE matches
#                                     # (default 10 s); 1 if it never does
#   nn_ms                             # monotonic clock in ms
# VDE:
#   nn_vde_switch S [user]            # a vde_switch (run by $NN_USER
#                                     # with "user"); its socket dir is
#                                     # ${NN_VDE[S]} (URL vde://DIR)
#   nn_wirefilter W S1 S2 ARGS...     # wirefilter --daemon between two
#                                     # switches, e.g. -l 10 -D 5 -d 5+3 -N
#
# NN_DIR is the test's private directory (the harness's rundir), logs in
# $NN_DIR/<ns>/; NN_KEEP=1 copies it to /tmp/ouro-netns-kept.* for
# debugging. NN_ENV (VAR=value...) is added to the environment of
# everything run in a namespace (e.g. the udp IPCPs' mapping dir).

. "$(dirname "${BASH_SOURCE[0]}")/../harness.sh"

NN_DIR=$OUROBOROS_RUNDIR
NN_TAG="ouro-$$-$(printf %04x $((RANDOM % 65536)))"
NN_USER=${NN_USER:-nobody}
declare -A NN_NS=()        # logical name -> "net:NAME" or "user:ANCHORPID"
declare -A NN_NSID=()      # logical name -> net namespace id (readlink)
declare -A NN_IRMD=()      # logical name -> IRMd pid
declare -A NN_LDEV=()      # "A,B" -> device in A
declare -A NN_LIP4=()      # "A,B" -> IPv4 address of A (no prefix)
declare -A NN_LIP6=()
declare -A NN_VDE=()       # switch name -> dir
NN_ORDER=()                # namespaces in creation order
NN_PIDFILES=()             # pidfiles of switches and wirefilters
NN_NLINKS=0
NN_ENV=()                  # VAR=value given to everything run in a namespace
chmod 755 "$NN_DIR"

nn_need_root() {
        [ "$(id -u)" = 0 ] || skip "needs root (network namespaces, veth)"
}

nn_need_netns() {
        local probe="$NN_TAG-probe"
        command -v ip >/dev/null || skip "no ip(8)"
        ip netns add "$probe" 2>/dev/null || skip "ip netns add does not work here"
        ip netns del "$probe"
}

nn_need_userns() {
        command -v unshare >/dev/null || skip "no unshare(1)"
        if [ "$(id -u)" = 0 ]; then
                command -v setpriv >/dev/null || skip "no setpriv(1)"
                id "$NN_USER" >/dev/null 2>&1 || skip "no user $NN_USER"
                setpriv --reuid="$NN_USER" --regid="$(id -g "$NN_USER")" \
                        --clear-groups unshare -rn true 2>/dev/null \
                        || skip "$NN_USER cannot create user namespaces"
                nn_stage_for_user
        else
                NN_USER=$(id -un)
                unshare -rn true 2>/dev/null \
                        || skip "unprivileged user namespaces are disabled"
        fi
}

# A build $NN_USER cannot reach (a private parent directory, such as a
# clone under `mktemp -d`): run a copy of bin/ and lib/ in a directory
# this test makes (and removes), with LD_LIBRARY_PATH on the copy.
NN_STAGE=
nn_stage_for_user() {
        local g
        g=$(id -g "$NN_USER")
        setpriv --reuid="$NN_USER" --regid="$g" --clear-groups \
                test -x "$BIN/irmd" 2>/dev/null && return 0
        NN_STAGE=$(mktemp -d /tmp/ouro-netns-bin.XXXXXX)
        chmod 755 "$NN_STAGE"
        cp -a "$BIN" "$NN_STAGE/bin" && cp -a "$BIN/../lib" "$NN_STAGE/lib" ||
                fail "cannot copy the build for $NN_USER"
        chmod -R a+rX "$NN_STAGE"
        BIN=$NN_STAGE/bin
        NN_ENV+=("LD_LIBRARY_PATH=$NN_STAGE/lib")
        echo "build copied to $NN_STAGE for $NN_USER"
}

nn_need_bin() {
        local p
        for p in "$@"; do
                [ -x "$BIN/$p" ] || fail "$BIN/$p is not built"
        done
}

nn_ms() {
        local t
        read -r t _ </proc/uptime
        echo $(( ${t%.*} * 1000 + 10#${t#*.} * 10 ))
}

# The prefix that runs a command inside namespace $1.
nn_prefix() {
        local k=${NN_NS[$1]:?unknown namespace $1}
        case $k in
        net:*) echo "ip netns exec ${k#net:}" ;;
        user:*)
                if [ "$(id -u)" = 0 ]; then
                        echo "setpriv --reuid=$NN_USER --regid=$(id -g "$NN_USER") --clear-groups nsenter -t ${k#user:} -U -n --preserve-credentials"
                else
                        echo "nsenter -t ${k#user:} -U -n --preserve-credentials"
                fi
                ;;
        esac
}

nn_ns_dir() {
        mkdir -p -m 700 "$NN_DIR/$1"
        echo "$NN_DIR/$1"
}

nn_ns_add() {
        local n real
        for n in "$@"; do
                [ -z "${NN_NS[$n]:-}" ] || fail "namespace $n exists"
                real="$NN_TAG-$n"
                ip netns add "$real" || fail "ip netns add $real"
                NN_NS[$n]="net:$real"
                NN_ORDER+=("$n")
                ip -n "$real" link set lo up || fail "lo up in $real"
                # IPv6 addresses survive a link down (a flap test's
                # addresses must come back with the link).
                ip netns exec "$real" sh -c 'for c in all default; do
                        echo 1 >/proc/sys/net/ipv6/conf/$c/keep_addr_on_down
                        done' || fail "keep_addr_on_down in $real"
                NN_NSID[$n]=$(readlink "/run/netns/$real" 2>/dev/null ||
                              ip netns exec "$real" readlink /proc/self/ns/net)
                nn_ns_dir "$n" >/dev/null
        done
}

# An anchor process (sleep) holds a user+network namespace made by
# unshare -rn as $NN_USER; commands enter it with nsenter.
nn_userns_add() {
        local n d pid
        for n in "$@"; do
                [ -z "${NN_NS[$n]:-}" ] || fail "namespace $n exists"
                d=$(nn_ns_dir "$n")
                [ "$(id -u)" = 0 ] && chown "$NN_USER" "$d"
                if [ "$(id -u)" = 0 ]; then
                        setpriv --reuid="$NN_USER" --regid="$(id -g "$NN_USER")" \
                                --clear-groups setsid unshare -rn \
                                sh -c 'ip link set lo up; exec sleep 1000000' &
                else
                        setsid unshare -rn \
                                sh -c 'ip link set lo up; exec sleep 1000000' &
                fi
                pid=$!
                NN_NS[$n]="user:$pid"
                NN_ORDER+=("$n")
                for _ in $(seq 100); do
                        [ "$(readlink /proc/$pid/ns/net 2>/dev/null)" != \
                          "$(readlink /proc/self/ns/net)" ] &&
                        [ "$(cat /proc/$pid/comm 2>/dev/null)" = sleep ] && break
                        sleep 0.02
                done
                NN_NSID[$n]=$(readlink "/proc/$pid/ns/net") ||
                        fail "user namespace $n did not start"
                [ "${NN_NSID[$n]}" != "$(readlink /proc/self/ns/net)" ] ||
                        fail "user namespace $n did not start"
        done
}

nn_veth() {
        local a=$1 b=$2 ra rb i
        ra=${NN_NS[$a]#net:}
        rb=${NN_NS[$b]#net:}
        [[ ${NN_NS[$a]} == net:* && ${NN_NS[$b]} == net:* ]] ||
                fail "nn_veth needs two network namespaces (ip netns)"
        i=$((++NN_NLINKS))
        NN_LDEV[$a,$b]="ve$i-$b"
        NN_LDEV[$b,$a]="ve$i-$a"
        NN_LIP4[$a,$b]="10.200.$i.1"
        NN_LIP4[$b,$a]="10.200.$i.2"
        NN_LIP6[$a,$b]="fd00:200:$i::1"
        NN_LIP6[$b,$a]="fd00:200:$i::2"
        ip -n "$ra" link add "${NN_LDEV[$a,$b]}" type veth \
                peer name "${NN_LDEV[$b,$a]}" netns "$rb" || fail "veth $a-$b"
        ip -n "$ra" addr add "${NN_LIP4[$a,$b]}/24" dev "${NN_LDEV[$a,$b]}"
        ip -n "$rb" addr add "${NN_LIP4[$b,$a]}/24" dev "${NN_LDEV[$b,$a]}"
        ip -n "$ra" addr add "${NN_LIP6[$a,$b]}/64" dev "${NN_LDEV[$a,$b]}" nodad
        ip -n "$rb" addr add "${NN_LIP6[$b,$a]}/64" dev "${NN_LDEV[$b,$a]}" nodad
        ip -n "$ra" link set "${NN_LDEV[$a,$b]}" up || fail "veth $a up"
        ip -n "$rb" link set "${NN_LDEV[$b,$a]}" up || fail "veth $b up"
        nn_link_wait "$a" "$b"
}

# Until both ends of the link A-B are up and have their routes (~5 s).
nn_link_wait() {
        local x y r
        for _ in $(seq 100); do
                r=0
                for x in "$1,$2" "$2,$1"; do
                        y=${NN_NS[${x%,*}]#net:}
                        ip -n "$y" -o link show dev "${NN_LDEV[$x]}" |
                                grep -q "state UP" || r=1
                        ip -n "$y" -6 route show dev "${NN_LDEV[$x]}" |
                                grep -q "^fd00:200:" || r=1
                done
                [ $r = 0 ] && return 0
                sleep 0.05
        done
        fail "link $1-$2 did not come up"
}

nn_dev() { echo "${NN_LDEV[$1,$2]:?no link $1-$2}"; }
nn_ip4() { echo "${NN_LIP4[$1,$2]:?no link $1-$2}"; }
nn_ip6() { echo "${NN_LIP6[$1,$2]:?no link $1-$2}"; }

nn_link() {
        ip -n "${NN_NS[$1]#net:}" link set "$(nn_dev "$1" "$2")" "$3" ||
                fail "link $1-$2 $3"
        [ "$3" = up ] && nn_link_wait "$1" "$2"
        return 0
}

nn_veth_del() {
        ip -n "${NN_NS[$1]#net:}" link del "$(nn_dev "$1" "$2")" ||
                fail "delete veth $1-$2"
}

nn_exec() {
        local ns=$1 pre
        shift
        pre=$(nn_prefix "$ns") || return 1
        $pre env OUROBOROS_RUNDIR="$NN_DIR/$ns" "${NN_ENV[@]}" "$@"
}

nn_irm() {
        local ns=$1 out
        shift
        out=$(nn_exec "$ns" "$BIN/irm" "$@" 2>&1) ||
                fail "[$ns] irm $*: $out"
        [ -z "$out" ] || echo "$out"
}

# Bind process PID to NAME in A, once the process has announced itself
# to A's IRMd (~5 s).
nn_bind() {
        nn_retry 5 nn_exec "$1" "$BIN/irm" bind process "$2" name "$3" ||
                nn_irm "$1" bind process "$2" name "$3"
}

nn_bg() {
        local ns=$1 pre
        shift
        pre=$(nn_prefix "$ns") || fail "no namespace $ns"
        $pre env OUROBOROS_RUNDIR="$NN_DIR/$ns" "${NN_ENV[@]}" setsid "$@" &
        LAST_PID=$!
        BG_PIDS+=($LAST_PID)
}

nn_irmd_start() {
        local ns d end
        for ns in "$@"; do
                d=$(nn_ns_dir "$ns")
                nn_bg "$ns" "$BIN/irmd" --stdout >"$d/irmd.log" 2>&1
                NN_IRMD[$ns]=$LAST_PID
        done
        end=$(( $(nn_ms) + 10000 ))
        for ns in "$@"; do
                d=$NN_DIR/$ns
                while :; do
                        nn_exec "$ns" "$BIN/irm" ipcp list >/dev/null 2>&1 &&
                                break
                        kill -0 "${NN_IRMD[$ns]}" 2>/dev/null ||
                                fail "[$ns] irmd exited: $(tail -n 5 "$d/irmd.log")"
                        [ "$(nn_ms)" -lt "$end" ] ||
                                fail "[$ns] irmd did not start in 10 s"
                        sleep 0.05
                done
        done
}

nn_irmd_stop() {
        stop_pids "${NN_IRMD[$1]}"
        NN_IRMD[$1]=
}

# Pids of the live processes in namespaces $1... (zombies have no
# namespace); one scan of /proc for all of them.
nn_pids() {
        local n id ids=
        for n in "$@"; do
                id=${NN_NSID[$n]:-}
                [ -n "$id" ] || continue
                id=${id#net:[}
                ids+=" ${id%]}"
        done
        [ -n "$ids" ] || return 0
        stat -L -c '%i %n' /proc/[0-9]*/ns/net 2>/dev/null |
                awk -v ids="$ids" 'BEGIN { split(ids, a, " ")
                                           for (i in a) want[a[i]] = 1 }
                        $1 in want { split($2, p, "/"); print p[3] }'
}

# SIGKILL everything in $1 until nothing is left (~2 s); reaps our own.
# Everything is stopped first (SIGSTOP), so that no process of $1 sees
# another die and tells anyone: the host goes away at once.
nn_kill_ns() {
        local p left
        for p in $(nn_pids "$1"); do
                [ "${NN_NS[$1]}" = "user:$p" ] && continue
                kill -STOP "$p" 2>/dev/null
                disown "$p" 2>/dev/null # our jobs: no "Killed" lines
        done
        for _ in $(seq 20); do
                left=$(nn_pids "$1")
                [ -z "$left" ] && break
                for p in $left; do
                        [ "${NN_NS[$1]}" = "user:$p" ] && continue
                        kill -KILL "$p" 2>/dev/null
                done
                [ "$(echo $left)" = "${NN_NS[$1]#user:}" ] && break
                sleep 0.1
        done
        for p in $(children_of $$); do
                [ "${NN_NS[$1]}" = "user:$p" ] && continue
                [ -z "$(readlink "/proc/$p/ns/net" 2>/dev/null)" ] &&
                        wait "$p" 2>/dev/null
        done
        return 0
}

# ICMP echo from namespace $1 to address $2 (v4 or v6), raw sockets as
# root (iputils is not a dependency); 0 on a reply within ${3:-2} s.
nn_ping() {
        nn_exec "$1" /usr/bin/python3 - "$2" "${3:-2}" <<'PY'
import socket, struct, sys, time
dst, tmo = sys.argv[1], float(sys.argv[2])
v6 = ":" in dst
fam = socket.AF_INET6 if v6 else socket.AF_INET
s = socket.socket(fam, socket.SOCK_RAW,
                  socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
req, rep = (128, 129) if v6 else (8, 0)
body = struct.pack("!HH", 0x4f55, 1) + b"ouroboros"
def csum(b):
    b += b"\0" * (len(b) & 1)
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    return ~(t + (t >> 16)) & 0xffff
hdr = struct.pack("!BBH", req, 0, 0)
if not v6:
    hdr = struct.pack("!BBH", req, 0, csum(hdr + body))
try:
    s.sendto(hdr + body, (dst, 0))
except OSError:
    sys.exit(1)
end = time.monotonic() + tmo
while time.monotonic() < end:
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        pkt = s.recv(2048)
    except socket.timeout:
        break
    if not v6:
        pkt = pkt[(pkt[0] & 15) * 4:]
    if pkt[0] == rep and pkt[4:] == body:
        sys.exit(0)
sys.exit(1)
PY
}

nn_ipcp_pid() {
        nn_exec "$1" "$BIN/irm" ipcp list 2>/dev/null |
                awk -v n="$2" '$1 ~ /^[0-9]+$/ && $3 == n { print $1; exit }'
}

# Until CMD succeeds, for up to SECS seconds (by the clock: CMD may be
# slow); 1 if it never does.
nn_retry() {
        local end=$(( $(nn_ms) + $1 * 1000 ))
        shift
        while :; do
                "$@" >/dev/null 2>&1 && return 0
                [ "$(nn_ms)" -lt "$end" ] || return 1
                sleep 0.1
        done
}

nn_wait_line() {
        local n=$(( ${3:-10} * 20 ))
        for _ in $(seq "$n"); do
                grep -Eq -- "$2" "$1" 2>/dev/null && return 0
                sleep 0.05
        done
        return 1
}

nn_vde_switch() {
        local d="$NN_DIR/vde-$1" run=()
        command -v vde_switch >/dev/null || skip "no vde_switch (vde2)"
        mkdir -p "$d"
        if [ "${2:-}" = user ] && [ "$(id -u)" = 0 ]; then
                chown "$NN_USER" "$d"
                run=(setpriv --reuid="$NN_USER" --regid="$(id -g "$NN_USER")"
                     --clear-groups)
        fi
        "${run[@]}" vde_switch -d -s "$d/sw" -M "$d/mgmt" -p "$d/pid" \
                --dirmode 0777 -m 0777 >/dev/null 2>&1 </dev/null ||
                fail "vde_switch $1"
        NN_PIDFILES+=("$d/pid")
        NN_VDE[$1]=$d/sw
        for _ in $(seq 100); do
                [ -S "$d/sw/ctl" ] && return 0
                sleep 0.02
        done
        fail "vde_switch $1 did not start"
}

nn_wirefilter() {
        local w="$NN_DIR/wf-$1" s1=${NN_VDE[$2]:?no switch $2}
        local s2=${NN_VDE[$3]:?no switch $3}
        shift 3
        command -v wirefilter >/dev/null || skip "no wirefilter (vde2)"
        mkdir -p "$w"
        wirefilter --daemon --pidfile "$w/pid" -M "$w/mgmt" \
                -v "$s1:$s2" "$@" >"$w/log" 2>&1 </dev/null ||
                fail "wirefilter $*: $(cat "$w/log")"
        NN_PIDFILES+=("$w/pid")
        for _ in $(seq 100); do
                [ -s "$w/pid" ] && return 0
                sleep 0.02
        done
        fail "wirefilter did not start"
}

# A pid from one of our pidfiles, if that process still runs one of the
# programs we started with our directory on its command line.
nn_pidfile_pid() {
        local p
        p=$(cat "$1" 2>/dev/null) || return 0
        [[ $p =~ ^[0-9]+$ ]] || return 0
        tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "$NN_DIR" &&
                echo "$p"
        return 0
}

nn_cleanup() {
        local rc=$1 i n p pids=() f left
        # TERM every process of our namespaces (IRMds stop their IPCPs
        # themselves), ~2 s for them to go, then KILL what is left. One
        # scan of /proc per round for all the namespaces (each scan takes
        # 20-100 ms on a busy host).
        for p in $(nn_pids "${NN_ORDER[@]}"); do
                kill -TERM "$p" 2>/dev/null
        done
        for _ in $(seq 40); do
                left=$(nn_pids "${NN_ORDER[@]}")
                [ -z "$left" ] && break
                sleep 0.05
        done
        for n in "${NN_ORDER[@]}"; do
                [ -n "$left" ] && nn_kill_ns "$n"
                [ -n "${NN_NS[$n]:-}" ] || continue
                case ${NN_NS[$n]} in
                net:*) ip netns del "${NN_NS[$n]#net:}" 2>/dev/null ;;
                user:*) kill -KILL "${NN_NS[$n]#user:}" 2>/dev/null
                        wait "${NN_NS[$n]#user:}" 2>/dev/null ;;
                esac
        done
        for f in "${NN_PIDFILES[@]}"; do
                p=$(nn_pidfile_pid "$f")
                [ -n "$p" ] && pids+=("$p") && kill -TERM "$p" 2>/dev/null
        done
        for p in "${pids[@]}"; do
                for _ in $(seq 40); do
                        kill -0 "$p" 2>/dev/null || break
                        sleep 0.05
                done
                kill -KILL "$p" 2>/dev/null
        done
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
                for f in $(find "$NN_DIR" -name '*.log' 2>/dev/null | sort); do
                        echo "--- ${f#$NN_DIR/} (last 30 lines) ---" >&2
                        tail -n 30 "$f" >&2
                done
        fi
        if [ "${NN_KEEP:-0}" = 1 ]; then
                local keep
                keep=$(mktemp -d /tmp/ouro-netns-kept.XXXXXX)
                cp -a "$NN_DIR/." "$keep/" 2>/dev/null
                echo "kept in $keep" >&2
        fi
        for i in "${!NN_VDE[@]}"; do
                rm -rf "${NN_VDE[$i]%/sw}"
        done
        [ -n "$NN_STAGE" ] && rm -rf "$NN_STAGE"
}
trap 'rc=$?; nn_cleanup $rc; (exit $rc); harness_cleanup' EXIT
