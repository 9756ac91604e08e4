#!/bin/bash
# Ouroboros - long FRCT transfers across the impaired eth-dix layer
# (topology in impair.sh; 2% duplication, 10+-5 ms, reordering): 50 MB
# on a reliable flow at 1% loss and 50 MB at 5% loss, then 2 MB at 10%
# loss, plain and encrypted, each byte-identical and in order.
#
#   ns a --tap-- [s1] --wirefilter-- [s2] --tap-- ns b
#
# ctest: TIMEOUT 1800 RUN_SERIAL
# ctest: LABELS long
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/impair.sh"
. "$(dirname "$0")/frct.sh"

imp_setup -l 1 -D 2 -d 10+5 -N
xfer_ok "50 MB reliable, 1% loss" -q rel -b 50000000 -S 31
xfer_ok "50 MB reliable encrypted, 1% loss" -q rel -e -b 50000000 -S 32
imp_filter "${IMPAIR[@]}"
xfer_ok "50 MB reliable, 5% loss" -q rel -b 50000000 -S 33
xfer_ok "50 MB reliable encrypted, 5% loss" -q rel -e -b 50000000 -S 34
# the issue's harshest path: 10% loss with duplication and reordering
imp_filter -l 10 -D 2 -d 10+5 -N
xfer_ok "2 MB reliable, 10% loss" -q rel -b 2000000 -S 35
xfer_ok "2 MB reliable encrypted, 10% loss" -q rel -e -b 2000000 -S 36
echo PASS
