#!/bin/bash
# Ouroboros - irm name: create (with lb policies), register in layers
# and with IPCPs, unregister, destroy, list, and the "not found" errors.
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer

irm_ok name create srv lb spillover
name_row srv | grep -Eq '^srv +spillover +0 +0 +0$' ||
        fail "spillover name: $("$BIN/irm" name list)"
irm_ok n c rr
name_row rr | grep -Eq '^rr +round-robin +0 +0 +0$' ||
        fail "round-robin name: $("$BIN/irm" name list)"
irm_err 2 "^irm: name srv already exists$" name create srv

# register: in a layer, with an IPCP; creates the name if needed
irm_ok name register srv layer local
name_row srv | grep -Eq '^srv +spillover +0 +0 +1$' ||
        fail "register in layer: $("$BIN/irm" name list)"
irm_err 2 "^irm: name srv is already registered in layer local$" \
        name register srv layer local
irm_ok name register fresh ipcp local
name_row fresh | grep -Eq '^fresh +round-robin +0 +0 +1$' ||
        fail "register creates the name: $("$BIN/irm" name list)"
irm_err 2 "^irm: no operational IPCP in layer nowhere$" \
        name register srv layer nowhere
irm_ok ipcp create name idle type local
irm_err 2 "^irm: IPCP idle is not operational" name register srv ipcp idle

# unregister
irm_ok name unregister srv layer local
name_row srv | grep -Eq '^srv +spillover +0 +0 +0$' ||
        fail "unregister: $("$BIN/irm" name list)"
irm_err 2 "^irm: name srv is not registered in layer local$" \
        name unregister srv layer local
irm_ok n u fresh i local

# names are UTF-8 text without control characters: one line that does
# not echo the name (it may hold escapes), and nothing is created
msg="must be UTF-8 text without control characters$"
irm_err 1 "^irm: name $msg" name create $'a\nINFO: forged'
irm_err 1 "^irm: name $msg" name create $'\e[2Jclear'
irm_err 1 "^irm: IPCP name $msg" ipcp create name $'\xff\xfe' type local
irm_err 1 "^irm: layer name $msg" name register ok layer $'l\tx'
irm_err 1 "^irm: name $msg" bind process $$ name $'c1\xc2\x85'
irm_ok name create $'caf\xc3\xa9'
[ -n "$(name_row $'caf\xc3\xa9')" ] || fail "UTF-8 name not listed"
irm_ok name destroy $'caf\xc3\xa9'

# not found
irm_err 2 "^irm: name ghost not found$" name destroy ghost
irm_err 2 "^irm: name ghost not found$" name unregister ghost layer local

# destroy
irm_ok name destroy srv
[ -z "$(name_row srv)" ] || fail "destroyed name still listed"
irm_ok name destroy rr
irm_ok name destroy fresh
irm_ok name list
[ "$OUT" = "no names" ] || fail "names left: $OUT"

echo "irm name: ok"
