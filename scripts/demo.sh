#!/usr/bin/env bash
# The main demo: make sure an IRMd runs, bootstrap a local layer, bind the
# oecho server to the name "oecho" (started on demand by the IRMd) and
# send it a message. Then, if PycoTCP is installed, serve a page with an
# unmodified http.server inside one user-space TCP/IP stack and fetch it
# from another. Leaves the IRMd running for you to play with.
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
irm ipcp list | grep -qw local || run irm i b t local n local l local
oecho_row() { irm name list | awk '$1 == "oecho"'; }
[ "$(oecho_row | awk '{print $NF}')" -gt 0 ] 2>/dev/null \
        || run irm n r oecho l local
[ "$(oecho_row | awk '{print $(NF-1)}')" -gt 0 ] 2>/dev/null \
        || run irm b prog "$(command -v oecho)" n oecho auto -- -l
run oecho
echo

if [ -x scripts/demo-pycotcp.sh ] && command -v pyco-wrapper >/dev/null; then
        run scripts/demo-pycotcp.sh
fi
