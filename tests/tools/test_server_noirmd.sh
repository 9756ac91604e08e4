#!/bin/bash
# A server whose IRMd dies (and one started without an IRMd) says so in
# one line and exits non-zero within seconds, instead of printing an
# accept error ten times a second forever: oping, operf, ocbr and oecho.
. "$(dirname "$0")/lib.sh"

# check_exit TOOL OUT PID: PID exits within 5 s, non-zero, after one
# line naming the IRMd, and no repeated accept errors.
check_exit() {
        local tool=$1 out=$2 pid=$3 rc lines
        wait_gone "$pid" 5 \
                || fail "$tool -l still runs 5 s without its IRMd: $(head -5 "$out")"
        wait "$pid"
        rc=$?
        [ $rc -ne 0 ] || fail "$tool -l exited 0 without its IRMd"
        lines=$(grep -c "IRMd" "$out")
        [ "$lines" -eq 1 ] \
                || fail "$tool -l: $lines lines about the IRMd: $(head -5 "$out")"
        grep -q "accept failed" "$out" \
                && fail "$tool -l repeats accept errors: $(head -5 "$out")"
        echo "ok: $tool -l: $(grep "IRMd" "$out") (exit $rc)"
}

irmd_start
local_layer
pids=()
for tool in oping operf ocbr oecho; do
        start_server "$tool" "$tool"
        pids+=("$SERVER_PID")
done
stop_pids "$IRMD_PID"
IRMD_PID=
i=0
for tool in oping operf ocbr oecho; do
        check_exit "$tool" "$OUROBOROS_RUNDIR/$tool.out" "${pids[$i]}"
        i=$((i + 1))
done

# never had one: the same
for tool in oping operf ocbr oecho; do
        out=$OUROBOROS_RUNDIR/$tool.noirmd
        OUROBOROS_RUNDIR=$OUROBOROS_RUNDIR/none "$BIN/$tool" -l >"$out" 2>&1 &
        check_exit "$tool" "$out" $!
done
echo "PASS: servers stop once without an IRMd"
