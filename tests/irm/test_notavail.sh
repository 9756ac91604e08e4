#!/bin/bash
# Ouroboros - IPCP types the IRMd cannot start are reported by name.
# The IRMd looks for ipcpd-<type> next to its executable (and in
# $OUROBOROS_IPCPD_DIR and the install sbin): run a copy of it from a
# directory holding no IPCP binaries at all.
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

alone=$OUROBOROS_RUNDIR/alone
mkdir -p "$alone"
cp "$BIN/irmd" "$BIN/irm" "$alone/" || fail "copy irmd and irm"
unset OUROBOROS_IPCPD_DIR
BIN=$alone
sbin=$(strings "$BIN/irmd" | grep -m1 '/sbin$' || echo /usr/local/sbin)

irmd_start

n=0
for t in unicast broadcast local udp4 udp6 eth-llc eth-dix; do
        [ -x "$sbin/ipcpd-$t" ] && continue
        irm_err 2 "^irm: IPCP type $t is not available in this build$" \
                ipcp create name "t-$t" type "$t"
        n=$((n + 1))
done
[ $n -gt 0 ] || fail "every IPCP type is installed in $sbin: nothing tested"

if [ ! -x "$sbin/ipcpd-unicast" ]; then
        # enroll creates a unicast IPCP by default, bootstrap with a type
        irm_err 2 "^irm: IPCP type unicast is not available in this build$" \
                ipcp enroll name newbie layer somewhere
        irm_err 2 "^irm: IPCP type unicast is not available in this build$" \
                ipcp bootstrap name u1 layer nl type unicast addr 2
fi
if [ ! -x "$sbin/ipcpd-local" ]; then
        irm_err 2 "^irm: IPCP type local is not available in this build$" \
                i b t local n local l local
fi
irm_ok ipcp list
[ "$OUT" = "no IPCPs" ] || fail "failed creates left IPCPs: $OUT"

echo "irm notavail: ok"
