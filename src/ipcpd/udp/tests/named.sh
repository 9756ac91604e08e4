# Ouroboros - start BIND's named for a test, in a network namespace of
# the test's own; sourced by the udp DNS tests (bash).
#
#   . named.sh
#   named_start "$0" "$@"    # named on 127.0.0.1 / ::1 in a namespace
#   named_exec prog ...      # run prog in that namespace
#   named_ip addr add ...    # ip(8) in that namespace
#
#   netns ouro-dns-<pid>
#   +---------------------------------------------+
#   | lo 127.0.0.1, ::1                           |
#   |   named :53  zone udp.test  updates allowed |
#   |              zone ro.test   no updates      |
#   |              zone udp6.test updates allowed |
#   +---------------------------------------------+
#
# Updates are allowed from 127.0.0.0/8 and ::1, without a key. Every
# packet stays inside the namespace. As root the namespace is a named
# one (ip netns add ouro-dns-<pid>); otherwise named_start runs the
# script again (its path and arguments given) under `unshare -rn`, in
# a user and network namespace of its own, where it is root. Skips
# (exit 77) only if named (or dig, ip, unshare) is not installed or no
# namespace can be had. The EXIT trap stops named and deletes the
# namespace and the files even when the test fails; a test adding its
# own cleanup calls named_cleanup from it.
set -u
export PATH=$PATH:/usr/sbin:/sbin   # named, ip (CI runs under env -i)

named_skip() {
        echo "skip: $1" >&2
        exit 77
}

named_cleanup() {
        if [ -n "${NAMED_PID:-}" ]; then
                kill -TERM "$NAMED_PID" 2>/dev/null
                for _ in $(seq 40); do
                        kill -0 "$NAMED_PID" 2>/dev/null || break
                        sleep 0.05
                done
                kill -KILL "$NAMED_PID" 2>/dev/null
                wait "$NAMED_PID" 2>/dev/null
                NAMED_PID=
        fi
        [ -n "${NAMED_NS:-}" ] && ip netns del "$NAMED_NS" 2>/dev/null
        NAMED_NS=
        [ -n "${NAMED_DIR:-}" ] && rm -rf "$NAMED_DIR"
        return 0
}

named_zone() {
        cat >"$NAMED_DIR/$1.zone" <<EOF
\$TTL 60
@       IN SOA  ns.$1. admin.$1. 1 60 60 600 60
@       IN NS   ns
ns      IN A    127.0.0.1
EOF
}

# Run a command in the namespace (in unshare mode we are in it).
named_exec() {
        if [ -n "${NAMED_NS:-}" ]; then
                ip netns exec "$NAMED_NS" "$@"
        else
                "$@"
        fi
}

named_ip() {
        if [ -n "${NAMED_NS:-}" ]; then
                ip -n "$NAMED_NS" "$@"
        else
                ip "$@"
        fi
}

named_start() {
        local named

        named=$(command -v named || echo /usr/sbin/named)
        [ -x "$named" ] || named_skip "named not installed (Debian bind9)"
        command -v dig >/dev/null ||
                named_skip "dig not installed (Debian bind9-dnsutils)"
        command -v ip >/dev/null || named_skip "no ip (iproute2)"

        NAMED_NS=
        NAMED_DIR=
        NAMED_PID=
        if [ -z "${NAMED_UNSHARED:-}" ] && [ "$(id -u)" != 0 ]; then
                command -v unshare >/dev/null ||
                        named_skip "not root and no unshare (util-linux)"
                unshare -rn true 2>/dev/null ||
                        named_skip "not root and no user namespaces"
                NAMED_UNSHARED=1 exec unshare -rn bash "$@"
        fi

        NAMED_DIR=$(mktemp -d /tmp/ouro-named.XXXXXX)
        trap named_cleanup EXIT
        trap 'exit 130' INT TERM   # so that the EXIT trap runs

        if [ -z "${NAMED_UNSHARED:-}" ]; then
                NAMED_NS=ouro-dns-$$
                ip netns add "$NAMED_NS" ||
                        named_skip "cannot create a namespace"
        fi
        named_ip link set lo up || return 1

        named_zone udp.test
        named_zone ro.test
        named_zone udp6.test
        cat >"$NAMED_DIR/named.conf" <<EOF
options {
        directory "$NAMED_DIR";
        pid-file "$NAMED_DIR/named.pid";
        session-keyfile "$NAMED_DIR/session.key";
        managed-keys-directory "$NAMED_DIR";
        listen-on port 53 { 127.0.0.1; };
        listen-on-v6 port 53 { ::1; };
        recursion no;
        dnssec-validation no;
        notify no;
};
controls { };
zone "udp.test"  { type primary; file "$NAMED_DIR/udp.test.zone";
                   allow-update { 127.0.0.0/8; ::1; }; };
zone "udp6.test" { type primary; file "$NAMED_DIR/udp6.test.zone";
                   allow-update { 127.0.0.0/8; ::1; }; };
zone "ro.test"   { type primary; file "$NAMED_DIR/ro.test.zone"; };
EOF
        # Not through named_exec: a function in the background is a
        # subshell, and $! must be named itself.
        if [ -n "$NAMED_NS" ]; then
                ip netns exec "$NAMED_NS" "$named" -g \
                        -c "$NAMED_DIR/named.conf" >"$NAMED_DIR/named.log" 2>&1 &
        else
                "$named" -g -c "$NAMED_DIR/named.conf" \
                        >"$NAMED_DIR/named.log" 2>&1 &
        fi
        NAMED_PID=$!

        # Up: named says it runs (every zone loaded) and answers.
        for _ in $(seq 100); do
                if grep -q "^.*running$" "$NAMED_DIR/named.log" &&
                   named_exec dig @127.0.0.1 udp.test SOA +short +time=1 \
                        +tries=1 2>/dev/null | grep -q "^ns\.udp\.test\. "
                then
                        return 0
                fi
                kill -0 "$NAMED_PID" 2>/dev/null || break
                sleep 0.1
        done
        echo "named did not start:" >&2
        cat "$NAMED_DIR/named.log" >&2
        return 1
}
