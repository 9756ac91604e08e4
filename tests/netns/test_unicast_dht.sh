#!/bin/bash
# Ouroboros - a directory entry survives the loss of a member that held
# it. Five members in a ring (topology in unicast.sh), the DHT keeping
# each name on its 2 closest members (dht_k 2):
#
#        h1 [u1] --- h2 [u2] --- h3 [u3: svc]
#           |                       |
#        h5 [u5] ----------------- h4 [u4]
#
# The name svc is registered at u3 (an echo server on h3). Once another
# member holds its entry ("dir.<hash>" in irm ipcp stat), every process
# of one such holder's host is killed (the host is gone; the ring, less
# that host, still connects the rest), and a member that never asked
# for svc and does not hold it allocates a flow to svc: the lookup finds
# the other copy, and 1000 packets go through intact.
# ctest: TIMEOUT 150 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unicast.sh"

t_all=$(nn_ms)
UC_OPTS="dht_k 2"
uc_ring 5
uc_server 3 svc
hash=$(python3 -c 'import hashlib, sys
print(hashlib.sha3_256(sys.argv[1].encode()).hexdigest())' svc)

# holders H...: the hosts whose member holds svc's entry
holders() {
        local h
        for h in $(seq "$UC_N"); do
                [ -n "${UC_MEMBER[$h]:-}" ] || continue
                # the stat may show the hash whole or its first bytes
                uc_stat "$h" 2>/dev/null |
                        grep -qi "^  ${hash:0:16}[0-9a-f]* " && echo "$h"
        done
}

end=$(( $(nn_ms) + 20000 ))
victim=
while [ -z "$victim" ]; do
        for h in $(holders); do
                [ "$h" != 3 ] && victim=$h && break
        done
        [ -n "$victim" ] && break
        [ "$(nn_ms)" -lt "$end" ] ||
                uc_fail "no member but u3 holds svc ($hash) after 20 s: $(holders)"
        sleep 0.2
done
held=$(holders | paste -sd' ')
querier=
for h in 1 2 4 5; do
        [ "$h" = "$victim" ] && continue
        [[ " $held " == *" $h "* ]] && continue
        querier=$h
        break
done
[ -n "$querier" ] || uc_fail "every member holds svc with dht_k 2: $held"
echo "svc ($hash) held by: $held; killing h$victim, asking from h$querier"

nn_kill_ns "h$victim"
unset "UC_MEMBER[$victim]"
t=$(nn_ms)
ok=
while [ "$(nn_ms)" -lt $(( t + 30000 )) ]; do
        out=$(nn_exec "h$querier" timeout 60 "$UC_CHECK" client svc -n 1000 2>&1) &&
                ok=1 && break
        sleep 0.5
done
[ -n "$ok" ] || uc_fail "h$querier cannot reach svc 30 s after h$victim died: $out"
echo "h$querier -> svc after h$victim died: $out ($(( $(nn_ms) - t )) ms)"
echo "held now by: $(holders | paste -sd' ')"

echo "total: $(( $(nn_ms) - t_all )) ms"
echo PASS
