# Ouroboros - what the FRCT tests (test_frct*.sh) share, sourced after
# lib.sh and impair.sh: the issue's impairment and a checked transfer.

# 5% loss, 2% duplication, 10+-5 ms each way, packets may overtake.
IMPAIR=(-l 5 -D 2 -d 10+5 -N)

# xfer_ok WHAT XFER-SEND-OPTIONS...: the transfer must arrive whole, in
# order and intact (the receiver's RESULT says match yes); its RESULT
# line is left in XFER_RES.
xfer_ok() {
        local what=$1 t0
        shift
        t0=$(nn_ms)
        imp_send "$@" >"$NN_DIR/a/send.log" 2>&1
        echo "$what: $(cat "$NN_DIR/a/send.log")"
        XFER_RES=$(imp_result)
        echo "$what: receiver: $XFER_RES ($(( $(nn_ms) - t0 )) ms)"
        [[ $XFER_RES == *"match yes"* ]] ||
                fail "$what: not delivered intact and in order"
}

# The value after KEY in a RESULT line ($1).
res_field() {
        awk -v k="$2" '{ for (i = 1; i < NF; ++i) if ($i == k) print $(i + 1) }' \
                <<<"$1"
}
