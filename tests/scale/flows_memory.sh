# Ouroboros - memory of many concurrent flows through one IPCP, sourced
# by test_flows_memory.sh (2000 flows, extrapolated to 10 000; default
# run) and test_flows_memory_10k.sh (10 000 flows; long mode, 50 s to
# 2.5 min on a 2-CPU machine shared with other jobs, most of it
# allocating): N flows
# from one process in namespace A to one process in namespace B through
# eth-dix over a veth, each of which has carried PKTS packets of SIZE
# bytes each way (so that its ring pages are touched), must cost less
# than 1 GiB in all for 10 000 flows.
#
#   ns A                                      ns B
#   test-scale-manyflows alloc mf N ...       test-scale-manyflows accept
#   IRMd A, ipcpd-eth-dix dix-a               IRMd B, ipcpd-eth-dix dix-b
#        veth ve1-B  10.200.1.1  <------->  10.200.1.2  ve1-A
#
# What is counted (tests/scale/flowmem.py): every process of both
# namespaces (the two applications, the two IPCPs, the two IRMds), as
#
#   total = sum(Pss) - sum(Pss_Shmem) + flow memory
#
# Pss (/proc/PID/smaps_rollup) splits each shared page among the
# processes that map it, so libraries are counted once in all; its
# shared-memory part is taken out and replaced by the flow memory itself,
# counted from the memfds: every memfd any of the processes holds open
# or maps, told apart by inode so that each is counted exactly once, at
# the pages the kernel has allocated for it (st_blocks). That also counts
# the pages of a flow half nobody maps any more (the IRMd only holds it).
#
# The figure is measured with the flows held, before they are released;
# "base" is the same sum before the first flow (IRMds, IPCPs and the
# acceptor idle), and per-flow is (total - base) / N.
#
# N is set by the test that sources this (FLOWS_MEMORY_N overrides it;
# PKTS and SIZE by FLOWS_MEMORY_PKTS, default 4, and FLOWS_MEMORY_SIZE,
# default 1400). With fewer than 10 000 flows the total for 10 000 is
# extrapolated as base + 10000 * per-flow and that is what must stay
# below 1 GiB. Measured here (2026-12, 2-CPU machine): 10 000 flows
# 435.3 MiB in all, 44.0 KiB per flow (40 KiB of it flow memory, two
# memfds of 20 KiB touched), base 5.9 MiB.
. "$(dirname "${BASH_SOURCE[0]}")/../netns/lib.sh"

N=${FLOWS_MEMORY_N:-$N}
PKTS=${FLOWS_MEMORY_PKTS:-4}
SIZE=${FLOWS_MEMORY_SIZE:-1400}
LIMIT_KIB=$((1024 * 1024))
FLOWMEM="/usr/bin/python3 $(dirname "${BASH_SOURCE[0]}")/flowmem.py"

nn_need_root
nn_need_netns
nn_need_bin irmd irm ipcpd-eth-dix test-scale-manyflows
# A sanitizer's shadow memory and quarantine are not the system's memory.
ldd "$BIN/irmd" "$BIN/ipcpd-eth-dix" | grep -Eq 'lib(asan|tsan)' &&
        skip "memory is not measured in a sanitizer build"
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt $((N + 512)) ]
then
        skip "hard limit on open files $(ulimit -Hn) < $((N + 512))"
fi
ulimit -n "$(ulimit -Hn)"

nn_ns_add A B
nn_veth A B
nn_irmd_start A
nn_irmd_start B
nn_irm A ipcp bootstrap type eth-dix name dix-a layer mem dev "$(nn_dev A B)"
nn_irm B ipcp bootstrap type eth-dix name dix-b layer mem dev "$(nn_dev B A)"

# mem A B: flowmem.py's line for every process of both namespaces.
mem() {
        $FLOWMEM $(nn_pids A) $(nn_pids B)
}
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }

nn_bg B "$BIN/test-scale-manyflows" accept mf mem "$N" "$PKTS" "$SIZE" \
        >"$NN_DIR/B/accept.log" 2>&1
ACC=$LAST_PID
nn_wait_line "$NN_DIR/B/accept.log" '^listening' ||
        fail "the acceptor did not start"
BASE=$(mem)
echo "base:  $BASE"

T0=$(nn_ms)
nn_bg A "$BIN/test-scale-manyflows" alloc mf "$N" "$PKTS" "$SIZE" \
        >"$NN_DIR/A/alloc.log" 2>&1
ALLOC=$LAST_PID
nn_wait_line "$NN_DIR/A/alloc.log" '^held' 500 ||
        fail "the flows were not all allocated: $(tail -n 3 "$NN_DIR/A/alloc.log")"
nn_wait_line "$NN_DIR/B/accept.log" '^accepted' 10 ||
        fail "the acceptor did not see them all"
echo "$(cat "$NN_DIR/A/alloc.log") ($(( ($(nn_ms) - T0) / 1000 )) s)"
HELD=$(mem)
echo "held:  $HELD"

base=$(field total <<<"$BASE")
total=$(field total <<<"$HELD")
memfds=$(field memfds <<<"$HELD")
[ -n "$base" ] && [ -n "$total" ] || fail "no measurement"
# Two flow halves per flow (A: application-IPCP, B: IPCP-application).
[ "$memfds" -ge $((2 * N)) ] ||
        fail "only $memfds memfds for $N flows: not all flows are held"
at10k=$(( base + (total - base) * 10000 / N ))
awk -v n="$N" -v t="$total" -v b="$base" -v x="$at10k" -v m="$memfds" \
    -v l=$((LIMIT_KIB / 1024)) 'BEGIN {
        printf "flows: %d, total %.1f MiB, base %.1f MiB, per flow %.1f KiB " \
               "(%d memfds)\n", n, t / 1024, b / 1024, (t - b) / n, m
        printf "for 10000 flows: %.1f MiB (limit %d MiB)%s\n", x / 1024, l,
               n < 10000 ? ", extrapolated from " n : "" }'

kill -TERM "$ALLOC" "$ACC"
wait "$ALLOC" || fail "the allocator failed to release its flows"
wait "$ACC" || fail "the acceptor failed to release its flows"
[ "$at10k" -lt "$LIMIT_KIB" ] ||
        fail "10000 flows cost $((at10k / 1024)) MiB, more than 1 GiB"
echo "PASS"
