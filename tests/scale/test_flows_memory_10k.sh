#!/bin/bash
# Ouroboros - 10 000 concurrent flows through one eth-dix IPCP, each
# having carried traffic, must cost less than 1 GiB in all (see
# flows_memory.sh). Long mode: 50 s to 2.5 min on a 2-CPU machine
# shared with other jobs.
# ctest: TIMEOUT 900 RUN_SERIAL
# ctest: LABELS long
N=10000
. "$(dirname "$0")/flows_memory.sh"
