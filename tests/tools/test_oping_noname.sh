#!/bin/bash
# oping to a name that nobody registered fails within its timeout, with a
# clear one-line error on stderr and a non-zero exit status.
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer

err=$OUROBOROS_RUNDIR/err
start=$(date +%s%N)
run_timeout 15 "$BIN/oping" -n nobody-registered-this -c 3 -t 2000 \
        >/dev/null 2>"$err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "rc=$rc after ${ms} ms: $(cat "$err")"

[ $rc -ne 0 ] || fail "oping to an unknown name exited 0"
[ $ms -le 4000 ] || fail "took ${ms} ms, timeout was 2000 ms"
grep -q "nobody-registered-this" "$err" || fail "error does not name the target"
grep -qi "cannot allocate" "$err" || fail "unclear error: $(cat "$err")"

echo "PASS: oping to an unregistered name"
