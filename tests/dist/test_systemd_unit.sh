#!/usr/bin/env bash
# Ouroboros - the IRMd's systemd unit (dist/irmd.service.in, configured
# into BUILD/dist/irmd.service): systemd-analyze verify finds nothing to
# say about it (pointed at the built irmd), and its ExecStart, run the
# way systemd runs it (a fresh RuntimeDirectory of mode 0700, SIGTERM to
# the IRMd only), starts an IRMd that serves, stops its IPCP itself and
# exits 0, leaving the directory empty.
. "$(dirname "$0")/../harness.sh"

unit=$BIN/../dist/irmd.service
[ -f "$unit" ] || fail "no $unit (configured by CMake)"
command -v systemd-analyze >/dev/null || skip "no systemd-analyze"

grep -qx "Type=simple" "$unit" || fail "not Type=simple"
grep -qx "RuntimeDirectory=ouroboros" "$unit" || fail "no RuntimeDirectory"
grep -qx "KillMode=mixed" "$unit" || fail "not KillMode=mixed"
read -r -a cmd <<<"$(sed -n 's/^ExecStart=//p' "$unit")"
set -- "${cmd[@]}"
exec_start="$*"
[ "$(basename "$1")" = irmd ] || fail "ExecStart is not irmd: $exec_start"
shift
args=("$@")

# verify the unit as installed, with ExecStart at the built irmd
mkdir "$OUROBOROS_RUNDIR/u"
sed "s|^ExecStart=[^ ]*|ExecStart=$BIN/irmd|" "$unit" \
        >"$OUROBOROS_RUNDIR/u/irmd.service"
out=$(systemd-analyze verify "$OUROBOROS_RUNDIR/u/irmd.service" 2>&1) ||
        fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify says: $out"

# run it as systemd would
rd=$OUROBOROS_RUNDIR/run-ouroboros
mkdir -m 0700 "$rd"
OUROBOROS_RUNDIR=$rd "$BIN/irmd" "${args[@]}" >"$OUROBOROS_RUNDIR/irmd.log" 2>&1 &
pid=$!
OUROBOROS_RUNDIR=$rd wait_for "$BIN/irm" ipcp list || fail "the unit's irmd did not start"
OUROBOROS_RUNDIR=$rd "$BIN/irm" i b t local n local l local || fail "bootstrap"
ipcp=$(pgrep -P "$pid")
[ -n "$ipcp" ] || fail "no IPCP started"
kill -TERM "$pid"
wait_gone "$pid" || fail "irmd still runs 10 s after SIGTERM"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "irmd exited $rc after SIGTERM"
for p in $ipcp; do
        kill -0 "$p" 2>/dev/null && fail "IPCP $p left running"
done
[ -z "$(ls -A "$rd")" ] || fail "left in the runtime directory: $(ls -A "$rd")"
echo PASS
