#!/bin/bash
# Ouroboros - irm ipcp: create, list, bootstrap, destroy, and every error
# about IPCPs (unknown IPCP, wrong type, unavailable type, wrong state).
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

irmd_start

# create / list / destroy
irm_ok ipcp create name lo1 type local
ipcp_row lo1 | grep -Eq '^ *[0-9]+ +local +lo1 +- +null$' ||
        fail "created IPCP not listed: $("$BIN/irm" ipcp list)"
pid=$(ipcp_row lo1 | awk '{print $1}')
kill -0 "$pid" 2>/dev/null || fail "IPCP process $pid not running"
irm_err 2 "^irm: an IPCP named lo1 already exists$" ipcp create name lo1 type local

# bootstrap of an existing IPCP takes its type; a different type is refused
irm_err 2 "^irm: IPCP lo1 is of type local, not unicast$" \
        ipcp bootstrap name lo1 layer l1 type unicast
irm_ok ipcp bootstrap name lo1 layer l1
ipcp_row lo1 | grep -Eq ' +local +lo1 +l1 +operational$' ||
        fail "bootstrap: $("$BIN/irm" ipcp list)"

irm_ok ipcp destroy name lo1
[ -z "$(ipcp_row lo1)" ] || fail "destroyed IPCP still listed"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "IPCP process $pid survived destroy"
irm_ok ipcp list
[ "$OUT" = "no IPCPs" ] || fail "list after destroy: $OUT"

# bootstrap creates a missing IPCP when given a type, not without
irm_err 2 "^irm: no IPCP named nope \(give 'type' to create it\)$" \
        ipcp bootstrap name nope layer x
irm_ok ipcp bootstrap name lo2 layer l2 type local autobind
ipcp_row lo2 | grep -Eq ' +local +lo2 +l2 +operational$' ||
        fail "bootstrap with create: $("$BIN/irm" ipcp list)"
# autobind bound the IPCP to its name and its layer name
name_row lo2 | grep -Eq '^lo2 +round-robin +1 ' ||
        fail "autobind lo2: $("$BIN/irm" name list)"
name_row l2 | grep -Eq '^l2 +round-robin +1 ' ||
        fail "autobind l2: $("$BIN/irm" name list)"
# an IPCP named like its layer (irm i b t local n local l local autobind)
irm_ok ipcp bootstrap name lo3 layer lo3 type local autobind
name_row lo3 | grep -Eq '^lo3 +round-robin +1 ' ||
        fail "autobind lo3: $("$BIN/irm" name list)"

# unknown IPCPs
irm_err 2 "^irm: no IPCP named ghost$" ipcp destroy name ghost
irm_err 2 "^irm: no IPCP named ghost$" ipcp connect name ghost dst x
irm_err 2 "^irm: no IPCP named ghost$" ipcp disconnect name ghost dst x comp dt
irm_err 2 "^irm: no IPCP named ghost$" bind ipcp ghost name x
irm_err 2 "^irm: no IPCP named ghost$" unbind ipcp ghost name x
irm_err 2 "^irm: no IPCP named ghost$" name register x ipcp ghost

# enroll: a local IPCP cannot enroll; the IRMd's refusal is one line
irm_err 2 "^irm: IPCP lo2 is of type local, not unicast$" \
        ipcp enroll name lo2 layer l2 type unicast
irm_err 2 "^irm: local layers have no enrollment: the local layer is this system alone, bootstrap it$" \
        ipcp enroll name lo2 dst l2
irm_err 2 "^irm: local layers have no connections: the local layer is this system alone$" \
        ipcp connect name lo2 dst l2
# the local IPCP keeps no counters
irm_err 2 "^irm: IPCP lo2 \(type local\) keeps no counters$" ipcp stat name lo2
irm_err 2 "^irm: no IPCP named ghost$" ipcp stat name ghost

# every type either starts or is named as missing from the build
# (test_notavail.sh makes sure of the latter)
for t in unicast broadcast local udp4 udp6 eth-llc eth-dix; do
        if "$BIN/irm" ipcp create name "t-$t" type "$t" 2>/dev/null; then
                ipcp_row "t-$t" | grep -Eq " +$t +t-$t +- +null$" ||
                        fail "create $t: $("$BIN/irm" ipcp list)"
                irm_ok ipcp destroy name "t-$t"
        else
                irm_err 2 "^irm: IPCP type $t is not available in this build$" \
                        ipcp create name "t-$t" type "$t"
        fi
done

echo "irm ipcp: ok"
