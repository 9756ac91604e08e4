#!/usr/bin/env bash
# The main demo: make sure an IRMd runs, bootstrap a local layer "demo",
# bind the oecho server to the name "oecho-demo" (started on demand by the
# IRMd) and send it a message. Then, if PycoTCP is installed (and
# OURO_DEMO_PYCOTCP is not 0), serve a page with an unmodified
# http.server inside one user-space TCP/IP stack and fetch it from
# another. Leaves the IRMd running for you to play with.
#
# The demo uses names of its own, so that README.md's walkthroughs (the
# layer "local", the name "oecho") work as written right after it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! irm ipcp list >/dev/null 2>&1; then
        log=${TMPDIR:-/tmp}/irmd.log
        echo "+ irmd --stdout >$log 2>&1 &"
        nohup irmd --stdout >"$log" 2>&1 </dev/null &
        for _ in $(seq 100); do
                irm ipcp list >/dev/null 2>&1 && break
                sleep 0.05
        done
fi

run() {
        echo "+ $*"
        "$@"
}

# Each step only if a previous run did not already do it.
irm ipcp list | grep -qw demo || run irm i b t local n demo l demo
oecho_row() { irm name list | awk '$1 == "oecho-demo"'; }
[ "$(oecho_row | awk '{print $NF}')" -gt 0 ] 2>/dev/null \
        || run irm n r oecho-demo l demo
[ "$(oecho_row | awk '{print $(NF-1)}')" -gt 0 ] 2>/dev/null \
        || run irm b prog "$(command -v oecho)" n oecho-demo auto -- -l
run oecho -n oecho-demo
echo

if [ "${OURO_DEMO_PYCOTCP:-1}" != 0 ] && [ -x scripts/demo-pycotcp.sh ] &&
        command -v pyco-wrapper >/dev/null; then
        run scripts/demo-pycotcp.sh
fi
