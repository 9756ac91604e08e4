# Ouroboros - start BIND's named for a test, in a network namespace of
# the test's own; sourced by the udp DNS tests (bash).
#
#   . named.sh
#   named_start              # netns $NAMED_NS, named on 127.0.0.1 / ::1
#   ip netns exec "$NAMED_NS" prog ...
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
# packet stays inside the namespace. Skips (exit 77) if not root or
# named is not installed. The EXIT trap stops named and deletes the
# namespace and the files even when the test fails; a test adding its
# own cleanup calls named_cleanup from it.
set -u

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

named_start() {
        local named

        [ "$(id -u)" = 0 ] || named_skip "needs root (network namespaces)"
        named=$(command -v named || echo /usr/sbin/named)
        [ -x "$named" ] || named_skip "named not installed (Debian bind9)"
        command -v dig >/dev/null ||
                named_skip "dig not installed (Debian bind9-dnsutils)"
        command -v ip >/dev/null || named_skip "no ip (iproute2)"

        NAMED_NS=ouro-dns-$$
        NAMED_DIR=$(mktemp -d /tmp/ouro-named.XXXXXX)
        NAMED_PID=
        trap named_cleanup EXIT

        ip netns add "$NAMED_NS" || named_skip "cannot create a namespace"
        ip -n "$NAMED_NS" link set lo up || return 1

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
        ip netns exec "$NAMED_NS" "$named" -g -c "$NAMED_DIR/named.conf" \
                >"$NAMED_DIR/named.log" 2>&1 &
        NAMED_PID=$!

        for _ in $(seq 100); do
                if ip netns exec "$NAMED_NS" dig @127.0.0.1 udp.test SOA \
                        +short +time=1 +tries=1 2>/dev/null | grep -q ns; then
                        return 0
                fi
                kill -0 "$NAMED_PID" 2>/dev/null || break
                sleep 0.1
        done
        echo "named did not start:" >&2
        cat "$NAMED_DIR/named.log" >&2
        return 1
}
