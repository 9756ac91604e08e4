#!/bin/bash
# Ouroboros - PycoTCP over a broadcast layer: an unmodified http.server
# under pyco-wrapper and urllib under another, each stack's Ethernet a
# plug on the layer "hub" (pyco-wrapper -f ouroboros://hub, stacks at
# MTU 1400, below the 1432 the layer's frames carry):
#
#   pyco-wrapper -m http.server       pyco-wrapper -e urllib...
#   10.40.0.1, ouroboros://hub        10.40.0.2, ouroboros://hub
#                \                        /
#                 layer "hub" (bc1, bc2) over "local"
#
# A page of 133 kB crosses intact (many full-size frames), to urllib
# and to a third stack made with the explicit API (Pyco, DeviceInfo,
# pycotcp.socket); the stacks end cleanly (urllib's at exit,
# http.server's at SIGTERM).
# ctest: TIMEOUT 180
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

vdeplug_need
PY=${PYCO_PYTHON:-}
if [ -z "$PY" ]; then
        # /usr/bin/python3 with this tree's PycoTCP: the installed one, or
        # when that predates ouroboros:// this tree's, built into the
        # test's directory (tests/netns/pyco.sh; nothing is installed)
        NN_ENV=()
        . "$(dirname "$0")/../netns/pyco.sh"
        PY=$PYCO_PY
        pyco_ready "$OUROBOROS_RUNDIR/pylib"
        case $? in
        0) ;;
        1) skip "PycoTCP: $PYCO_WHY" ;;
        *) fail "PycoTCP: $PYCO_WHY" ;;
        esac
        for e in "${NN_ENV[@]}"; do
                case $e in PYTHONPATH=*) export "${e?}" ;; esac
        done
fi
"$PY" -c "import pycotcp.wrapper" ||
        fail "$PY cannot import pycotcp.wrapper"

irmd_start
local_layer
vdeplug_hub hub 2

WWW=$OUROBOROS_RUNDIR/www
mkdir -p "$WWW"
head -c 100000 /dev/urandom | base64 -w 0 >"$WWW/page"
(cd "$WWW" && exec "$PY" -m pycotcp.wrapper -m http.server 8000 \
        -a 10.40.0.1/24 -f ouroboros://hub --mtu 1400) \
        >"$OUROBOROS_RUNDIR/server.log" 2>&1 &
SERVER=$!

get="import urllib.request, sys, time
for i in range(40):
    try:
        d = urllib.request.urlopen('http://10.40.0.1:8000/page',
                                   timeout=5).read()
        break
    except OSError as e:
        err = e
        time.sleep(0.25)
else:
    sys.exit('no page: %s' % err)
sys.stdout.buffer.write(d)"
"$PY" -m pycotcp.wrapper -e "$get" -a 10.40.0.2/24 -f ouroboros://hub \
        --mtu 1400 >"$OUROBOROS_RUNDIR/got" 2>"$OUROBOROS_RUNDIR/client.log" ||
        fail "urllib over ouroboros://hub: $(cat "$OUROBOROS_RUNDIR/client.log")
server: $(cat "$OUROBOROS_RUNDIR/server.log")"
cmp -s "$WWW/page" "$OUROBOROS_RUNDIR/got" ||
        fail "the page changed on the way ($(wc -c <"$OUROBOROS_RUNDIR/got") bytes)"
# The explicit API (Pyco, DeviceInfo, pycotcp.socket) on a third plug:
# an HTTP/1.0 GET by hand, the body checked against the file.
api="import sys
from pycotcp.adapters import LwipAdapter
from pycotcp.pycotcp import Pyco, DeviceInfo
import pycotcp.socket as socket
ctx = LwipAdapter()
ioth = Pyco(context=ctx)
DeviceInfo(context=ctx).with_type('vde').with_name('vde0') \\
    .with_path('ouroboros://hub').with_address('10.40.0.3') \\
    .with_netmask('255.255.255.0').with_mtu(1400).create()
ioth.start_handler()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, context=ctx)
s.settimeout(10)
s.connect(('10.40.0.1', 8000))
s.sendall(b'GET /page HTTP/1.0\\r\\n\\r\\n')
d = b''
while True:
    b = s.recv(65536)
    if not b:
        break
    d += b
s.close()
ioth.stop_handler()
sys.stdout.buffer.write(d.split(b'\\r\\n\\r\\n', 1)[1])"
"$PY" -c "$api" >"$OUROBOROS_RUNDIR/got_api" 2>"$OUROBOROS_RUNDIR/api.log" ||
        fail "explicit API over ouroboros://hub: $(cat "$OUROBOROS_RUNDIR/api.log")"
cmp -s "$WWW/page" "$OUROBOROS_RUNDIR/got_api" ||
        fail "the page changed on the way to the explicit API"

# The server ends on SIGTERM, not on a fault (the plugin closed while
# the Ouroboros library's threads run: a crash before -z nodelete).
kill -TERM "$SERVER"
wait "$SERVER"
rc=$?
[ $rc = 143 ] || [ $rc = 0 ] ||
        fail "the server ended with status $rc: $(cat "$OUROBOROS_RUNDIR/server.log")"
echo "vdeplug pyco http over ouroboros://: ok"
