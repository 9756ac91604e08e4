#!/usr/bin/env bash
# DNS registration and lookup of the udp layers (test_udp_dns) against
# BIND's named in a network namespace of the test's own (named.sh draws
# it). Exit 77 (a ctest skip) only without named or a namespace.
#   usage: dns.sh PATH/TO/test_udp_dns
set -u
prog=$1
. "$(dirname "$0")/named.sh"
named_start "$0" "$@" || exit 1
named_exec "$prog" live
