#!/bin/bash
# Ouroboros - the seed's example QoS, QoSSpec(loss=0, cypher_s=256), in
# pyOuroboros: a 2 MB file crosses the impaired eth-dix layer of
# test_frct.sh (5% loss, 2% dup, 10+-5 ms, reordering; topology in
# impair.sh) intact (SHA-256 of the file written at b equals a's), and
# the flow reports the QoS asked for (loss 0, cypher_s 256).
#
#   ns a (pyfile.py send) --tap-- [s1] --wirefilter-- [s2] --tap-- ns b (pyfile.py recv)
#
# Run by python/ouroboros/tests/test_frct.py with PYOURO_PYTHON set to
# the python3 that has pyOuroboros (not a ctest of its own: the C suite
# runs before the module is installed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/impair.sh"
. "$(dirname "$0")/frct.sh"

[ -n "${PYOURO_PYTHON:-}" ] || fail "PYOURO_PYTHON is not set"
PYF=$(cd "$(dirname "$0")" && pwd)/pyfile.py
imp_setup "${IMPAIR[@]}"
nn_irm b name register pyfile layer imp
head -c 2000000 /dev/urandom >"$NN_DIR/a/in.bin"
nn_bg b "$PYOURO_PYTHON" -u "$PYF" recv "$NN_DIR/b/out.bin" >"$NN_DIR/b/pyfile.log" 2>&1
nn_bind b "$LAST_PID" pyfile
nn_wait_line "$NN_DIR/b/pyfile.log" READY 10 || fail "pyfile recv did not start"
t0=$(nn_ms)
out=$(nn_exec a "$PYOURO_PYTHON" "$PYF" send pyfile "$NN_DIR/a/in.bin" 2>&1) ||
        fail "pyfile send: $out"
echo "$out ($(( $(nn_ms) - t0 )) ms)"
nn_wait_line "$NN_DIR/b/pyfile.log" "^RECV" 10 || fail "no RECV: $(cat "$NN_DIR/b/pyfile.log")"
grep "^RECV" "$NN_DIR/b/pyfile.log"
want=$(sha256sum <"$NN_DIR/a/in.bin" | cut -d' ' -f1)
got=$(sha256sum <"$NN_DIR/b/out.bin" | cut -d' ' -f1)
[ "$want" = "$got" ] || fail "the file arrived changed"
[[ $out == *"ANSWER $want"* ]] || fail "the receiver's answer differs"
grep -q "^RECV 2000000 $want loss 0 cypher_s 256" "$NN_DIR/b/pyfile.log" ||
        fail "the flow does not report loss 0, cypher_s 256"
echo PASS
