#!/bin/bash
# Ouroboros - the seed's example QoS, QoSSpec(loss=0, cypher_s=256), in
# pyOuroboros: a 2 MB file crosses the impaired eth-dix layer of
# test_frct.sh (5% loss, 2% dup, 10+-5 ms, reordering; topology in
# impair.sh) intact (SHA-256 of the file written at b equals a's), and
# the flow reports the QoS asked for (loss 0, cypher_s 256); then a
# reliable flow with a 2 s peer timeout to an application that is
# stopped: FlowPeerError on read and write.
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

# the peer timeout in Python: b's application stopped (its IPCPs stay
# up, so only FRCT can tell), a's read raises FlowPeerError within a
# generous bound of the timeout (2 s), and so does a write after it
nn_irm b name register pypeer layer imp
nn_bg b "$PYOURO_PYTHON" -u "$PYF" hold >"$NN_DIR/b/hold.log" 2>&1
hold=$LAST_PID
nn_bind b "$hold" pypeer
nn_wait_line "$NN_DIR/b/hold.log" READY 10 || fail "pyfile hold did not start"
nn_bg a "$PYOURO_PYTHON" -u "$PYF" peer pypeer 2000 >"$NN_DIR/a/peer.log" 2>&1
peer=$LAST_PID
nn_wait_line "$NN_DIR/b/hold.log" ACCEPTED 10 ||
        fail "no flow to pyfile hold: $(cat "$NN_DIR/a/peer.log")"
kill -STOP "$hold"
wait_gone "$peer" 200 || fail "FlowPeerError not raised within 20 s"
wait "$peer" || fail "pyfile peer: $(cat "$NN_DIR/a/peer.log")"
kill -CONT "$hold"
cat "$NN_DIR/a/peer.log"
grep -q "^PEER after" "$NN_DIR/a/peer.log" || fail "no PEER"
grep -q "^WRITE FlowPeerError" "$NN_DIR/a/peer.log" || fail "the write did not fail"
echo PASS
