#!/bin/bash
# Ouroboros - pyOuroboros bootstraps, enrolls and connects a unicast
# layer across three namespaces (ouroboros.irm only, through
# tests/netns/python_unicast.py), then the Python oecho example runs
# across it, two hops:
#
#   h1 [u1] ---- eth-dix l1.2 ---- h2 [u2] ---- eth-dix l2.3 ---- h3 [u3]
#   oecho.py                                                  oecho.py -l
#
# u1 bootstraps with every unicast option given (routing lfa, dht_k 4,
# ttl 30...), u2 enrolls through u1 and u3 through u2, each connects to
# the one it enrolled with; every member then routes to both others.
# Run by python/ouroboros/tests/test_unicast.py with PYOURO_PYTHON set
# (not a ctest of its own: the C suite runs before the module is
# installed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unicast.sh"

[ -n "${PYOURO_PYTHON:-}" ] || fail "PYOURO_PYTHON is not set"
PY=$(dirname "$0")/python_unicast.py
py() {
        local h=$1 out
        shift
        out=$(nn_exec "$h" "$PYOURO_PYTHON" "$PY" "$@" 2>&1) ||
                uc_fail "[$h] python_unicast.py $*: $out"
        [ -z "$out" ] || echo "$out"
}

uc_need
uc_hosts_links "1,2 2,3"
py h1 boot u1 net l1.2
py h2 enroll u2 net u1 l1.2 l2.3
py h3 enroll u3 net u2 l2.3
UC_MEMBER=([1]=1 [2]=1 [3]=1)
py h2 connect u2 u1
py h3 connect u3 u2
for h in 1 2 3; do py "h$h" routes "u$h" 2; done
for h in 1 2 3; do py "h$h" stat "u$h"; done

ex=$HARNESS_DIR/../python/examples/oecho.py
nn_irm h3 name register pyecho layer net
sed 's/"oecho"/"pyecho"/' "$ex" >"$NN_DIR/pyecho.py"
nn_bg h3 "$PYOURO_PYTHON" -u "$NN_DIR/pyecho.py" -l >"$NN_DIR/pyecho.log" 2>&1
nn_bind h3 "$LAST_PID" pyecho
nn_wait_line "$NN_DIR/pyecho.log" "Starting" 10 ||
        uc_fail "the Python server did not start: $(cat "$NN_DIR/pyecho.log")"
out=$(nn_exec h1 timeout 30 "$PYOURO_PYTHON" "$NN_DIR/pyecho.py" 2>&1) ||
        uc_fail "Python oecho over the unicast layer: $out"
[ "$out" = "Hello, PyOuroboros!" ] || uc_fail "Python oecho: $out"
echo "pyOuroboros oecho over unicast, two hops: $out"
echo PASS
