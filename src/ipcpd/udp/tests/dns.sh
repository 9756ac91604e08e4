#!/usr/bin/env bash
# DNS registration and lookup of the udp layers (test_udp_dns) against
# BIND's named in a network namespace of the test's own (named.sh draws
# it). Root and named only: exit 77 (a ctest skip) otherwise.
#   usage: dns.sh PATH/TO/test_udp_dns
set -u
prog=$1
. "$(dirname "$0")/named.sh"
named_start || exit 1
ip netns exec "$NAMED_NS" "$prog" live
