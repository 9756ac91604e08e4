#!/bin/bash
# Ouroboros - IPCP types the IRMd cannot start are reported by name.
# The IRMd looks for ipcpd-<type> next to its executable (and in
# $OUROBOROS_IPCPD_DIR), never elsewhere: run a copy of it from a
# directory holding no IPCP binaries at all.
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

alone=$OUROBOROS_RUNDIR/alone
mkdir -p "$alone"
cp "$BIN/irmd" "$BIN/irm" "$alone/" || fail "copy irmd and irm"
unset OUROBOROS_IPCPD_DIR
BIN=$alone

irmd_start

for t in unicast broadcast local udp4 udp6 eth-llc eth-dix; do
        irm_err 2 "^irm: IPCP type $t is not available in this build$" \
                ipcp create name "t-$t" type "$t"
done

# enroll creates a unicast IPCP by default, bootstrap with a type
irm_err 2 "^irm: IPCP type unicast is not available in this build$" \
        ipcp enroll name newbie layer somewhere
irm_err 2 "^irm: IPCP type unicast is not available in this build$" \
        ipcp bootstrap name u1 layer nl type unicast addr 2
irm_err 2 "^irm: IPCP type local is not available in this build$" \
        i b t local n local l local
# options of a type not built are checked in full first
irm_err 1 "^irm: mtu must be 64..65535$" \
        ipcp bootstrap name e1 layer l type eth-dix dev x mtu 1
irm_err 1 "^irm: bootstrap of an eth-dix IPCP needs 'dev'$" \
        ipcp bootstrap name e1 layer l type eth-dix mtu 1500
irm_err 2 "^irm: IPCP type eth-dix is not available in this build$" \
        i b n e1 l l t eth-dix d x m 1500 e 0x0801 a
irm_ok ipcp list
[ "$OUT" = "no IPCPs" ] || fail "failed creates left IPCPs: $OUT"

# the configuration file says the same
irmd_stop
conf=$OUROBOROS_RUNDIR/irmd.conf
echo "ipcp bootstrap name e1 layer l type eth-dix dev x mtu 1500" \
        >"$conf"
out=$("$BIN/irmd" --stdout --config "$conf" 2>&1 | grep '^irmd: ')
[ "$out" = "irmd: $conf:1: IPCP type eth-dix is not available in this build" ] ||
        fail "config of an unbuilt type: $out"

echo "irm notavail: ok"
