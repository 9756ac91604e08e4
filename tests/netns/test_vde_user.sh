#!/bin/bash
# Ouroboros - eth-dix over VDE with no privileges: two IRMds, each in its
# own user and network namespace (unshare -rn) as a non-root user, joined
# only by a VDE switch that user runs:
#
#   +--------------------+   vde://   +--------------------+
#   | u1: unshare -rn    |  +------+  | u2: unshare -rn    |
#   | as nobody: irmd,   |--|  sw  |--| as nobody: irmd,   |
#   | eth-dix; clients   |  +------+  | eth-dix; servers   |
#   +--------------------+ vde_switch +--------------------+
#                          (nobody)
#
# Neither namespace has any interface but lo: the switch is all there
# is. echo (oping -c 1000 -i 0, 0% loss), 10 000 packets of random sizes
# intact and in order, and a deallocation seen by the peer; every IRMd
# and IPCP runs as that user. Run by root, the user is nobody; run by
# anyone else, that user.
# ctest: TIMEOUT 120 RUN_SERIAL
. "$(dirname "$0")/lib.sh"

nn_need_userns # may move $BIN to a copy the user can reach
nn_need_bin ipcpd-eth-dix irmd irm oping test-netns-flowcheck
FC=$BIN/test-netns-flowcheck

t0=$(nn_ms)
nn_vde_switch sw user
nn_userns_add u1 u2
nn_irmd_start u1 u2
for n in u1 u2; do
        nn_irm "$n" ipcp bootstrap type eth-dix name lyr layer vde \
                dev "vde://${NN_VDE[sw]}"
done
nn_irm u2 name register oping layer vde
nn_irm u2 name register fc layer vde
nn_irm u2 name register fcx layer vde
nn_bg u2 "$BIN/oping" -l >"$NN_DIR/u2/oping.log" 2>&1
nn_bind u2 "$LAST_PID" oping
nn_bg u2 "$FC" server fc >"$NN_DIR/u2/fc.log" 2>&1
nn_bg u2 "$FC" server fcx -x 50 >"$NN_DIR/u2/fcx.log" 2>&1
nn_wait_line "$NN_DIR/u2/fc.log" READY || fail "flowcheck server fc"
nn_wait_line "$NN_DIR/u2/fcx.log" READY || fail "flowcheck server fcx"
nn_retry 5 nn_exec u1 "$BIN/oping" -n oping -c 1 -t 1000 ||
        fail "no first echo over vde: $(nn_exec u1 "$BIN/oping" -n oping -c 1 2>&1)"
echo "setup: $(( $(nn_ms) - t0 )) ms"

# Who runs what: the user, never root, for every process of u1 and u2.
uid=$(id -u "$NN_USER")
for n in u1 u2; do
        [ "$(nn_exec "$n" ip -o link | grep -vc ': lo:')" = 0 ] ||
                fail "$n has interfaces besides lo"
        for p in $(nn_pids "$n"); do
                ruid=$(awk '/^Uid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
                [ -z "$ruid" ] || [ "$ruid" = "$uid" ] ||
                        fail "pid $p ($(cat /proc/$p/comm)) in $n runs as uid $ruid"
        done
done
[ -n "$(nn_ipcp_pid u1 lyr)" ] || fail "no eth-dix IPCP in u1"

t0=$(nn_ms)
out=$(nn_exec u1 "$BIN/oping" -n oping -c 1000 -i 0 -Q 2>&1) || fail "oping: $out"
echo "$out" | grep -q " 0% packet loss" || fail "oping lost packets: $out"
echo "$out" | grep "packet loss"
echo "echo: $(( $(nn_ms) - t0 )) ms"

t0=$(nn_ms)
nn_exec u1 "$FC" client fc -n 10000 ${FC_MAX:+-s $FC_MAX} || fail "flowcheck client over vde (exit $?)"
echo "packets: $(( $(nn_ms) - t0 )) ms"

t0=$(nn_ms)
nn_exec u1 "$FC" hold fcx -b 1000 || fail "deallocation not seen within 1 s"
echo "dealloc: $(( $(nn_ms) - t0 )) ms"
echo PASS
