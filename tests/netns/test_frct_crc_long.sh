#!/bin/bash
# Ouroboros - QoS ber 0 across the impaired eth-dix layer (topology in
# impair.sh) with bits flipped in transit (wirefilter -n 50, 10+-5 ms,
# no loss): a reliable flow with ber 0 (qos_data: a CRC32 on every
# packet) delivers 1 MB intact, its receiver having dropped the
# corrupted packets (frct stats: bad > 0), which were retransmitted;
# the same flow with ber 1 (no CRC) does not arrive intact, so the check
# sees corruption that gets through. (Encrypted flows under bit errors:
# test_frct_crypt.sh.) Long mode.
#
#   ns a --tap-- [s1] --wirefilter-- [s2] --tap-- ns b
#
# ctest: TIMEOUT 180 RUN_SERIAL
# ctest: LABELS long
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/impair.sh"
. "$(dirname "$0")/frct.sh"

IMP_IDLE=10
imp_setup -n 50 -d 10+5

stats() { grep -c '^frct stats' "$NN_DIR/b/xf.log"; }

n0=$(stats)
xfer_ok "1 MB reliable, ber 0 (CRC)" -q rel -b 1000000 -S 5
for _ in $(seq 50); do
        [ "$(stats)" -gt "$n0" ] && break
        sleep 0.1
done
st=$(grep '^frct stats' "$NN_DIR/b/xf.log" | tail -n 1)
echo "receiver: $st"
bad=$(sed -nE 's/.* bad ([0-9]+).*/\1/p' <<<"$st")
[ "${bad:-0}" -gt 0 ] ||
        fail "bit errors, yet the CRC dropped nothing: is -n in the path?"

# control: without the CRC the corruption reaches the reader
imp_send -q rel-nocrc -b 1000000 -S 5 >"$NN_DIR/a/send.log" 2>&1
echo "no CRC: $(cat "$NN_DIR/a/send.log")"
res=$(imp_result) || fail "no CRC: no result"
echo "no CRC: receiver: $res"
[[ $res == *"match no"* ]] ||
        fail "no CRC, yet it arrived intact: the check cannot see corruption"
echo PASS
