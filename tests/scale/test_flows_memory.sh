#!/bin/bash
# Ouroboros - 2000 concurrent flows through one eth-dix IPCP, each having
# carried traffic; their memory extrapolated to 10 000 flows must stay
# below 1 GiB (see flows_memory.sh; the full 10 000 flows run in the long
# mode, test_flows_memory_10k.sh).
# ctest: TIMEOUT 240 RUN_SERIAL
N=2000
. "$(dirname "$0")/flows_memory.sh"
