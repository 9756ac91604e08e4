#!/bin/bash
# Ouroboros - one grammar for the irm command line and the IRMd's
# configuration file (common/ipcp_cmd.c, common/ipcp_conf.c,
# common/name_cmd.c, common/bind_cmd.c).
#
# The same ipcp, name and bind commands are given once as irm command
# lines to an IRMd and once as a --config file to another; fake IPCPs of
# every type log the bootstrap, enroll, connect, disconnect, register and
# unregister requests they get (as bytes), and both logs must be
# identical, and so must the names (with their policies and counts of
# bindings and layers) and what the IRMd logged of names and bindings.
# Then each bad line must give the same one-line error in both:
# "irm: MSG" and "irmd: FILE:LINE: MSG", whether the line is refused
# when it is read or when it runs.
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

fake_ipcps local unicast broadcast udp4 udp6 eth-llc eth-dix

# Start an IRMd with configuration file $1 and wait until it is applied.
irmd_start_config() {
        irmd_start --config "$1"
        wait_for grep -q "applied" "$OUROBOROS_RUNDIR/irmd.log" ||
                fail "$1 not applied: $(tail -3 "$OUROBOROS_RUNDIR/irmd.log")"
}

# What the IRMd logged about names and bindings, IPCP pids as "PID".
names_log() {
        sed -n 's/.*\(\(Created\|Destroyed\) name\|\(Reg\|Unreg\)istered\|\(B\|Unb\)ound\)/\1/p' \
                "$OUROBOROS_RUNDIR/irmd.log" | sed 's/process [0-9]*/process PID/'
}

# Full words and abbreviations; every option of every type at least once.
cat >"$OUROBOROS_RUNDIR/cmds" <<'CMDS'
ipcp bootstrap name u1 layer net type unicast addr 2 eid 4 ttl 9 addr_auth flat directory DHT routing lfa congestion none dht_alpha 2 dht_k 4 dht_t_expire 100 dht_t_refresh 50 dht_t_replicate 60 ls_t_recalc 1 ls_t_update 2 ls_t_timeo 3 hash SHA3_512 autobind
i b n u2 l u2 t unicast au d dht r ecmp a 3
ipcp bootstrap name e1 layer eth type eth-dix dev veth0 ethertype 0x0801 mtu 9000 autobind
i b n e2 l eth2 t eth-llc d veth1 m 1400
ipcp bootstrap name p4 layer udp type udp4 ip 10.0.0.1 port 4000 dns 10.0.0.53
i b n p6 l udp6 t udp6 i ::1 d ::2 p 1
ipcp create name b1 type broadcast
ipcp bootstrap name b1 layer bc h SHA3_224
ipcp enroll name u3 layer net autobind
ipcp enroll name u4 dst u1 type unicast
i e n u5 d u1 a
ipcp connect name u1 dst peer
ipcp connect name u1 dst peer2 component dt qos voice
i co n u1 d peer3 c mgmt q data
ipcp disconnect name u1 dst peer
ipcp disconnect name u1 dst peer2 component mgmt
name create s1 lb spillover
n c s2 l round-robin
name register s1 layer net
n r s2 i u1 la udp
name register s3 ipcp u1 ipcp p4
n reg s4 l net
name unregister s1 layer net
n u s2 i u1
n u s3 i p4
name create gone
n d gone
bind program sh name s1 auto -- -c true
b pr /bin/true n s2
b prog /bin/true n s3 a
unbind program /bin/true name s3
u pr sh
bind ipcp u1 name s3
b i p4 n s2
unbind ipcp p4 name s2
u i u1 n u1
CMDS

# Run 1: irm command lines.
export FAKE_IPCPD_LOG=$OUROBOROS_RUNDIR/irm.requests
irmd_start
while read -r line; do
        # shellcheck disable=SC2086
        irm_ok $line
done <"$OUROBOROS_RUNDIR/cmds"
"$BIN/irm" name list >"$OUROBOROS_RUNDIR/irm.names" || fail "name list"
"$BIN/irm" ipcp list | awk 'NR > 1 {print $2, $3, $4, $5}' \
        >"$OUROBOROS_RUNDIR/irm.ipcps"
irmd_stop
names_log >"$OUROBOROS_RUNDIR/irm.log"

# Run 2: the same lines as a configuration file.
export FAKE_IPCPD_LOG=$OUROBOROS_RUNDIR/conf.requests
conf=$OUROBOROS_RUNDIR/irmd.conf
cp "$OUROBOROS_RUNDIR/cmds" "$conf"
irmd_start_config "$conf"
"$BIN/irm" name list >"$OUROBOROS_RUNDIR/conf.names" || fail "name list"
"$BIN/irm" ipcp list | awk 'NR > 1 {print $2, $3, $4, $5}' \
        >"$OUROBOROS_RUNDIR/conf.ipcps"
irmd_stop
names_log >"$OUROBOROS_RUNDIR/conf.log"

n=$(wc -l <"$OUROBOROS_RUNDIR/irm.requests")
[ "$n" -eq 26 ] || fail "expected 26 requests to IPCPs from irm, got $n"
cmp -s "$OUROBOROS_RUNDIR/irm.requests" "$OUROBOROS_RUNDIR/conf.requests" ||
        fail "requests differ: $(diff "$OUROBOROS_RUNDIR/irm.requests" \
                                     "$OUROBOROS_RUNDIR/conf.requests")"
cmp -s "$OUROBOROS_RUNDIR/irm.names" "$OUROBOROS_RUNDIR/conf.names" ||
        fail "names differ: $(diff "$OUROBOROS_RUNDIR/irm.names" \
                                  "$OUROBOROS_RUNDIR/conf.names")"
grep -Eq '^net +round-robin +2 ' "$OUROBOROS_RUNDIR/conf.names" ||
        fail "autobind: $(cat "$OUROBOROS_RUNDIR/conf.names")"
grep -Eq '^s2 +round-robin +0 +1 +1$' "$OUROBOROS_RUNDIR/conf.names" ||
        fail "names: $(cat "$OUROBOROS_RUNDIR/conf.names")"
grep -q "Bound program .* to s1 (auto-start)" "$OUROBOROS_RUNDIR/conf.log" ||
        fail "bindings: $(cat "$OUROBOROS_RUNDIR/conf.log")"
cmp -s "$OUROBOROS_RUNDIR/irm.log" "$OUROBOROS_RUNDIR/conf.log" ||
        fail "IRMd logs differ: $(diff "$OUROBOROS_RUNDIR/irm.log" \
                                       "$OUROBOROS_RUNDIR/conf.log")"
cmp -s "$OUROBOROS_RUNDIR/irm.ipcps" "$OUROBOROS_RUNDIR/conf.ipcps" ||
        fail "IPCPs differ: $(diff "$OUROBOROS_RUNDIR/irm.ipcps" \
                                  "$OUROBOROS_RUNDIR/conf.ipcps")"

# Bad values: the same message from both front-ends.
while read -r line; do
        out=$("$BIN/irm" $line 2>&1 >/dev/null)
        [ $? -eq 1 ] || fail "irm $line: not a usage error ($out)"
        msg=${out#irm: }
        echo "$line" >"$conf"
        got=$("$BIN/irmd" --stdout --config "$conf" 2>&1 | grep '^irmd: ')
        [ "$got" = "irmd: $conf:1: $msg" ] ||
                fail "'$line': irm says '$msg', irmd says '$got'"
done <<'BAD'
ipcp bootstrap name a layer b type unicast addr 9
ipcp bootstrap name a layer b type unicast addr_auth x
ipcp bootstrap name a layer b type unicast directory foo
ipcp bootstrap name a layer b type unicast routing foo
ipcp bootstrap name a layer b type unicast autobind hash MD5
ipcp bootstrap name a layer b type unicast ls_t_timeo 99999999999
ipcp bootstrap name a layer b type eth-dix dev d ethertype 0x10
ipcp bootstrap name a layer b type eth-dix dev d mtu 10
ipcp bootstrap name a layer b type eth-llc dev d ethertype 0xA000
ipcp bootstrap name a layer b type eth-llc
ipcp bootstrap name a layer b type udp4
ipcp bootstrap name a layer b type udp6 ip 1.2.3.4
ipcp bootstrap name a layer b type udp4 ip 1.2.3.4 port 0
ipcp bootstrap name a layer b type local addr 2
ipcp bootstrap name a layer b addr 2 addr 3
ipcp bootstrap name a layer b frob 3
ipcp bootstrap name a type local
ipcp enroll name a layer b type local
ipcp connect name a dst b qos fast
ipcp connect name a dst b component x
ipcp create name a type foo
name frob x
name create
name create a lb foo
name create a frob
name destroy a b
name register a
name register a ipcp
name unregister a layer b frob
name register a i ipcp-name-that-is-far-too-long-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
bind program
bind program sh
bind process 0 name a
bind process x name a
bind ipcp a
bind program sh process 1 name a
bind process 1 name a auto
bind program sh name a -- x
bind program /nonexistent name a
bind program /etc name a
unbind ipcp a
unbind program sh auto
unbind p 1
BAD

# Lines refused when they run: the same message again (exit 2 for irm).
# Both start from the same state: an IPCP lo not bootstrapped, a name.
setup='ipcp create name lo type local
name create dup'
mapfile -t bad <<'BAD'
name create dup
name destroy nosuch
name unregister nosuch layer l
name register a ipcp nosuch
name register a ipcp lo
name register a layer nosuch
bind ipcp nosuch name a
unbind ipcp nosuch name a
bind process 2147483647 name a
bind process 1 name a
unbind process 1
unbind process 1 name dup
unbind program /bin/true
BAD
irmd_start
while read -r line; do
        # shellcheck disable=SC2086
        irm_ok $line
done <<<"$setup"
msgs=()
for line in "${bad[@]}"; do
        # shellcheck disable=SC2086
        out=$("$BIN/irm" $line 2>&1 >/dev/null)
        [ $? -eq 2 ] || fail "irm $line: not a failure ($out)"
        msgs+=("${out#irm: }")
done
irmd_stop
for i in "${!bad[@]}"; do
        printf '%s\n%s\n' "$setup" "${bad[$i]}" >"$conf"
        got=$("$BIN/irmd" --stdout --config "$conf" 2>&1 | grep '^irmd: ')
        [ "$got" = "irmd: $conf:3: ${msgs[$i]}" ] ||
                fail "'${bad[$i]}': irm says '${msgs[$i]}', irmd says '$got'"
done

# Without 'type', options resolve against the existing IPCP's type when
# the command runs: the same message in both again (exit 1 for irm).
irmd_start
irm_ok ipcp create name lo type local
irm_ok ipcp create name ed type eth-dix
irm_ok ipcp bootstrap name ed layer eth d veth0 e 0x0801   # d: dev
irm_err 1 "^irm: 'addr' is not an option of IPCP type local$" \
        ipcp bootstrap name lo layer l addr 2
irmd_stop
printf 'ipcp create name lo type local\nipcp bootstrap name lo layer l addr 2\n' \
        >"$conf"
got=$("$BIN/irmd" --stdout --config "$conf" 2>&1 | grep '^irmd: ')
[ "$got" = "irmd: $conf:2: 'addr' is not an option of IPCP type local" ] ||
        fail "runtime resolution in the config file: $got"

# The annotated example of the documentation loads as it is, and so do
# its commented-out examples (with every ipcpd-T a fake one here).
example=$(dirname "$0")/../../doc/irmd.conf.example
sed -n 's/^#   \(ipcp bootstrap name [a-z0-9]* layer [a-z]* type .*\)$/\1/p' "$example" >"$conf"
grep -q "type unicast" "$conf" || fail "no unicast example in $example"
cat "$example" >>"$conf"
irmd_start_config "$conf"
irmd_stop

echo "irm config: ok"
