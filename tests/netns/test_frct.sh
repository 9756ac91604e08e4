#!/bin/bash
# Ouroboros - FRCT across an impaired eth-dix layer (topology in
# impair.sh): wirefilter with 5% loss, 2% duplication, 10+-5 ms delay
# and reordering, both ways. Over it:
#   - 5 MB on a reliable flow (QoS loss 0) arrive byte-identical and in
#     order (checksums of every message and of the stream): ~3600
#     frames, so ~180 lost, ~70 duplicated and many reordered on the
#     way, each recovered (~12 s at ~3.5 Mbit/s);
#   - an in-order best-effort flow (max_gap 200 ms) never delivers out
#     of order (gaps are allowed, a message older than one delivered is
#     not), and skips what is lost instead of stalling (at least 80% of
#     2000 paced messages arrive); the same messages on a raw flow, the
#     control, do come out of order.
# Encrypted: test_frct_crypt.sh; a 16 MiB message: test_frct_big_long.sh and fairness test_frct_fair_long.sh (long mode);
# 50 MB plain and encrypted at 1% and at 5% loss: test_frct_long.sh. (Kernel TCP over the same path:
# bench/frct/run; at this impairment it moves ~2 Mbit/s.)
#
#   ns a --tap-- [s1] --wirefilter-- [s2] --tap-- ns b
#
# ctest: TIMEOUT 240 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/impair.sh"
. "$(dirname "$0")/frct.sh"

imp_setup "${IMPAIR[@]}"

xfer_ok "5 MB reliable" -q rel -b 5000000

# in order, not reliable: losses are gaps, never a step back
imp_send -q ord -b 2000000 -m 1000 -i 1000 -S 3 >"$NN_DIR/a/send.log" 2>&1
echo "in order: $(cat "$NN_DIR/a/send.log")"
res=$(imp_result) || fail "in order: no result"
echo "in order: receiver: $res"
[ "$(res_field "$res" reorder)" = 0 ] || fail "in order: delivered out of order"
[ "$(res_field "$res" corrupt)" = 0 ] || fail "in order: corrupted messages"
msgs=$(res_field "$res" msgs)
[ "$msgs" -ge 1600 ] || fail "in order: only $msgs of 2000 messages came"

# the control: the same messages on a raw flow come out of order, so
# the path does reorder and the in-order flow's 0 above means something
imp_send -q raw -b 2000000 -m 1000 -i 1000 -S 3 >"$NN_DIR/a/send.log" 2>&1
res=$(imp_result) || fail "raw: no result"
echo "raw (control): receiver: $res"
[ "$(res_field "$res" reorder)" -gt 0 ] ||
        fail "raw: nothing out of order: the path does not reorder"
echo PASS
