#!/bin/bash
# Ouroboros - ipcpd-broadcast's pending queues, on one member over the
# local layer: a joined application that never reads (its ring fills)
# does not cost any other reader a message, its packets are queued
# (not dropped as ring-full), and after 2 s without progress the member
# drops its queue (drop_stuck) and goes on; the writer is never held.
# ctest: TIMEOUT 120
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer

irm ipcp bootstrap type broadcast name A layer bc autobind \
        || fail "bootstrap A"
reader lr 15000
bg "$JOIN" bc send 0 s 9000       # joined, silent, never reads
wait_for stat_is A joined = 2 || fail "silent app did not join"

# 3000 x 1000 B: more than the silent app's ring (1 MiB), less than
# ring + pending queue (4096 packets), so nothing overflows.
N=3000
"$JOIN" bc send $N w 1500 1000 || fail "writer"
wait_for grep -Eq "^w $N(\\.|\$)" "$D/lr" || fail "reader: no w $N"
n=$(grep -c "^w " "$D/lr")
[ "$n" = $N ] || fail "reader: $n messages, not $N"
n=$(grep "^w " "$D/lr" | sort -u | wc -l)
[ "$n" = $N ] || fail "reader: duplicates"
[ "$(stat A queued)" -gt 0 ] || fail "A: nothing queued for the silent app"
[ "$(stat A drop_ring_full)" = 0 ] || fail "A: drop_ring_full $(stat A drop_ring_full)"
wait_for stat_is A drop_stuck -gt 0 \
        || fail "A: the silent app's queue was not dropped as stuck"
grep -q "stuck for 2000 ms" "$D/irmd.log" || fail "no stuck warning logged"
s=$(stat A drop_stuck)
[ "$s" -lt $N ] || fail "A: drop_stuck $s, more than the silent app's share"

echo "--- after the stuck flow: the layer goes on"
"$JOIN" bc send 10 x 500 || fail "writer 2"
wait_for grep -q "^x 10\$" "$D/lr" || fail "reader: no x 10"

echo "PASS"
