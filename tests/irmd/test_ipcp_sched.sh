#!/usr/bin/env bash
# Ouroboros - the scheduling policy of the IPCPs (irmd(8),
# OUROBOROS_IPCP_SCHED). Checked on a local and a unicast IPCP (the
# unicast one has worker threads: each must have its policy):
#  - default (auto): every thread starts SCHED_OTHER; a 1 s operf flood
#    through the unicast IPCP (to a name on the same member) turns its
#    loop thread SCHED_BATCH (loop.sched_to_batch, and the policy seen
#    while it runs); lock-step pings after it turn it back
#    (loop.sched_to_other, loop.sched_batch 0, every thread
#    SCHED_OTHER again);
#  - batch: every thread SCHED_BATCH;
#  - other: every thread SCHED_OTHER, and the same flood changes none;
#  - a bad value: logged, auto kept.
# ctest: TIMEOUT 90
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

# check IRMD WANT: every IPCP of the IRMd with pid IRMD has only WANT.
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

# ustat NAME: counter NAME of the unicast IPCP "uni" (empty if none)
ustat() {
        "$BIN/irm" ipcp stat name uni |
                awk -v k="$1" '$1 == k { print $2; exit }'
}

# flood IRMD: servers for "perf" and "pong" in layer net, then a
# 1-second operf flood through "uni" of the IRMd with pid IRMD (of the
# current rundir); sets UNI (its pid) and SEEN (1 if a thread of it ran
# SCHED_BATCH during the flood).
flood() {
        local p i log=$OUROBOROS_RUNDIR/flood.log
        UNI=
        for p in $(children_of "$1"); do
                grep -q ipcpd-unicast "/proc/$p/cmdline" 2>/dev/null && UNI=$p
        done
        [ -n "$UNI" ] || fail "no unicast IPCP under IRMd $1"
        "$BIN/irm" name register perf layer net &&
        "$BIN/irm" bind program "$BIN/operf" name perf &&
        "$BIN/irm" name register pong layer net &&
        "$BIN/irm" bind program "$BIN/oping" name pong ||
                fail "register perf and pong"
        bg "$BIN/operf" -l >/dev/null 2>&1
        bg "$BIN/oping" -l >/dev/null 2>&1
        sleep 0.3
        bg "$BIN/operf" -n perf -d 1 -s 1000 >"$log" 2>&1
        SEEN=0
        for i in $(seq 20); do  # the loop's policy, while it floods
                case " $(policies "$UNI") " in *" 3 "*) SEEN=1 ;; esac
                sleep 0.05
        done
        wait "${BG_PIDS[-1]}" || fail "flood: $(cat "$log")"
        echo "flood: $(grep -E '^(sent|server):' "$log" | paste -sd' ')"
        echo "loop.sched_to_batch '$(ustat loop.sched_to_batch)'," \
             "SCHED_BATCH seen while flooding: $SEEN"
}

# auto_check IRMD: the flood turns the loop SCHED_BATCH, pings turn it
# back.
auto_check() {
        local out
        flood "$1"
        [ "$(ustat loop.sched_to_batch)" -ge 1 ] 2>/dev/null ||
                fail "auto: the flood did not turn the loop SCHED_BATCH"
        [ "$SEEN" = 1 ] ||
                fail "auto: no thread of the IPCP SCHED_BATCH during the flood"
        out=$("$BIN/oping" -n pong -c 10 -i 100ms 2>&1) ||
                fail "auto: oping: $out"
        echo "after pings: loop.sched_batch $(ustat loop.sched_batch)," \
             "loop.sched_to_other $(ustat loop.sched_to_other)"
        [ "$(ustat loop.sched_batch)" = 0 ] &&
        [ "$(ustat loop.sched_to_other)" -ge 1 ] 2>/dev/null ||
                fail "auto: pings did not turn the loop back to SCHED_OTHER"
        [ "$(policies "$UNI")" = 0 ] ||
                fail "auto: policies '$(policies "$UNI")' after the pings"
}

unset OUROBOROS_IPCP_SCHED
irmd_start
ipcps
check "$IRMD_PID" 0
auto_check "$IRMD_PID"

for v in batch bogus other; do
        dir=$OUROBOROS_RUNDIR/$v
        mkdir -m 0700 "$dir"
        OUROBOROS_RUNDIR=$dir OUROBOROS_IPCP_SCHED=$v \
                bg "$BIN/irmd" --stdout >"$dir.log" 2>&1
        pid=${BG_PIDS[-1]}
        OUROBOROS_RUNDIR=$dir wait_for "$BIN/irm" ipcp list ||
                fail "irmd with OUROBOROS_IPCP_SCHED=$v"
        OUROBOROS_RUNDIR=$dir ipcps
        case $v in
        batch)
                check "$pid" 3 ;;
        bogus)
                check "$pid" 0
                grep -q "Bad OUROBOROS_IPCP_SCHED 'bogus'" "$dir.log" ||
                        fail "no warning for OUROBOROS_IPCP_SCHED=bogus" ;;
        other)
                check "$pid" 0
                OUROBOROS_RUNDIR=$dir flood "$pid"
                [ "$SEEN" = 0 ] && [ -z "$(OUROBOROS_RUNDIR=$dir ustat \
                        loop.sched_to_batch)" ] ||
                        fail "other: the flood changed the policy"
                check "$pid" 0 ;;
        esac
done
echo PASS
