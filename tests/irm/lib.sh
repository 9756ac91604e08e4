# Ouroboros - helpers for the irm tests (sourced after ../harness.sh).
#
#   irm_ok cmd...                  irm must succeed; its stdout in $OUT
#   irm_err CODE REGEX args...     irm must exit with CODE and print one
#                                  line "irm: ..." on stderr matching REGEX
#                                  (grep -E) and nothing on stdout

irm_ok() {
        local err=$OUROBOROS_RUNDIR/irm.err
        OUT=$("$BIN/irm" "$@" 2>"$err") ||
                fail "irm $* exited $? ($(cat "$err"))"
        [ -s "$err" ] && fail "irm $* printed on stderr: $(cat "$err")"
        return 0
}

irm_err() {
        local code=$1 re=$2 rc out err lines
        shift 2
        err=$OUROBOROS_RUNDIR/irm.err
        out=$("$BIN/irm" "$@" 2>"$err")
        rc=$?
        [ "$rc" -eq "$code" ] ||
                fail "irm $*: exit $rc, expected $code ($(cat "$err"))"
        lines=$(wc -l <"$err")
        [ "$lines" -eq 1 ] ||
                fail "irm $*: $lines lines on stderr, expected 1: $(cat "$err")"
        grep -q '^irm: ' "$err" ||
                fail "irm $*: message lacks 'irm: ': $(cat "$err")"
        grep -Eq -- "$re" "$err" ||
                fail "irm $*: message '$(cat "$err")' does not match '$re'"
        [ -z "$out" ] || fail "irm $*: printed on stdout: $out"
        return 0
}

# Make the fake IPCP of the IRMd tests (src/irmd/tests/fake_ipcpd.c)
# the ipcpd-T of each type T given, for the IRMds started from now on.
fake_ipcps() {
        local fake=${FAKE_IPCPD:-$BIN/../src/irmd/tests/fakebin/ipcpd-local}
        local t
        [ -x "$fake" ] || fail "no fake ipcpd at $fake (built with the IRMd tests)"
        mkdir -p "$OUROBOROS_RUNDIR/fakebin"
        for t in "$@"; do
                cp "$fake" "$OUROBOROS_RUNDIR/fakebin/ipcpd-$t"
        done
        export OUROBOROS_IPCPD_DIR=$OUROBOROS_RUNDIR/fakebin
}

# The row of an IPCP in `irm ipcp list`: pid type name layer state.
ipcp_row() {
        "$BIN/irm" ipcp list | awk -v n="$1" 'NR > 1 && $3 == n'
}

# The row of a name in `irm name list`: name policy procs progs layers.
name_row() {
        "$BIN/irm" name list | awk -v n="$1" 'NR > 1 && $1 == n'
}

# Stop the private IRMd and the IPCPs it started (to start another one).
irmd_stop() {
        local kids
        [ -n "$IRMD_PID" ] || return 0
        kids=($(children_of "$IRMD_PID"))
        stop_pids "$IRMD_PID"
        stop_pids "${kids[@]:-}"
        IRMD_PID=
}
