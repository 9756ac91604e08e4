#!/bin/bash
# Ouroboros - the seed's commands, abbreviated exactly as users type
# them, work and show up in the lists; oecho then runs over the layer.
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

irmd_start

irm_ok ipcp list
[ "$OUT" = "no IPCPs" ] || fail "empty ipcp list: $OUT"
irm_ok name list
[ "$OUT" = "no names" ] || fail "empty name list: $OUT"

irm_ok i b t local n local l local
irm_ok n r oecho l local
cd "$BIN" || fail "cd $BIN"
irm_ok b prog ./oecho n oecho
cd - >/dev/null || fail "cd back"

irm_ok ipcp list
echo "$OUT"
echo "$OUT" | head -1 | grep -Eq '^ *pid +type +name +layer +state$' ||
        fail "ipcp list header: $OUT"
ipcp_row local | grep -Eq '^ *[0-9]+ +local +local +local +operational$' ||
        fail "ipcp list row: $OUT"

irm_ok name list
echo "$OUT"
echo "$OUT" | head -1 |
        grep -Eq '^name +lb policy +processes +programs +layers$' ||
        fail "name list header: $OUT"
# oecho: round-robin, no process yet, 1 program, 1 layer
name_row oecho | grep -Eq '^oecho +round-robin +0 +1 +1$' ||
        fail "name list row: $OUT"

# the same bind again: the IRMd says it is bound already (exit 2)
irm_err 2 "program $BIN/oecho is already bound to name oecho" \
        bind program "$BIN/oecho" name oecho
# bootstrapping again is refused
irm_err 2 "IPCP local cannot be bootstrapped" i b t local n local l local

# a bare program name is looked up in PATH (the harness puts BIN there)
irm_ok unbind program oecho name oecho
name_row oecho | grep -Eq '^oecho +round-robin +0 +0 +1$' ||
        fail "unbind program: $("$BIN/irm" name list)"
irm_ok bind program oecho name oecho

# and the layer carries the seed's echo
bg "$BIN/oecho" -l >"$OUROBOROS_RUNDIR/srv.out" 2>&1
wait_for grep -qi "starting" "$OUROBOROS_RUNDIR/srv.out" ||
        fail "oecho -l did not start"
wait_for sh -c "'$BIN/irm' name list | awk '\$1 == \"oecho\" && \$3 == 1' | grep -q ." ||
        fail "oecho server not bound: $("$BIN/irm" name list)"
out=$(timeout 20 "$BIN/oecho") || fail "oecho client: $out"
echo "$out" | grep -qx "Server replied: Client says hi!" ||
        fail "oecho client output: $out"

echo "irm seed: ok"
