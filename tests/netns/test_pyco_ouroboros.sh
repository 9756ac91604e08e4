#!/bin/bash
# Ouroboros - PycoTCP over Ouroboros: an unmodified `python3 -m
# http.server` under pyco-wrapper in one namespace, urllib under
# pyco-wrapper in another, their Ethernet frames carried by a broadcast
# layer ("pyco", through the libvdeplug plugin ouroboros://pyco) that
# runs over eth-dix on a veth between the namespaces:
#
#   +-----------------------------------+       +-----------------------------------+
#   | ns a                              |       | ns b                              |
#   |  pyco-wrapper -m http.server      |       |  pyco-wrapper -e urllib...        |
#   |   10.50.0.1/24, --mtu 1400        |       |   10.50.0.2/24, --mtu 1400        |
#   |    | -f ouroboros://pyco          |       |    | -f ouroboros://pyco          |
#   |  broadcast IPCP pa (layer pyco)   |  dt   |  broadcast IPCP pb (enrolls via   |
#   |    |                              |<----->|  pa, connects to it)              |
#   |  eth-dix IPCP ea (layer lab)      |<----->|  eth-dix IPCP eb (layer lab)      |
#   +------------------veth 10.200.1.0/24 ------+-----------------------------------+
#
# The veth's IP addresses are not used by anything here: the stacks'
# addresses live in PycoTCP (lwIP) inside each process. Checks: the
# index page's content, and a 300 kB file fetched whole (sha256).
# ctest: TIMEOUT 120 RUN_SERIAL
. "$(dirname "$0")/lib.sh"

nn_need_root
nn_need_netns
nn_need_bin irmd irm ipcpd-eth-dix ipcpd-broadcast
. "$(dirname "$0")/pyco.sh"
PY=$PYCO_PY
if [ ! -f "$PYCO_PLUGDIR/libvdeplug_ouroboros.so" ]; then
        [ -f /usr/include/libvdeplug_mod.h ] || skip "libvdeplug-dev not installed"
        fail "the ouroboros:// plugin is not built ($PYCO_PLUGDIR)"
fi
# libvdeplug loads its plugins with RTLD_DEEPBIND, which ASan refuses
ldd "$BIN/irmd" | grep -q libasan &&
        skip "libvdeplug cannot load plugins under ASan (sanitizer build)"
pyco_ready "$NN_DIR/pylib"
case $? in
0) ;;
1) skip "PycoTCP: $PYCO_WHY" ;;
*) fail "PycoTCP: $PYCO_WHY" ;;
esac

t0=$(nn_ms)
nn_ns_add a b
nn_veth a b
nn_irmd_start a b
nn_irm a ipcp bootstrap type eth-dix name ea layer lab dev "$(nn_dev a b)"
nn_irm b ipcp bootstrap type eth-dix name eb layer lab dev "$(nn_dev b a)"
nn_irm a name register pa layer lab
nn_irm b name register pb layer lab
nn_irm a ipcp bootstrap type broadcast name pa layer pyco autobind
out=$(nn_exec b "$BIN/irm" ipcp enroll name pb layer pyco dst pa \
        type broadcast autobind 2>&1) ||
        fail "enroll pb via pa: $out"
nn_irm b ipcp connect name pb dst pa component dt
echo "setup: $(( $(nn_ms) - t0 )) ms"

www=$NN_DIR/www
mkdir -p "$www"
token="ouroboros-pyco-$$-$RANDOM"
echo "<html><body>$token</body></html>" >"$www/index.html"
head -c 300000 /dev/urandom >"$www/big.bin"
want=$(sha256sum <"$www/big.bin" | cut -d' ' -f1)
chmod -R a+rX "$www"

wrap() { # ADDR ARGS...: pyco-wrapper on the layer, MTU below what it carries
        local addr=$1
        shift
        echo "$PY" -m pycotcp.wrapper -a "$addr" -f ouroboros://pyco \
                --mtu 1400 "$@"
}

t0=$(nn_ms)
# shellcheck disable=SC2046
nn_bg a env -C "$www" $(wrap 10.50.0.1/24) -m http.server 8000 \
        >"$NN_DIR/a/http.log" 2>&1
srv=$LAST_PID
fetch="import urllib.request, hashlib, sys
base = 'http://10.50.0.1:8000/'
page = urllib.request.urlopen(base, timeout=5).read().decode()
big = urllib.request.urlopen(base + 'big.bin', timeout=20).read()
print(page.strip())
print('BIG', len(big), hashlib.sha256(big).hexdigest())"
ok=
end=$(( $(nn_ms) + 45000 ))   # the server's stack may take a while to start
while [ "$(nn_ms)" -lt "$end" ]; do
        # shellcheck disable=SC2046
        out=$(nn_exec b timeout 30 $(wrap 10.50.0.2/24) -e "$fetch" 2>&1) &&
                ok=1 && break
        kill -0 "$srv" 2>/dev/null || fail "http.server exited: $(cat "$NN_DIR/a/http.log")"
        sleep 1
done
[ -n "$ok" ] || fail "no page over ouroboros://pyco: $out"
echo "$out" | sed 's/^/  /'
echo "$out" | grep -q "$token" || fail "the page's content is not the one served"
echo "$out" | grep -q "^BIG 300000 $want$" ||
        fail "the 300 kB file did not arrive whole"
echo "fetch over ouroboros://: $(( $(nn_ms) - t0 )) ms"
echo PASS
