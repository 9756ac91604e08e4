#!/usr/bin/env bash
# The IRMd runs without root: as user "nobody", with the runtime
# directory chosen from $XDG_RUNTIME_DIR (no OUROBOROS_RUNDIR), the
# socket and directory are private to that user, and a flow works.
. "$(dirname "$0")/../harness.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root to switch to user nobody"
command -v setpriv >/dev/null || fail "setpriv (util-linux) missing"

# The binaries must be reachable by nobody.
setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$BIN/irmd" \
        || skip "$BIN not accessible to user nobody"

chmod 0711 "$OUROBOROS_RUNDIR"   # nobody may traverse, not list
xdg=$OUROBOROS_RUNDIR/xdg
mkdir -m 0700 "$xdg"
chown 65534:65534 "$xdg"

as_nobody() {
        env -u OUROBOROS_RUNDIR XDG_RUNTIME_DIR="$xdg" \
                setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

env -u OUROBOROS_RUNDIR XDG_RUNTIME_DIR="$xdg" \
        setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$BIN/irmd" --stdout >"$OUROBOROS_RUNDIR/irmd-nobody.log" 2>&1 &
nobody_irmd=$!
BG_PIDS+=("$nobody_irmd")

wait_for as_nobody "$BIN/irm" ipcp list \
        || { cat "$OUROBOROS_RUNDIR/irmd-nobody.log"; fail "irmd as nobody did not start"; }

sock=$xdg/ouroboros/irmd.sock
[ -S "$sock" ] || fail "socket not at \$XDG_RUNTIME_DIR/ouroboros/irmd.sock"
[ "$(stat -c %U "$sock")" = nobody ] || fail "socket not owned by nobody"
mode=$(stat -c %a "$sock")
[ $((0$mode & 077)) -eq 0 ] || fail "socket mode $mode gives access to others"
mode=$(stat -c %a "$xdg/ouroboros")
[ "$mode" = 700 ] || fail "runtime dir mode $mode, expected 700"

as_nobody "$BIN/irm" i b t local n local l local || fail "bootstrap as nobody"
as_nobody "$BIN/irm" n r oecho l local || fail "register as nobody"
as_nobody "$BIN/irm" b prog "$BIN/oecho" n oecho auto -- -l || fail "bind as nobody"
out=$(as_nobody timeout 10 "$BIN/oecho" -m "hello from nobody") \
        || fail "oecho as nobody failed: $out"
echo "$out" | grep -q "hello from nobody" || fail "no echo: $out"

# The IPCP and the auto-started server run as nobody too.
for p in $(pgrep -P "$nobody_irmd"); do
        [ "$(stat -c %U /proc/$p)" = nobody ] || fail "child $p not running as nobody"
done

# Root's instance is not reachable through nobody's directory and vice versa.
OUROBOROS_RUNDIR=$OUROBOROS_RUNDIR/none "$BIN/irm" ipcp list >/dev/null 2>&1 \
        && fail "irm reached an IRMd through an empty runtime dir"

kill -TERM "$nobody_irmd"
for _ in $(seq 50); do
        kill -0 "$nobody_irmd" 2>/dev/null || break
        sleep 0.1
done
kill -0 "$nobody_irmd" 2>/dev/null && fail "irmd as nobody ignored SIGTERM"
[ -e "$sock" ] && fail "socket left behind after shutdown"
echo "PASS"
