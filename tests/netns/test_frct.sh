#!/bin/bash
# Ouroboros - FRCT across an impaired eth-dix layer (topology in
# impair.sh): wirefilter with 5% loss, 2% duplication, 10+-5 ms delay
# and reordering, both ways. Over it:
#   - 10 MB on a reliable flow (QoS loss 0) arrive byte-identical and in
#     order (checksums of every message and of the stream), plain and
#     encrypted (cypher_s 256);
#   - an in-order best-effort flow never delivers out of order (gaps
#     are allowed, a message older than one delivered is not);
#   - one 16 MiB message on a reliable flow arrives whole.
# (Kernel TCP over the same path: bench/frct/run; at this loss and
# reordering it moves ~2 Mbit/s, too slow for a default test.)
#
#   ns a --tap-- [s1] --wirefilter-- [s2] --tap-- ns b
#
# ctest: TIMEOUT 150 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/impair.sh"

IMPAIR=(-l 5 -D 2 -d 10+5 -N)
imp_setup "${IMPAIR[@]}"

# $1 what, then xfer send options; the transfer must match end to end
xfer_ok() {
        local what=$1 out res t0
        shift
        t0=$(nn_ms)
        out=$(imp_send "$@" 2>&1)
        echo "$what: $out"
        res=$(imp_result)
        echo "$what: receiver: $res ($(( $(nn_ms) - t0 )) ms)"
        [[ $res == *"match yes"* ]] || fail "$what: not delivered intact and in order"
}

xfer_ok "10 MB reliable" -q rel -b 10000000
xfer_ok "10 MB reliable, encrypted" -q rel -e -b 10000000 -S 7
xfer_ok "16 MiB message" -q rel -b 16777216 -m 16777216 -S 9

# in order, not reliable: losses are gaps, never a step back
out=$(imp_send -q ord -b 2000000 -m 1000 -i 1000 -S 3 2>&1)
echo "in order: $out"
res=$(imp_result) || fail "in order: no result"
echo "in order: receiver: $res"
[[ $res == *"reorder 0 "* ]] || fail "in order: delivered out of order"
[[ $res == *"corrupt 0 "* ]] || fail "in order: corrupted messages"
read -r _ _ msgs _ <<<"$res"
[ "$msgs" -ge 1600 ] || fail "in order: only $msgs of 2000 messages came"
echo PASS
