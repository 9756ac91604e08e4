#!/usr/bin/env bash
# PycoTCP demo: an unmodified `python3 -m http.server` runs inside one
# user-space TCP/IP stack (10.40.0.1) and urllib inside another
# (10.40.0.2) fetches its page, both on a private VDE switch with no tap:
# the frames never leave the switch. Cleans up after itself.
set -euo pipefail

dir=$(mktemp -d /tmp/pyco-demo.XXXXXX)
srv=
cleanup() {
        if [ -n "$srv" ]; then
                kill "$srv" 2>/dev/null || true
                wait "$srv" 2>/dev/null || true
        fi
        pyco-vde-setup stop "$dir/sw.ctl" >/dev/null 2>&1 || true
        rm -rf "$dir"
}
trap cleanup EXIT

mkdir "$dir/www"
echo "hello from an http.server inside its own TCP/IP stack" >"$dir/www/index.html"

echo "+ pyco-vde-setup start --no-tap $dir/sw.ctl"
pyco-vde-setup start --no-tap "$dir/sw.ctl"
echo "+ pyco-wrapper -m http.server 8000 -a 10.40.0.1/24 -f $dir/sw.ctl &"
(cd "$dir/www" && exec pyco-wrapper -m http.server 8000 -a 10.40.0.1/24 \
        -f "$dir/sw.ctl" >"$dir/server.log" 2>&1) &
srv=$!

fetch="import urllib.request; print(urllib.request.urlopen('http://10.40.0.1:8000/', timeout=5).read().decode(), end='')"
echo "+ pyco-wrapper -e \"urllib.request.urlopen('http://10.40.0.1:8000/')...\" -a 10.40.0.2/24 -f $dir/sw.ctl"
for _ in $(seq 20); do
        if pyco-wrapper -e "$fetch" -a 10.40.0.2/24 -f "$dir/sw.ctl" 2>/dev/null; then
                exit 0
        fi
        sleep 0.5
done
echo "demo-pycotcp: could not fetch the page; server log:" >&2
cat "$dir/server.log" >&2
exit 1
