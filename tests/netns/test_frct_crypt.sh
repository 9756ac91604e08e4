#!/bin/bash
# Ouroboros - encrypted reliable flows (QoS loss 0, cypher_s 256)
# across the impaired eth-dix layer of test_frct.sh (topology in
# impair.sh):
#   - with 5% loss, 2% dup, 10+-5 ms and reordering, 5 MB arrive
#     byte-identical and in order (50 MB: test_frct_long.sh); a capture of every frame on a's tap
#     (tcpdump) meanwhile holds none of the plaintext, which is a text
#     ("plaintext-canary-") repeated; the same capture of a clear flow
#     does show it (so the check can see plaintext); no nonce (the
#     packet's counter) appears twice among the frames a sent, though
#     a retransmitted some (frct_nonces.py), while the frames a
#     received show the wirefilter's duplicates;
#   - with bits flipped in transit (wirefilter -n) a transfer still
#     arrives intact, and the receiver counted the packets it rejected
#     (fccntl FLOWGCRYPTST: rx_bad > 0).
#
#   ns a --tap(tcpdump)-- [s1] --wirefilter-- [s2] --tap-- ns b
#
# ctest: TIMEOUT 240 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/impair.sh"
. "$(dirname "$0")/frct.sh"

command -v tcpdump >/dev/null || skip "no tcpdump"
imp_setup "${IMPAIR[@]}"

CAP_PID=
cap_start() {
        CAP=$NN_DIR/$1.pcap
        nn_bg a tcpdump -n -i tpa --immediate-mode -U -w "$CAP" \
                >"$NN_DIR/a/$1.tcpdump.log" 2>&1
        CAP_PID=$LAST_PID
        nn_wait_line "$NN_DIR/a/$1.tcpdump.log" "listening on" ||
                fail "tcpdump did not start"
}
cap_stop() {
        sleep 1 # what is still in the kernel's buffer gets written
        stop_pids "$CAP_PID"
        grep -a captured "$NN_DIR/a/$1.tcpdump.log"
        CANARIES=$(grep -ac "plaintext-canary" "$CAP")
        echo "$1: $(stat -c %s "$CAP") bytes captured, $CANARIES with plaintext"
}

# control: a clear flow's plaintext is in the capture
cap_start clear
xfer_ok "clear 200 kB" -q rel -b 200000 -S 0
cap_stop clear
[ "$CANARIES" -gt 0 ] || fail "the capture does not see a clear flow's plaintext"

cap_start crypt
OUROBOROS_FRCT_STATS=1 xfer_ok "5 MB reliable, encrypted" -q rel -e \
        -b 5000000 -S 0
cap_stop crypt
[ "$(stat -c %s "$CAP")" -gt 5000000 ] || fail "the capture missed the transfer"
[ "$CANARIES" = 0 ] || fail "plaintext on the wire of an encrypted flow"

# a fresh nonce for every transmission, retransmissions included: no
# counter twice among the frames a sent (it retransmitted some), while
# the frames a received hold the wirefilter's duplicates (the check
# sees a repeated counter when there is one)
rtx=$(sed -nE 's/^frct stats .* rtx ([0-9]+) .*/\1/p' "$NN_DIR/a/send.log" | head -n 1)
[ "${rtx:-0}" -gt 0 ] || fail "no retransmissions to check: $(cat "$NN_DIR/a/send.log")"
mac=$(ip -n "${NN_NS[a]#net:}" link show tpa | awk '/link\/ether/ { print $2 }')
nonces=$(python3 "$(dirname "$0")/frct_nonces.py" "$CAP" "$mac") ||
        fail "frct_nonces.py $CAP"
echo "nonces ($rtx retransmissions): $nonces"
read -r _ sent _ _ _ sdup _ _ _ _ _ rdup <<<"$nonces"
[ "$sent" -gt 2500 ] || fail "the capture holds too few of a's frames"
[ "$sdup" = 0 ] || fail "a nonce sent twice (retransmission not sealed anew?)"
[ "$rdup" -gt 0 ] || fail "no duplicated frame seen coming in: the check is blind"

# bits flipped in transit: rejected (counted), the transfer completes
imp_filter -n 50 -d 10+5
xfer_ok "1 MB encrypted, bit errors" -q rel -e -b 1000000 -S 5
bad=$(res_field "$XFER_RES" bad)
[ -n "$bad" ] || fail "no drop counters (fccntl FLOWGCRYPTST): $XFER_RES"
[ "$bad" -gt 0 ] || fail "bit errors, yet no packet rejected: is -n in the path?"
echo PASS
