#!/bin/bash
# Ouroboros - one 16 MiB flow_write on a reliable flow (QoS loss 0)
# across the impaired eth-dix layer of test_frct.sh (5% loss, 2% dup,
# 10+-5 ms, reordering; topology in impair.sh) arrives whole, as one
# message of 16 MiB, byte-identical. (Larger than any lower packet:
# FRCT fragments and reassembles it. At this impairment FRCT moves ~1.7
# Mbit/s, so this takes ~80 s; the reader sees nothing until the last
# fragment is in, hence the receiver's idle limit of 150 s.)
#
#   ns a --tap-- [s1] --wirefilter-- [s2] --tap-- ns b
#
# ctest: TIMEOUT 240 RUN_SERIAL
# ctest: LABELS long
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/impair.sh"
. "$(dirname "$0")/frct.sh"

IMP_IDLE=150
imp_setup "${IMPAIR[@]}"
xfer_ok "16 MiB message" -q rel -b 16777216 -m 16777216 -S 9
[ "$(res_field "$XFER_RES" msgs)" = 1 ] || fail "16 MiB: not one message"
[ "$(res_field "$XFER_RES" bytes)" = 16777216 ] || fail "16 MiB: wrong size"
echo PASS
