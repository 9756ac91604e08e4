#!/usr/bin/env bash
# Ouroboros - the scheduling policy of the IPCPs (irmd(8),
# OUROBOROS_IPCP_SCHED): every thread of an IPCP runs SCHED_OTHER by
# default; OUROBOROS_IPCP_SCHED=batch in the IRMd's environment makes
# them SCHED_BATCH (stages of a pipeline of processes that do not
# preempt the stage that woke them); a bad value is logged and other
# kept. Checked on a local and a unicast IPCP (the unicast one
# has worker threads: each must have it).
# ctest: TIMEOUT 60
. "$(dirname "$0")/../harness.sh"

# policies PID: the distinct scheduling policies of PID's threads
# (field 41 of /proc/PID/task/TID/stat: 0 SCHED_OTHER, 3 SCHED_BATCH).
policies() {
        local t s
        for t in /proc/"$1"/task/*; do
                s=$(cat "$t/stat" 2>/dev/null) || continue
                s=${s##*) }
                set -- $s
                echo "${39}"
        done | sort -u | paste -sd' '
}

# check RUNDIR WANT: every IPCP of the IRMd of RUNDIR has only WANT.
check() {
        local irmd=$1 want=$2 p n=0 got
        for p in $(children_of "$irmd"); do
                got=$(policies "$p")
                echo "ipcp $p ($(tr '\0' ' ' <"/proc/$p/cmdline")): policy $got"
                [ "$got" = "$want" ] ||
                        fail "IPCP $p: policies '$got', want '$want'"
                n=$((n + 1))
        done
        [ "$n" = 2 ] || fail "$n IPCPs under IRMd $irmd, want 2"
}

# two IPCPs (local, unicast) under the IRMd of the current rundir
ipcps() {
        "$BIN/irm" ipcp bootstrap type local name local layer local ||
                fail "bootstrap local"
        "$BIN/irm" ipcp bootstrap type unicast name uni layer net ||
                fail "bootstrap unicast"
}

unset OUROBOROS_IPCP_SCHED
irmd_start
ipcps
check "$IRMD_PID" 0

for v in batch bogus; do
        dir=$OUROBOROS_RUNDIR/$v
        mkdir -m 0700 "$dir"
        OUROBOROS_RUNDIR=$dir OUROBOROS_IPCP_SCHED=$v \
                bg "$BIN/irmd" --stdout >"$dir.log" 2>&1
        pid=${BG_PIDS[-1]}
        OUROBOROS_RUNDIR=$dir wait_for "$BIN/irm" ipcp list ||
                fail "irmd with OUROBOROS_IPCP_SCHED=$v"
        OUROBOROS_RUNDIR=$dir ipcps
        if [ $v = batch ]; then
                check "$pid" 3
        else
                check "$pid" 0
                grep -q "Bad OUROBOROS_IPCP_SCHED 'bogus'" "$dir.log" ||
                        fail "no warning for OUROBOROS_IPCP_SCHED=bogus"
        fi
done
echo PASS
