# Ouroboros - an impaired path between two ends of an eth-dix layer over
# VDE, sourced by test_impaired*.sh after lib.sh, which set IMPAIR (the
# wirefilter options), COUNT (flowcheck packets), FC_FLAGS (-l, -C) and
# MIN_BACK (the least percentage of packets that must come back intact):
#
#   +------------+        +----+  wirefilter   +----+        +------------+
#   | ns a: irmd |-vde://-| s1 |--(loss, dup,--| s2 |-vde://-| ns b: irmd |
#   | eth-dix;   |        +----+  delay, ...)  +----+        | eth-dix;   |
#   | clients    |                                           | servers    |
#   +------------+                                           +------------+
#
# Without reliability (FRCT comes later) packets are lost, duplicated and
# reordered on the way: what must hold is that nothing crashes or hangs,
# that the layer still allocates flows and echoes what arrives, and that
# flowcheck sees the impairment (the wirefilter really is in the path)
# and no corruption unless bits are flipped.

FC=$BIN/test-netns-flowcheck
nn_need_root
nn_need_netns
nn_need_bin ipcpd-eth-dix irmd irm oping test-netns-flowcheck

t0=$(nn_ms)
nn_vde_switch s1
nn_vde_switch s2
# shellcheck disable=SC2086
nn_wirefilter w s1 s2 $IMPAIR
nn_ns_add a b
nn_irmd_start a b
nn_irm a ipcp bootstrap type eth-dix name lyr layer imp dev "vde://${NN_VDE[s1]}"
nn_irm b ipcp bootstrap type eth-dix name lyr layer imp dev "vde://${NN_VDE[s2]}"
apid=$(nn_ipcp_pid a lyr)
bpid=$(nn_ipcp_pid b lyr)
for n in oping fc; do
        nn_irm b name register "$n" layer imp
done
nn_bg b "$BIN/oping" -l >"$NN_DIR/b/oping.log" 2>&1
nn_bind b "$LAST_PID" oping
nn_bg b "$FC" server fc >"$NN_DIR/b/fc.log" 2>&1
nn_wait_line "$NN_DIR/b/fc.log" READY || fail "flowcheck server fc"
# allocation itself crosses the impaired path (requests are resent)
nn_retry 10 nn_exec a "$BIN/oping" -n oping -c 3 -i 50 -t 2000 ||
        fail "no echo over the impaired path"
echo "setup: $(( $(nn_ms) - t0 )) ms (wirefilter $IMPAIR)"

t0=$(nn_ms)
out=$(nn_exec a "$BIN/oping" -n oping -c 100 -i 5 -t 2000 -Q 2>&1)
rc=$?
echo "$out" | grep "packet loss"
[ $rc -le 1 ] || fail "oping over the impaired path: exit $rc: $out"
echo "$out" | grep -q " 0 received" && fail "oping: nothing came back: $out"
echo "oping: $(( $(nn_ms) - t0 )) ms"

t0=$(nn_ms)
# shellcheck disable=SC2086
out=$(nn_exec a "$FC" client fc -n "$COUNT" -w 8 $FC_FLAGS ${FC_MAX:+-s $FC_MAX} 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] || fail "flowcheck over the impaired path: exit $rc"
read -r _ sent _ recv _ lost _ dup _ reord _ corrupt _ <<<"$(echo "$out" | grep '^sent')"
[ "$recv" -ge $((sent * MIN_BACK / 100)) ] ||
        fail "fewer than $MIN_BACK% of the packets came back"
[ $((lost + dup + reord + corrupt)) -gt 0 ] ||
        fail "no loss, duplicate or reordering: is the wirefilter in the path?"
echo "flowcheck: $(( $(nn_ms) - t0 )) ms"

# Nothing crashed, both ends still answer and still allocate.
[ "$(nn_ipcp_pid a lyr)" = "$apid" ] || fail "a's IPCP died"
[ "$(nn_ipcp_pid b lyr)" = "$bpid" ] || fail "b's IPCP died"
nn_retry 10 nn_exec a "$BIN/oping" -n oping -c 3 -i 50 -t 2000 ||
        fail "no echo after the run"
nn_exec a "$BIN/irm" ipcp stat name lyr 2>&1 | head -n 20
