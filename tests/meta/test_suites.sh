#!/usr/bin/env bash
# Ouroboros - scripts/lib/suites.sh, the runner of scripts/test.sh: a
# suite killed mid-run (SIGTERM to the runner) or stopped by its time
# limit leaves nothing running, even processes that started their own
# session (an IRMd with an IPCP, a server); a suite's programs get
# SIGINT's default action; the summary lists the suites in the order they
# ran.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(cd "${OURO_BIN:-$ROOT/build/bin}" && pwd)
W=$(mktemp -d /tmp/ouro-suites.XXXXXX)
RUNNER=
cleanup() {
        [ -n "$RUNNER" ] && kill -KILL "$RUNNER" 2>/dev/null
        rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A suite that starts an IRMd and a server in sessions of their own,
# bootstraps an IPCP (a child of the IRMd), says so, and hangs.
cat >"$W/suite.sh" <<SH
export OUROBOROS_RUNDIR=\$1
mkdir -p "\$OUROBOROS_RUNDIR"
setsid "$BIN/irmd" --stdout >"\$OUROBOROS_RUNDIR.log" 2>&1 &
for _ in \$(seq 100); do
        "$BIN/irm" ipcp list >/dev/null 2>&1 && break
        sleep 0.05
done
"$BIN/irm" ipcp bootstrap type local name local layer local >/dev/null
setsid sleep 300 &
echo started >"\$2"
sleep 300
SH

# runner OUT MODE: source the library, run suites, print the summary
cat >"$W/runner.sh" <<SH
. "$ROOT/scripts/lib/suites.sh"
echo "\$OURO_TEST_TAG" >"\$1.tag"
if [ "\$2" = kill ]; then
        run_suite second 1 true
        run_suite first 120 bash "$W/suite.sh" "$W/rd-kill" "\$1.started"
else
        # a suite gets SIGINT's default action (not bash's ignored one)
        run_suite b-fast 60 python3 -c "import signal, sys; \\
sys.exit(signal.getsignal(signal.SIGINT) is not signal.default_int_handler)"
        run_suite a-slow 3 bash "$W/suite.sh" "$W/rd-limit" "\$1.started"
        run_suite c-fails 60 false
fi
suite_summary
SH

left() {  # tagged processes still alive
        local tag
        tag=$(cat "$1.tag")
        grep -lsxzF "OURO_TEST_TAG=$tag" /proc/[0-9]*/environ 2>/dev/null |
                while read -r f; do
                        p=${f#/proc/}
                        p=${p%/environ}
                        st=$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)
                        [ -n "$st" ] && [ "$st" != Z ] && echo "$p"
                done
}

# 1. SIGTERM to the runner while a suite runs
bash "$W/runner.sh" "$W/k" kill >"$W/k.out" 2>&1 &
RUNNER=$!
for _ in $(seq 200); do
        [ -e "$W/k.started" ] && break
        kill -0 "$RUNNER" 2>/dev/null || { cat "$W/k.out"; fail "runner died"; }
        sleep 0.05
done
[ -e "$W/k.started" ] || { cat "$W/k.out"; fail "the suite did not start"; }
[ -n "$(left "$W/k")" ] || fail "no tagged process found while running"
kill -TERM "$RUNNER"
rc=0
for _ in $(seq 150); do
        kill -0 "$RUNNER" 2>/dev/null || break
        sleep 0.1
done
kill -0 "$RUNNER" 2>/dev/null && fail "runner still running 15 s after SIGTERM"
wait "$RUNNER" || rc=$?
RUNNER=
cat "$W/k.out"
[ "$rc" -eq 143 ] || fail "runner killed by SIGTERM exited $rc, not 143"
[ -z "$(left "$W/k")" ] || fail "left running after SIGTERM: $(left "$W/k")"
grep -q "first: *FAIL (interrupted)" "$W/k.out" || fail "no 'interrupted' result"
[ "$(grep -E '^  (second|first):' "$W/k.out" | awk '{print $1}' | tr -d '\n')" = \
        "second:first:" ] || fail "summary not in run order"

# 2. a suite past its time limit; order of the summary
timeout 120 bash "$W/runner.sh" "$W/l" limit >"$W/l.out" 2>&1
rc=$?
cat "$W/l.out"
[ "$rc" -eq 1 ] || fail "runner with failed suites exited $rc, not 1"
[ -e "$W/l.started" ] || fail "the slow suite did not start"
[ -z "$(left "$W/l")" ] || fail "left running after the time limit: $(left "$W/l")"
grep -q "a-slow: *FAIL (time limit of 3 s reached" "$W/l.out" ||
        fail "time limit not reported"
[ "$(grep -E '^  [abc]-' "$W/l.out" | awk '{print $1}' | tr -d '\n')" = \
        "b-fast:a-slow:c-fails:" ] || fail "summary not in run order"
grep -q "suites: 1 passed, 2 failed" "$W/l.out" || fail "wrong counts"
echo PASS
