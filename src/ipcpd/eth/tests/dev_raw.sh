#!/usr/bin/env bash
# eth devices on raw sockets: one network namespace of our own holding
# both ends of a veth pair, the test program run inside it.
#
#   netns ouro-eth-<pid>
#   +--------------------------------------+
#   |  oeA<pid> <====== veth ======> oeB<pid> |
#   |  (MTU 1400)               (MTU 1400) |
#   +--------------------------------------+
#
# Root only (ip netns, AF_PACKET): exit 77 (a ctest skip) otherwise.
# The namespace goes away on exit, even on failure.
#   usage: dev_raw.sh PATH/TO/test_eth_dev_raw
set -u
prog=$1
if [ "$(id -u)" != 0 ]; then
        echo "skip: needs root (network namespace, raw sockets)" >&2
        exit 77
fi
if ! command -v ip >/dev/null; then
        echo "skip: no ip (iproute2)" >&2
        exit 77
fi
ns=ouro-eth-$$
a=oeA$$
b=oeB$$
cleanup() { ip netns del "$ns" 2>/dev/null; }
trap cleanup EXIT
ip netns add "$ns" || { echo "skip: cannot create a namespace" >&2; exit 77; }
ip -n "$ns" link add "$a" type veth peer name "$b" || exit 1
ip -n "$ns" link set "$a" mtu 1400 up || exit 1
ip -n "$ns" link set "$b" mtu 1400 up || exit 1
# Through the receive ring, then with recvmmsg (no ring).
ip netns exec "$ns" "$prog" "$a" "$b" 1400 || exit 1
ip netns exec "$ns" env OUROBOROS_ETH_NO_RING=1 "$prog" "$a" "$b" 1400
