#!/usr/bin/env bash
# udp sockets on a link of MTU 1400: two network namespaces of our own
# joined by a veth pair, the test program run in the first.
#
#   netns ouro-udpA-<pid>              netns ouro-udpB-<pid>
#   +-------------------------+        +-------------------------+
#   | ouA<pid> 10.77.0.1/24   |========| ouB<pid> 10.77.0.2/24   |
#   |          fd77::1/64     |  veth  |          fd77::2/64     |
#   |          MTU 1400       |        |          MTU 1400       |
#   +-------------------------+        +-------------------------+
#
# Root only: exit 77 (a ctest skip) otherwise. The namespaces go away
# on exit, even on failure.
#   usage: pmtu.sh PATH/TO/test_udp_pmtu
set -u
prog=$1
if [ "$(id -u)" != 0 ]; then
        echo "skip: needs root (network namespaces)" >&2
        exit 77
fi
if ! command -v ip >/dev/null; then
        echo "skip: no ip (iproute2)" >&2
        exit 77
fi
na=ouro-udpA-$$
nb=ouro-udpB-$$
a=ouA$$
b=ouB$$
cleanup() {
        ip netns del "$na" 2>/dev/null
        ip netns del "$nb" 2>/dev/null
}
trap cleanup EXIT
ip netns add "$na" || { echo "skip: cannot create a namespace" >&2; exit 77; }
ip netns add "$nb" || exit 1
ip -n "$na" link add "$a" type veth peer name "$b" || exit 1
ip -n "$na" link set "$b" netns "$nb" || exit 1
ip -n "$na" link set "$a" mtu 1400 up || exit 1
ip -n "$nb" link set "$b" mtu 1400 up || exit 1
ip -n "$na" addr add 10.77.0.1/24 dev "$a" || exit 1
ip -n "$nb" addr add 10.77.0.2/24 dev "$b" || exit 1
ip -n "$na" addr add fd77::1/64 dev "$a" nodad || exit 1
ip -n "$nb" addr add fd77::2/64 dev "$b" nodad || exit 1
ip netns exec "$na" "$prog" 10.77.0.1 10.77.0.2 fd77::1 fd77::2 1400
