#!/bin/bash
# Ouroboros - irm command-line errors that need no IRMd: every one is a
# single "irm: ..." line on stderr and exit code 1; usage and help print
# on stdout with exit code 0; no IRMd running gives exit code 2.
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

# usage
for args in "" "help" "h" "ipcp" "ipcp help" "name" "name help" "bind" \
            "bind help" "unbind" "unbind help" "ipcp bootstrap help"; do
        # shellcheck disable=SC2086
        out=$("$BIN/irm" $args 2>&1) || fail "irm $args: exit $?"
        echo "$out" | grep -q '^Usage:' || fail "irm $args: no usage: $out"
done
"$BIN/irm" | grep -q 'irm ipcp bootstrap name N layer L' ||
        fail "usage lacks ipcp bootstrap"
"$BIN/irm" name | grep -q 'irm name register N' || fail "name usage"
"$BIN/irm" name | grep -q 'irm ipcp' && fail "name usage shows ipcp"
"$BIN/irm" bind | grep -q 'irm bind program P name N' || fail "bind usage"
"$BIN/irm" unbind | grep -q 'irm unbind process PID' || fail "unbind usage"
"$BIN/irm" ipcp bootstrap help | grep -q 'ethertype' || fail "boot usage"

# unknown words
irm_err 1 "^irm: unknown command 'frob' \(expected one of: ipcp, bind, unbind, name, layer, help\)$" frob
irm_err 1 "unknown ipcp command 'frob' \(expected one of: create, destroy, bootstrap, enroll, connect, disconnect, list, stat\)" ipcp frob
irm_err 1 "unknown name command 'x'" name x y
irm_err 1 "unknown word 'frob' for ipcp create \(expected one of: name, type\)" ipcp create frob
irm_err 1 "unknown word 'x' for bind" bind x
irm_err 1 "unknown word 'auto' for unbind" unbind program /bin/true auto
irm_err 1 "^irm: unknown IPCP type 'foo' \(expected one of: unicast, broadcast, local, udp4, udp6, eth-llc, eth-dix\)$" ipcp create name a type foo
irm_err 1 "unknown IPCP type 'foo'" i b n a l b t foo
irm_err 1 "unknown enroll type 'local'" ipcp enroll name a layer b type local
irm_err 1 "unknown lb policy 'fast' \(expected one of: round-robin, spillover\)" name create a lb fast
irm_err 1 "unknown routing 'ospf'" i b n a l b t unicast routing ospf
irm_err 1 "unknown qos 'fast'" i conn n a dst b qos fast
irm_err 1 "unknown component 'x'" i conn n a dst b comp x
irm_err 1 "unknown hash 'MD5'" i b n a l b t unicast hash MD5

# missing values and arguments
irm_err 1 "^irm: 'name' needs a value$" ipcp create name
irm_err 1 "^irm: 'layer' needs a value$" n r oecho l
irm_err 1 "ipcp create needs 'type'" ipcp create name a
irm_err 1 "ipcp destroy needs 'name'" ipcp destroy
irm_err 1 "ipcp bootstrap needs 'layer'" i b n a t local
irm_err 1 "ipcp enroll needs 'layer' or 'dst'" i e n a
irm_err 1 "ipcp connect needs 'dst'" i conn n a
irm_err 1 "name create needs a name" name create
irm_err 1 "name register needs 'ipcp' or 'layer'" name register a
irm_err 1 "bind program needs 'name'" bind program /bin/true
irm_err 1 "unbind ipcp needs 'name'" unbind ipcp a
irm_err 1 "bind needs 'program', 'process' or 'ipcp'" bind name a
irm_err 1 "'name' given twice" ipcp create name a name b type local
irm_err 1 "arguments after '--' need 'auto'" b prog /bin/true n a -- x

# numbers
irm_err 1 "^irm: addr must be 1..8$" i b n a l b t unicast addr 9
irm_err 1 "^irm: addr must be 1..8$" i b n a l b t unicast addr 0
irm_err 1 "addr must be a number \(1..8\), not 'four'" i b n a l b t unicast addr four
irm_err 1 "addr must be a number" i b n a l b t unicast addr 4x
irm_err 1 "addr must be a number" i b n a l b t unicast addr -1
irm_err 1 "ttl must be 1..255" i b n a l b t unicast ttl 256
irm_err 1 "port must be 1..65535" i b n a l b t udp4 ip 127.0.0.1 port 65536
irm_err 1 "ethertype must be 0x0600..0xFFFF" i b n a l b t eth-dix dev lo ethertype 0x05FF
irm_err 1 "process must be a number" bind process 12ab name a
irm_err 1 "process must be 1..2147483647" bind process 0 name a

# options that do not fit the type, required options
irm_err 1 "'addr' is not an option of IPCP type local" i b n a l b t local addr 2
irm_err 1 "'ethertype' is not an option of IPCP type eth-llc" i b n a l b t eth-llc dev lo ethertype 0xA000
irm_err 1 "needs 'ip'" i b n a l b t udp4
irm_err 1 "ip must be an IPv4 address, not 'x'" i b n a l b t udp4 ip x
irm_err 1 "needs 'dev'" i b n a l b t eth-dix
irm_err 1 "^irm: bootstrap of an eth-llc IPCP needs 'dev'$" i b n a l b t eth-llc mtu 1500
irm_err 1 "^irm: 'mtu' is not an option of IPCP type udp6$" i b n a l b t udp6 ip ::1 mtu 1400
irm_err 1 "^irm: 'dev' is not an option of IPCP type udp4$" i b n a l b t udp4 ip 10.0.0.1 dev eth0
irm_err 1 "^irm: dns must be an IPv4 address, not 'x'$" i b n a l b t udp4 ip 10.0.0.1 d x
irm_err 1 "^irm: mtu must be 64..65535$" i b n a l b t eth-dix d eth0 mtu 63
irm_err 1 "^irm: 'mtu' given twice$" i b n a l b t eth-llc d eth0 mtu 1500 m 1400
irm_err 1 "^irm: ipcp stat needs 'name'$" ipcp stat
irm_err 1 "^irm: unknown word 'layer' for ipcp stat" ipcp stat name a layer b

# names too long (256 bytes; 255 is the limit)
long=$(printf 'x%.0s' $(seq 256))
irm_err 1 "IPCP name is too long \(256 bytes, at most 255\)" ipcp create name "$long" type local
irm_err 1 "^irm: name is too long \(256 bytes, at most 255\)$" name create "$long"
irm_err 1 "name is too long" bind program /bin/true name "$long"
irm_err 1 "layer name is too long" i b n a l "$long" t local

# programs
irm_err 1 "^irm: program ./no-such-program not found$" bind program ./no-such-program name a
irm_err 1 "^irm: program no-such-program-xyz not found$" bind program no-such-program-xyz name a
irm_err 1 "program /tmp is not a regular file" bind program /tmp name a

# no IRMd: OUROBOROS_RUNDIR points at an empty directory
irm_err 2 "^irm: no IRMd is running \(OUROBOROS_RUNDIR=$OUROBOROS_RUNDIR\)$" ipcp list
irm_err 2 "no IRMd is running" name list
irm_err 2 "no IRMd is running" ipcp create name a type local
irm_err 2 "no IRMd is running" i b t local n local l local
irm_err 2 "no IRMd is running" ipcp stat name local
irm_err 2 "no IRMd is running" name create a
irm_err 2 "no IRMd is running" bind program /bin/true name a
irm_err 2 "no IRMd is running" unbind process $$

echo "irm usage: ok"
